"""The audit log: who did what, when. Append-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.services.instance import Instance
from microcred.store.db import read_transaction
from microcred.store.tables import AuditEntry


def record(
    session: Session,
    org_id: str,
    actor: str,
    action: str,
    subject: str | None,
    details: dict[str, Any] | None = None,
    *,
    at: datetime,
) -> None:
    """Append one entry; ``at`` is the caller's clock (services take it from their
    Instance), so the log and the rows it describes tell the same time."""
    session.add(
        AuditEntry(
            org_id=org_id,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            details=details or {},
        )
    )


@dataclass(frozen=True)
class AuditView:
    at: datetime
    actor: str
    action: str
    subject: str | None
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "details": self.details,
        }


def entries(instance: Instance, org_ref: str, limit: int = 1000) -> list[AuditView]:
    """The organisation's audit log (slug, id or did:web), newest first; a read."""
    from microcred.services.organisations import find  # organisations records through here

    with read_transaction(instance.sessions) as session:
        org_id = find(session, org_ref).id
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.org_id == org_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        return [AuditView(r.at, r.actor, r.action, r.subject, dict(r.details)) for r in rows]
