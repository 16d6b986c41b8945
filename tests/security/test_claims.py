"""Delivering a credential (issue 17, point 2): the issuer e-mails the learner a claim link
(read from a real SMTP server on loopback); the claim page shows the credential and offers its
file and PDF; "add to my wallet" signs the learner up first, then keeps the credential; the
link is for one wallet, expires, and the issuer can withdraw it."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.clock import FixedClock
from microcred.model.files import load_data
from microcred.services import credentials, delivery, organisations, specifications, tokens
from microcred.services.credentials import IssueRequest
from microcred.settings import Settings
from tests.smtp_inbox import smtp_server

SPEC = Path(__file__).resolve().parents[2] / "examples" / "specs" / "university-data-analysis.yaml"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "correct horse battery"


@pytest.fixture()
def inbox():
    with smtp_server() as found:
        yield found


@pytest.fixture()
def app(tmp_path: Path, inbox):
    settings = Settings(
        home=tmp_path / "home",
        database_url=f"sqlite:///{tmp_path / 'claims.db'}",
        secret_key="claims",
        base_url="http://testserver",
        smtp=inbox.smtp,
    )
    app = create_app(settings)
    yield app
    app.state.instance.close()


@pytest.fixture()
def issued(app):
    instance = app.state.instance
    org = organisations.create(instance, name="Latvijas Universitāte", country="LV")
    spec = specifications.publish(instance, org.slug, load_data(SPEC))
    view = credentials.issue(
        instance, org.slug, spec.id,
        IssueRequest(learner_name="Anna Bērziņa", learner_id="anna@example.lv",
                     issued_on="2026-03-02"),
    )  # fmt: skip
    return org, view


def _csrf(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found, path
    return found.group(1)


def _signup(client: TestClient, path: str, handle: str) -> None:
    answer = client.post(
        "/wallet/signup",
        data={"csrf": _csrf(client, path), "name": "Anna Bērziņa", "handle": handle,
              "password": PASSWORD, "confirm": PASSWORD, "next": path},
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == path


def test_deliver_from_the_console_and_claim_into_a_new_wallet(app, issued, inbox):
    org, view = issued
    _, secret = tokens.create(app.state.instance, org.slug, "console", ["issue", "read"])
    console = TestClient(app, follow_redirects=False)
    console.post("/console/login", data={"csrf": _csrf(console, "/console/login"), "token": secret})
    page = console.get(f"/console/credentials/{view.id}").text
    assert "Data analysis with Python" in page and 'data-delivery="not_sent"' in page
    sent = console.post(
        f"/console/credentials/{view.id}/deliver",
        data={"csrf": _csrf(console, "/console"), "email": "", "lang": "en"},
    )
    assert sent.status_code == 303
    assert 'data-delivery="sent"' in console.get(f"/console/credentials/{view.id}").text
    mail = inbox.to("anna@example.lv")
    assert "Data analysis with Python" in mail["Subject"]
    path = urlsplit(inbox.link("anna@example.lv", "/claim/")).path
    learner = TestClient(app, follow_redirects=False)
    claim = learner.get(path)
    assert claim.status_code == 200
    assert "Anna Bērziņa" in claim.text and "Valid" in claim.text
    document = learner.get(path + "/credential.json")
    assert json.loads(document.text)["id"] == view.id
    assert learner.get(path + "/certificate.pdf").content.startswith(b"%PDF")
    # Not signed in: "add to my wallet" signs up first, and the sign-up adds it at once.
    add = learner.post(path + "/wallet", data={"csrf": _csrf(learner, path)})
    assert add.headers["location"] == f"/wallet/signup?next={path}&claim=1"
    kept = learner.post(
        "/wallet/signup",
        data={"csrf": _csrf(learner, add.headers["location"]), "name": "Anna Bērziņa",
              "handle": "anna-b", "password": PASSWORD, "confirm": PASSWORD, "next": path,
              "claim": "1"},
    )  # fmt: skip
    assert kept.status_code == 303 and kept.headers["location"].startswith("/wallet/credentials/")
    assert "Anna Bērziņa" in learner.get(kept.headers["location"]).text
    assert "Claimed on" in console.get(f"/console/credentials/{view.id}").text
    # Another wallet cannot take it.
    other = TestClient(app, follow_redirects=False)
    _signup(other, f"/wallet/signup?next={path}", "someone-else")
    assert other.post(path + "/wallet", data={"csrf": _csrf(other, path)}).status_code == 409


def test_withdrawn_expired_and_guessed_links(app, issued):
    org, view = issued
    instance = app.state.instance
    _, secret, _, _ = delivery.create(instance, org.slug, view.id)
    client = TestClient(app, follow_redirects=False)
    assert client.get(f"/claim/{secret}").status_code == 200
    delivery.revoke(instance, org.slug, view.id)
    assert client.get(f"/claim/{secret}").status_code == 404
    assert client.get(f"/claim/{secret}/credential.json").status_code == 404
    _, fresh, _, _ = delivery.create(instance, org.slug, view.id)
    _, newer, _, _ = delivery.create(instance, org.slug, view.id)  # replaces the unclaimed one
    assert client.get(f"/claim/{fresh}").status_code == 404
    assert client.get(f"/claim/{newer[:-2]}xx").status_code == 404
    instance.clock = FixedClock(instance.now() + timedelta(days=delivery.CLAIM_DAYS, seconds=1))
    assert client.get(f"/claim/{newer}").status_code == 404


def test_a_revoked_credential_is_not_delivered(app, issued):
    org, view = issued
    instance = app.state.instance
    _, secret, _, _ = delivery.create(instance, org.slug, view.id)
    credentials.revoke(instance, view.id, reason="annulled", org_ref=org.slug)
    assert TestClient(app).get(f"/claim/{secret}").status_code == 404
    with pytest.raises(delivery.DeliveryInvalid):
        delivery.create(instance, org.slug, view.id)
    with pytest.raises(delivery.DeliveryNotFound):
        delivery.create(instance, org.slug, "urn:uuid:not-ours")


def test_a_bulk_run_is_delivered_to_every_row_with_an_email(app, issued, inbox, tmp_path):
    from microcred.services import bulk_jobs

    org, view = issued
    instance = app.state.instance
    spec_id = view.spec_version_id
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "learner_name,learner_id,issued_on\n"
        "Jānis Zariņš,janis@example.lv,2026-03-03\n"
        "Līga Ozola,did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK,2026-03-03\n",
        encoding="utf-8",
    )
    job_id, _ = bulk_jobs.submit(instance, org.slug, spec_id, rows, mode=bulk_jobs.MODE_IN_PROCESS)
    bulk_jobs.run_in_process(instance, job_id, workers=1)
    first = delivery.send_job(instance, org.slug, job_id, lang="lv")
    assert (first.sent, first.without_email, first.failed) == (1, 1, 0)
    assert inbox.to("janis@example.lv")["Content-Language"] == "lv"
    again = delivery.send_job(instance, org.slug, job_id)
    assert (again.sent, again.already) == (0, 1)  # not sent twice
    with pytest.raises(delivery.DeliveryNotFound):
        delivery.send_job(instance, org.slug, "no-such-job")
