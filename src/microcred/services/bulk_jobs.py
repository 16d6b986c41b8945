"""Bulk issuance jobs, the one bulk engine: submit a CSV, run its chunks, follow progress,
write files, recover the jobs whose process stopped.

One code path, two ways to run it (`start` decides, for the CLI, the web console and the demo):

* PostgreSQL with live `microcred worker` processes: a bulk job's CSV rows are stored in the
  database (`bulk_chunks`), one queued task per chunk (the queue glue is `microcred.jobs`,
  handed in as `enqueue`); a chunk is idempotent (row keys and the unique constraint), so a
  chunk re-run after a worker died issues exactly the rows still missing.
* SQLite (the embedded default), or PostgreSQL with no live worker: the same chunk
  functions run in this process (and its own signing processes).

Progress lives in the database, so every process and machine sees the same figures
(`microcred jobs`, `GET /api/v1/orgs/{org}/jobs`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, case, func, select, text, true, update
from sqlalchemy.exc import DBAPIError

from microcred import errors
from microcred.clock import Clock
from microcred.services.bulk import (
    BadRow,
    BulkError,
    BulkSummary,
    file_name,
    issue_rows,
    read_rows,
    remove_stale_temp_files,
)
from microcred.services.bulk import write_files as _write_files
from microcred.services.bulk import write_report as _write_report
from microcred.services.instance import Instance
from microcred.services.organisations import find
from microcred.services.specifications import load
from microcred.settings import Settings
from microcred.store.db import normalise_url, read_transaction, transaction
from microcred.store.tables import BulkChunk, BulkJob, IssuedCredential, Organisation

logger = logging.getLogger("microcred.jobs")  # the name operators filter on

CHUNK_ROWS = 250
KIND_ISSUE = "issue_bulk"
QUEUED, RUNNING, DONE = "queued", "running", "done"
# An in-process job whose process stopped (killed, crashed, machine down): resumable.
INTERRUPTED = "interrupted"
MODE_QUEUE, MODE_IN_PROCESS = "queue", "in-process"
# A live in-process run starts or finishes a chunk every few seconds; a job whose chunks
# show no sign of life for this long has lost its process, wherever that ran.
LEASE_SECONDS = 600.0


class JobNotFound(errors.NotFound):
    """No such job (or no such chunk of it)."""


class JobNotResumable(errors.Conflict):
    """The job is done, or is not interrupted (a live process is running it)."""


class JobInterrupted(errors.Conflict):
    """The job being waited for stopped with its process; it can be resumed."""


@dataclass(frozen=True)
class JobView:
    id: str
    org: str
    kind: str
    spec_version_id: str
    source: str
    mode: str
    state: str
    total_rows: int
    rows_done: int
    issued: int
    already_issued: int
    errors: int
    chunks: int
    chunks_done: int
    chunks_running: int
    retried_chunks: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def done(self) -> bool:
        return self.state == DONE

    @property
    def reason(self) -> str | None:
        """Why the job stopped, for an interrupted one (the rows done are committed)."""
        if self.state != INTERRUPTED:
            return None
        return f"the process running it stopped at row {self.rows_done} of {self.total_rows}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org": self.org,
            "kind": self.kind,
            "spec_version_id": self.spec_version_id,
            "source": self.source,
            "mode": self.mode,
            "state": self.state,
            "total_rows": self.total_rows,
            "rows_done": self.rows_done,
            "issued": self.issued,
            "already_issued": self.already_issued,
            "errors": self.errors,
            "chunks": self.chunks,
            "chunks_done": self.chunks_done,
            "chunks_running": self.chunks_running,
            "retried_chunks": self.retried_chunks,
            "created_at": self.created_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "reason": self.reason,
        }


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _digest(org_id: str, spec_version_id: str, path: Path) -> str:
    hasher = hashlib.sha256(f"{org_id}\0{spec_version_id}\0".encode())
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
    except FileNotFoundError:
        raise BulkError(f"{path}: no such file") from None
    except OSError as exc:
        raise BulkError(f"{path}: cannot read ({exc.strerror})") from None
    return hasher.hexdigest()


def submit(
    instance: Instance,
    org_ref: str,
    spec_ref: str,
    csv_path: Path,
    *,
    mode: str,
    actor: str = "cli",
    chunk_rows: int = CHUNK_ROWS,
) -> tuple[str, bool]:
    """Store a CSV as a job with its rows in chunks; return (job id, resumed).

    The same CSV for the same organisation and specification version while an
    earlier job for it is unfinished resumes that job instead (nothing is
    stored twice). A bad header raises BulkError before anything is stored.
    """
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        spec_row, _spec = load(session, org.id, spec_ref)
        org_id, spec_version_id = org.id, spec_row.id
    digest = _digest(org_id, spec_version_id, csv_path)
    with transaction(instance.sessions) as session:
        existing = session.scalar(
            select(BulkJob.id)
            .where(BulkJob.org_id == org_id, BulkJob.digest == digest, BulkJob.state != DONE)
            .order_by(BulkJob.created_at.desc())
            .limit(1)
        )
        if existing is not None:
            session.execute(update(BulkJob).where(BulkJob.id == existing).values(mode=mode))
            return existing, True
    rows = read_rows(csv_path)
    first = next(rows, None)  # the header check: BulkError before anything is stored
    job_id = str(uuid.uuid4())
    now = instance.now()
    with transaction(instance.sessions) as session:
        session.add(
            BulkJob(
                id=job_id,
                org_id=org_id,
                spec_version_id=spec_version_id,
                kind=KIND_ISSUE,
                source=csv_path.name[:500],
                digest=digest,
                mode=mode,
                state=QUEUED,
                total_rows=0,
                chunk_count=0,
                actor=actor[:200],
                created_at=now,
            )
        )
        session.flush()
        total = seq = 0
        all_rows: Iterator[tuple[int, dict[str, str]]] = (
            rows if first is None else _prepend(first, rows)
        )
        batch: list[tuple[int, dict[str, str]]] = []

        def flush_batch() -> None:
            nonlocal seq
            session.add(
                BulkChunk(
                    job_id=job_id,
                    seq=seq,
                    first_line=batch[0][0],
                    row_count=len(batch),
                    rows=json.dumps(batch, ensure_ascii=False, separators=(",", ":")),
                    state=QUEUED,
                    attempts=0,
                    issued=0,
                    already_issued=0,
                    error_count=0,
                    errors=[],
                    row_keys=[],
                )
            )
            seq += 1
            if seq % 20 == 0:
                session.flush()

        for item in all_rows:
            batch.append(item)
            total += 1
            if len(batch) >= chunk_rows:
                flush_batch()
                batch = []
        if batch:
            flush_batch()
        session.flush()
        session.execute(
            update(BulkJob)
            .where(BulkJob.id == job_id)
            .values(total_rows=total, chunk_count=seq, state=DONE if seq == 0 else QUEUED)
        )
    return job_id, False


def _prepend(
    first: tuple[int, dict[str, str]], rest: Iterator[tuple[int, dict[str, str]]]
) -> Iterator[tuple[int, dict[str, str]]]:
    yield first
    yield from rest


def pending_chunks(instance: Instance, job_id: str) -> list[tuple[int, int]]:
    """(seq, row_count) of the chunks not done yet."""
    with transaction(instance.sessions) as session:
        return [
            (seq, count)
            for seq, count in session.execute(
                select(BulkChunk.seq, BulkChunk.row_count)
                .where(BulkChunk.job_id == job_id, BulkChunk.state != DONE)
                .order_by(BulkChunk.seq)
            )
        ]


def run_chunk(
    instance: Instance,
    job_id: str,
    seq: int,
    *,
    worker: str | None = None,
    out_dir: Path | None = None,
) -> bool:
    """Issue one chunk's rows (idempotent); False if it was already done. With `out_dir`
    (a run on this machine), the chunk's credential files are written as soon as it commits."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        chunk = session.get(BulkChunk, (job_id, seq))
        if chunk is None:
            raise JobNotFound(f"no chunk {seq} of job {job_id}")
        if chunk.state == DONE:
            return False
        job = session.get(BulkJob, job_id)
        assert job is not None
        chunk.state = RUNNING
        chunk.attempts = (chunk.attempts or 0) + 1
        chunk.worker = (worker or worker_name())[:200]
        chunk.started_at = now
        if job.state in (QUEUED, INTERRUPTED):  # a chunk running: the job is alive
            job.state = RUNNING
            job.started_at = job.started_at or now
        rows = [(int(line), values) for line, values in json.loads(chunk.rows)]
        org_id, spec_version_id, actor = job.org_id, job.spec_version_id, job.actor
    outcome = issue_rows(
        instance,
        org_id,
        spec_version_id,
        rows,
        actor=f"job:{actor}"[:200],
        job_id=job_id,
        out_dir=out_dir,
    )
    finished = instance.now()
    with transaction(instance.sessions) as session:
        session.execute(
            update(BulkChunk)
            .where(BulkChunk.job_id == job_id, BulkChunk.seq == seq, BulkChunk.state != DONE)
            .values(
                state=DONE,
                issued=outcome.issued,
                already_issued=outcome.already_issued,
                error_count=len(outcome.errors),
                errors=[list(e) for e in outcome.errors],
                row_keys=outcome.row_keys,
                finished_at=finished,
            )
        )
    # After our own commit: of the chunks finishing last, at least one sees them all done.
    _finish_if_complete(instance, job_id, finished)
    return True


