"""`microcred issue-bulk` (as a job), `microcred worker` and `microcred jobs ...`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import EXIT_INVALID, console, err_console, fail_usage, print_json
from microcred.services.instance import Instance

app = typer.Typer(
    help="Bulk jobs and their progress (from the database: the same on every machine).",
    invoke_without_command=True,
)


def _progress(disable: bool) -> Progress:
    return Progress(
        TextColumn("[bold]issuing"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err_console,
        disable=disable,
        transient=False,
    )


def _rate(progress: Progress, task: object) -> None:
    current = progress.tasks[0]
    if current.elapsed:
        progress.update(current.id, rate=f"{current.completed / current.elapsed:,.0f}/s")


def _print_summary(summary_json: dict[str, object], as_json: bool, job_id: str) -> None:
    if as_json:
        print_json({**summary_json, "job_id": job_id})
        return
    console.print(
        f"{summary_json['issued']} issued, {summary_json['already_issued']} already issued, "
        f"{summary_json['errors']} row(s) with errors (of {summary_json['total_rows']}). "
        f"Files in {summary_json['out_dir']}  (job {job_id})",
        highlight=False,
    )
    if summary_json.get("error_report"):
        console.print(f"Error report: {summary_json['error_report']}", highlight=False)


def _wait_and_write(
    instance: Instance, job_id: str, out_dir: Path | None, as_json: bool, timeout: float | None
) -> None:
    from microcred.services import bulk_jobs as bulk

    view = bulk.get(instance, job_id)
    with _progress(as_json) as progress:
        task = progress.add_task("issue", total=view.total_rows, rate="")

        written: set[int] = set()

        def update(current: bulk.JobView) -> None:
            progress.update(task, completed=current.rows_done)
            _rate(progress, task)
            if out_dir is not None and current.chunks_done > len(written):
                # the files of finished chunks now, rather than all of them at the end
                bulk.write_finished_chunks(instance, job_id, out_dir, written)

        try:
            view = bulk.wait_for(instance, job_id, progress=update, timeout=timeout)
        except bulk.JobInterrupted as exc:
            fail_usage(f"{exc}: `microcred jobs resume {job_id}`")
        except TimeoutError as exc:
            fail_usage(str(exc))
    _finish(instance, job_id, view, out_dir, as_json)


@handles_errors()
def issue_bulk(
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    spec: Annotated[
        str, typer.Option(help="Specification version id (or spec key for the latest version).")
    ],
    csv: Annotated[
        Path,
        typer.Option(
            "--csv",
            help="CSV with learner_name, learner_id, issued_on [, grade, narrative, evidence_url, row_key].",
        ),
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder for one credential file per learner, summary.json and errors.csv "
            "(written once the job is done; needed unless --no-wait)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="In-process runs: signing processes (default: every core)."),
    ] = None,
    queue: Annotated[
        bool | None,
        typer.Option(
            "--queue/--in-process",
            help="Run on the PostgreSQL job queue (`microcred worker` processes) or here. "
            "Default: the queue when the database is PostgreSQL and a worker is alive.",
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait",
            help="Queue runs: wait for the job and write the files (default), or only submit.",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Issue a credential to every good row of a CSV, as a job; resumable: run it again to finish.

    The rows are stored in the database in chunks; with PostgreSQL and live
    `microcred worker` processes the chunks run on the queue (on any machine),
    otherwise here. Submitting the same CSV again resumes the unfinished job.
    """
    from microcred.jobs import queue as job_queue
    from microcred.services import bulk_jobs as bulk

    if out_dir is None and wait:
        fail_usage("--out-dir is needed (or --no-wait to submit the job and return)")
    instance = open_instance()
    if not csv.is_file():
        fail_usage(f"{csv}: no such file")
    try:
        on_queue = bulk.use_queue(instance, queue)
    except bulk.QueueUnavailable:
        fail_usage("--queue needs a PostgreSQL database (MICROCRED_DATABASE_URL)")
    if not on_queue and not wait:
        fail_usage("--no-wait needs the queue (--queue, PostgreSQL and `microcred worker`)")
    started = bulk.start(
        instance, org, spec, csv, enqueue=job_queue.enqueue, queue=on_queue, actor="cli"
    )
    job_id = started.job_id
    if started.resumed and not as_json:
        err_console.print(f"resuming job {job_id}", highlight=False)
    if started.on_queue:
        if not as_json:
            err_console.print(
                f"job {job_id}: {started.queued_chunks} chunk(s) queued for the workers",
                highlight=False,
            )
        if not wait:
            if as_json:
                print_json(bulk.get(instance, job_id).to_json())
            return
        _wait_and_write(instance, job_id, out_dir, as_json, None)
        return
    view = bulk.get(instance, job_id)
    with _progress(as_json) as progress:
        task = progress.add_task("issue", total=view.total_rows, rate="")
        progress.update(task, completed=view.rows_done)

        def advance(n: int) -> None:
            progress.advance(task, n)
            _rate(progress, task)

        bulk.run_in_process(instance, job_id, workers=workers, progress=advance, out_dir=out_dir)
    assert out_dir is not None
    summary = bulk.write_output(instance, job_id, out_dir)
    _print_summary(summary.to_json(), as_json, job_id)
    raise typer.Exit(EXIT_INVALID if summary.errors else 0)


