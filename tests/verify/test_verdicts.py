"""The verdicts of issue 14, points 5 and 11, on every surface: a status that could not be
checked is ``unchecked`` (not valid; ``microcred verify`` exits 3), and Open Badges 2.0 files
and baked PNG/SVG badges get the OB 2.0 verdict from the verifier, the CLI, the API and the
verify page (not a data-model message)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microcred.cli.main import app as cli_app
from microcred.formats.baked import bake_png, bake_svg
from microcred.formats.ob2 import sign_ob2
from microcred.formats.status_list import status_entry
from microcred.services.issuing import issue_award
from microcred.verify import VerifierContext, verify_credential
from tests.formats.test_ob2 import HASHED, HOSTED, REVOCATIONS, signed_assertion, web
from tests.verify.conftest import make_award

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ob2"
PNG = (FIXTURES / "badge.png").read_bytes()
SVG = (FIXTURES / "badge.svg").read_text(encoding="utf-8")
# The OB 2.0 fixtures are valid from 2024 to 2029; the CLI and the pages use today's clock.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
STATUS_URL = "https://issuer.example/status/1"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ctx(documents: dict[str, Any] | None = None) -> VerifierContext:
    return VerifierContext(now=NOW, documents=documents or {})


def _codes(report: Any) -> dict[str, str]:
    return {c.id: c.code for c in report.checks}


# ------------------------------------------------------------------ OB 2.0 through verify


def test_every_ob2_form_gets_the_ob2_verdict(rsa_key):
    served = web(rsa_key)
    signed = sign_ob2(signed_assertion(), rsa_key)
    forms: dict[str, Any] = {
        "hosted JSON": HOSTED,
        "hosted JSON as bytes": json.dumps(HOSTED).encode(),
        "signed JWS": signed,
        "PNG with the assertion": bake_png(PNG, HOSTED),
        "PNG with the JWS": bake_png(PNG, signed),
        "PNG with only the hosted URL": bake_png(PNG, HOSTED["id"], version="ob2"),
        "SVG with the assertion": bake_svg(SVG, HOSTED).encode(),
        "SVG with the JWS, as text": bake_svg(SVG, signed),
    }
    for name, raw in forms.items():
        report = verify_credential(raw, _ctx(served))
        assert report.valid and report.status == "valid", (name, report.to_json())
        assert report.check("parse").code == "parse.ob2", name
        assert report.check("status").code == "status.ok", name
        assert report.summary.format == "ob2", name
        if "PNG" in name or "SVG" in name:
            assert "baked into a" in report.check("parse").message, name
    # The OB 2.0 reasons, not a data-model message: a tampered signed assertion.
    header, body, signature = signed.split(".")
    forged = ".".join([header, body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB"), signature])
    report = verify_credential(bake_png(PNG, forged), _ctx(served))
    assert report.status == "invalid" and report.check("schema").code != "schema.invalid"


def test_a_baked_url_whose_assertion_is_not_at_hand_says_so(rsa_key):
    report = verify_credential(bake_png(PNG, HOSTED["id"], version="ob2"), _ctx())
    parse = report.check("parse")
    assert report.status == "invalid" and parse.code == "parse.hosted_unavailable"
    assert parse.document == HOSTED["id"] and "PNG" in parse.message
    # a PNG with no badge, and an SVG with none: a clear reason, never a data-model message
    for raw, words in ((PNG, "PNG"), (SVG.encode(), "SVG")):
        report = verify_credential(raw, _ctx())
        assert report.check("parse").status == "fail" and words in report.check("parse").message


def test_ob2_revocation_is_checked_or_the_verdict_is_unchecked(rsa_key):
    served = web(rsa_key, revoked=[{"id": HOSTED["id"], "revocationReason": "error"}])
    assert verify_credential(HOSTED, _ctx(served)).status == "revoked"
    missing = {k: v for k, v in web(rsa_key).items() if k != REVOCATIONS}
    report = verify_credential(HOSTED, _ctx(missing))
    assert (report.valid, report.status) == (False, "unchecked")
    assert report.check("status").code == "status.unavailable"
    assert report.check("status").document == REVOCATIONS  # the CLI says how to supply it
    assert report.check("proof").status == "pass"  # authentic: it is the revocation unknown
    # An issuer with no revocation list: there is nothing to check (the hosted copy is).
    issuer_url = HOSTED_ISSUER = "https://badges.example.org/issuer"
    no_list = web(rsa_key)
    no_list[issuer_url] = {k: v for k, v in no_list[HOSTED_ISSUER].items() if k != "revocationList"}
    report = verify_credential(HOSTED, _ctx(no_list))
    assert report.valid and report.check("status").code == "status.none"


# ------------------------------------------------------------------ unchecked: the CLI


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MICROCRED_SECRET_KEY", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli_app, [str(a) for a in args])


def _resolve_args(tmp_path: Path, documents: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for number, (url, document) in enumerate(documents.items()):
        path = tmp_path / f"doc{number}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        args += ["--resolve", f"{url}={path}"]
    return args


def test_cli_exit_codes_0_1_3_and_the_words_for_unchecked(cli, tmp_path, key):
    entry = status_entry(STATUS_URL, 7, "revocation")
    credential = issue_award(make_award(), key, credential_status=[entry])
    path = tmp_path / "with-status.json"
    path.write_text(json.dumps(credential), encoding="utf-8")
    result = cli("verify", path, "--json")
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["status"] == "unchecked"
    status = next(c for c in report["checks"] if c["id"] == "status")
    assert status["status"] == "warn"
    human = cli("verify", path)
    assert human.exit_code == 3
    words = " ".join(human.stdout.split())
    assert "Could not be checked" in words
    assert "whether its issuer has revoked or suspended it" in words
    assert f"  --resolve {STATUS_URL}=FILE\n" in human.stdout  # whole, to be copied
    latvian = cli("verify", path, "--lang", "lv")
    assert latvian.exit_code == 3 and "Nevarēja pārbaudīt" in latvian.stdout
    # valid: 0; not valid: 1
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(issue_award(make_award(), key)), encoding="utf-8")
    assert cli("verify", plain).exit_code == 0
    tampered = dict(credential, name="Something else")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    assert cli("verify", bad).exit_code == 1


def test_cli_verifies_baked_and_ob2_files(cli, tmp_path, rsa_key):
    served = web(rsa_key)
    image = tmp_path / "badge.png"
    image.write_bytes(bake_png(PNG, HOSTED))
    result = cli("verify", image, "--json", *_resolve_args(tmp_path, served))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["status"] == "valid"
    assert report["checks"][0]["code"] == "parse.ob2"
    svg = tmp_path / "badge.svg"
    svg.write_text(bake_svg(SVG, HASHED), encoding="utf-8")
    assert cli("verify", svg, *_resolve_args(tmp_path, served)).exit_code == 0
    # the issuer's revocation list not at hand: authentic, unchecked, exit 3
    without = {k: v for k, v in served.items() if k != REVOCATIONS}
    result = cli("verify", image, *_resolve_args(tmp_path, without))
    assert result.exit_code == 3, result.output
    assert "Could not be checked" in result.stdout
    assert f"  --resolve {REVOCATIONS}=FILE\n" in result.stdout
    # nothing at hand: the hosted assertion cannot be confirmed, not valid, exit 1
    assertion = tmp_path / "assertion.json"
    assertion.write_text(json.dumps(HOSTED), encoding="utf-8")
    result = cli("verify", assertion, "--json")
    assert result.exit_code == 1
    checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["parse"]["code"] == "parse.ob2" and checks["schema"]["code"] != "schema.invalid"
    assert "not served at" in checks["proof"]["message"]


# ------------------------------------------------------------------ the API and the page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from microcred.api import create_app
    from microcred.settings import Settings
    from microcred.web import mount

    home = tmp_path_factory.mktemp("verdicts")
    app = create_app(
        Settings(
            home=home,
            database_url=f"sqlite:///{home / 'db.sqlite'}",
            secret_key="verdicts",
            base_url="http://testserver",
        )
    )
    mount(app)
    with TestClient(app) as client:
        yield client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _csrf(client: TestClient, path: str = "/") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_the_api_reads_baked_badges_and_reports_unchecked(site, key):
    for media, body in (
        ("image/png", bake_png(PNG, HOSTED)),
        ("image/svg+xml", bake_svg(SVG, HOSTED).encode()),
        ("application/json", json.dumps(HOSTED).encode()),
    ):
        response = site.post("/api/v1/verify", content=body, headers={"content-type": media})
        assert response.status_code == 200, (media, response.text)
        report = response.json()
        checks = {c["id"]: c for c in report["checks"]}
        assert checks["parse"]["code"] == "parse.ob2", media
        # offline, the issuer's server cannot confirm the hosted copy: the OB 2.0 reason
        assert report["status"] == "invalid" and "not served at" in checks["proof"]["message"]
    credential = issue_award(
        make_award(), key, credential_status=[status_entry(STATUS_URL, 7, "revocation")]
    )
    report = site.post("/api/v1/verify", json=credential).json()
    assert report["valid"] is False and report["status"] == "unchecked"
    schema = site.get("/openapi.json").json()["components"]["schemas"]
    assert "unchecked" in json.dumps(schema["VerificationReportPublic"])


def test_the_verify_page_shows_unchecked_and_baked_badges(site, key):
    credential = issue_award(
        make_award(), key, credential_status=[status_entry(STATUS_URL, 7, "revocation")]
    )
    page = site.post("/verify", data={"text": json.dumps(credential), "csrf": _csrf(site)})
    assert page.status_code == 200
    text = _text(page.text)
    assert "Could not be checked: its issuer may have withdrawn it" in text
    assert "whether the issuer has revoked or suspended this credential could not be checked" in (
        text
    )
    assert 'class="report unchecked"' in page.text
    page = site.post(
        "/verify?lang=lv", data={"text": json.dumps(credential), "csrf": _csrf(site, "/?lang=lv")}
    )
    assert "Nevarēja pārbaudīt" in _text(page.text)
    upload = site.post(
        "/verify?lang=en",
        data={"csrf": _csrf(site, "/?lang=en")},
        files={"file": ("badge.png", bake_png(PNG, HOSTED), "image/png")},
    )
    assert upload.status_code == 200, upload.text[:500]
    text = _text(upload.text)
    assert "This is not a credential" not in text
    assert "Open Badges 2.0 hosted assertion, baked into a PNG" in text
    assert "not served at https://badges.example.org/assertions/123" in text
    # the issuer is unknown offline, so whether it publishes a revocation list is too
    assert "It names no revocation list" not in text
