"""Bulk issuance jobs: submit a CSV, run its chunks (anywhere), follow progress, write files."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select, true, update

from microcred.services.bulk import (
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
from microcred.store.db import transaction
from microcred.store.tables import BulkChunk, BulkJob, IssuedCredential, Organisation

CHUNK_ROWS = 250
KIND_ISSUE = "issue_bulk"
QUEUED, RUNNING, DONE = "queued", "running", "done"
MODE_QUEUE, MODE_IN_PROCESS = "queue", "in-process"


class JobNotFound(Exception):
    pass


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
    now = datetime.now(UTC)
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
    now = datetime.now(UTC)
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
        if job.state == QUEUED:
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
    finished = datetime.now(UTC)
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
    return True


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


def get(instance: Instance, job_id: str, *, org_id: str | None = None) -> JobView:
    where = BulkJob.id == job_id
    if org_id is not None:
        where = where & (BulkJob.org_id == org_id)
    views = _views(instance, where) if len(job_id) <= 36 else []
    if not views:
        raise JobNotFound(f"no job '{job_id[:100]}'")
    return views[0]


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
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} not done after {timeout:.0f} s")
        time.sleep(poll)


# --- results --------------------------------------------------------------------------------


def error_rows(instance: Instance, job_id: str) -> list[tuple[int, str, str]]:
    """The job's bad rows so far: (line, row key, reason), in file order."""
    with transaction(instance.sessions) as session:
        chunks = session.scalars(
            select(BulkChunk.errors).where(BulkChunk.job_id == job_id).order_by(BulkChunk.seq)
        )
        return [(int(e[0]), str(e[1]), str(e[2])) for chunk in chunks for e in chunk]


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
    errors: list[tuple[int, str, str]] = []
    with transaction(instance.sessions) as session:
        org_id = session.scalar(select(BulkJob.org_id).where(BulkJob.id == job_id))
        chunks = list(
            session.execute(
                select(BulkChunk.errors, BulkChunk.row_keys)
                .where(BulkChunk.job_id == job_id)
                .order_by(BulkChunk.seq)
            )
        )
    remove_stale_temp_files(out_dir)
    for chunk_errors, row_keys in chunks:
        errors.extend((int(e[0]), str(e[1]), str(e[2])) for e in chunk_errors)
        summary.files_written += _chunk_files(instance, org_id, list(row_keys or []), out_dir)
    _write_report(out_dir, summary, errors)
    return summary


# --- in-process execution (SQLite, or no worker) ---------------------------------------------

_CHILD: dict[str, Any] = {}


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)  # the submitting process is gone: stop rather than run on orphaned


def _init_child(settings: Settings, parent: int) -> None:
    _CHILD["instance"] = Instance(settings)
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
    With `out_dir`, each chunk writes its files when it commits (in parallel)."""
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
        return get(instance, job_id)
    with ProcessPoolExecutor(
        max_workers=workers,
        initializer=_init_child,
        initargs=(instance.settings, os.getpid()),
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
    return get(instance, job_id)


__all__ = [
    "CHUNK_ROWS",
    "BulkError",
    "JobNotFound",
    "JobView",
    "get",
    "list_jobs",
    "pending_chunks",
    "run_chunk",
    "run_in_process",
    "submit",
    "wait_for",
    "write_output",
]
