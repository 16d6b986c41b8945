"""An application and its stacked credential are the addressed authority's and the learner's
alone: another organisation's member gets 404 for the application page, a shared credential's
report, the downloads and the decision; another learner gets 404 for the wallet's page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.model.files import load_data
from microcred.services import (
    credentials,
    holders,
    organisations,
    recognition,
    specifications,
    tokens,
    wallet,
)
from microcred.services.credentials import IssueRequest
from microcred.settings import Settings
from tests.console_client import token_sign_in

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "correct horse 1"


@pytest.fixture()
def world(tmp_path: Path):
    settings = Settings(
        home=tmp_path / "home",
        database_url=f"sqlite:///{tmp_path / 'recognition.db'}",
        secret_key="recognition-pages",
        base_url="http://testserver",
    )
    app = create_app(settings)
    instance = app.state.instance
    uni = organisations.create(instance, name="Universitāte", country="LV", slug="uni")
    organisations.create(instance, name="Padome", country="LV", slug="authority")
    spec = specifications.publish(
        instance, "uni", load_data(ROOT / "examples/specs/university-data-analysis.yaml")
    )
    holders.create(instance, name="Anna Bērziņa", handle="anna", password=PASSWORD)
    holders.create(instance, name="Jānis Zariņš", handle="janis", password=PASSWORD)
    view = credentials.issue(
        instance, uni.slug, spec.id, IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-05-04")
    )
    wallet.import_bytes(instance, "anna", json.dumps(view.credential()).encode())
    data = load_data(ROOT / "examples/pathways/data-analysis.yaml")
    data = {**data, "accept": {}, "rules": [{"id": "volume", "total": {"ects": 5}}]}
    pathway = recognition.publish_pathway(instance, "authority", data)
    application = recognition.apply(instance, pathway.id, "anna")
    recognition.decide(instance, application.id, "authority", "recognised", ["All met."])
    yield app, application.id
    instance.close()


def _member(app, org: str) -> TestClient:
    _, secret = tokens.create(app.state.instance, org, "desk", ["issue", "read"])
    client = TestClient(app)
    token_sign_in(client, secret)
    return client


def _holder(app, handle: str) -> TestClient:
    client = TestClient(app)
    login = client.get("/wallet/login")
    client.post(
        "/wallet/login",
        data={"csrf": CSRF.search(login.text).group(1), "handle": handle, "password": PASSWORD},
        follow_redirects=False,
    )
    return client


def test_only_the_addressed_authority_sees_an_application(world):
    app, app_id = world
    pages = (
        f"/authority/applications/{app_id}",
        f"/authority/applications/{app_id}/components/0",
        f"/authority/applications/{app_id}/credential.json",
        f"/authority/applications/{app_id}/credential.pdf",
    )
    own = _member(app, "authority")
    for path in pages:
        assert own.get(path).status_code == 200, path
    assert own.get(f"/authority/applications/{app_id}/components/9").status_code == 404
    other = _member(app, "uni")
    for path in pages:
        assert other.get(path).status_code == 404, path
    csrf = CSRF.search(other.get("/authority").text).group(1)
    decided = other.post(
        f"/authority/applications/{app_id}/decide",
        data={"csrf": csrf, "outcome": "refused", "reason": "x"},
    )
    assert decided.status_code == 404


def test_only_the_learner_sees_her_application_in_the_wallet(world):
    app, app_id = world
    mine = _holder(app, "anna").get(f"/wallet/applications/{app_id}")
    assert mine.status_code == 200 and "All met." in mine.text
    assert _holder(app, "janis").get(f"/wallet/applications/{app_id}").status_code == 404
