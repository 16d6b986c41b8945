"""Password reset of members: a one-time link (32 random bytes; only its SHA-256 is stored),
expiring after :data:`RESET_HOURS`. Asking for one gives the same answer whether or not the
address is known (no account enumeration); a new password ends every session of the member."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select

from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.members import (
    HASHER,
    LinkInvalid,
    MemberInvalid,
    MemberView,
    candidates,
    checked_password,
    digest,
    end_sessions,
    live_link,
    normalise_email,
    view,
)
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import Organisation, OrgMember, PasswordReset

RESET_HOURS = 2


def request(instance: Instance, email: str) -> list[tuple[MemberView, str]]:
    """Reset links for every active membership of this address (usually one); an empty list
    for an unknown address. The caller mails them and answers the same either way. At most
    one live link per member is made in a minute (a flood of requests sends no flood of mail)."""
    try:
        address = normalise_email(email)
    except MemberInvalid:
        return []
    now = instance.now()
    out = []
    with transaction(instance.sessions) as session:
        for person, _stored in candidates(session, address, None):
            recent = session.scalar(
                select(PasswordReset).where(
                    PasswordReset.member_id == person.id,
                    PasswordReset.used_at.is_(None),
                    PasswordReset.created_at > now - timedelta(minutes=1),
                )
            )
            if recent is not None:
                continue
            secret = secrets.token_urlsafe(32)
            session.add(
                PasswordReset(
                    id=str(uuid.uuid4()),
                    member_id=person.id,
                    token_hash=digest(secret),
                    created_at=now,
                    expires_at=now + timedelta(hours=RESET_HOURS),
                    used_at=None,
                )
            )
            out.append((person, secret))
    return out


def check(instance: Instance, secret: str) -> MemberView:
    """Whose a live reset link is; :class:`LinkInvalid` otherwise."""
    with read_transaction(instance.sessions) as session:
        link = live_link(session, PasswordReset, secret, instance.now())
        row = session.get(OrgMember, link.member_id)
        org = None if row is None else session.get(Organisation, row.org_id)
        assert row is not None and org is not None
        return view(row, org)


def complete(instance: Instance, secret: str, password: str) -> MemberView:
    """A new password from a reset link (used up; every session of the member ends)."""
    hashed = HASHER.hash(checked_password(password))
    now = instance.now()
    with transaction(instance.sessions) as session:
        link = live_link(session, PasswordReset, secret, now)
        row = session.get(OrgMember, link.member_id, with_for_update=True)
        org = None if row is None else session.get(Organisation, row.org_id)
        assert row is not None and org is not None
        if row.disabled_at is not None:
            raise LinkInvalid()
        link.used_at = now
        row.password_hash = hashed
        end_sessions(session, row.id, now)
        record(session, org.id, f"member:{row.email}", "member.password_reset", row.id, {}, at=now)
        return view(row, org)
