"""Data protection: a holder downloads everything held about them, or deletes their account."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Delete, delete, select
from sqlalchemy.orm import Session

from microcred.services.holders import find, view
from microcred.services.instance import Instance
from microcred.services.wallet import to_item
from microcred.store.db import transaction
from microcred.store.tables import (
    HolderToken,
    PublicPortfolio,
    Share,
    WalletCredential,
    WalletPendingReceipt,
    WebSession,
)


def personal_data(instance: Instance, holder_ref: str) -> dict[str, Any]:
    """Everything this instance holds about the holder (GDPR Art. 15 / 20): no secrets."""
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        credentials = [
            to_item(r).to_json(full=True)
            for r in session.scalars(
                select(WalletCredential).where(WalletCredential.holder_id == holder.id)
            )
        ]
        shares = [
            {
                "id": s.id,
                "credential_ids": s.credential_ids,
                "created_at": s.created_at.isoformat(),
                "expires_at": s.expires_at.isoformat(),
                "revoked": s.revoked_at is not None,
                "view_count": s.view_count,
            }
            for s in session.scalars(select(Share).where(Share.holder_id == holder.id))
        ]
        tokens = [
            {
                "id": t.id,
                "name": t.name,
                "created_at": t.created_at.isoformat(),
                "revoked": t.revoked_at is not None,
            }
            for t in session.scalars(select(HolderToken).where(HolderToken.holder_id == holder.id))
        ]
        page = session.get(PublicPortfolio, holder.id)
        public_page = (
            {
                "enabled": page.enabled,
                "credential_ids": page.credential_ids,
                "created_at": page.created_at.isoformat(),
                "view_count": page.view_count,
            }
            if page is not None
            else None
        )
        # what the wallet waits for from issuers (OpenID4VCI); the sealed secrets are not data
        # about the holder but keys and tokens of the flow, and stay out
        pending = [
            {
                "id": r.id,
                "kind": r.kind,
                "credential_issuer": r.credential_issuer,
                "title": r.title,
                "created_at": r.created_at.isoformat(),
                "expires_at": r.expires_at.isoformat(),
            }
            for r in session.scalars(
                select(WalletPendingReceipt).where(WalletPendingReceipt.holder_id == holder.id)
            )
        ]
        return {
            "exported_at": instance.now().isoformat(),
            "holder": view(holder).to_json(),
            "credentials": credentials,
            "shares": shares,
            "api_tokens": tokens,
            "public_portfolio": public_page,
            "pending_receipts": pending,
        }


def _deleted(session: Session, statement: Delete) -> int:
    """The number of rows a DELETE removed (``execute`` of DML returns a ``CursorResult``)."""
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def delete_holder(instance: Instance, holder_ref: str) -> dict[str, int]:
    """Remove the holder, their wallet, shares and tokens. Issuers' records of what they
    issued are theirs and stay."""
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        counts = {
            "credentials": _deleted(
                session, delete(WalletCredential).where(WalletCredential.holder_id == holder.id)
            ),
            "shares": _deleted(session, delete(Share).where(Share.holder_id == holder.id)),
            "tokens": _deleted(
                session, delete(HolderToken).where(HolderToken.holder_id == holder.id)
            ),
        }
        session.execute(delete(PublicPortfolio).where(PublicPortfolio.holder_id == holder.id))
        session.execute(
            delete(WalletPendingReceipt).where(WalletPendingReceipt.holder_id == holder.id)
        )
        # Every signed-in browser of the holder is signed out with the account.
        session.execute(delete(WebSession).where(WebSession.holder_id == holder.id))
        session.delete(holder)
        return counts