def worker(
    concurrency: Annotated[
        int, typer.Option(help="Jobs run at once by this process (threads).", min=1, max=64)
    ] = 1,
    queue: Annotated[
        list[str] | None,
        typer.Option("--queue", help="Only these queues (bulk, periodic); default: all."),
    ] = None,
    heartbeat: Annotated[
        float, typer.Option(help="Seconds between this worker's heartbeats.", min=0.2)
    ] = 5.0,
    stalled_after: Annotated[
        float,
        typer.Option(
            help="Seconds without a heartbeat after which another worker's running jobs "
            "are queued again.",
            min=1.0,
        ),
    ] = 30.0,
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="Exit once the queue is empty.")
    ] = False,
) -> None:
    """Run queued jobs (PostgreSQL): bulk chunks, status-list publication, re-verification.

    Start one per core on any number of machines against the same database.
    SIGTERM or Ctrl-C finishes the job in hand, then exits.
    """
    from microcred.jobs import queue as job_queue
    from microcred.services.bulk_jobs import is_postgres

    instance = open_instance()
    if not is_postgres(instance.settings.database_url):
        fail_usage(
            "workers need a PostgreSQL database (MICROCRED_DATABASE_URL); with SQLite, "
            "jobs run in-process (`microcred issue-bulk`, `microcred jobs run-periodic`)"
        )
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from microcred.api.log_redaction import install as redact_logs

    redact_logs()  # no secret in the worker's log lines either
    from microcred.services.bulk_jobs import worker_name

    logging.getLogger("microcred.jobs").info("worker %s starting", worker_name())
    job_queue.run_worker(
        instance,
        concurrency=concurrency,
        heartbeat=heartbeat,
        stalled_after=stalled_after,
        queues=queue or None,
        wait=not until_empty,
    )
    instance.close()


def _show(view: object) -> None:
    from microcred.services.bulk_jobs import JobView

    assert isinstance(view, JobView)
    table = Table(box=None, show_header=False)
    for key, value in view.to_json().items():
        table.add_row(key, "-" if value is None else str(value))
    console.print(table)


