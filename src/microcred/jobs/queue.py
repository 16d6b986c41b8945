"""The PostgreSQL job queue (procrastinate): tasks, deferring, and `microcred worker`.

Tasks (namespace ``microcred``):

* ``microcred:issue_chunk`` (queue ``bulk``): one chunk of a bulk job.
  Idempotent, so a re-run is always safe; retried on errors (RetryStrategy)
  and, when the worker running it dies (SIGKILL, power loss), re-queued by any
  other live worker once the dead one's heartbeat is older than
  ``stalled_after`` seconds (the stalled-job reaper below).
* ``microcred:publish_status_lists`` every 10 minutes and
  ``microcred:reverify_wallets`` daily at 03:17 UTC (queue ``periodic``):
  procrastinate defers each periodic run once, whichever worker sees it first.

procrastinate's schema is installed by the Alembic migration ``0004``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from procrastinate import (
    App,
    Blueprint,
    JobContext,
    PsycopgConnector,
    RetryStrategy,
    SyncPsycopgConnector,
)
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.engine import make_url

from microcred.jobs import periodic
from microcred.services import bulk_jobs
from microcred.services.bulk_jobs import STALLED_AFTER_SECONDS, is_postgres
from microcred.services.instance import Instance
from microcred.settings import Settings
from microcred.store.db import normalise_url

logger = logging.getLogger("microcred.jobs")

NAMESPACE = "microcred"
ISSUE_CHUNK = f"{NAMESPACE}:issue_chunk"
HEARTBEAT_SECONDS = 5.0

tasks = Blueprint()


def _instance(context: JobContext) -> Instance:
    instance: Instance = context.additional_context["instance"]
    return instance


@tasks.task(
    name="issue_chunk",
    queue="bulk",
    pass_context=True,
    retry=RetryStrategy(max_attempts=5, exponential_wait=2),
)
def issue_chunk(context: JobContext, job_id: str, seq: int) -> None:
    instance = _instance(context)
    ran = bulk_jobs.run_chunk(instance, job_id, seq, worker=context.additional_context["worker"])
    view = bulk_jobs.get(instance, job_id)
    logger.info(
        "job %s chunk %d %s: %d/%d rows, %d issued, %d already issued, %d error(s)%s",
        job_id,
        seq,
        "done" if ran else "was already done",
        view.rows_done,
        view.total_rows,
        view.issued,
        view.already_issued,
        view.errors,
        " - job done" if view.done else "",
    )


@tasks.periodic(cron="*/10 * * * *", periodic_id="publish-status-lists")
@tasks.task(name="publish_status_lists", queue="periodic", pass_context=True)
def publish_status_lists(context: JobContext, timestamp: int) -> None:
    periodic.publish_status_lists(_instance(context))


@tasks.periodic(cron="17 3 * * *", periodic_id="reverify-wallets")
@tasks.task(name="reverify_wallets", queue="periodic", pass_context=True)
def reverify_wallets(context: JobContext, timestamp: int) -> None:
    periodic.reverify_wallets(_instance(context))


def conninfo(database_url: str) -> str:
    """A libpq URL (procrastinate talks to psycopg directly) from a SQLAlchemy one."""
    return (
        make_url(normalise_url(database_url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def make_app(settings: Settings, *, sync: bool = False, pool_size: int = 4) -> App:
    if not is_postgres(settings.database_url):
        raise ValueError("the job queue needs PostgreSQL (MICROCRED_DATABASE_URL)")
    info = conninfo(settings.database_url)
    connector = (
        SyncPsycopgConnector(conninfo=info, min_size=1, max_size=2)
        if sync
        else PsycopgConnector(conninfo=info, min_size=1, max_size=pool_size)
    )
    app = App(connector=connector)
    app.add_tasks_from(tasks, namespace=NAMESPACE)
    return app


def enqueue(instance: Instance, job_id: str) -> int:
    """Put every unfinished chunk of a job on the queue (once: a chunk already waiting is
    not queued again); returns how many tasks were deferred."""
    chunks = bulk_jobs.pending_chunks(instance, job_id)
    app = make_app(instance.settings, sync=True)
    deferred = 0
    with app.open():
        task = app.tasks[ISSUE_CHUNK]
        for seq, _count in chunks:
            try:
                task.configure(queueing_lock=f"{job_id}:{seq}").defer(job_id=job_id, seq=seq)
                deferred += 1
            except AlreadyEnqueued:
                continue
    return deferred


async def _reap_stalled(app: App, stalled_after: float) -> None:
    """Re-queue the jobs of workers whose heartbeat stopped (killed mid-chunk)."""
    while True:
        await asyncio.sleep(max(1.0, stalled_after / 3))
        try:
            stalled = list(
                await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
            )
            for job in stalled:
                logger.warning(
                    "job %s (%s %s) was running on a worker that stopped; queued again",
                    job.id,
                    job.task_name,
                    job.task_kwargs,
                )
                await app.job_manager.retry_job(job)
        except Exception:  # the reaper must outlive a lost connection
            logger.exception("stalled-job check failed; trying again")


async def _run_worker(
    instance: Instance,
    *,
    concurrency: int,
    name: str,
    heartbeat: float,
    stalled_after: float,
    queues: list[str] | None,
    wait: bool,
) -> None:
    app = make_app(instance.settings, pool_size=concurrency + 4)
    async with app.open_async():
        reaper = asyncio.create_task(_reap_stalled(app, stalled_after))
        try:
            options: dict[str, Any] = {
                "concurrency": concurrency,
                "name": name,
                "queues": queues,
                "wait": wait,
                "additional_context": {"instance": instance, "worker": name},
                "update_heartbeat_interval": heartbeat,
                "stalled_worker_timeout": stalled_after,
                "fetch_job_polling_interval": 2.0,
                "install_signal_handlers": True,
            }
            await app.run_worker_async(**options)
        finally:
            reaper.cancel()


def run_worker(
    instance: Instance,
    *,
    concurrency: int = 1,
    name: str | None = None,
    heartbeat: float = HEARTBEAT_SECONDS,
    stalled_after: float = STALLED_AFTER_SECONDS,
    queues: list[str] | None = None,
    wait: bool = True,
) -> None:
    """Process jobs until SIGTERM / SIGINT (the job in hand is finished first)."""
    asyncio.run(
        _run_worker(
            instance,
            concurrency=concurrency,
            name=name or bulk_jobs.worker_name(),
            heartbeat=heartbeat,
            stalled_after=stalled_after,
            queues=queues,
            wait=wait,
        )
    )
