"""`microcred issue-bulk`, `revoke`, `suspend`, `unsuspend`, `audit`, `credentials`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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

from microcred.cli.instance import open_instance
from microcred.cli.output import EXIT_INVALID, console, err_console, fail_usage, print_json
from microcred.services import credentials
from microcred.services.organisations import OrganisationError


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
        Path,
        typer.Option(
            help="Folder for one credential file per learner, summary.json and errors.csv."
        ),
    ],
    workers: Annotated[
        int | None, typer.Option(help="Signing processes (default: every core).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Issue a credential to every good row of a CSV; resumable: run it again to finish."""
    from microcred.services.bulk import BulkError, count_rows, issue_csv

    instance = open_instance()
    if not csv.is_file():
        fail_usage(f"{csv}: no such file")
    total = count_rows(csv)
    columns = [
        TextColumn("[bold]issuing"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=err_console, disable=as_json, transient=False) as progress:
        task = progress.add_task("issue", total=total, rate="")

        def advance(n: int) -> None:
            progress.advance(task, n)
            elapsed = progress.tasks[0].elapsed or 0
            if elapsed:
                progress.update(task, rate=f"{progress.tasks[0].completed / elapsed:,.0f}/s")

        try:
            summary = issue_csv(
                instance, org, spec, csv, out_dir, workers=workers, progress=advance
            )
        except (BulkError, OrganisationError) as exc:
            fail_usage(str(exc))
    if as_json:
        print_json(summary.to_json())
    else:
        console.print(
            f"{summary.issued} issued, {summary.already_issued} already issued, {summary.errors} row(s) with errors "
            f"(of {summary.total_rows}). Files in {summary.out_dir}",
            highlight=False,
        )
        if summary.error_report:
            console.print(f"Error report: {summary.error_report}", highlight=False)
    raise typer.Exit(EXIT_INVALID if summary.errors else 0)


def revoke(
    credential_id: Annotated[str, typer.Argument(help="The credential's id (urn:uuid:...).")],
    reason: Annotated[str, typer.Option(help="Why it is revoked (kept in the audit log).")],
    org: Annotated[str | None, typer.Option(help="Only if issued by this organisation.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Revoke a credential for good (Bitstring Status List, purpose revocation)."""
    try:
        result = credentials.revoke(open_instance(), credential_id, reason=reason, org_ref=org)
    except OrganisationError as exc:
        fail_usage(str(exc))
    _done(result, "revoked", as_json)


def suspend(
    credential_id: Annotated[str, typer.Argument(help="The credential's id.")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
    org: Annotated[str | None, typer.Option(help="Only if issued by this organisation.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Suspend a credential (it can be unsuspended)."""
    try:
        result = credentials.set_suspended(
            open_instance(), credential_id, True, reason=reason, org_ref=org
        )
    except OrganisationError as exc:
        fail_usage(str(exc))
    _done(result, "suspended", as_json)


def unsuspend(
    credential_id: Annotated[str, typer.Argument(help="The credential's id.")],
    org: Annotated[str | None, typer.Option(help="Only if issued by this organisation.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Lift a suspension."""
    try:
        result = credentials.set_suspended(open_instance(), credential_id, False, org_ref=org)
    except OrganisationError as exc:
        fail_usage(str(exc))
    _done(result, "active again", as_json)


def _done(result: credentials.IssuedView, what: str, as_json: bool) -> None:
    if as_json:
        print_json(result.to_json(with_document=False))
    else:
        console.print(f"{result.id}: {what}", highlight=False)


def audit(
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    limit: Annotated[int, typer.Option(help="How many entries, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the audit log of an organisation (issuance, revocation, suspension, tokens)."""
    from microcred.services import audit as audit_service
    from microcred.services.organisations import find
    from microcred.store.db import transaction

    instance = open_instance()
    try:
        with transaction(instance.sessions) as session:
            entries = audit_service.entries(session, find(session, org).id, limit)
    except OrganisationError as exc:
        fail_usage(str(exc))
    if as_json:
        print_json([e.to_json() for e in entries])
        return
    table = Table("when", "who", "action", "subject", box=None)
    for e in entries:
        table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action, e.subject or "")
    console.print(table)