def _finish_if_complete(instance: Instance, job_id: str, finished: datetime) -> None:
    with transaction(instance.sessions) as session:
        left = session.scalar(
            select(func.count())
            .select_from(BulkChunk)
            .where(BulkChunk.job_id == job_id, BulkChunk.state != DONE)
        )
        if left == 0:
            session.execute(
                update(BulkJob)
                .where(BulkJob.id == job_id, BulkJob.state != DONE)
                .values(state=DONE, finished_at=finished)
            )


# --- progress -------------------------------------------------------------------------------


def _views(instance: Instance, where: Any, limit: int | None = None) -> list[JobView]:
    done = BulkChunk.state == DONE
    with transaction(instance.sessions) as session:
        query = (
            select(BulkJob, Organisation.slug)
            .join(Organisation, Organisation.id == BulkJob.org_id)
            .where(where)
            .order_by(BulkJob.created_at.desc())
        )
        if limit:
            query = query.limit(limit)
        jobs = list(session.execute(query))
        if not jobs:
            return []
        ids = [job.id for job, _slug in jobs]
        stats = {
            row[0]: row[1:]
            for row in session.execute(
                select(
                    BulkChunk.job_id,
                    func.sum(case((done, BulkChunk.row_count), else_=0)),
                    func.sum(BulkChunk.issued),
                    func.sum(BulkChunk.already_issued),
                    func.sum(BulkChunk.error_count),
                    func.sum(case((done, 1), else_=0)),
                    func.sum(case((BulkChunk.state == RUNNING, 1), else_=0)),
                    func.sum(case((BulkChunk.attempts > 1, 1), else_=0)),
                )
                .where(BulkChunk.job_id.in_(ids))
                .group_by(BulkChunk.job_id)
            )
        }
    views = []
    for job, slug in jobs:
        rows_done, issued, already, errors, chunks_done, running, retried = (
            int(v or 0) for v in stats.get(job.id, (0,) * 7)
        )
        views.append(
            JobView(
                id=job.id,
                org=slug,
                kind=job.kind,
                spec_version_id=job.spec_version_id,
                source=job.source,
                mode=job.mode,
                state=job.state,
                total_rows=job.total_rows,
                rows_done=rows_done,
                issued=issued,
                already_issued=already,
                errors=errors,
                chunks=job.chunk_count,
                chunks_done=chunks_done,
                chunks_running=running,
                retried_chunks=retried,
                created_at=job.created_at,
                started_at=job.started_at,
                finished_at=job.finished_at,
            )
        )
    return views


