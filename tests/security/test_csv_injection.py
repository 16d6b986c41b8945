"""Finding 9 of issue 12: CSV formula injection.

A bulk file's row keys (and anything else a CSV row carries) go back to the issuer in
``errors.csv``. A cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab, a carriage return, a line feed or NUL) is written with a leading single
quote, as OWASP (CSV Injection) and ASVS 1.2.10 recommend; a negative number such as ``-5`` too
(the rule is by first character, with no exceptions). Both the console's download and the
file the CLI writes are checked, and no code of the product writes CSV any other way.
"""

from __future__ import annotations

import ast
import csv
import io
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microcred.api import create_app
from microcred.cli.main import app as cli_app
from microcred.model.files import load_data
from microcred.services import organisations, specifications, tokens
from microcred.services.instance import Instance
from microcred.settings import Settings, load_settings
from tests.console_client import token_sign_in

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "microcred"
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")

# Row keys a spreadsheet would run as formulas, each on a row that cannot be issued.
HOSTILE_KEYS = ["=cmd|' /C calc'!A0", "@SUM(1)", "+1+1", "-5", '=HYPERLINK("http://x.example")']
NAMES = ["=cmd|' /C calc'!A0", "@SUM(1)", "+SUM(2)", "-2+3", "=1+1"]


def hostile_csv(path: Path) -> Path:
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["learner_name", "learner_id", "issued_on", "row_key"])
    writer.writerow(["Good Learner", "good@example.lv", "2026-03-02", "csv-good-1"])
    for n, (key, name) in enumerate(zip(HOSTILE_KEYS, NAMES, strict=True)):
        writer.writerow([name, f"learner{n}@example.lv", "not a date", key])
    writer.writerow(["", "nobody@example.lv", "2026-03-02", "@empty-name"])
    path.write_text(rows.getvalue(), encoding="utf-8")
    return path


def assert_neutralised(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    # the CLI's columns, or the console's headings in the member's language (English here)
    assert rows[0] in (
        ["line", "row_key", "learner_name", "reason"],
        ["Line", "Row key", "Learner", "What to fix"],
    ), rows[:1]
    keys = [row[1] for row in rows[1:]]
    # Every hostile key is there, neutralised by a leading quote, and nothing else changed.
    for key in [*HOSTILE_KEYS, "@empty-name"]:
        assert "'" + key in keys, (key, keys)
    names = [row[2] for row in rows[1:]]  # the learners' names are written too
    for name in NAMES:
        assert "'" + name in names, (name, names)
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), (cell, row)


def test_cells_are_neutralised_as_owasp_recommends() -> None:
    from microcred.services.csv_output import neutralise

    for value in ("=1+1", "+1", "-5", "@SUM(1)", "\tx", "\rx", "\nx", "\0x"):
        assert neutralise(value) == "'" + value
    for value in ("plain", "5", "'=quoted already", " =space first", "", "a=b"):
        assert neutralise(value) == value
    assert neutralise(-5) == "'-5"  # by the written text, whatever the type
    assert neutralise(7) == "7" and neutralise(None) == ""


def _org_and_spec(instance: Instance) -> tuple[str, str]:
    org = organisations.create(instance, name="CSV Test Centre", country="LV")
    spec = specifications.publish(instance, org.slug, load_data(SPEC))
    return org.slug, spec.id


def test_console_error_report_is_neutralised(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path / "home",
        database_url=f"sqlite:///{tmp_path / 'csv.db'}",
        secret_key="csv",
        base_url="http://testserver",
    )
    app = create_app(settings)
    instance = app.state.instance
    slug, spec_id = _org_and_spec(instance)
    _, secret = tokens.create(instance, slug, "console", ["issue", "read"])
    with TestClient(app) as client:
        token_sign_in(client, secret)
        upload = client.get("/console/bulk")
        started = client.post(
            "/console/bulk",
            data={"csrf": CSRF.search(upload.text).group(1), "spec": spec_id},
            files={"file": ("learners.csv", hostile_csv(tmp_path / "in.csv").read_bytes())},
            follow_redirects=False,
        )
        assert started.status_code == 303, started.text
        job_url = started.headers["location"]
        deadline = time.monotonic() + 60
        while "Finished" not in client.get(job_url).text:
            assert time.monotonic() < deadline, "the bulk run did not finish"
            time.sleep(0.2)
        report = client.get(job_url + "/errors.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert_neutralised(report.text)


def test_cli_error_report_is_neutralised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MICROCRED_DATABASE_URL", raising=False)
    monkeypatch.delenv("MICROCRED_SECRET_KEY", raising=False)
    instance = Instance(load_settings())
    try:
        slug, spec_id = _org_and_spec(instance)
    finally:
        instance.close()
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli_app,
        ["issue-bulk", "--org", slug, "--spec", spec_id, "--csv", str(hostile_csv(tmp_path / "in.csv")),
         "--out-dir", str(out), "--in-process", "--workers", "1"],
    )  # fmt: skip
    assert result.exit_code != 0 and (out / "errors.csv").is_file(), result.output
    assert_neutralised((out / "errors.csv").read_text(encoding="utf-8"))


def test_the_demo_bulk_report_is_neutralised(tmp_path: Path) -> None:
    """The in-process job run `microcred demo` uses (`services.bulk_jobs.run_csv`)."""
    from microcred.services.bulk_jobs import run_csv

    settings = Settings(
        home=tmp_path / "home",
        database_url=f"sqlite:///{tmp_path / 'demo.db'}",
        secret_key="csv",
        base_url="http://testserver",
    )
    instance = Instance(settings)
    try:
        slug, spec_id = _org_and_spec(instance)
        summary = run_csv(
            instance, slug, spec_id, hostile_csv(tmp_path / "in.csv"), tmp_path / "out", workers=1
        )
    finally:
        instance.close()
    assert summary.error_report
    assert_neutralised(Path(summary.error_report).read_text(encoding="utf-8"))


def test_no_csv_is_written_around_the_helper() -> None:
    """Every CSV the product writes goes through `microcred.services.csv_output`."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "csv_output.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
                and node.attr in ("writer", "DictWriter")
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno} csv.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "csv":
                names = {a.name for a in node.names}
                if names & {"writer", "DictWriter"}:
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno} from csv import")
    assert not offenders, offenders
