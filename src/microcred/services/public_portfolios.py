"""The learner's public portfolio page ``/p/<token>``: switched on by the learner, showing
the credentials they chose, each verified again at every view (the share page's verdicts).

The address is 256 random bits (``secrets.token_urlsafe(32)``): nobody finds it without
being given it. Switching the page off ends that address at once (it answers 410 Gone);
switching it on again makes a new address, so an old one never comes back. Removing a
credential from the wallet takes it off the page (``wallet.delete_item``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from microcred import errors
from microcred.services.holders import HolderError, HolderInvalid, find
from microcred.services.instance import Instance
from microcred.services.sharing import SharedCredential, holder_rows, owned_ids, verified_items
from microcred.services.wallet import to_item
from microcred.store.db import transaction
from microcred.store.tables import Holder, PublicPortfolio


class PortfolioNotFound(HolderError, errors.NotFound):
    """No page has this address (never had, or an address replaced by a newer one)."""


class PortfolioGone(HolderError, errors.NotFound):
    """The learner switched this page off: the address answers 410 Gone."""


@dataclass(frozen=True)
class PortfolioSetting:
    enabled: bool
    url: str | None
    credential_ids: list[str]
    updated_at: datetime | None
    view_count: int


def page_url(instance: Instance, token: str) -> str:
    return f"{instance.base_url}/p/{token}"


def setting(instance: Instance, holder_ref: str) -> PortfolioSetting:
    """The learner's page: on or off, its address while on, and what it shows."""
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        row = session.get(PublicPortfolio, holder.id)
        if row is None:
            return PortfolioSetting(False, None, [], None, 0)
        return PortfolioSetting(
            row.enabled,
            page_url(instance, row.token) if row.enabled else None,
            list(row.credential_ids),
            row.updated_at,
            row.view_count,
        )


def switch_on(instance: Instance, holder_ref: str, item_ids: list[str]) -> PortfolioSetting:
    """Show ``item_ids`` (the learner's own credentials) on the page, switching it on; an
    address that was switched off is replaced by a new one."""
    if not item_ids:
        raise HolderInvalid("choose at least one credential for the page", "credential")
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        owned = owned_ids(session, holder.id, item_ids)
        if not set(item_ids) <= owned:
            raise HolderInvalid("a chosen credential is not in this wallet", "credential")
        now = instance.now()
        chosen = list(dict.fromkeys(item_ids))
        row = session.get(PublicPortfolio, holder.id)
        if row is None:
            row = PublicPortfolio(
                holder_id=holder.id,
                token=secrets.token_urlsafe(32),
                enabled=True,
                credential_ids=chosen,
                created_at=now,
                updated_at=now,
                view_count=0,
            )
            session.add(row)
        else:
            if not row.enabled:  # an address once switched off never opens again
                row.token, row.view_count, row.created_at = secrets.token_urlsafe(32), 0, now
            row.enabled, row.credential_ids, row.updated_at = True, chosen, now
        return PortfolioSetting(True, page_url(instance, row.token), chosen, now, row.view_count)


def switch_off(instance: Instance, holder_ref: str) -> None:
    """The page stops at once: its address answers 410 Gone from now on."""
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        row = session.get(PublicPortfolio, holder.id)
        if row is not None and row.enabled:
            row.enabled, row.updated_at = False, instance.now()


def open_page(
    instance: Instance, token: str, *, count_view: bool = True
) -> tuple[str, list[SharedCredential]]:
    """The public page: the learner's name and each chosen credential verified now."""
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        raise PortfolioNotFound("no such page", "token")
    with transaction(instance.sessions) as session:
        row = session.scalar(select(PublicPortfolio).where(PublicPortfolio.token == token))
        if row is None:
            raise PortfolioNotFound("no such page", "token")
        if not row.enabled:
            raise PortfolioGone("the learner switched this page off", "token")
        if count_view:
            session.execute(
                update(PublicPortfolio)
                .where(PublicPortfolio.holder_id == row.holder_id)
                .values(view_count=PublicPortfolio.view_count + 1)
            )
        holder = session.get(Holder, row.holder_id)
        ids = list(row.credential_ids)
        items = [to_item(r) for r in holder_rows(session, row.holder_id, ids)]
        name = holder.name if holder else ""
        did = holder.did if holder else None
    ordered = sorted(items, key=lambda i: ids.index(i.id))
    return name, verified_items(instance, ordered, did)
