"""Bulk jobs run in-process (SQLite, and PostgreSQL without workers): progress, output,
idempotent resubmission, the CLI and the API router."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from microcred.services import bulk_jobs as bulk
from microcred.services import tokens
from microcred.store.db import make_engine, migrate, transaction
from microcred.store.tables import BulkChunk
from tests.services.test_bulk import count, write_csv

BAD_ROWS = [
    ["", "nobody@example.lv", "2026-06-30", ""],
    ["Bad Date", "d@example.lv", "30.06.2026", ""],
]


def test_job_progress_output_and_resubmission(instance, org, spec, tmp_path):
    path = write_csv(tmp_path / "in.csv", 600, extra_rows=BAD_ROWS)
    job_id, resumed = bulk.submit(instance, org.slug, spec.id, path, mode="in-process")
    assert not resumed
    view = bulk.get(instance, job_id)
    assert (view.state, view.total_rows, view.rows_done, view.chunks) == ("queued", 602, 0, 3)

    # One chunk, as a worker would run it: progress is in the database.
    assert bulk.run_chunk(instance, job_id, 0, worker="test:1")
    assert not bulk.run_chunk(instance, job_id, 0)  # done chunks are not run again
    view = bulk.get(instance, job_id)
    assert (view.state, view.rows_done, view.issued, view.chunks_done) == ("running", 250, 250, 1)
    assert [v.id for v in bulk.list_jobs(instance, org_ref=org.slug)] == [job_id]

    # The same CSV while the job is unfinished resumes it.
    assert bulk.submit(instance, org.slug, spec.id, path, mode="in-process") == (job_id, True)
    seen: list[int] = []
    view = bulk.run_in_process(instance, job_id, workers=1, progress=seen.append)
    assert seen == [250, 102]
    assert (view.state, view.rows_done, view.issued, view.errors) == ("done", 602, 600, 2)
    assert view.finished_at is not None

    out = tmp_path / "out"
    summary = bulk.write_output(instance, job_id, out)
    assert (summary.issued, summary.errors, summary.files_written) == (600, 2, 600)
    assert len(list(out.glob("learner-*.json"))) == 600
    with (out / "errors.csv").open() as handle:
        errors = list(csv.DictReader(handle))
    assert [int(e["line"]) for e in errors] == [602, 603]
    assert "learner_name" in errors[0]["reason"] and "issued_on" in errors[1]["reason"]
    assert json.loads((out / "summary.json").read_text())["issued"] == 600

    # Submitting it again after it finished: a new job, every row already issued.
    again, resumed = bulk.submit(instance, org.slug, spec.id, path, mode="in-process")
    assert again != job_id and not resumed
    view = bulk.run_in_process(instance, again, workers=2)
    assert (view.issued, view.already_issued, view.errors) == (0, 600, 2)
    assert count(instance) == (600, 600)


def test_a_chunk_run_twice_at_once_issues_each_row_once(instance, org, spec, tmp_path):
    """What happens when a stalled chunk is re-queued while its first run still goes on."""
    path = write_csv(tmp_path / "in.csv", 120)
    job_id, _ = bulk.submit(instance, org.slug, spec.id, path, mode="queue")
    # Simulate a worker killed after its insert but before marking the chunk done.
    with transaction(instance.sessions) as session:
        rows = json.loads(session.get(BulkChunk, (job_id, 0)).rows)
    from microcred.services.bulk import issue_rows

    first = issue_rows(instance, org.id, spec.id, [(line, v) for line, v in rows[:70]])
    assert first.issued == 70
    assert bulk.run_chunk(instance, job_id, 0)
    view = bulk.get(instance, job_id)
    assert (view.issued, view.already_issued, view.state) == (50, 70, "done")
    assert count(instance) == (120, 120)


def test_bad_header_stores_nothing(instance, org, spec, tmp_path):
    path = write_csv(tmp_path / "in.csv", 3, columns=("learner_name", "learner_id", "colour"))
    with pytest.raises(bulk.BulkError, match="colour"):
        bulk.submit(instance, org.slug, spec.id, path, mode="in-process")
    assert bulk.list_jobs(instance) == []


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "MICROCRED_HOME": str(tmp_path / "home"),
        "MICROCRED_DATABASE_URL": database_url,
        "MICROCRED_SECRET_KEY": "test-secret",
        "MICROCRED_BASE_URL": "https://issuer.example",
        "COLUMNS": "250",
    }


def _cli(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "microcred.cli.main", *args],
        env=_env(tmp_path, database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_issue_bulk_jobs_list_show_wait(instance, org, spec, tmp_path, database_url):
    path = write_csv(tmp_path / "in.csv", 30, extra_rows=BAD_ROWS[:1])
    out = tmp_path / "out"
    done = _cli(
        tmp_path, database_url, "issue-bulk", "--org", org.slug, "--spec", spec.id,
        "--csv", str(path), "--out-dir", str(out), "--json",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # a row with an error: exit 1, like before
    summary = json.loads(done.stdout)
    assert (summary["issued"], summary["errors"], summary["files_written"]) == (30, 1, 30)
    job_id = summary["job_id"]

    listed = _cli(tmp_path, database_url, "jobs", "--json")
    assert listed.returncode == 0, listed.stderr
    [job] = json.loads(listed.stdout)
    assert (job["id"], job["state"], job["mode"], job["rows_done"]) == (
        job_id, "done", "in-process", 31,
    )  # fmt: skip
    shown = _cli(tmp_path, database_url, "jobs", "show", job_id, "--json")
    assert json.loads(shown.stdout)["errors"] == 1
    table = _cli(tmp_path, database_url, "jobs")
    assert job_id in table.stdout and "31/31" in table.stdout

    # Files again, from the database, on "another machine".
    waited = _cli(tmp_path, database_url, "jobs", "wait", job_id, "--out-dir",
                  str(tmp_path / "again"), "--json")  # fmt: skip
    assert json.loads(waited.stdout)["files_written"] == 30
    assert len(list((tmp_path / "again").glob("learner-*.json"))) == 30

    missing = _cli(tmp_path, database_url, "jobs", "show", "nope")
    assert missing.returncode == 2 and "no job" in missing.stderr
    if database_url.startswith("sqlite"):
        worker = _cli(tmp_path, database_url, "worker")
        assert worker.returncode == 2 and "PostgreSQL" in worker.stderr
        queued = _cli(tmp_path, database_url, "issue-bulk", "--org", org.slug, "--spec",
                      spec.id, "--csv", str(path), "--queue", "--no-wait")  # fmt: skip
        assert queued.returncode == 2 and "PostgreSQL" in queued.stderr


def test_cli_run_periodic(instance, org, spec, tmp_path, database_url):
    from microcred.services import credentials
    from microcred.services.credentials import IssueRequest

    credentials.issue(instance, org.slug, spec.id, IssueRequest("A", "a@example.lv", "2026-06-30"))
    done = _cli(tmp_path, database_url, "jobs", "run-periodic", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "publish-status-lists": {"lists": 1},
        "reverify-wallets": {"changed": 0},
        "recover-bulk-jobs": {"interrupted": 0},
        "delete-presentation-answers": {"deleted": 0},
    }
    bad = _cli(tmp_path, database_url, "jobs", "run-periodic", "--only", "nope")
    assert bad.returncode == 2


def test_api_router(instance, org, spec, tmp_path):
    from microcred.api import create_app
    from microcred.api.routes.jobs import router

    app = create_app(instance.settings)
    app.include_router(router)
    path = write_csv(tmp_path / "in.csv", 5)
    job_id, _ = bulk.submit(instance, org.slug, spec.id, path, mode="in-process")
    bulk.run_in_process(instance, job_id, workers=1)
    _view, secret = tokens.create(instance, org.slug, "reader", ["read"])
    other = __import__("microcred.services.organisations", fromlist=["create"]).create(
        instance, name="Other College", country="LV"
    )
    _v, other_secret = tokens.create(instance, other.slug, "reader", ["read"])
    with TestClient(app) as client:
        auth = {"Authorization": f"Bearer {secret}"}
        listed = client.get(f"/api/v1/orgs/{org.slug}/jobs", headers=auth)
        assert listed.status_code == 200, listed.text
        [job] = listed.json()["jobs"]
        assert (job["id"], job["state"], job["rows_done"], job["issued"]) == (job_id, "done", 5, 5)
        one = client.get(f"/api/v1/orgs/{org.slug}/jobs/{job_id}", headers=auth)
        assert one.status_code == 200 and one.json()["total_rows"] == 5
        assert client.get(f"/api/v1/orgs/{org.slug}/jobs").status_code == 401
        foreign = {"Authorization": f"Bearer {other_secret}"}
        assert client.get(f"/api/v1/orgs/{org.slug}/jobs", headers=foreign).status_code == 404
        # Another organisation's token cannot see this job through its own path either.
        seen = client.get(f"/api/v1/orgs/{other.slug}/jobs/{job_id}", headers=foreign)
        assert seen.status_code == 404 and seen.json()["error"]["code"] == "not_found"
        assert client.get(f"/api/v1/orgs/{other.slug}/jobs", headers=foreign).json() == {"jobs": []}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # procrastinate's schema
def test_migration_keeps_an_existing_procrastinate_schema(tmp_path, database_url):
    import psycopg
    from procrastinate.schema import SchemaManager

    from microcred.jobs.queue import conninfo

    with psycopg.connect(conninfo(database_url), autocommit=True) as connection:
        connection.execute(SchemaManager.get_schema())  # installed beforehand, e.g. by hand
    engine = make_engine(database_url)
    try:
        migrate(engine)
        migrate(engine)  # and again: nothing to do
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar_one()
                == 0
            )
            assert (
                connection.execute(
                    select(func.count()).select_from(BulkChunk.__table__)
                ).scalar_one()
                == 0
            )
    finally:
        engine.dispose()


def test_files_of_finished_chunks_are_written_while_the_job_runs(instance, org, spec, tmp_path):
    """The submitter of a queued job writes each finished chunk's files as it goes; the end
    of the job then only adds the rest, and every file is a committed credential."""
    path = write_csv(tmp_path / "in.csv", 30)
    job_id, _ = bulk.submit(instance, org.slug, spec.id, path, mode="queue", chunk_rows=10)
    out = tmp_path / "out"
    assert bulk.write_finished_chunks(instance, job_id, out) == set()  # nothing done yet
    assert bulk.run_chunk(instance, job_id, 1)
    written = bulk.write_finished_chunks(instance, job_id, out)
    assert written == {1}
    files = sorted(out.glob("*.json"))
    assert len(files) == 10
    with transaction(instance.sessions) as session:
        keys = set(session.get(BulkChunk, (job_id, 1)).row_keys)
    assert {json.loads(f.read_text())["id"] for f in files} <= {
        doc["id"] for doc in map(json.loads, _documents(instance, keys))
    }
    # a second call does not look at chunk 1 again; the others follow
    assert bulk.run_chunk(instance, job_id, 0) and bulk.run_chunk(instance, job_id, 2)
    assert bulk.write_finished_chunks(instance, job_id, out, written) == {0, 1, 2}
    assert len(list(out.glob("*.json"))) == 30
    summary = bulk.write_output(instance, job_id, out)
    assert (summary.issued, summary.files_written) == (30, 30)


def _documents(instance, row_keys: set[str]) -> list[str]:
    from microcred.store.tables import IssuedCredential

    with transaction(instance.sessions) as session:
        return list(
            session.scalars(
                select(IssuedCredential.document).where(IssuedCredential.row_key.in_(row_keys))
            )
        )
