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


def test_verify_offline_with_the_token_as_a_resolved_file(cli, tmp_path, monkeypatch):
    """Another machine without this instance: the SD-JWT VC's token and the issuer's DID
    document given with --resolve URL=FILE (the token is a compact JWT, not JSON)."""
    from microcred.proofs.did import did_web_to_url
    from microcred.services import organisations
    from microcred.services.instance import Instance
    from microcred.settings import load_settings

    org = json.loads(cli("org", "create", "--name", "LU", "--country", "LV", "--json").stdout)
    spec = json.loads(cli("spec", "publish", SPEC, "--org", org["slug"], "--json").stdout)
    out = tmp_path / "anna.sd-jwt"
    issued = cli(
        "issue", "--org", org["slug"], "--spec", spec["id"], "--learner-name", "Anna",
        "--learner-id", "anna@example.lv", "--format", "sd-jwt", "--out", out, "--json",
    )  # fmt: skip
    cli("revoke", json.loads(issued.stdout)["id"], "--reason", "test")
    uri = unverified_payload(parse_sd_jwt(out.read_text().strip()))["status"]["status_list"]["uri"]
    token_file = tmp_path / "list.jwt"
    raw = cli("status", "token", uri.rsplit("/", 1)[1], "--org", org["slug"], "--raw")
    token_file.write_text(raw.stdout)
    instance = Instance(load_settings())
    try:
        did = organisations.did_document(instance, org["slug"])
    finally:
        instance.close()
    did_file = tmp_path / "did.json"
    did_file.write_text(json.dumps(did))

    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "elsewhere"))
    did_url = did_web_to_url(did["id"])
    report = cli(
        "verify", out, "--json", "--resolve", f"{did_url}={did_file}",
        "--resolve", f"{uri}={token_file}",
    )  # fmt: skip
    assert json.loads(report.stdout)["status"] == "revoked", report.stdout
    without = cli("verify", out, "--resolve", f"{did_url}={did_file}")
    assert without.exit_code == 3  # unchecked: the token could not be had
    assert f"--resolve {uri}=FILE" in without.stdout
