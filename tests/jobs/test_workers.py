"""Acceptance: PostgreSQL, two `microcred worker` processes, a 2,000-row job, one worker
killed with SIGKILL mid-chunk: the other finishes it, exactly one valid credential per row."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from microcred.services import bulk_jobs as bulk
from microcred.services import local_documents
from microcred.store.db import transaction
from microcred.store.tables import BulkChunk, IssuedCredential
from microcred.verify import VerifierContext, verify_credential
from tests.services.test_bulk import count, write_csv

MICROCRED = [sys.executable, "-m", "microcred.cli.main"]


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "MICROCRED_HOME": str(tmp_path / "home"),
        "MICROCRED_DATABASE_URL": database_url,
        "MICROCRED_SECRET_KEY": "test-secret",
        "MICROCRED_BASE_URL": "https://issuer.example",
    }


def _start_worker(tmp_path: Path, database_url: str, name: str) -> subprocess.Popen[bytes]:
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [*MICROCRED, "worker", "--heartbeat", "0.5", "--stalled-after", "4"],
        env=_env(tmp_path, database_url),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _log(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.log").read_text(errors="replace")[-3000:]


def _running_chunk_of(instance, pid: int) -> bool:
    with transaction(instance.sessions) as session:
        workers = session.scalars(select(BulkChunk.worker).where(BulkChunk.state == "running"))
        return any(w and w.endswith(f":{pid}") for w in workers)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # the queue is PostgreSQL's
def test_sigkill_one_of_two_workers_mid_job(instance, org, spec, tmp_path, database_url):
    n = 2000
    path = write_csv(tmp_path / "big.csv", n)
    out = tmp_path / "out"
    workers = {name: _start_worker(tmp_path, database_url, name) for name in ("a", "b")}
    submitter = None
    try:
        deadline = time.time() + 60
        while bulk.live_workers(instance) < 2:
            assert time.time() < deadline, _log(tmp_path, "a") + _log(tmp_path, "b")
            for name, process in workers.items():
                assert process.poll() is None, _log(tmp_path, name)
            time.sleep(0.2)
        started = time.time()
        submitter = subprocess.Popen(
            [
                *MICROCRED,
                "issue-bulk",
                "--org",
                org.slug,
                "--spec",
                spec.id,
                "--csv",
                str(path),
                "--out-dir",
                str(out),
                "--queue",
                "--json",
            ],
            env=_env(tmp_path, database_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        # Kill worker "a" while it is in the middle of a chunk, with work done and left.
        victim = workers["a"]
        deadline = time.time() + 120
        while True:
            assert time.time() < deadline, _log(tmp_path, "a")
            assert submitter.poll() is None, submitter.stderr.read().decode()[-2000:]
            if count(instance)[0] >= 300 and _running_chunk_of(instance, victim.pid):
                # Freeze it first, so it cannot commit its chunk between our look and the kill
                # (a commit already on the wire lands within the pause).
                victim.send_signal(signal.SIGSTOP)
                time.sleep(0.3)
                if _running_chunk_of(instance, victim.pid):
                    break
                victim.send_signal(signal.SIGCONT)
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        issued_at_kill = count(instance)[0]
        assert issued_at_kill < n, issued_at_kill

        stdout, stderr = submitter.communicate(timeout=180)
        elapsed = time.time() - started
        print("job elapsed", elapsed, "killed at", issued_at_kill)
        assert submitter.returncode == 0, stderr.decode()[-3000:] + _log(tmp_path, "b")
        summary = json.loads(stdout)
        assert summary["issued"] + summary["already_issued"] == n
        assert summary["errors"] == 0 and summary["files_written"] == n
    finally:
        for process in [*workers.values(), *([submitter] if submitter else [])]:
            if process.poll() is None:
                process.terminate()
        for process in workers.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    # Worker "b" stopped cleanly on SIGTERM.
    assert workers["b"].returncode == 0, _log(tmp_path, "b")

    assert count(instance) == (n, n)  # exactly one credential (and status index) per row
    view = bulk.get(instance, summary["job_id"])
    assert (view.state, view.rows_done, view.chunks_done) == ("done", n, view.chunks)
    assert view.retried_chunks >= 1  # the killed chunk ran again on the other worker
    with transaction(instance.sessions) as session:
        documents = list(session.scalars(select(IssuedCredential.document)))
    ids_in_files = {json.loads(f.read_text())["id"] for f in out.glob("learner-*.json")}
    assert len(ids_in_files) == n
    with transaction(instance.sessions) as session:
        assert set(session.scalars(select(IssuedCredential.id))) == ids_in_files
    fetch = functools.cache(local_documents.fetcher(instance))  # one status list, fetched once
    context = VerifierContext(
        now=datetime.now(UTC), fetch=fetch, trust=local_documents.trust_list(instance)
    )
    results = [verify_credential(json.loads(d), context).status for d in documents]
    assert results.count("valid") == n, {s: results.count(s) for s in set(results)}


# Starts servers or worker processes, or runs long: `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow
