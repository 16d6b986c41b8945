"""The instance's status lists (issue 14, points 1 and 4): one 2-bit message list per
organisation for what it issues now, and the 1-bit revocation and suspension lists that the
credentials issued before still name, all published from the same rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from microcred.formats.status_list import decode_list, get_bit, get_value, status_entry
from microcred.services import credentials, local_documents, organisations, status_lists
from microcred.services.credentials import IssueRequest
from microcred.services.issuing import sign_credential
from microcred.store.db import transaction
from microcred.store.tables import Organisation
from microcred.verify import VerifierContext, verify_credential
from tests.services.conftest import EXAMPLES


def _verify(instance, document):
    context = VerifierContext(
        now=datetime.now(UTC),
        fetch=local_documents.fetcher(instance),
        trust=local_documents.trust_list(instance),
    )
    return verify_credential(document, context)


def _where(document: dict[str, Any]) -> tuple[str, int, int]:
    entry = document["credentialStatus"]
    slug, list_id, purpose = entry["statusListCredential"].rsplit("/", 3)[-3:]
    assert purpose == "message"
    return slug, int(list_id), int(entry["statusListIndex"])


def _legacy(instance, org_slug: str, document: dict[str, Any]) -> dict[str, Any]:
    """The same credential as microcred issued it before: a revocation and a suspension
    entry at the same index, signed with the organisation's key."""
    _, list_id, index = _where(document)
    with transaction(instance.sessions) as session:
        row = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
        key, vm = organisations.signing_key(instance, session, row)
        urls = {
            p: status_lists.list_url(instance, row, list_id, p)
            for p in ("revocation", "suspension")
        }
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    unsigned["credentialStatus"] = [status_entry(u, index, p) for p, u in urls.items()]
    return sign_credential(unsigned, key, verification_method=vm)


def test_revoke_suspend_reach_the_message_list_and_the_older_lists(instance, org, spec):
    issued = credentials.issue(
        instance, org.slug, spec.id, IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30")
    )
    document = issued.credential()
    old = _legacy(instance, org.slug, document)
    slug, list_id, index = _where(document)

    def values() -> tuple[int, bool, bool]:
        lists = {
            p: status_lists.published(instance, slug, list_id, p) for p in status_lists.PURPOSES
        }
        bits = {p: decode_list(d["credentialSubject"]["encodedList"]) for p, d in lists.items()}
        assert lists["message"]["credentialSubject"]["ttl"] == 300_000
        return (
            get_value(bits["message"], index, 2),
            get_bit(bits["revocation"], index),
            get_bit(bits["suspension"], index),
        )

    assert values() == (0, False, False)
    assert _verify(instance, document).status == "valid"
    report = _verify(instance, old)
    assert report.status == "valid", report.to_json()
    assert "revocation, suspension" in report.check("status").message

    credentials.set_suspended(instance, issued.id, True, reason="under review")
    assert values() == (2, False, True)
    assert _verify(instance, document).status == "suspended"
    assert _verify(instance, old).status == "suspended"

    credentials.set_suspended(instance, issued.id, False)
    assert values() == (0, False, False)
    assert _verify(instance, document).status == "valid"

    credentials.revoke(instance, issued.id, reason="issued in error")
    assert values() == (1, True, False)
    assert _verify(instance, document).status == "revoked"
    assert _verify(instance, old).status == "revoked"


@pytest.fixture()
def app_client(tmp_path, database_url):
    from fastapi.testclient import TestClient

    from microcred.api.app import create_app
    from microcred.model.files import load_data
    from microcred.services import specifications
    from microcred.settings import Settings

    app = create_app(
        Settings(
            home=tmp_path / "home",
            database_url=database_url,
            secret_key="test",
            base_url="http://testserver",
        )
    )
    instance = app.state.instance
    org = organisations.create(instance, name="Rīgas Tehniskā koledža", country="LV")
    spec = specifications.publish(
        instance, org.slug, load_data(EXAMPLES / "university-data-analysis.yaml")
    )
    issued = credentials.issue(
        instance, org.slug, spec.id, IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30")
    )
    with TestClient(app) as client:
        yield client, org.slug, issued.credential()


def test_the_lists_are_served_with_their_messages_document(app_client):
    client, org_slug, document = app_client
    entry = document["credentialStatus"]
    listed = client.get(entry["statusListCredential"].removeprefix("http://testserver"))
    assert listed.status_code == 200
    max_age = int(listed.headers["cache-control"].split("max-age=")[1])
    assert 0 < max_age <= 300  # aligned with the list's ttl (5 minutes)
    subject = listed.json()["credentialSubject"]
    assert subject["statusPurpose"] == "message" and subject["ttl"] == 300_000
    reference = client.get(entry["statusReference"].removeprefix("http://testserver"))
    assert reference.status_code == 200
    assert reference.json()["statusMessage"] == entry["statusMessage"]
    assert client.get(f"/status/{org_slug}/1/refresh").status_code == 404
