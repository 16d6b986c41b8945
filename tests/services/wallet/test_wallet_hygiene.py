"""The wallet's hygiene: a credential naming someone else, removing one (its share links and
the public page follow), the same course counted once, and the public portfolio page."""

from __future__ import annotations

import json

import pytest

from microcred.model.files import load_data
from microcred.services import (
    credentials,
    holders,
    public_portfolios,
    sharing,
    specifications,
    wallet,
)
from microcred.services.credentials import IssueRequest
from microcred.services.holders import HolderError
from microcred.services.public_portfolios import PortfolioGone, PortfolioNotFound
from microcred.services.sharing import ShareNotFound
from microcred.services.wallet.names import same_person, someone_else
from tests.services.conftest import EXAMPLES


def _import(instance, holder, org, spec, name, day="2026-06-10", **extra):
    issued = credentials.issue(
        instance, org.slug, spec.id, IssueRequest(name, "anna@example.lv", day, **extra)
    )
    document = issued.credential()
    raw = (document if isinstance(document, str) else json.dumps(document)).encode()
    return wallet.import_bytes(instance, holder.handle, raw)[0], issued


@pytest.fixture()
def anna(instance):
    return holders.create(instance, name="Anna Bērziņa", handle="anna")


def test_names_tolerate_diacritics_order_and_parts():
    assert same_person("BERZINA, Anna", "Anna Bērziņa")
    assert same_person("Anna", "Anna Bērziņa") and same_person(
        "Anna Marija Bērziņa", "Anna Bērziņa"
    )
    assert not same_person("Jānis Zariņš", "Anna Bērziņa")
    assert someone_else("Jānis Zariņš", "Anna Bērziņa") == "Jānis Zariņš"
    assert (
        someone_else(None, "Anna Bērziņa") is None
        and someone_else("Anna Berzina", "Anna Bērziņa") is None
    )


def test_the_learner_a_credential_names_is_read(instance, org, spec, anna):
    mine, _ = _import(instance, anna, org, spec, "Anna Berzina")
    other, _ = _import(instance, anna, org, spec, "Jānis Zariņš", day="2026-06-11")
    assert someone_else(mine.learner_name, anna.name) is None
    assert someone_else(other.learner_name, anna.name) == "Jānis Zariņš"


def test_the_same_course_counts_once(instance, org, spec, anna):
    first, _ = _import(instance, anna, org, spec, "Anna Bērziņa", day="2026-06-10")
    again, _ = _import(instance, anna, org, spec, "Anna Bērziņa", day="2026-07-10")
    other_spec = specifications.publish(
        instance, org.slug, load_data(EXAMPLES / "lv-vocational-welding.yaml")
    )
    welding, _ = _import(instance, anna, org, other_spec, "Anna Bērziņa", day="2026-08-10")
    items = wallet.list_items(instance, anna.handle)
    totals = wallet.totals(items)
    ects = float(first.ects) + float(welding.ects)
    assert totals["ects"] == ects and totals["courses"] == 2 and totals["duplicates"] == 1
    assert totals["valid"] == 3 and totals["count"] == 3
    assert wallet.same_course(items)[again.id] == wallet.same_course(items)[first.id]
    assert wallet.timeline(items)[-1]["ects_total"] == ects


def test_removing_updates_and_ends_shares_and_the_page(instance, org, spec, anna):
    one, _ = _import(instance, anna, org, spec, "Anna Bērziņa", day="2026-06-10")
    two, _ = _import(instance, anna, org, spec, "Anna Bērziņa", day="2026-06-11")
    both = sharing.create_share(instance, anna.handle, [one.id, two.id])
    alone = sharing.create_share(instance, anna.handle, [one.id])
    page = public_portfolios.switch_on(instance, anna.handle, [one.id, two.id])
    removed = wallet.delete_item(instance, anna.handle, one.id)
    assert removed == wallet.Removed(shares_changed=1, shares_ended=1, portfolio_changed=True)
    _, shown, _ = sharing.open_share(instance, both.url.rsplit("/", 1)[1])
    assert [s.item.id for s in shown] == [two.id]
    with pytest.raises(ShareNotFound):
        sharing.open_share(instance, alone.url.rsplit("/", 1)[1])
    _, shown = public_portfolios.open_page(instance, page.url.rsplit("/", 1)[1])
    assert [s.item.id for s in shown] == [two.id]
    assert [i.id for i in wallet.list_items(instance, anna.handle)] == [two.id]
    with pytest.raises(HolderError):
        wallet.delete_item(instance, anna.handle, one.id)


def test_public_page_opt_in_chosen_verified_and_switched_off_at_once(instance, org, spec, anna):
    shown_item, issued = _import(instance, anna, org, spec, "Anna Bērziņa", day="2026-06-10")
    hidden, _ = _import(instance, anna, org, spec, "Anna Bērziņa", day="2026-06-11")
    assert public_portfolios.setting(instance, anna.handle).enabled is False
    on = public_portfolios.switch_on(instance, anna.handle, [shown_item.id])
    token = on.url.rsplit("/", 1)[1]
    assert len(token) >= 43 and on.url == f"{instance.base_url}/p/{token}"
    name, shown = public_portfolios.open_page(instance, token)
    assert name == "Anna Bērziņa" and [s.item.id for s in shown] == [shown_item.id]
    assert shown[0].report["status"] == "valid"
    credentials.revoke(instance, issued.id, reason="error")
    _, shown = public_portfolios.open_page(instance, token)
    assert shown[0].report["status"] == "revoked"  # verified at every view
    assert public_portfolios.setting(instance, anna.handle).view_count == 2
    public_portfolios.switch_off(instance, anna.handle)
    with pytest.raises(PortfolioGone):
        public_portfolios.open_page(instance, token)
    again = public_portfolios.switch_on(instance, anna.handle, [hidden.id])
    assert again.url != on.url
    with pytest.raises(PortfolioNotFound):
        public_portfolios.open_page(instance, token)  # the old address never comes back
    with pytest.raises(PortfolioNotFound):
        public_portfolios.open_page(instance, "x" * 43)
    other = holders.create(instance, name="Mallory")
    with pytest.raises(HolderError, match="not in this wallet"):
        public_portfolios.switch_on(instance, other.handle, [hidden.id])
    with pytest.raises(HolderError, match="at least one"):
        public_portfolios.switch_on(instance, anna.handle, [])


def test_the_public_page_is_in_the_personal_data_and_goes_with_the_account(
    instance, org, spec, anna
):
    from sqlalchemy import func, select

    from microcred.services import privacy
    from microcred.store.db import transaction
    from microcred.store.tables import PublicPortfolio

    item, _ = _import(instance, anna, org, spec, "Anna Bērziņa")
    public_portfolios.switch_on(instance, anna.handle, [item.id])
    data = privacy.personal_data(instance, anna.handle)
    assert data["public_portfolio"]["enabled"] is True
    assert data["public_portfolio"]["credential_ids"] == [item.id]
    privacy.delete_holder(instance, anna.handle)
    with transaction(instance.sessions) as session:
        assert session.scalar(select(func.count()).select_from(PublicPortfolio)) == 0