def get(
    instance: Instance, job_id: str, *, org_id: str | None = None, recover: bool = False
) -> JobView:
    """One job's progress. With `recover`, an in-process job whose process stopped is
    marked `interrupted` first (`recover_interrupted`), so that it is shown as it is."""
    where = BulkJob.id == job_id
    if org_id is not None:
        where = where & (BulkJob.org_id == org_id)
    views = _views(instance, where) if len(job_id) <= 36 else []
    if not views:
        raise JobNotFound(f"no job '{job_id[:100]}'")
    view = views[0]
    if (
        recover
        and view.mode == MODE_IN_PROCESS
        and view.state in (QUEUED, RUNNING)
        and recover_interrupted(instance, job_ids=[view.id])
    ):
        return get(instance, job_id, org_id=org_id)
    return view


def list_jobs(instance: Instance, *, org_ref: str | None = None, limit: int = 50) -> list[JobView]:
    if org_ref is None:
        return _views(instance, BulkJob.id.is_not(None), limit)
    with transaction(instance.sessions) as session:
        org_id = find(session, org_ref).id
    return _views(instance, BulkJob.org_id == org_id, limit)


def wait_for(
    instance: Instance,
    job_id: str,
    *,
    progress: Callable[[JobView], None] | None = None,
    timeout: float | None = None,
    poll: float = 0.5,
) -> JobView:
    """Poll the database until the job is done (any process may be running it)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        view = get(instance, job_id)
        if progress:
            progress(view)
        if view.done:
            return view
        if view.state == INTERRUPTED:
            raise JobInterrupted(f"job {job_id}: {view.reason}; it can be resumed")
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} not done after {timeout:.0f} s")
        time.sleep(poll)


# --- results --------------------------------------------------------------------------------


def error_rows(instance: Instance, job_id: str) -> list[BadRow]:
    """The job's bad rows so far: (line, row key, reason, learner name), in file order."""
    with transaction(instance.sessions) as session:
        chunks = session.scalars(
            select(BulkChunk.errors).where(BulkChunk.job_id == job_id).order_by(BulkChunk.seq)
        )
        return [_error_row(e) for chunk in chunks for e in chunk]


