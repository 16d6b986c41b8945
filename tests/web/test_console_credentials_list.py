"""The console's issued-credentials page at scale (issue 17, point 9): the course column,
filters with their errors next to the field, counts of the selection, paging."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.model.files import load_data
from microcred.services import credentials, organisations, specifications, tokens
from microcred.services.credentials import IssueRequest
from microcred.settings import Settings
from tests.console_client import token_sign_in

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("console-list")
    app = create_app(
        Settings(
            home=home / "home",
            database_url=f"sqlite:///{home / 'list.db'}",
            secret_key="list",
            base_url="http://testserver",
        )
    )
    instance = app.state.instance
    org = organisations.create(instance, name="List College", country="LV")
    spec = specifications.publish(instance, org.slug, load_data(SPEC))
    issued = [
        credentials.issue(
            instance,
            org.slug,
            spec.id,
            IssueRequest(f"Learner {n}", f"learner{n}@example.lv", f"2026-03-{n % 28 + 1:02d}"),
        )
        for n in range(55)
    ]
    credentials.revoke(instance, issued[0].id, reason="wrong learner", org_ref=org.slug)
    secret = tokens.create(instance, org.slug, "reader", ("read",))[1]
    client = TestClient(app)
    token_sign_in(client, secret)
    yield client, spec
    instance.close()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_list_pages_counts_and_names_the_course(console):
    client, spec = console
    first = client.get("/console/credentials", params={"lang": "en"})
    assert first.status_code == 200
    text = _text(first.text)
    assert "55 credentials" in text and "Active 54" in text and "Revoked 1" in text
    assert "Page 1 of 2" in text and first.text.count('data-credential="') == 50
    assert text.count(spec.title) >= 50  # the course column
    second = client.get("/console/credentials", params={"page": "2"})
    assert second.text.count('data-credential="') == 5 and 'rel="prev"' in second.text
    assert client.get("/console/credentials", params={"page": "junk"}).status_code == 200


def test_filters_keep_what_was_typed_and_name_the_field(console):
    client, _ = console
    revoked = client.get("/console/credentials", params={"status": "revoked"})
    assert revoked.text.count('data-credential="') == 1 and "Learner 0" in revoked.text
    dated = client.get(
        "/console/credentials", params={"from": "2026-03-02", "to": "2026-03-03", "q": "Learner"}
    )
    assert dated.text.count('data-credential="') == 4  # March 2 and 3, twice each
    assert 'value="Learner"' in dated.text and "Clear the filters" in dated.text

    bad = client.get("/console/credentials", params={"from": "yesterday", "q": "Learner 7"})
    assert bad.status_code == 422
    assert 'id="from-error"' in bad.text and "YYYY-MM-DD" in bad.text
    assert 'value="yesterday"' in bad.text and 'value="Learner 7"' in bad.text
    backwards = client.get(
        "/console/credentials", params={"from": "2026-03-05", "to": "2026-03-01"}
    )
    assert backwards.status_code == 422 and 'id="to-error"' in backwards.text
    unknown = client.get("/console/credentials", params={"status": "deleted"})
    assert unknown.status_code == 422 and 'id="status-error"' in unknown.text

    latvian = client.get("/console/credentials", params={"lang": "lv", "page": "2"})
    assert "2. lapa no 2" in _text(latvian.text) and "Kurss" in latvian.text
