"""The portfolio: a wallet's credentials, filtered, totalled and on a timeline; one
credential; deleting one; verifying them again (revocation may have happened since)."""

from __future__ import annotations

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
from microcred.store.tables import WalletCredential


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


def totals(items: list[WalletItem]) -> dict[str, Any]:
    """Totals over the credentials that verified (valid): invalid or revoked ones do not count."""
    counted = [i for i in items if i.status == "valid"]
    ects = sum((Decimal(i.ects) for i in counted if i.ects), Decimal(0))
    hours = sum((Decimal(i.hours) for i in counted if i.hours), Decimal(0))
    by_status: dict[str, int] = {}
    for item in items:
        by_status[item.status] = by_status.get(item.status, 0) + 1
    return {
        "count": len(items),
        "valid": len(counted),
        "ects": float(ects),
        "hours": float(hours),
        "by_status": by_status,
    }


def timeline(items: list[WalletItem]) -> list[dict[str, Any]]:
    out, running = [], Decimal(0)
    for item in sorted(
        (i for i in items if i.issued_on),
        key=lambda i: i.issued_on or datetime.min.replace(tzinfo=UTC),
    ):
        if item.status == "valid" and item.ects:
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


def delete_item(instance: Instance, holder_ref: str, item_id: str) -> None:
    with transaction(instance.sessions) as session:
        session.delete(_row(session, holder_ref, item_id))


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