def _error_row(stored: list[object]) -> BadRow:
    """A bad row as a chunk stores it (JSON): (line, row key, reason, learner name); a chunk
    stored before the name was kept has none."""
    name = str(stored[3]) if len(stored) > 3 else ""
    return int(str(stored[0])), str(stored[1]), str(stored[2]), name


def _chunk_files(instance: Instance, org_id: str, row_keys: list[str], out_dir: Path) -> int:
    """Write the missing files of one chunk's credentials; returns how many files it has."""
    present = 0
    for start in range(0, len(row_keys), 500):
        batch = row_keys[start : start + 500]
        with transaction(instance.sessions) as session:
            names = dict(
                session.execute(
                    select(IssuedCredential.row_key, IssuedCredential.learner_name).where(
                        IssuedCredential.org_id == org_id, IssuedCredential.row_key.in_(batch)
                    )
                ).all()
            )
        # Files already written (by the chunks themselves, or earlier) are not read again.
        missing = [k for k, name in names.items() if not (out_dir / file_name(k, name)).exists()]
        present += len(names) - len(missing)
        if not missing:
            continue
        with transaction(instance.sessions) as session:
            found = [
                (key, name, document)
                for key, name, document in session.execute(
                    select(
                        IssuedCredential.row_key,
                        IssuedCredential.learner_name,
                        IssuedCredential.document,
                    ).where(
                        IssuedCredential.org_id == org_id,
                        IssuedCredential.row_key.in_(missing),
                    )
                )
            ]
        present += _write_files(out_dir, found)
    return present


def write_finished_chunks(
    instance: Instance, job_id: str, out_dir: Path, written: set[int] | None = None
) -> set[int]:
    """While a job runs elsewhere (workers of the queue): write the files of the chunks
    that have finished since the last call, so that the end of the job has little left.

    `written` holds the chunk numbers already done (updated and returned). Files are only
    written for committed credentials, so a crash at any point leaves no file too many.
    """
    written = set() if written is None else written
    with transaction(instance.sessions) as session:
        org_id = session.scalar(select(BulkJob.org_id).where(BulkJob.id == job_id))
        chunks = list(
            session.execute(
                select(BulkChunk.seq, BulkChunk.row_keys).where(
                    BulkChunk.job_id == job_id,
                    BulkChunk.state == DONE,
                    BulkChunk.seq.not_in(written) if written else true(),
                )
            )
        )
    if org_id is None or not chunks:
        return written
    out_dir.mkdir(parents=True, exist_ok=True)
    for seq, row_keys in chunks:
        _chunk_files(instance, org_id, list(row_keys or []), out_dir)
        written.add(seq)
    return written


