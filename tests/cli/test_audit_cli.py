"""`microcred audit`: the organisation's log in plain sentences (en, lv), the raw entries as
JSON, and a language that has no catalogue refused as a usage error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred.cli.main import app

SPEC = Path(__file__).resolve().parents[2] / "examples" / "specs" / "university-data-analysis.yaml"


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MICROCRED_SECRET_KEY", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_the_audit_log_reads_as_sentences(cli):
    org = json.loads(cli("org", "create", "--name", "LU", "--country", "LV", "--json").stdout)
    spec = json.loads(cli("spec", "publish", SPEC, "--org", org["slug"], "--json").stdout)
    issued = cli("issue", "--org", org["slug"], "--spec", spec["id"], "--learner-name",
                 "Anna Bērziņa", "--learner-id", "anna@example.lv", "--json")  # fmt: skip
    cli("revoke", json.loads(issued.stdout)["id"], "--reason", "wrong course")
    en = cli("audit", "--org", org["slug"])
    assert en.exit_code == 0, en.output
    text = " ".join(en.output.split())
    assert "The command line revoked “Data analysis with Python” of Anna Bērziņa." in text
    assert "Reason: wrong course" in text
    lv = " ".join(cli("audit", "--org", org["slug"], "--lang", "lv").output.split())
    assert "Komandrinda atsauca “Datu analīze ar Python” (Anna Bērziņa)." in lv
    raw = json.loads(cli("audit", "--org", org["slug"], "--json").stdout)
    assert raw[0]["action"] == "credential.revoke"
    bad = cli("audit", "--org", org["slug"], "--lang", "xx")
    assert bad.exit_code == 2 and "--lang" in bad.output
