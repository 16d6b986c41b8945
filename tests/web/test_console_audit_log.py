"""The console's audit log (issue 17, point 9): one plain sentence per event in the reader's
language (the learner and the course named, not ids), filters by action, actor, dates and text
with the error next to the field, paging, and the selection exported as CSV and JSON."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.i18n import translator
from microcred.model.files import load_data
from microcred.services import audit_log, credentials, organisations, specifications, tokens
from microcred.services.credentials import IssueRequest
from microcred.settings import Settings
from tests.console_client import token_sign_in

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("console-audit")
    app = create_app(
        Settings(
            home=home / "home",
            database_url=f"sqlite:///{home / 'audit.db'}",
            secret_key="audit",
            base_url="http://testserver",
        )
    )
    instance = app.state.instance
    org = organisations.create(instance, name="Audit College", country="LV")
    spec = specifications.publish(instance, org.slug, load_data(SPEC), actor="cli")
    issued = [
        credentials.issue(
            instance,
            org.slug,
            spec.id,
            IssueRequest(f"Learner {n}", f"learner{n}@example.lv", "2026-03-02"),
            actor="web:registrar",
        )
        for n in range(60)
    ]
    issued.append(
        credentials.issue(
            instance,
            org.slug,
            spec.id,
            IssueRequest("Līga Kalniņa", "liga@example.lv", "2026-03-02"),
            actor="web:registrar",
        )
    )
    credentials.revoke(
        instance, issued[-1].id, reason="wrong learner", org_ref=org.slug, actor="web:revoker"
    )
    secret = tokens.create(instance, org.slug, "reader", ("read",))[1]
    client = TestClient(app)
    token_sign_in(client, secret)
    yield client, spec
    instance.close()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_log_reads_as_sentences_in_both_languages(console):
    client, _ = console
    en = _text(client.get("/console/audit", params={"lang": "en"}).text)
    assert (
        "The console token “revoker” revoked “Data analysis with Python” of Līga Kalniņa. "
        "Reason: wrong learner" in en
    )
    assert "The console token “registrar” issued “Data analysis with Python” to Learner 59." in en
    assert "credential.revoke" not in en and "row_key" not in en  # no codes, no raw details
    lv = _text(client.get("/console/audit", params={"lang": "lv"}).text)
    assert "Konsoles pilnvara “revoker” atsauca “Datu analīze ar Python” (Līga Kalniņa)." in lv
    assert "Iemesls: wrong learner" in lv


def test_filters_paging_and_errors_next_to_the_field(console):
    client, _ = console
    first = client.get("/console/audit", params={"lang": "en"})  # the language is remembered
    assert "65 entries" in _text(first.text)  # org, spec, 61 issued, 1 revoked, 1 token
    assert "Page 1 of 2" in _text(first.text) and first.text.count('data-action="') == 50
    assert client.get("/console/audit", params={"page": "2"}).text.count('data-action="') == 15
    revoked = client.get("/console/audit", params={"action": "credential.revoke"})
    assert revoked.text.count('data-action="') == 1
    by_text = client.get("/console/audit", params={"q": "Kalniņa"})
    assert by_text.text.count('data-action="') == 2  # issued and revoked
    by_actor = client.get("/console/audit", params={"actor": "revoker"})
    assert by_actor.text.count('data-action="') == 1
    today = datetime.now(UTC).date().isoformat()
    dated = client.get("/console/audit", params={"from": today, "to": today})
    assert "65 entries" in _text(dated.text)
    none = client.get("/console/audit", params={"to": "2000-01-01"})
    assert "No entries found." in none.text
    bad = client.get("/console/audit", params={"from": "31/12/2026", "action": "nonsense"})
    assert bad.status_code == 422
    assert 'data-field="from"' in bad.text and 'data-field="action"' in bad.text
    backwards = client.get("/console/audit", params={"from": "2026-12-02", "to": "2026-12-01"})
    assert (
        backwards.status_code == 422 and "The end date is before the start date." in backwards.text
    )


def test_the_selection_exports_as_csv_and_json(console):
    client, _ = console
    answer = client.get("/console/audit.csv", params={"q": "Kalniņa", "lang": "lv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8"))))
    assert rows[0][:3] == ["Kad", "Kas notika", "at"] and len(rows) == 3
    assert "atsauca" in rows[1][1] and rows[1][4] == "credential.revoke"
    data = client.get(
        "/console/audit.json", params={"action": "credential.issue", "lang": "en"}
    ).json()
    assert len(data) == 61 and all(e["action"] == "credential.issue" for e in data)
    assert data[0]["sentence"].endswith("to Līga Kalniņa.")
    assert client.get("/console/audit.json", params={"from": "x"}).status_code == 422


def test_the_chunks_of_one_bulk_run_read_as_one_line():
    at = datetime(2026, 12, 1, tzinfo=UTC)
    chunk = audit_log.AuditLine(
        at,
        "job:web:console",
        "credential.issue_bulk",
        "spec-1",
        {"count": 250, "job": "j1"},
        course_titles={"en": "Cyber hygiene", "lv": "Kiberhigiēna"},
    )
    other = audit_log.AuditLine(at, "cli", "credential.issue_bulk", "spec-1", {"count": 3})
    merged = audit_log.merge_runs([chunk] * 12 + [other])
    assert len(merged) == 2 and merged[0].entries == 12
    assert merged[0].sentence(translator("en")) == (
        "The console token “console” (bulk job) issued 3,000 credentials of “Cyber hygiene” "
        "from a CSV file."
    )
    assert "Kiberhigiēna" in merged[0].sentence(translator("lv"))


def test_learners_e_mail_addresses_are_shown_without_mailto(console):
    client, _ = console
    listing = client.get("/console/credentials", params={"lang": "en", "q": "Kalniņa"})
    assert "liga@example.lv" in listing.text and "mailto:" not in _text(listing.text)
