"""`microcred issue --format sd-jwt`, `verify --json`, `convert --to model`, `export --format
sd-jwt` (issue 15's names to keep): one record, its SD-JWT VC forms, revoked together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred.cli.main import app
from microcred.proofs.keys import P256KeyPair
from microcred.proofs.sd_jwt import parse_sd_jwt, unverified_payload

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "test")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_issue_verify_convert_export_revoke(cli, tmp_path):
    org = json.loads(cli("org", "create", "--name", "LU", "--country", "LV", "--json").stdout)
    spec = json.loads(cli("spec", "publish", SPEC, "--org", org["slug"], "--json").stdout)
    holder = P256KeyPair.generate()
    jwk_file = tmp_path / "holder.jwk"
    jwk_file.write_text(json.dumps(holder.to_public_jwk()))
    out = tmp_path / "anna.sd-jwt"
    result = cli(
        "issue", "--org", org["slug"], "--spec", spec["id"], "--learner-name", "Anna Bērziņa",
        "--learner-id", "anna@example.lv", "--grade", "9", "--format", "sd-jwt",
        "--holder-jwk", jwk_file, "--out", out, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    issued = json.loads(result.stdout)
    text = out.read_text().strip()
    assert text.endswith("~") and issued["credential"] == text and issued["format"] == "sd-jwt"
    payload = unverified_payload(parse_sd_jwt(text))
    assert payload["cnf"]["jwk"] == holder.to_public_jwk()

    report = json.loads(cli("verify", out, "--json").stdout)
    assert report["status"] == "valid", report
    assert [c["id"] for c in report["checks"]][:4] == ["parse", "schema", "eu_standard", "proof"]

    model_file = tmp_path / "model.json"
    assert cli("convert", out, "--to", "model", "--out", model_file).exit_code == 0
    model = json.loads(model_file.read_text())
    assert model["format"] == "sd-jwt" and model["missing"] == []
    assert model["model"]["learner"]["name"] == "Anna Bērziņa"
    assert model["model"]["grade"] == "9"
    assert model["model"]["spec"]["title"]["lv"]
    printed = cli("convert", out, "--to", "model")  # the name to keep: no --out, to stdout
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout) == model

    fresh = tmp_path / "fresh.sd-jwt"
    assert cli("export", issued["id"], "--format", "sd-jwt", "--out", fresh).exit_code == 0
    assert set(parse_sd_jwt(fresh.read_text()).disclosures).isdisjoint(
        parse_sd_jwt(text).disclosures
    )  # new salts
    cli("revoke", issued["id"], "--reason", "test")
    for form in (out, fresh):  # one record, one status index: every form is revoked
        assert json.loads(cli("verify", form, "--json").stdout)["status"] == "revoked"


def test_tampered_and_bad_inputs(cli, tmp_path):
    key = tmp_path / "k.json"
    cli("keys", "new", "--out", key, "--type", "p256")
    out = tmp_path / "c.sd-jwt"
    result = cli(
        "issue", "--spec", SPEC, "--key", key, "--learner-name", "Anna", "--learner-id",
        "anna@example.lv", "--format", "sd-jwt", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(cli("verify", out, "--json").stdout)["status"] == "valid"
    sd_jwt = parse_sd_jwt(out.read_text())
    body = sd_jwt.jwt.split(".")
    import base64

    claims = json.loads(base64.urlsafe_b64decode(body[1] + "=="))
    claims["achievement_title"] = "Something else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    bad = tmp_path / "bad.sd-jwt"
    bad.write_text("~".join((f"{body[0]}.{forged}.{body[2]}", *sd_jwt.disclosures, "")))
    report = json.loads(cli("verify", bad, "--json").stdout)
    assert report["status"] == "invalid"
    assert next(c for c in report["checks"] if c["id"] == "proof")["code"] == (
        "proof.invalid_signature"
    )
    missing = tmp_path / "missing.sd-jwt"
    missing.write_text(out.read_text().strip().rstrip("~"))
    report = json.loads(cli("verify", missing, "--json").stdout)
    assert report["status"] == "invalid" and "trailing ~" in report["checks"][0]["message"]
    wrong = cli(
        "issue", "--spec", SPEC, "--key", key, "--learner-name", "Anna", "--learner-id",
        "anna@example.lv", "--holder-jwk", key, "--out", out,
    )  # fmt: skip
    assert wrong.exit_code == 2 and "--format sd-jwt" in wrong.output
