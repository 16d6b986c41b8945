"""Services take the time from the clock their adapter gives the Instance (issue 13, point 3):
with a fixed clock, expiries, proofs and the audit log follow it and never the system's time.

The fixed moment lies years after today, so a service that read the system clock would sign
at the wrong time and find the expired share link and token still live.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from microcred.clock import FixedClock
from microcred.model.files import load_data
from microcred.services import (
    audit,
    credentials,
    holders,
    organisations,
    sharing,
    specifications,
    wallet,
)
from microcred.services.credentials import IssueRequest
from microcred.services.sharing import ShareNotFound
from tests.services.conftest import EXAMPLES, make_instance

START = datetime(2031, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture()
def clocked(tmp_path, database_url, clock):
    instance = make_instance(tmp_path, database_url)
    instance.clock = clock
    yield instance
    instance.close()


@pytest.fixture()
def issued(clocked):
    org = organisations.create(clocked, name="Clock College", country="LV")
    spec = specifications.publish(
        clocked, org.slug, load_data(EXAMPLES / "university-data-analysis.yaml")
    )
    view = credentials.issue(
        clocked, org.slug, spec.id, IssueRequest("Līga Kalniņa", "liga@example.lv", "2031-02-20")
    )
    return org, view


def test_issuing_signs_and_logs_at_the_instance_clock(clocked, issued):
    org, view = issued
    document = view.credential()
    assert isinstance(document, dict)
    assert document["proof"]["created"] == "2031-03-01T09:30:00Z"
    entries = audit.entries(clocked, org.slug, limit=10)
    assert entries and {e.at.astimezone(UTC) for e in entries} == {START}


def test_a_share_link_expires_by_the_instance_clock(clocked, clock, issued):
    _, view = issued
    holder = holders.create(clocked, name="Līga Kalniņa", handle="liga")
    item, _ = wallet.import_bytes(clocked, holder.handle, json.dumps(view.credential()).encode())
    share = sharing.create_share(clocked, holder.handle, [item.id], expires_in_days=7)
    assert share.expires_at.astimezone(UTC) == START + timedelta(days=7)
    token = share.url.rsplit("/", 1)[1]

    clock.advance(days=6, hours=23)
    _, shown, _ = sharing.open_share(clocked, token)
    assert [s.item.id for s in shown] == [item.id]

    clock.advance(hours=2)  # a week and an hour after it was made
    with pytest.raises(ShareNotFound):
        sharing.open_share(clocked, token)


def test_a_wallet_token_expires_by_the_instance_clock(clocked, clock):
    holders.create(clocked, name="Anna", handle="anna")
    _, secret = holders.create_token(clocked, "anna", days=30)
    found = holders.authenticate_token(clocked, secret)
    assert found is not None and found.handle == "anna"

    clock.advance(days=30, seconds=1)
    assert holders.authenticate_token(clocked, secret) is None


def test_a_fixed_clock_needs_a_timezone():
    with pytest.raises(ValueError, match="timezone"):
        FixedClock(datetime(2031, 3, 1))
