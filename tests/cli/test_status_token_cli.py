"""`microcred status token LIST_ID --org ORG`: the Token Status List token an SD-JWT VC
names, decoded (and `--raw` for the compact token itself)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred.cli.main import app
from microcred.proofs.sd_jwt import parse_sd_jwt, unverified_payload

SPEC = Path(__file__).resolve().parents[2] / "examples" / "specs" / "university-data-analysis.yaml"


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "test")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_status_token(cli, tmp_path):
    org = json.loads(cli("org", "create", "--name", "LU", "--country", "LV", "--json").stdout)
    spec = json.loads(cli("spec", "publish", SPEC, "--org", org["slug"], "--json").stdout)
    out = tmp_path / "anna.sd-jwt"
    result = cli(
        "issue", "--org", org["slug"], "--spec", spec["id"], "--learner-name", "Anna",
        "--learner-id", "anna@example.lv", "--format", "sd-jwt", "--out", out, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    reference = unverified_payload(parse_sd_jwt(out.read_text().strip()))["status"]["status_list"]
    list_id = int(reference["uri"].rsplit("/", 1)[1])
    args = ("status", "token", list_id, "--org", org["slug"], "--index", reference["idx"])

    before = json.loads(cli(*args, "--json").stdout)
    assert before["uri"] == reference["uri"]
    assert (before["status"], before["revoked"], before["bits"]) == (0, 0, 2)
    assert before["entries"] == 131_072 and before["ttl"] == 300
    cli("revoke", json.loads(result.stdout)["id"], "--reason", "test")
    after = json.loads(cli(*args, "--json").stdout)
    assert (after["status"], after["revoked"]) == (1, 1)
    assert after["token"] != before["token"]
    raw = cli("status", "token", list_id, "--org", org["slug"], "--raw")
    assert raw.stdout.strip() == after["token"]
    shown = cli(*args)
    assert "revoked    1" in shown.stdout and reference["uri"] in shown.stdout

    past = cli("status", "token", list_id, "--org", org["slug"], "--index", 131_072)
    assert past.exit_code == 2 and "--index" in past.output and "out of bounds" in past.output
    missing = cli("status", "token", 99, "--org", org["slug"])
    assert missing.exit_code != 0 and "no status list" in missing.output
    assert "Traceback" not in missing.output
