"""`microcred issue --learner-given-name / --learner-family-name`: the SD-JWT VC's given_name
and family_name, kept by `convert --to model`; a blank one is refused naming the option's field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred.cli.main import app
from microcred.proofs.sd_jwt import disclose, parse_sd_jwt, unverified_payload

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "test")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_given_and_family_name_options(cli, tmp_path):
    org = json.loads(cli("org", "create", "--name", "LU", "--country", "LV", "--json").stdout)
    spec = json.loads(cli("spec", "publish", SPEC, "--org", org["slug"], "--json").stdout)
    out = tmp_path / "anna.sd-jwt"
    result = cli(
        "issue", "--org", org["slug"], "--spec", spec["id"], "--learner-name", "Anna Bērziņa",
        "--learner-given-name", "Anna", "--learner-family-name", "Bērziņa",
        "--learner-id", "anna@example.lv", "--format", "sd-jwt", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sd_jwt = parse_sd_jwt(out.read_text().strip())
    claims = disclose(unverified_payload(sd_jwt), sd_jwt.disclosures)
    assert (claims["given_name"], claims["family_name"]) == ("Anna", "Bērziņa")
    model_file = tmp_path / "model.json"
    assert cli("convert", out, "--to", "model", "--out", model_file).exit_code == 0
    learner = json.loads(model_file.read_text())["model"]["learner"]
    assert (learner["name"], learner["given_name"], learner["family_name"]) == (
        "Anna Bērziņa",
        "Anna",
        "Bērziņa",
    )

    blank = cli(
        "issue", "--org", org["slug"], "--spec", spec["id"], "--learner-name", "Jānis Ozols",
        "--learner-given-name", " ", "--learner-id", "janis@example.lv",
    )  # fmt: skip
    assert blank.exit_code != 0 and "given_name: blank" in blank.output, blank.output


def test_file_based_issuing_keeps_the_names(cli, tmp_path):
    key = tmp_path / "issuer.key.json"
    assert cli("keys", "new", "--out", key).exit_code == 0
    out = tmp_path / "anna.json"
    result = cli(
        "issue", "--spec", SPEC, "--key", key, "--learner-name", "Anna Bērziņa",
        "--learner-given-name", "Anna", "--learner-family-name", "Bērziņa",
        "--learner-id", "anna@example.lv", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    subject = json.loads(out.read_text())["credentialSubject"]
    assert (subject["learnerGivenName"], subject["learnerFamilyName"]) == ("Anna", "Bērziņa")
    long = cli(
        "issue", "--spec", SPEC, "--key", key, "--learner-name", "Anna Bērziņa",
        "--learner-family-name", "B" * 201, "--learner-id", "anna@example.lv", "--out", out,
    )  # fmt: skip
    assert long.exit_code != 0 and "family_name: at most 200 characters" in long.output