@app.callback()
@handles_errors()
def jobs(
    ctx: typer.Context,
    org: Annotated[str | None, typer.Option(help="Only this organisation's jobs.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List bulk jobs with their progress (rows done / total, errors, state)."""
    if ctx.invoked_subcommand is not None:
        return
    from microcred.services import bulk_jobs as bulk

    instance = open_instance()
    bulk.recover_interrupted(instance)  # a job whose process stopped is shown as such
    views = bulk.list_jobs(instance, org_ref=org, limit=limit)
    if as_json:
        print_json([v.to_json() for v in views])
        return
    table = Table("id", "org", "source", "state", "mode", "rows", "issued", "errors", "created")
    for v in views:
        table.add_row(
            v.id,
            v.org,
            v.source,
            v.state,
            v.mode,
            f"{v.rows_done}/{v.total_rows}",
            f"{v.issued} (+{v.already_issued} already)",
            str(v.errors),
            v.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    console.print(table)


@app.command("show")
@handles_errors()
def show(
    job_id: Annotated[str, typer.Argument(help="The job's id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One job's progress and counts."""
    from microcred.services import bulk_jobs as bulk

    view = bulk.get(open_instance(), job_id, recover=True)
    if as_json:
        print_json(view.to_json())
    else:
        _show(view)


@app.command("wait")
@handles_errors()
def wait_job(
    job_id: Annotated[str, typer.Argument(help="The job's id.")],
    out_dir: Annotated[
        Path | None,
        typer.Option(help="Write the credential files, summary.json and errors.csv here."),
    ] = None,
    timeout: Annotated[float | None, typer.Option(help="Give up after this many seconds.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Wait for a job to finish (any machine), then optionally write its files."""
    from microcred.services import bulk_jobs as bulk

    instance = open_instance()
    bulk.get(instance, job_id)
    _wait_and_write(instance, job_id, out_dir, as_json, timeout)


@app.command("resume")
@handles_errors()
def resume_job(
    job_id: Annotated[str, typer.Argument(help="The interrupted job's id (`microcred jobs`).")],
    out_dir: Annotated[
        Path | None,
        typer.Option(help="Write the credential files, summary.json and errors.csv here."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Signing processes (default: every core).", min=1)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Finish an interrupted job here (its process stopped): only the rows not committed yet
    are issued, none twice (row keys)."""
    from microcred.services import bulk_jobs as bulk

    instance = open_instance()
    view = bulk.get(instance, job_id, recover=True)
    with _progress(as_json) as progress:
        task = progress.add_task("issue", total=view.total_rows, rate="")
        progress.update(task, completed=view.rows_done)

        def advance(n: int) -> None:
            progress.advance(task, n)
            _rate(progress, task)

        view = bulk.resume(instance, job_id, workers=workers, progress=advance, out_dir=out_dir)
    _finish(instance, job_id, view, out_dir, as_json)


@app.command("run-periodic")
def run_periodic(
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="publish-status-lists, reverify-wallets or recover-bulk-jobs (default: all).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run the scheduled jobs once, here (SQLite; cron it). PostgreSQL workers run them
    on their own schedule: status lists every 10 minutes, wallets daily."""
    from microcred.jobs.periodic import PERIODIC

    names = only or list(PERIODIC)
    unknown = [n for n in names if n not in PERIODIC]
    if unknown:
        fail_usage(f"unknown job(s) {', '.join(unknown)}; choose from {', '.join(PERIODIC)}")
    instance = open_instance()
    results = {name: PERIODIC[name](instance) for name in names}
    if as_json:
        print_json(results)
    else:
        for name, result in results.items():
            console.print(
                f"{name}: {', '.join(f'{k} {v}' for k, v in result.items())}", highlight=False
            )


def _finish(instance: Any, job_id: str, view: Any, out_dir: Path | None, as_json: bool) -> NoReturn:
    """A finished job: its view, or its files written to ``out_dir`` and their summary."""
    from microcred.services import bulk_jobs as bulk

    if out_dir is None:
        if as_json:
            print_json(view.to_json())
        else:
            _show(view)
        raise typer.Exit(EXIT_INVALID if view.errors else 0)
    summary = bulk.write_output(instance, job_id, out_dir)
    _print_summary(summary.to_json(), as_json, job_id)
    raise typer.Exit(EXIT_INVALID if summary.errors else 0)
