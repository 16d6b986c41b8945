"""Finding 7: a bulk job whose process was killed must not stay `running` for ever.

Real processes throughout: `microcred serve` on a SQLite instance runs a console upload
in-process; it is frozen (SIGSTOP, so that it cannot commit between our look and the kill)
and killed with SIGKILL mid-chunk. When the instance starts again (`microcred serve`, or
`microcred jobs run-periodic`) the job is `interrupted` with a reason, the console offers a
Resume button (a CSRF-protected POST), and resuming issues exactly the rows still missing:
one credential per CSV row, row keys unique, no status index shared.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from microcred.services import bulk_jobs as bulk
from microcred.services import tokens
from microcred.store.db import read_transaction
from microcred.store.tables import BulkChunk, IssuedCredential
from tests.services.test_bulk import write_csv

MICROCRED = [sys.executable, "-m", "microcred.cli.main"]
ROWS = 4000  # the console run of the report: 4,000 rows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path, database_url: str, base_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "MICROCRED_HOME": str(tmp_path / "home"),
        "MICROCRED_DATABASE_URL": database_url,
        "MICROCRED_SECRET_KEY": "test-secret",
        "MICROCRED_BASE_URL": base_url,
    }


def _log(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


class Server:
    """`microcred serve` in a process of its own, on a free loopback port."""

    def __init__(self, tmp_path: Path, database_url: str, name: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"{name}.log"
        self.process = subprocess.Popen(
            [*MICROCRED, "serve", "--port", str(self.port)],
            env=_env(tmp_path, database_url, self.url),
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group: the freeze and the kill reach all of it
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, _log(self.log)
            assert time.monotonic() < deadline, _log(self.log)
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def _signed_in(server: Server, token: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    login = client.get("/console/login")
    answer = client.post("/console/login", data={"csrf": _csrf(login.text), "token": token})
    assert answer.status_code in (302, 303), answer.text[:2000]
    return client


def _state(instance, job_id: str) -> tuple[str, int]:
    with read_transaction(instance.sessions) as session:
        row = session.execute(
            select(bulk.BulkJob.state).where(bulk.BulkJob.id == job_id)
        ).scalar_one()
        done = session.scalar(
            select(func.coalesce(func.sum(BulkChunk.row_count), 0)).where(
                BulkChunk.job_id == job_id, BulkChunk.state == "done"
            )
        )
    return row, int(done or 0)


def _running_chunk_of(instance, pid: int) -> bool:
    # A read that takes no lock: the frozen victim may hold SQLite's write lock.
    with read_transaction(instance.sessions) as session:
        workers = session.scalars(select(BulkChunk.worker).where(BulkChunk.state == "running"))
        return any(w and w.endswith(f":{pid}") for w in workers)


def _issued(instance) -> tuple[int, int, int]:
    """(credentials, distinct row keys, distinct status indexes)."""
    with read_transaction(instance.sessions) as session:
        total = session.scalar(select(func.count()).select_from(IssuedCredential))
        keys = session.scalar(select(func.count(func.distinct(IssuedCredential.row_key))))
        indexes = session.scalar(
            select(func.count()).select_from(
                select(IssuedCredential.status_list_id, IssuedCredential.status_index)
                .distinct()
                .subquery()
            )
        )
    return int(total or 0), int(keys or 0), int(indexes or 0)


def _freeze_mid_chunk(instance, process: subprocess.Popen[bytes], at_least: int, log: Path):
    """SIGSTOP the process while it is inside a chunk, with work done and work left."""
    deadline = time.monotonic() + 240
    while True:
        assert time.monotonic() < deadline, _log(log)
        assert process.poll() is None, _log(log)
        if _issued(instance)[0] >= at_least and _running_chunk_of(instance, process.pid):
            os.killpg(process.pid, signal.SIGSTOP)
            time.sleep(0.3)  # a commit already on the wire lands within the pause
            if _running_chunk_of(instance, process.pid):
                return
            os.killpg(process.pid, signal.SIGCONT)
        time.sleep(0.02)


def _write_lock_free(instance) -> bool:
    """No connection holds the SQLite database's write lock right now."""
    connection = sqlite3.connect(str(instance.engine.url.database), timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


def _freeze_unlocked(instance, process: subprocess.Popen[bytes], log: Path) -> None:
    """SIGSTOP the process while it runs a chunk but holds no write lock."""
    deadline = time.monotonic() + 120
    while True:
        assert time.monotonic() < deadline, _log(log)
        assert process.poll() is None, _log(log)
        os.killpg(process.pid, signal.SIGSTOP)
        time.sleep(0.3)  # a commit already on the wire lands within the pause
        if _running_chunk_of(instance, process.pid) and _write_lock_free(instance):
            return
        os.killpg(process.pid, signal.SIGCONT)
        time.sleep(0.02)


def _wait_done(instance, job_id: str, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while _state(instance, job_id)[0] != "done":
        assert time.monotonic() < deadline, (_state(instance, job_id), _log(log))
        time.sleep(0.2)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the embedded default
def test_console_job_killed_mid_run_is_interrupted_then_resumed(
    instance, org, spec, tmp_path, database_url
):
    _, token = tokens.create(instance, org.slug, "console", ["issue", "read"])
    csv_path = write_csv(tmp_path / "learners.csv", ROWS)
    first = Server(tmp_path, database_url, "first")
    second = None
    try:
        client = _signed_in(first, token)
        upload = client.get("/console/bulk")
        answer = client.post(
            "/console/bulk",
            data={"csrf": _csrf(upload.text), "spec": spec.id},
            files={"file": ("learners.csv", csv_path.read_bytes(), "text/csv")},
        )
        assert answer.status_code in (302, 303), answer.text[:2000]
        job_id = answer.headers["location"].rsplit("/", 1)[-1]
        client.close()

        # While the server runs the job, recovery leaves it alone (its owner is alive).
        deadline = time.monotonic() + 120
        while not _running_chunk_of(instance, first.process.pid):
            assert time.monotonic() < deadline, _log(first.log)
            time.sleep(0.02)
        # Held still (alive, not progressing) so that the job cannot finish while the
        # periodic run starts up: a slow machine would otherwise see it done. Never while
        # it holds SQLite's write lock, which the periodic run would wait for in vain.
        _freeze_unlocked(instance, first.process, first.log)
        try:
            periodic = subprocess.run(
                [*MICROCRED, "jobs", "run-periodic", "--json"],
                env=_env(tmp_path, database_url, first.url), capture_output=True, text=True,
            )  # fmt: skip
        finally:
            os.killpg(first.process.pid, signal.SIGCONT)
        assert periodic.returncode == 0, periodic.stderr
        assert _state(instance, job_id)[0] == "running"

        _freeze_mid_chunk(instance, first.process, 300, first.log)
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait()
        issued_at_kill = _issued(instance)[0]
        assert 0 < issued_at_kill < ROWS, issued_at_kill
        state, rows_done = _state(instance, job_id)
        assert state == "running" and rows_done < ROWS

        # The instance starts again: the job is no longer `running`, and says why.
        second = Server(tmp_path, database_url, "second")
        view = bulk.get(instance, job_id)
        assert view.state == "interrupted", view
        assert view.reason == (
            f"the process running it stopped at row {view.rows_done} of {ROWS}"
        ), view.reason

        client = _signed_in(second, token)
        job_page = client.get(f"/console/bulk/{job_id}")
        assert job_page.status_code == 200
        assert f'action="/console/bulk/{job_id}/resume"' in job_page.text, job_page.text
        assert f"stopped at row {view.rows_done} of {ROWS}" in job_page.text
        assert 'hx-trigger="every 1s"' not in job_page.text  # nothing to poll while stopped

        # The Resume form is a CSRF-protected POST like every other console form.
        forged = client.post(f"/console/bulk/{job_id}/resume", data={"csrf": "forged"})
        assert forged.status_code == 403
        assert _state(instance, job_id)[0] == "interrupted"
        resumed = client.post(f"/console/bulk/{job_id}/resume", data={"csrf": _csrf(job_page.text)})
        assert resumed.status_code in (302, 303), resumed.text[:2000]
        assert resumed.headers["location"].endswith(f"/console/bulk/{job_id}")
        _wait_done(instance, job_id, second.log)
        # A second press once it is done changes nothing.
        again = client.post(f"/console/bulk/{job_id}/resume", data={"csrf": _csrf(job_page.text)})
        assert again.status_code in (302, 303)
        client.close()
    finally:
        for server in (first, *([second] if second else [])):
            server.stop()

    view = bulk.get(instance, job_id)
    assert (view.state, view.rows_done, view.errors) == ("done", ROWS, 0)
    assert view.issued + view.already_issued == ROWS
    assert _issued(instance) == (ROWS, ROWS, ROWS)  # none lost, none twice, no index shared


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_job_killed_mid_run_run_periodic_marks_it_and_jobs_resume_finishes(
    instance, org, spec, tmp_path, database_url
):
    csv_path = write_csv(tmp_path / "learners.csv", ROWS)
    env = _env(tmp_path, database_url, "https://issuer.example")
    log = tmp_path / "issue-bulk.log"
    # Two signing processes: the chunks run in children, which die with their parent.
    process = subprocess.Popen(
        [*MICROCRED, "issue-bulk", "--org", org.slug, "--spec", spec.id, "--csv",
         str(csv_path), "--out-dir", str(tmp_path / "out"), "--workers", "2", "--json"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while True:
        assert time.monotonic() < deadline, _log(log)
        assert process.poll() is None, _log(log)
        with read_transaction(instance.sessions) as session:
            job_id = session.scalar(select(bulk.BulkJob.id))
        if job_id and _issued(instance)[0] >= 300:
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGSTOP)
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    time.sleep(0.5)  # the children are in the same group: gone with it
    assert 0 < _issued(instance)[0] < ROWS
    assert _state(instance, job_id)[0] == "running"

    periodic = subprocess.run(
        [*MICROCRED, "jobs", "run-periodic", "--json"], env=env, capture_output=True, text=True
    )
    assert periodic.returncode == 0, periodic.stderr
    assert _state(instance, job_id)[0] == "interrupted"
    assert json.loads(periodic.stdout)["recover-bulk-jobs"] == {"interrupted": 1}
    shown = subprocess.run(
        [*MICROCRED, "jobs", "show", job_id, "--json"], env=env, capture_output=True, text=True
    )
    shown_json = json.loads(shown.stdout)
    assert shown_json["state"] == "interrupted"
    assert shown_json["reason"].startswith("the process running it stopped at row ")

    resumed = subprocess.run(
        [*MICROCRED, "jobs", "resume", job_id, "--out-dir", str(tmp_path / "out"), "--json"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    summary = json.loads(resumed.stdout)
    assert summary["issued"] + summary["already_issued"] == ROWS
    assert summary["files_written"] == ROWS
    assert _state(instance, job_id)[0] == "done"
    assert _issued(instance) == (ROWS, ROWS, ROWS)
    assert len(list((tmp_path / "out").glob("learner-*.json"))) == ROWS

    again = subprocess.run(
        [*MICROCRED, "jobs", "resume", job_id], env=env, capture_output=True, text=True
    )
    assert again.returncode == 2 and "already done" in again.stderr, again.stderr


def _chunk_owner(instance, job_id: str, worker: str) -> None:
    """Record a chunk as started by `worker` (as `run_chunk` does) and leave it running."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from microcred.store.db import transaction

    now = datetime.now(UTC)
    with transaction(instance.sessions) as session:
        session.execute(
            update(BulkChunk)
            .where(BulkChunk.job_id == job_id, BulkChunk.seq == 1)
            .values(state="running", worker=worker, started_at=now, attempts=1)
        )
        session.execute(
            update(bulk.BulkJob)
            .where(bulk.BulkJob.id == job_id)
            .values(state="running", started_at=bulk.func.coalesce(bulk.BulkJob.started_at, now))
        )


def test_an_owner_on_another_machine_keeps_its_job_until_its_lease_expires(
    instance, org, spec, tmp_path
):
    job_id, _ = bulk.submit(
        instance, org.slug, spec.id, write_csv(tmp_path / "in.csv", 600), mode="in-process"
    )
    bulk.run_chunk(instance, job_id, 0)
    _chunk_owner(instance, job_id, "another-machine.example:4242")
    assert bulk.recover_interrupted(instance) == []  # alive as far as anyone here can tell
    assert bulk.get(instance, job_id).state == "running"
    assert bulk.recover_interrupted(instance, lease=0.0) == [job_id]  # no sign of life since
    view = bulk.get(instance, job_id)
    assert (view.state, view.chunks_running, view.rows_done) == ("interrupted", 0, 250)
    assert view.reason == "the process running it stopped at row 250 of 600"


def test_a_pid_of_this_machine_that_is_not_running_the_job_does_not_own_it(
    instance, org, spec, tmp_path
):
    # After a restart the server may get the pid its dead predecessor had (pid 1 in a
    # container): that pid is alive, but it is not running the job.
    job_id, _ = bulk.submit(
        instance, org.slug, spec.id, write_csv(tmp_path / "in.csv", 600), mode="in-process"
    )
    _chunk_owner(instance, job_id, bulk.worker_name())
    assert bulk.recover_interrupted(instance) == [job_id]
    assert bulk.recover_interrupted(instance) == []  # once
    view = bulk.resume(instance, job_id, workers=1, background=True)
    assert view.state in ("running", "done")
    # From its claim on, the run is this process's: it is not marked again, nor resumed twice.
    assert bulk.recover_interrupted(instance) == []
    with pytest.raises(bulk.JobNotResumable):
        bulk.resume(instance, job_id)
    view = bulk.wait_for(instance, job_id, timeout=120, poll=0.1)
    assert (view.state, view.rows_done, view.issued) == ("done", 600, 600)
    with pytest.raises(bulk.JobNotResumable, match="already done"):
        bulk.resume(instance, job_id)
    assert _issued(instance) == (600, 600, 600)


def test_a_run_that_stops_on_an_exception_is_left_interrupted_not_running(
    instance, org, spec, tmp_path
):
    job_id, _ = bulk.submit(
        instance, org.slug, spec.id, write_csv(tmp_path / "in.csv", 600), mode="in-process"
    )

    def stop(_rows: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C while a CLI run reports its progress

    with pytest.raises(KeyboardInterrupt):
        bulk.run_in_process(instance, job_id, workers=1, progress=stop)
    view = bulk.get(instance, job_id)
    assert (view.state, view.rows_done) == ("interrupted", 250)
    with pytest.raises(bulk.JobInterrupted, match="can be resumed"):
        bulk.wait_for(instance, job_id, timeout=5)
    # Submitting the same file again resumes it too.
    assert bulk.submit(instance, org.slug, spec.id, tmp_path / "in.csv", mode="in-process") == (
        job_id,
        True,
    )
    view = bulk.run_in_process(instance, job_id, workers=1)
    assert (view.state, view.rows_done, view.issued) == ("done", 600, 600)
    assert _issued(instance) == (600, 600, 600)


# Starts servers or worker processes, or runs long: `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow
