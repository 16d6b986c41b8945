"""What happened to an organisation's issued credentials, as its console shows it: when each
was issued and revoked, and why one was revoked. Reads only (the read-only transaction)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from microcred.services.instance import Instance
from microcred.store.db import read_transaction
from microcred.store.tables import IssuedCredential


def issued_and_revoked(instance: Instance, org_id: str) -> list[tuple[datetime, datetime | None]]:
    """(date of issue, revoked at or None) of every credential the organisation issued: the
    date the credential states (a CSV's ``issued_on``), not when it was recorded."""
    with read_transaction(instance.sessions) as session:
        rows = session.execute(
            select(IssuedCredential.issued_on, IssuedCredential.revoked_at).where(
                IssuedCredential.org_id == org_id
            )
        ).all()
    return [(issued, revoked) for issued, revoked in rows]


def revocation(
    instance: Instance, credential_id: str, *, org_id: str
) -> tuple[datetime | None, str | None]:
    """(revoked at, reason) of one of the organisation's credentials; (None, None) when it is
    not revoked or not the organisation's."""
    with read_transaction(instance.sessions) as session:
        row = session.get(IssuedCredential, credential_id[:200])
        if row is None or row.org_id != org_id:
            return None, None
        return row.revoked_at, row.revocation_reason
