from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from microcred.services import credentials
from microcred.services.bulk import BulkError
from microcred.services.bulk_jobs import run_csv
from microcred.services.credentials import IssueRequest
from microcred.store.db import transaction
from microcred.store.tables import IssuedCredential
from tests.services.test_issuer import verify


def write_csv(
    path: Path,
    n: int,
    *,
    extra_rows=(),
    columns=("learner_name", "learner_id", "issued_on", "grade"),
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i in range(n):
            writer.writerow(
                [f"Learner {i}", f"learner{i}@example.lv", "2026-06-30", str(i % 10 + 1)][
                    : len(columns)
                ]
            )
        writer.writerows(extra_rows)
    return path


def count(instance) -> tuple[int, int]:
    with transaction(instance.sessions) as session:
        total = session.scalar(select(func.count()).select_from(IssuedCredential))
        indexes = session.scalar(
            select(func.count()).select_from(
                select(IssuedCredential.status_list_id, IssuedCredential.status_index)
                .distinct()
                .subquery()
            )
        )
    return total, indexes


def test_bulk_reports_bad_rows_and_issues_every_good_one(instance, org, spec, tmp_path):
    path = write_csv(
        tmp_path / "in.csv",
        40,
        extra_rows=[
            ["", "nobody@example.lv", "2026-06-30", ""],
            ["Bad Date", "d@example.lv", "30.06.2026", ""],
            ["Bad Mail", "mailto:not-an-email", "2026-06-30", ""],
            ["Learner 0", "learner0@example.lv", "2026-06-30", "1"],
        ],
    )
    out = tmp_path / "out"
    summary = run_csv(instance, org.slug, spec.id, path, out, workers=2)
    assert (summary.total_rows, summary.issued, summary.errors) == (44, 40, 4)
    with (out / "errors.csv").open() as handle:
        errors = list(csv.DictReader(handle))
    assert [int(e["line"]) for e in errors] == [42, 43, 44, 45]
    assert "learner_name" in errors[0]["reason"] and "issued_on" in errors[1]["reason"]
    assert "e-mail" in errors[2]["reason"] and "duplicate" in errors[3]["reason"]
    files = sorted(out.glob("learner-*.json"))
    assert len(files) == 40
    assert verify(instance, json.loads(files[0].read_text())).status == "valid"
    assert json.loads((out / "summary.json").read_text())["issued"] == 40

    again = run_csv(instance, org.slug, spec.id, path, out, workers=1)
    assert (again.issued, again.already_issued) == (0, 40)
    assert count(instance) == (40, 40)


def test_unknown_column_stops_before_anything_is_issued(instance, org, spec, tmp_path):
    path = write_csv(
        tmp_path / "in.csv", 5, columns=("learner_name", "learner_id", "issued_on", "colour")
    )
    with pytest.raises(BulkError, match="colour"):
        run_csv(instance, org.slug, spec.id, path, tmp_path / "out")
    assert count(instance) == (0, 0)
    missing = write_csv(tmp_path / "m.csv", 2, columns=("learner_name", "learner_id"))
    with pytest.raises(BulkError, match="issued_on"):
        run_csv(instance, org.slug, spec.id, missing, tmp_path / "out")


def test_row_key_column_is_the_idempotency_key(instance, org, spec, tmp_path):
    path = tmp_path / "k.csv"
    path.write_text(
        "learner_name,learner_id,issued_on,row_key\nA,a@example.lv,2026-06-30,K1\nA again,a@example.lv,2026-07-01,K1\n"
    )
    summary = run_csv(instance, org.slug, spec.id, path, tmp_path / "out", workers=1)
    assert (summary.issued, summary.errors) == (1, 1)


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "MICROCRED_HOME": str(tmp_path / "home"),
        "MICROCRED_DATABASE_URL": database_url,
        "MICROCRED_SECRET_KEY": "test-secret",
        "MICROCRED_BASE_URL": "https://issuer.example",
    }


def test_sigkill_mid_run_then_rerun_gives_exactly_one_per_row(
    instance, org, spec, tmp_path, database_url
):
    n = 3000
    path = write_csv(tmp_path / "big.csv", n)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "microcred.cli.main",
        "issue-bulk",
        "--org",
        org.slug,
        "--spec",
        spec.id,
        "--csv",
        str(path),
        "--out-dir",
        str(out),
        "--json",
    ]
    process = subprocess.Popen(
        command, env=_env(tmp_path, database_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.time() + 120
    while time.time() < deadline and count(instance)[0] < 1000:
        time.sleep(0.05)
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = count(instance)[0]
    assert 0 < partial < n, partial
    done = subprocess.run(
        command, env=_env(tmp_path, database_url), capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    summary = json.loads(done.stdout)
    assert summary["issued"] + summary["already_issued"] == n
    assert count(instance) == (n, n)
    files = list(out.glob("learner-*.json"))
    assert len(files) == n
    with transaction(instance.sessions) as session:
        ids = set(session.scalars(select(IssuedCredential.id)))
    assert {
        json.loads(f.read_text())["id"] for f in files
    } == ids  # the folder and the database agree
    assert not list(out.glob("*.tmp"))


def test_two_processes_issuing_at_once_never_share_an_index(
    instance, org, spec, tmp_path, database_url
):
    script = (
        "import sys\n"
        "from microcred.settings import load_settings\n"
        "from microcred.services.instance import Instance\n"
        "from microcred.services import credentials\n"
        "i = Instance(load_settings())\n"
        "tag = sys.argv[1]\n"
        "for n in range(int(sys.argv[2])):\n"
        "    credentials.issue(i, sys.argv[3], sys.argv[4], credentials.IssueRequest(f'L{tag}{n}', f'l{tag}{n}@example.lv', '2026-06-30'))\n"
    )
    each = 500
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, tag, str(each), org.slug, spec.id],
            env=_env(tmp_path, database_url),
            stderr=subprocess.PIPE,
        )
        for tag in ("a", "b")
    ]
    for process in processes:
        assert process.wait(timeout=600) == 0, process.stderr.read().decode()[-2000:]
    assert count(instance) == (2 * each, 2 * each)


def test_single_issue_then_bulk_share_the_idempotency_key(instance, org, spec, tmp_path):
    one = credentials.issue(
        instance, org.slug, spec.id, IssueRequest("Learner 0", "learner0@example.lv", "2026-06-30")
    )
    summary = run_csv(
        instance, org.slug, spec.id, write_csv(tmp_path / "c.csv", 3), tmp_path / "out", workers=1
    )
    assert (summary.issued, summary.already_issued) == (2, 1)
    assert one.id in {
        json.loads(f.read_text())["id"] for f in (tmp_path / "out").glob("learner-*.json")
    }