def write_output(instance: Instance, job_id: str, out_dir: Path) -> BulkSummary:
    """Write one file per credential of the job, errors.csv and summary.json (from the
    database, so any machine can do it once the job is done)."""
    view = get(instance, job_id)
    summary = BulkSummary(
        total_rows=view.total_rows,
        issued=view.issued,
        already_issued=view.already_issued,
        out_dir=str(out_dir),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    errors: list[BadRow] = []
    with transaction(instance.sessions) as session:
        org_id = session.scalar(select(BulkJob.org_id).where(BulkJob.id == job_id))
        chunks = list(
            session.execute(
                select(BulkChunk.errors, BulkChunk.row_keys)
                .where(BulkChunk.job_id == job_id)
                .order_by(BulkChunk.seq)
            )
        )
    if org_id is None:  # deleted since `get`
        raise JobNotFound(f"no job '{job_id[:100]}'")
    remove_stale_temp_files(out_dir)
    for chunk_errors, row_keys in chunks:
        errors.extend(_error_row(e) for e in chunk_errors)
        summary.files_written += _chunk_files(instance, org_id, list(row_keys or []), out_dir)
    _write_report(out_dir, summary, errors)
    return summary


# --- in-process jobs: who runs them, and the ones whose process stopped ---------------------
#
# An in-process job has no queue to retry it: if its process dies (SIGKILL, a crash, a
# restart of the server), nothing else would ever run it and it stayed `running` for ever.
# Its owner is recorded where the work is: each chunk's `worker` ("host:pid" of the process
# running it) and its `started_at` / `finished_at`, which a live run renews every few seconds
# (a lease, without a column of its own). A job is orphaned when its lease expired
# (LEASE_SECONDS without a chunk starting or finishing, whichever machine ran it), or at once
# when every process that ran its latest chunks is on this machine and provably gone (no such
# pid, a zombie, or the pid reused by a process started later). `recover_interrupted` runs at
# the start of the web app (`microcred serve`), in `microcred jobs run-periodic` and when a
# job is looked at; it marks such jobs `interrupted`, and `resume` lets them run again from
# their committed chunks (row keys make every row idempotent: none issued twice, none lost).

_HERE: dict[str, int] = {}  # job id -> runs of it in this process right now
_HERE_LOCK = threading.Lock()


def _process_started(pid: int) -> tuple[float, bool] | None:
    """(start time in seconds since the epoch, zombie) of a process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK"), fields[0] in ("Z", "X")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _owner_gone(worker: str, since: datetime) -> bool:
    """True when `worker` ("host:pid", which started a chunk at `since`) is provably not
    running any more; False when it may be (another machine: only the lease can tell)."""
    host, _, pid_text = worker.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # this process, which is not running the job (checked before)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, someone else's
    except OSError:
        return False
    started = _process_started(pid)
    if started is None:
        return False
    start_time, zombie = started
    # A process started after the chunk did is another one with the same pid.
    return zombie or start_time > since.timestamp() + 2.0


def _orphaned(
    job: BulkJob,
    chunks: list[tuple[str | None, str, datetime | None, datetime | None]],
    now: datetime,
    lease: float,
) -> datetime | None:
    """The job's last sign of life if its process is gone, else None."""
    if job.id in _HERE:
        return None
    stamps: list[datetime | None] = [job.created_at, job.started_at]
    stamps += [t for _w, _s, started, finished in chunks for t in (started, finished)]
    last: datetime = max(t for t in stamps if t is not None)
    if (now - last).total_seconds() > lease:
        return last
    latest: dict[str, datetime] = {}  # worker -> when it last started a chunk
    for worker, _state, started, _finished in chunks:
        if worker and started is not None and (worker not in latest or started > latest[worker]):
            latest[worker] = started
    newest = max(latest.items(), key=lambda item: item[1], default=None)
    owners = {w: latest[w] for w, state, _s, _f in chunks if w and state == RUNNING and w in latest}
    if newest is not None:
        owners[newest[0]] = newest[1]
    if owners and all(_owner_gone(w, since) for w, since in owners.items()):
        return last
    return None


def recover_interrupted(
    instance: Instance, *, job_ids: list[str] | None = None, lease: float | None = None
) -> list[str]:
    """Mark `interrupted` every in-process job left queued or running by a process that
    stopped (see above); returns their ids. Safe to run anywhere, at any time, at once."""
    now = instance.now()
    where = (BulkJob.mode == MODE_IN_PROCESS) & BulkJob.state.in_((QUEUED, RUNNING))
    if job_ids is not None:
        where = where & BulkJob.id.in_(job_ids)
    found: list[tuple[str, datetime]] = []
    with read_transaction(instance.sessions) as session:
        for job in session.scalars(select(BulkJob).where(where)):
            chunks = [
                (worker, state, started, finished)
                for worker, state, started, finished in session.execute(
                    select(
                        BulkChunk.worker,
                        BulkChunk.state,
                        BulkChunk.started_at,
                        BulkChunk.finished_at,
                    ).where(BulkChunk.job_id == job.id, BulkChunk.started_at.is_not(None))
                )
            ]
            last = _orphaned(job, chunks, now, LEASE_SECONDS if lease is None else lease)
            if last is not None:
                found.append((job.id, last))
    marked = []
    for job_id, last in found:
        with transaction(instance.sessions) as session:
            # Only if nothing happened since we looked (a live run would have touched a chunk).
            alive = (
                select(BulkChunk.seq)
                .where(
                    BulkChunk.job_id == job_id,
                    (BulkChunk.started_at > last) | (BulkChunk.finished_at > last),
                )
                .exists()
            )
            changed = _rowcount(
                session,
                update(BulkJob)
                .where(BulkJob.id == job_id, BulkJob.state.in_((QUEUED, RUNNING)), ~alive)
                .values(state=INTERRUPTED),
            )
            if changed:
                # Its chunks in progress died with it: they are to do again, not running.
                session.execute(
                    update(BulkChunk)
                    .where(BulkChunk.job_id == job_id, BulkChunk.state == RUNNING)
                    .values(state=QUEUED)
                )
                marked.append(job_id)
    for job_id in marked:
        logger.warning("bulk job %s: %s", job_id, get(instance, job_id).reason)
    return marked


def _rowcount(session: Any, statement: Any) -> int:
    """How many rows an UPDATE changed."""
    result: CursorResult[Any] = session.execute(statement)
    return int(result.rowcount)


def recover_at_start(instance: Instance) -> None:
    """At an instance's start: the in-process jobs whose process stopped become
    `interrupted` (never an obstacle to starting: a failure is logged)."""
    try:
        recover_interrupted(instance)
    except Exception:
        logger.exception("could not check for interrupted bulk jobs")


def _claim(instance: Instance, job_id: str) -> bool:
    """An interrupted job runs again (`running`, or `queued` if it never started)."""
    with transaction(instance.sessions) as session:
        return bool(
            _rowcount(
                session,
                update(BulkJob)
                .where(BulkJob.id == job_id, BulkJob.state == INTERRUPTED)
                .values(
                    state=case((BulkJob.started_at.is_(None), QUEUED), else_=RUNNING),
                    mode=MODE_IN_PROCESS,
                ),
            )
        )


def resume(
    instance: Instance,
    job_id: str,
    *,
    org_id: str | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    out_dir: Path | None = None,
    background: bool = False,
) -> JobView:
    """Run an interrupted job again, here, from its committed chunks: only the rows not
    committed yet are issued (row keys: none twice). With `background`, in a thread of this
    process (returns at once). JobNotResumable if it is done or not interrupted."""
    recover_interrupted(instance, job_ids=[job_id])  # its process may have died just now
    view = get(instance, job_id, org_id=org_id)
    if view.done:
        raise JobNotResumable(f"job {job_id} is already done")
    _enter(job_id)  # this process owns it from the claim on: no one marks it again
    try:
        if view.state != INTERRUPTED or not _claim(instance, job_id):
            raise JobNotResumable(
                f"job {job_id} is {view.state}, not interrupted: a process is running it"
            )
    except BaseException:
        _leave(job_id)
        raise

    def run() -> JobView:
        try:
            return _run_owned(instance, job_id, workers, progress, out_dir)
        finally:
            _leave(job_id)

    if not background:
        return run()

    def run_quietly() -> None:
        with contextlib.suppress(Exception):  # logged, and left `interrupted`
            run()

    threading.Thread(target=run_quietly, daemon=True, name=f"bulk-{job_id[:8]}").start()
    return get(instance, job_id)


# --- where a job runs: the queue or this process ----------------------------------------------

# A worker whose last heartbeat is older than this is not counted as alive.
STALLED_AFTER_SECONDS = 30.0

Enqueue = Callable[[Instance, str], int]
"""Put a job's unfinished chunks on the queue; how many were deferred (`jobs.queue.enqueue`)."""


class QueueUnavailable(BulkError, errors.Unavailable):
    """The job queue was asked for, but the database is not PostgreSQL."""


def is_postgres(database_url: str) -> bool:
    return normalise_url(database_url).startswith("postgresql")


def live_workers(instance: Instance, within: float = STALLED_AFTER_SECONDS) -> int:
    """How many `microcred worker` processes sent a heartbeat lately (0 on SQLite)."""
    if not is_postgres(instance.settings.database_url):
        return 0
    try:
        with instance.engine.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT count(*) FROM procrastinate_workers "
                        "WHERE last_heartbeat > now() - make_interval(secs => :secs)"
                    ),
                    {"secs": within},
                ).scalar_one()
            )
    except DBAPIError:
        return 0


