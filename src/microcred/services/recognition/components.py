"""Credentials as components of a pathway, each verified again now: the holder's wallet
(when evaluating and applying) and what an application shared (when deciding)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from microcred.services.holders import HolderInvalid
from microcred.services.holders import find as find_holder
from microcred.services.instance import Instance
from microcred.services.verifying import verifier_context
from microcred.stacking import Component, component_from_credential
from microcred.store.db import transaction
from microcred.store.tables import WalletCredential
from microcred.verify import verify_credential


def _document(original: str) -> dict[str, Any] | str:
    try:
        value = json.loads(original)
    except ValueError:
        return original.strip()
    return value if isinstance(value, dict) else original


def _verify_now(
    instance: Instance, document: dict[str, Any] | str, now: datetime
) -> dict[str, Any]:
    return verify_credential(document, verifier_context(instance, now=now)).to_json()


def wallet_components(
    instance: Instance, holder_ref: str, *, item_ids: list[str] | None = None, now: datetime
) -> list[Component]:
    """The holder's credentials as components, each verified again now (revocation may have
    happened since it was imported). Open Badges 2.0 imports are not verifiable as VCs and
    never count."""
    with transaction(instance.sessions) as session:
        holder = find_holder(session, holder_ref)
        query = select(WalletCredential).where(WalletCredential.holder_id == holder.id)
        if item_ids is not None:
            query = query.where(WalletCredential.id.in_(item_ids))
        rows = [(r.id, r.kind, r.original) for r in session.scalars(query)]
    if item_ids is not None:
        unknown = set(item_ids) - {r[0] for r in rows}
        if unknown:
            raise HolderInvalid(
                f"not in this wallet: {', '.join(sorted(unknown))}", "credential_ids"
            )
    out = []
    for item_id, kind, original in rows:
        document = _document(original)
        report = (
            {"status": "invalid", "checks": []}
            if kind.startswith("ob2")
            else _verify_now(instance, document, now)
        )
        out.append(component_from_credential(document, report, component_id=item_id))
    return out


def shared_components(
    instance: Instance, row_ids: list[str], originals: list[str], now: datetime
) -> list[Component]:
    """What the authority received, verified again at the decision."""
    out = []
    for item_id, original in zip(row_ids, originals, strict=True):
        document = _document(original)
        report = _verify_now(instance, document, now)
        out.append(component_from_credential(document, report, component_id=item_id))
    return out
