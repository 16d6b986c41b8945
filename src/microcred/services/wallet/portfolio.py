"""The portfolio: a wallet's credentials, filtered, totalled and on a timeline; one
credential; deleting one; verifying them again (revocation may have happened since)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.services.holders import HolderNotFound, find
from microcred.services.instance import Instance
from microcred.services.wallet.importing import read_credential, verify_extracted
from microcred.services.wallet.items import WalletItem, to_item
from microcred.store.db import transaction
from microcred.store.tables import PublicPortfolio, Share, WalletCredential


def list_items(
    instance: Instance,
    holder_ref: str,
    *,
    issuer: str | None = None,
    skill: str | None = None,
    eqf_level: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str | None = None,
) -> list[WalletItem]:
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        rows = session.scalars(
            select(WalletCredential)
            .where(WalletCredential.holder_id == holder.id)
            .order_by(WalletCredential.issued_on)
        )
        items = [to_item(r) for r in rows]

    def keep(item: WalletItem) -> bool:
        if (
            issuer
            and issuer.lower() not in f"{item.issuer_name or ''} {item.issuer_id or ''}".lower()
        ):
            return False
        if skill and not any(skill.lower() in s.lower() for s in item.skills):
            return False
        if eqf_level is not None and item.eqf_level != eqf_level:
            return False
        day = item.issued_on.date() if item.issued_on else None
        if date_from and (day is None or day < date_from):
            return False
        if date_to and (day is None or day > date_to):
            return False
        return not (status and item.status != status)

    return [i for i in items if keep(i)]


def same_course(items: list[WalletItem]) -> dict[str, str]:
    """Each valid credential's id -> the id of the one credential its course counts under:
    credentials that share a course key (``WalletItem.course_keys``: the same credential,
    achievement, or title with the same workload) are one course; the one with the most ECTS
    credits (then the earliest) counts. Invalid or revoked credentials count for nothing."""
    valid = [i for i in items if i.status == "valid"]
    parent = {i.id: i.id for i in valid}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[str, str] = {}
    for item in valid:
        for key in item.course_keys:
            if key in owner:
                parent[root(item.id)] = root(owner[key])
            else:
                owner[key] = item.id
    groups: dict[str, list[WalletItem]] = {}
    for item in valid:
        groups.setdefault(root(item.id), []).append(item)
    counted: dict[str, str] = {}
    for group in groups.values():
        best = max(
            group,
            key=lambda i: (
                Decimal(i.ects or 0),
                -(i.issued_on or i.imported_at).timestamp(),
            ),
        )
        counted.update({i.id: best.id for i in group})
    return counted


def totals(items: list[WalletItem]) -> dict[str, Any]:
    """Totals over the credentials that verified (valid): invalid or revoked ones do not
    count, and the same course held twice (``same_course``) counts once."""
    counted_as = same_course(items)
    counted = [i for i in items if counted_as.get(i.id) == i.id]
    ects = sum((Decimal(i.ects) for i in counted if i.ects), Decimal(0))
    hours = sum((Decimal(i.hours) for i in counted if i.hours), Decimal(0))
    by_status: dict[str, int] = {}
    for item in items:
        by_status[item.status] = by_status.get(item.status, 0) + 1
    return {
        "count": len(items),
        "valid": len(counted_as),
        "courses": len(counted),
        "duplicates": len(counted_as) - len(counted),
        "ects": float(ects),
        "hours": float(hours),
        "by_status": by_status,
    }


def timeline(items: list[WalletItem]) -> list[dict[str, Any]]:
    """The running ECTS total by date of issue (a course held twice counts once)."""
    counted_as = same_course(items)
    out, running = [], Decimal(0)
    for item in sorted(
        (i for i in items if i.issued_on),
        key=lambda i: i.issued_on or datetime.min.replace(tzinfo=UTC),
    ):
        if counted_as.get(item.id) == item.id and item.ects:
            running += Decimal(item.ects)
        out.append(
            {
                "date": item.issued_on.date().isoformat() if item.issued_on else None,
                "id": item.id,
                "title": item.title,
                "status": item.status,
                "ects_total": float(running),
            }
        )
    return out


def _row(session: Session, holder_ref: str, item_id: str) -> WalletCredential:
    holder = find(session, holder_ref)
    row = session.get(WalletCredential, item_id)
    if row is None or row.holder_id != holder.id:
        raise HolderNotFound(f"no credential '{item_id}' in this wallet", "id")
    return row


def get_item(instance: Instance, holder_ref: str, item_id: str) -> WalletItem:
    with transaction(instance.sessions) as session:
        return to_item(_row(session, holder_ref, item_id))


@dataclass(frozen=True)
class Removed:
    """What removing a credential changed: share links that still show others, share
    links that showed only it (ended), and whether the public portfolio showed it."""

    shares_changed: int
    shares_ended: int
    portfolio_changed: bool


def delete_item(instance: Instance, holder_ref: str, item_id: str) -> Removed:
    """Remove a credential from the wallet. Every share link that showed it no longer does,
    and one that showed only it is revoked; the public portfolio drops it. One transaction."""
    with transaction(instance.sessions) as session:
        row = _row(session, holder_ref, item_id)
        changed = ended = 0
        now = instance.now()
        for share in session.scalars(select(Share).where(Share.holder_id == row.holder_id)):
            if item_id not in share.credential_ids:
                continue
            share.credential_ids = [i for i in share.credential_ids if i != item_id]
            if share.credential_ids:
                changed += 1
            elif share.revoked_at is None:  # nothing left to show: the link ends now
                share.revoked_at = now
                ended += 1
        portfolio = session.get(PublicPortfolio, row.holder_id)
        in_portfolio = portfolio is not None and item_id in portfolio.credential_ids
        if portfolio is not None and in_portfolio:
            portfolio.credential_ids = [i for i in portfolio.credential_ids if i != item_id]
            portfolio.updated_at = now
        session.delete(row)
        return Removed(changed, ended, in_portfolio)


def reverify(
    instance: Instance, holder_ref: str, item_ids: list[str] | None = None
) -> list[dict[str, str]]:
    """Verify again (revocation may have happened since); returns the changes of status."""
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        rows = [
            to_item(r)
            for r in session.scalars(
                select(WalletCredential).where(WalletCredential.holder_id == holder.id)
            )
        ]
    changes = []
    for item in rows:
        if item_ids and item.id not in item_ids:
            continue
        extracted = read_credential(item.original.encode("utf-8"), None)
        report = verify_extracted(instance, extracted)
        with transaction(instance.sessions) as session:
            row = session.get(WalletCredential, item.id)
            if row is None:
                continue
            row.report, row.status, row.verified_at = (
                report,
                str(report["status"]),
                instance.now(),
            )
        changes.append({"id": item.id, "before": item.status, "after": str(report["status"])})
    return changes


def reverify_everyone(instance: Instance) -> int:
    """The scheduled re-verification of every wallet; returns how many credentials changed status."""
    from microcred.store.tables import Holder

    with transaction(instance.sessions) as session:
        handles = list(session.scalars(select(Holder.handle)))
    return sum(
        1
        for handle in handles
        for change in reverify(instance, handle)
        if change["before"] != change["after"]
    )