def use_queue(instance: Instance, queue: bool | None = None) -> bool:
    """Whether a bulk job goes on the job queue: when asked (`queue=True`, which needs
    PostgreSQL: QueueUnavailable otherwise), never when `queue=False`, and by default
    when the database is PostgreSQL and a worker is alive. The one place this is decided."""
    postgres = is_postgres(instance.settings.database_url)
    if queue is None:
        return postgres and live_workers(instance) > 0
    if queue and not postgres:
        raise QueueUnavailable("the job queue needs a PostgreSQL database")
    return queue


@dataclass(frozen=True)
class Started:
    job_id: str
    resumed: bool  # the same CSV was submitted before: its unfinished job goes on
    on_queue: bool
    queued_chunks: int = 0  # tasks put on the queue (queue runs)


def start(
    instance: Instance,
    org_ref: str,
    spec_ref: str,
    csv_path: Path,
    *,
    enqueue: Enqueue | None,
    queue: bool | None = None,
    actor: str = "cli",
    background: bool = False,
    workers: int | None = None,
) -> Started:
    """Submit a CSV as a bulk job and set it going where `use_queue` says: on the queue
    (through `enqueue`; None: no queue, the job runs here), or in this process. An
    in-process job runs in a thread of this process with `background` (`workers` signing
    processes, default 1); without it the caller runs it (`run_in_process`, with its
    progress and files). BulkError (a bad header, an unreadable file) before anything runs."""
    on_queue = enqueue is not None and use_queue(instance, queue)
    job_id, resumed = submit(
        instance,
        org_ref,
        spec_ref,
        csv_path,
        mode=MODE_QUEUE if on_queue else MODE_IN_PROCESS,
        actor=actor,
    )
    if on_queue:
        assert enqueue is not None
        return Started(job_id, resumed, True, enqueue(instance, job_id))
    if background:
        threading.Thread(
            target=_run_quietly,
            args=(instance, job_id, workers or 1),
            daemon=True,
            name=f"bulk-{job_id[:8]}",
        ).start()
    return Started(job_id, resumed, False)


