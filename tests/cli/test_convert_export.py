from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
EDC = ROOT.parent / "shared" / "vectors" / "edc"
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "test")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("sample", sorted(p.name for p in EDC.iterdir()))
def test_every_edc_sample_converts_to_the_model(cli, tmp_path, sample):
    out = tmp_path / "model.json"
    result = cli("convert", EDC / sample, "--to", "model", "--out", out)
    assert result.exit_code == 0, result.output
    model = json.loads(out.read_text())
    assert set(model) == {"format", "model", "missing", "problems"}
    if "certofpart" not in sample and "edci" not in sample:
        assert model["model"]["spec"]["title"]
        assert model["model"]["spec"]["awarding_body"]["country"]


def test_annex1_sample_lists_the_missing_quality_assurance(cli, tmp_path):
    out = tmp_path / "m.json"
    cli("convert", EDC / "elm3-sample-mc-annex1-unsigned.jsonld", "--to", "model", "--out", out)
    model = json.loads(out.read_text())
    assert model["missing"] == ["quality_assurance"]
    assert model["model"]["spec"]["workload"]["ects"] in (2, "2")
    result = cli(
        "convert",
        EDC / "elm3-sample-mc-annex1-unsigned.jsonld",
        "--to",
        "ob3",
        "--out",
        tmp_path / "x.json",
    )
    assert result.exit_code == 1 and "quality assurance" in result.output


def test_sealed_edc_sample_seal_verified_trust_warned(cli, tmp_path):
    result = cli("verify", EDC / "elm3-sample-mc-annex1-signed-jades.jsonld", "--json")
    report = json.loads(result.stdout)
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["proof"]["status"] == "pass" and "ORGANIZACION TEST" in checks["proof"]["message"]
    assert "2025-05-10" in checks["proof"]["message"] and "expired" in checks["proof"]["message"]
    assert checks["trust"]["status"] == "warn" and "EU trusted lists" in checks["trust"]["message"]
    assert checks["eu_standard"]["status"] == "warn"
    sealed = json.loads((EDC / "elm3-sample-mc-annex1-signed-jades.jsonld").read_text())
    payload = json.loads(sealed["payload"])
    payload["credentialSubject"]["fullName"] = {"en": "Mallory"}
    sealed["payload"] = json.dumps(payload)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(sealed))
    report = json.loads(cli("verify", tampered, "--json").stdout)
    assert report["valid"] is False
    assert next(c for c in report["checks"] if c["id"] == "proof")["status"] == "fail"


def test_own_credential_round_trips_through_elm_and_ob3(cli, tmp_path):
    cred = tmp_path / "c.json"
    key = tmp_path / "k.json"
    cli("keys", "new", "--out", key)
    cli(
        "issue",
        "--spec",
        SPEC,
        "--key",
        key,
        "--learner-name",
        "Anna",
        "--learner-id",
        "anna@example.lv",
        "--out",
        cred,
    )
    elm, back, model = tmp_path / "e.json", tmp_path / "o.json", tmp_path / "m.json"
    assert cli("convert", cred, "--to", "elm", "--out", elm).exit_code == 0
    assert json.loads(elm.read_text())["type"] == [
        "VerifiableCredential",
        "EuropeanDigitalCredential",
    ]
    assert cli("convert", elm, "--to", "ob3", "--out", back).exit_code == 0
    assert cli("convert", back, "--to", "model", "--out", model).exit_code == 0
    assert json.loads(model.read_text())["missing"] == []


def test_export_issued_credential_in_every_format(cli, tmp_path):
    org = json.loads(cli("org", "create", "--name", "LU", "--country", "LV", "--json").stdout)
    spec = json.loads(cli("spec", "publish", SPEC, "--org", org["slug"], "--json").stdout)
    issued = json.loads(
        cli(
            "issue",
            "--org",
            org["slug"],
            "--spec",
            spec["id"],
            "--learner-name",
            "Anna",
            "--learner-id",
            "anna@example.lv",
            "--json",
        ).stdout
    )
    for fmt in ("elm", "jwt", "ob3"):
        out = tmp_path / f"x.{fmt}"
        assert cli("export", issued["id"], "--format", fmt, "--out", out).exit_code == 0
        report = json.loads(cli("verify", out, "--json").stdout)
        assert report["status"] == "valid", (fmt, report)
    cli("revoke", issued["id"], "--reason", "test")
    assert json.loads(cli("verify", tmp_path / "x.elm", "--json").stdout)["status"] == "revoked"
    assert cli("export", "urn:uuid:nope", "--format", "elm", "--out", tmp_path / "n").exit_code == 2


def test_wallet_cli_flow_with_pdfs(cli, tmp_path):
    from pypdf import PdfReader

    org = json.loads(cli("org", "create", "--name", "LU", "--country", "LV", "--json").stdout)
    spec = json.loads(cli("spec", "publish", SPEC, "--org", org["slug"], "--json").stdout)
    out = tmp_path / "c.json"
    cli(
        "issue",
        "--org",
        org["slug"],
        "--spec",
        spec["id"],
        "--learner-name",
        "Anna Bērziņa",
        "--learner-id",
        "anna@example.lv",
        "--out",
        out,
    )
    holder = json.loads(
        cli("holder", "create", "--name", "Anna Bērziņa", "--handle", "anna", "--json").stdout
    )
    assert holder["did"].startswith("did:key:")
    imported = json.loads(cli("wallet", "import", out, "--holder", "anna", "--json").stdout)
    assert imported["status"] == "valid" and imported["created"] is True
    assert (
        json.loads(cli("wallet", "import", out, "--holder", "anna", "--json").stdout)["created"]
        is False
    )
    listing = json.loads(cli("wallet", "list", "--holder", "anna", "--json").stdout)
    assert listing["totals"]["ects"] == 5.0
    share = cli(
        "wallet", "share", "--holder", "anna", imported["id"], "--json", "--qr", tmp_path / "qr.svg"
    )
    assert share.exit_code == 0, share.output
    assert json.loads(share.stdout)["url"].startswith("http://localhost:8000/s/")
    assert (tmp_path / "qr.svg").read_text().lstrip().startswith("<?xml")
    pdf, portfolio = tmp_path / "cert.pdf", tmp_path / "portfolio.pdf"
    assert cli("wallet", "pdf", imported["id"], "--holder", "anna", "--out", pdf).exit_code == 0
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Data analysis with Python" in text and "Bērziņa" in text
    assert cli("wallet", "portfolio-pdf", "--holder", "anna", "--out", portfolio).exit_code == 0
    assert "Data analysis with Python" in "".join(
        p.extract_text() for p in PdfReader(portfolio).pages
    )
    vp = tmp_path / "vp.json"
    assert (
        cli(
            "wallet",
            "present",
            "--holder",
            "anna",
            imported["id"],
            "--challenge",
            "c1",
            "--domain",
            "d.example",
            "--out",
            vp,
        ).exit_code
        == 0
    )
    result = cli("verify", vp, "--challenge", "c1", "--domain", "d.example", "--json")
    report = json.loads(result.stdout)
    holder_check = next(c for c in report["checks"] if c["id"] == "holder")
    assert holder_check["status"] in ("warn", "fail")  # issued to an e-mail, presented by a did:key
    assert cli("verify", vp, "--challenge", "other", "--domain", "d.example").exit_code == 1
    assert cli("wallet", "unshare", json.loads(share.stdout)["id"]).exit_code == 0
    assert cli("holder", "delete", "anna").exit_code == 2  # needs --yes
    assert cli("holder", "delete", "anna", "--yes").exit_code == 0
