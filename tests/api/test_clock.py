"""The app's clock (create_app(clock=...)) is the time its verifications use: a credential
valid from a date years ahead is "not yet valid" today and valid on a clock set after it."""

from __future__ import annotations

from datetime import UTC, datetime

from microcred.api import create_app
from microcred.clock import FixedClock
from microcred.model.files import load_data
from microcred.services import credentials, organisations, specifications
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from tests.api.conftest import EXAMPLES, CheckingClient

LATER = datetime(2031, 3, 1, 9, 30, tzinfo=UTC)


def _future_credential(settings) -> dict:
    instance = Instance(settings, FixedClock(LATER))
    try:
        org = organisations.create(instance, name="Clock College", country="LV")
        spec = specifications.publish(
            instance, org.slug, load_data(EXAMPLES / "university-data-analysis.yaml")
        )
        view = credentials.issue(
            instance, org.slug, spec.id, IssueRequest("Līga", "liga@example.lv", "2031-02-20")
        )
        document = view.credential()
        assert isinstance(document, dict)
        return document
    finally:
        instance.close()


def _validity(app, document: dict) -> dict:
    with CheckingClient(app) as client:
        response = client.post("/api/v1/verify", json=document)
    assert response.status_code == 200, response.text
    return next(c for c in response.json()["checks"] if c["id"] == "validity")


def test_verification_reads_the_apps_clock(settings):
    document = _future_credential(settings)
    assert document["validFrom"].startswith("2031-02-20")
    assert _validity(create_app(settings, clock=FixedClock(LATER)), document)["status"] == "pass"
    today = _validity(create_app(settings), document)
    assert (today["status"], today["code"]) == ("fail", "validity.not_yet")