def run_csv(
    instance: Instance,
    org_ref: str,
    spec_ref: str,
    csv_path: Path,
    out_dir: Path,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    actor: str = "cli",
) -> BulkSummary:
    """A whole bulk run in this process, as a job (the demo's, and any caller's without a
    queue): submit the CSV, run its chunks on `workers` processes (default: every core),
    then write the credential files, errors.csv and summary.json into `out_dir`. The same
    CSV again goes on where an unfinished run stopped; nothing is issued twice."""
    started = start(instance, org_ref, spec_ref, csv_path, enqueue=None, actor=actor)
    run_in_process(instance, started.job_id, workers=workers, progress=progress, out_dir=out_dir)
    return write_output(instance, started.job_id, out_dir)


def _run_quietly(instance: Instance, job_id: str, workers: int) -> None:
    """A background run: a failure is logged and stays visible as the job's state."""
    with contextlib.suppress(Exception):
        run_in_process(instance, job_id, workers=workers)


# --- in-process execution (SQLite, or no worker) ---------------------------------------------

_CHILD: dict[str, Any] = {}


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)  # the submitting process is gone: stop rather than run on orphaned


def _init_child(settings: Settings, clock: Clock, parent: int) -> None:
    # The parent's clock (picklable: the system's, or a FixedClock), so the chunks a worker
    # commits tell the same time as the job that started them.
    _CHILD["instance"] = Instance(settings, clock)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _run_in_child(job_id: str, seq: int, out_dir: Path | None) -> bool:
    return run_chunk(_CHILD["instance"], job_id, seq, out_dir=out_dir)


