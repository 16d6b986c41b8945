"""What a verifier reads from its own instance (DID documents, status lists, the trust list)
is remembered only while it cannot have changed, whichever process changes it."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import text

from microcred.model.files import load_data
from microcred.services import credentials, organisations, specifications, vcapi
from microcred.services.credentials import IssueRequest
from microcred.store.db import read_transaction, transaction
from tests.services.conftest import EXAMPLES, make_instance


def _issue(instance, org, spec, email: str) -> dict:
    issued = credentials.issue(
        instance, org.slug, spec.id, IssueRequest("Anna Bērziņa", email, "2026-06-30")
    )
    return json.loads(issued.document)


def test_changes_made_by_another_process_are_seen_at_once(instance, org, spec, tmp_path):
    """`other` stands for a second process on the same database (its own engine)."""
    other = make_instance(tmp_path, instance.settings.database_url)
    try:
        first = _issue(instance, org, spec, "anna@example.lv")
        report = vcapi.verify(instance, first, now=datetime.now(UTC)).to_json()
        assert report["status"] == "valid"

        # A new organisation, created elsewhere: trusted and resolvable here straight away.
        newcomer = organisations.create(other, name="Jauna skola", country="LV")
        new_spec = specifications.publish(
            other, newcomer.slug, load_data(EXAMPLES / "university-data-analysis.yaml")
        )
        second = _issue(other, newcomer, new_spec, "janis@example.lv")
        report = vcapi.verify(instance, second, now=datetime.now(UTC)).to_json()
        assert report["status"] == "valid", report
        assert {c["id"]: c["status"] for c in report["checks"]}["trust"] == "pass"

        # A revocation and a suspension made elsewhere: reported on the next verification.
        credentials.revoke(other, first["id"], reason="issued by mistake")
        assert vcapi.verify(instance, first, now=datetime.now(UTC)).to_json()["status"] == "revoked"
        credentials.set_suspended(other, second["id"], True)
        assert (
            vcapi.verify(instance, second, now=datetime.now(UTC)).to_json()["status"] == "suspended"
        )
        credentials.set_suspended(other, second["id"], False)
        assert vcapi.verify(instance, second, now=datetime.now(UTC)).to_json()["status"] == "valid"
    finally:
        other.close()


def test_readers_do_not_wait_for_a_writer(instance, org, tmp_path):
    """On SQLite a read_transaction takes no lock: a verification is not queued behind a
    long write of another process (PostgreSQL readers never wait anyway)."""
    other = make_instance(tmp_path, instance.settings.database_url)
    holding = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with transaction(other.sessions) as session:
            session.execute(text("UPDATE organisations SET name = name"))
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with read_transaction(instance.sessions) as session:
            names = session.execute(text("SELECT name FROM organisations")).scalars().all()
        assert names == [org.name]
        assert time.monotonic() - started < 1.0  # a locked reader would wait for the writer
    finally:
        release.set()
        thread.join()
        other.close()
