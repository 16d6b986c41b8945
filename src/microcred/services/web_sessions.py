"""Server-side records of signed-in browser sessions (table ``web_sessions``).

The signed cookie of the web pages names a session by a random secret; the record (under the
secret's SHA-256) says whose it is, until when, and whether it was ended. A cookie that names no
live record signs nobody in, whatever its signature: signing out, a password change and an
account deletion end sessions here, at once and for every process of the instance.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.orm import Session

from microcred.services.instance import Instance
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import WebSession

KINDS = ("wallet", "console")
# last_seen_at is written at most this often per session: a page view stays a read.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)
# Ended and expired records are kept this long (for the holder's own record), then removed.
KEEP_ENDED = timedelta(days=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start(
    instance: Instance,
    kind: str,
    *,
    seconds: int,
    holder_id: str | None = None,
    org_id: str | None = None,
    token_id: str | None = None,
    member_id: str | None = None,
) -> str:
    """A new session of a holder (``wallet``) or of an organisation's token or member
    (``console``); returns its secret, for the cookie (only its digest is stored)."""
    if kind not in KINDS:
        raise ValueError(f"unknown session kind '{kind}'")
    secret = secrets.token_urlsafe(32)
    now = instance.now()
    with transaction(instance.sessions) as session:
        session.execute(delete(WebSession).where(WebSession.expires_at < now - KEEP_ENDED))
        session.add(
            WebSession(
                id=_digest(secret),
                kind=kind,
                holder_id=holder_id,
                org_id=org_id,
                token_id=token_id,
                member_id=member_id,
                created_at=now,
                expires_at=now + timedelta(seconds=seconds),
                last_seen_at=now,
                revoked_at=None,
            )
        )
    return secret


def is_live(
    instance: Instance,
    secret: str | None,
    *,
    holder_id: str | None = None,
    org_id: str | None = None,
    token_id: str | None = None,
    member_id: str | None = None,
) -> bool:
    """Whether ``secret`` names a session that was not ended, has not expired, and belongs to
    the holder (or organisation and token) the cookie names."""
    if not secret or len(secret) > 100:
        return False
    now = instance.now()
    key = _digest(secret)
    with read_transaction(instance.sessions) as session:
        row = session.get(WebSession, key)
        if (
            row is None
            or row.revoked_at is not None
            or row.expires_at <= now
            or (row.holder_id, row.org_id, row.token_id, row.member_id)
            != (holder_id, org_id, token_id, member_id)
        ):
            return False
        stale = now - row.last_seen_at >= LAST_SEEN_RESOLUTION
    if stale:
        with transaction(instance.sessions) as session:
            session.execute(update(WebSession).where(WebSession.id == key).values(last_seen_at=now))
    return True


def end(instance: Instance, secret: str | None) -> None:
    """Sign out: the session ends (a copy of its cookie is refused from now on)."""
    if not secret or len(secret) > 100:
        return
    with transaction(instance.sessions) as session:
        session.execute(
            update(WebSession)
            .where(WebSession.id == _digest(secret), WebSession.revoked_at.is_(None))
            .values(revoked_at=instance.now())
        )


def end_holder_sessions(
    session: Session, holder_id: str, *, now: datetime, keep: str | None = None
) -> int:
    """End every session of a holder, except the one whose secret is ``keep``, within the
    caller's transaction (at ``now``, the caller's clock); the number ended."""
    query = update(WebSession).where(
        WebSession.holder_id == holder_id, WebSession.revoked_at.is_(None)
    )
    if keep:
        query = query.where(WebSession.id != _digest(keep))
    result = cast("CursorResult[Any]", session.execute(query.values(revoked_at=now)))
    return int(result.rowcount or 0)