def run_in_process(
    instance: Instance,
    job_id: str,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    out_dir: Path | None = None,
) -> JobView:
    """Run every chunk not done yet here: in this process, or on `workers` processes.
    With `out_dir`, each chunk writes its files when it commits (in parallel). If the run
    fails, the job is left `interrupted` (resumable), not `running`."""
    _enter(job_id)
    try:
        return _run_owned(instance, job_id, workers, progress, out_dir)
    finally:
        _leave(job_id)


def _enter(job_id: str) -> None:
    with _HERE_LOCK:
        _HERE[job_id] = _HERE.get(job_id, 0) + 1


def _leave(job_id: str) -> None:
    with _HERE_LOCK:
        _HERE[job_id] -= 1
        if not _HERE[job_id]:
            del _HERE[job_id]


def _run_owned(
    instance: Instance,
    job_id: str,
    workers: int | None,
    progress: Callable[[int], None] | None,
    out_dir: Path | None,
) -> JobView:
    """Run the job here (registered in `_HERE` by the caller); a failure leaves it
    `interrupted` unless another run of it in this process goes on."""
    try:
        _claim(instance, job_id)
        return _run_here(instance, job_id, workers=workers, progress=progress, out_dir=out_dir)
    except BaseException:
        if _HERE.get(job_id) == 1:  # no other run of it in this process
            with contextlib.suppress(Exception), transaction(instance.sessions) as session:
                session.execute(
                    update(BulkJob)
                    .where(BulkJob.id == job_id, BulkJob.state.in_((QUEUED, RUNNING)))
                    .values(state=INTERRUPTED)
                )
            logger.exception("bulk job %s stopped", job_id)
        raise


def _run_here(
    instance: Instance,
    job_id: str,
    *,
    workers: int | None,
    progress: Callable[[int], None] | None,
    out_dir: Path | None,
) -> JobView:
    pending = pending_chunks(instance, job_id)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(out_dir)
    workers = max(1, min(workers or os.cpu_count() or 1, len(pending) or 1))
    if workers == 1:
        for seq, count in pending:
            run_chunk(instance, job_id, seq, out_dir=out_dir)
            if progress:
                progress(count)
        _finish_if_complete(instance, job_id, instance.now())
        return get(instance, job_id)
    with ProcessPoolExecutor(
        max_workers=workers,
        initializer=_init_child,
        initargs=(instance.settings, instance.clock, os.getpid()),
    ) as pool:
        todo = iter(pending)
        running: dict[Any, int] = {}

        def start_one() -> None:
            item = next(todo, None)
            if item is not None:
                running[pool.submit(_run_in_child, job_id, item[0], out_dir)] = item[1]

        for _ in range(workers * 2):  # a short queue: a kill loses little started work
            start_one()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                count = running.pop(future)
                future.result()
                if progress:
                    progress(count)
                start_one()
    _finish_if_complete(instance, job_id, instance.now())
    return get(instance, job_id)


__all__ = [
    "CHUNK_ROWS",
    "INTERRUPTED",
    "BulkError",
    "JobInterrupted",
    "JobNotFound",
    "JobNotResumable",
    "JobView",
    "QueueUnavailable",
    "Started",
    "get",
    "is_postgres",
    "list_jobs",
    "live_workers",
    "pending_chunks",
    "recover_at_start",
    "recover_interrupted",
    "resume",
    "run_chunk",
    "run_csv",
    "run_in_process",
    "start",
    "submit",
    "use_queue",
    "wait_for",
    "write_output",
]
