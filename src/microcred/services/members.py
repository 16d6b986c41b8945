"""People of an organisation: members who sign in to the console (or the authority's desk)
with an e-mail address and a password, in one role each.

A role is a set of the API token scopes (``services/tokens.SCOPES``), so the console's one
scope rule (``tokens.allows``) serves people and machines alike. A member is created by an
invitation: a one-time link (32 random bytes; only its SHA-256 is stored) that lets the
invitee set a password, used once, expiring after :data:`INVITATION_DAYS`. A forgotten
password is replaced through a reset link of the same kind (``services/password_resets``); asking for
one answers the same whether or not the address is known (no account enumeration).
Passwords are Argon2id hashes (argon2-cffi, as for wallet holders); sign-ins are throttled
per account and per client address (``services/throttle``). Disabling a member, or a new
password, ends the member's browser sessions at once (``services/web_sessions``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from microcred import errors
from microcred.i18n import N_, supported
from microcred.services import throttle
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.organisations import find
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import (
    MemberInvitation,
    Organisation,
    OrgMember,
    WebSession,
)

# role -> the token scopes it carries (the order of services/tokens.SCOPES)
ROLES: dict[str, tuple[str, ...]] = {
    "administrator": ("issue", "revoke", "read", "admin"),
    "issuer": ("issue", "read"),
    "revoker": ("revoke", "read"),
    "viewer": ("read",),
    # the recognition authority's desk: reads applications, decides and issues the stacked
    # credential (the desk's posts need "issue", like publishing a pathway)
    "recognition_officer": ("issue", "read"),
}
ROLE_LABELS = {
    "administrator": N_("Administrator"),
    "issuer": N_("Issuer"),
    "revoker": N_("Revoker"),
    "viewer": N_("Viewer"),
    "recognition_officer": N_("Recognition officer"),
}
INVITATION_DAYS = 7
MIN_PASSWORD_LENGTH = 10
MAX_SECRET_LENGTH = 100
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9.-]{1,252}\.[A-Za-z0-9-]{2,63}$")
HASHER = PasswordHasher()


class MemberError(errors.MicrocredError):
    """A member request that cannot be done."""


class MemberInvalid(MemberError, errors.InvalidInput):
    pass


class MemberNotFound(MemberError, errors.NotFound):
    pass


class MemberConflict(MemberError, errors.Conflict):
    pass


class LinkInvalid(MemberError, errors.InvalidInput):
    """An invitation or reset link that is unknown, used or expired (one answer for all)."""

    def __init__(self) -> None:
        super().__init__("this link is not valid any more: it was used, or it expired", "link")


@dataclass(frozen=True)
class MemberView:
    id: str
    org_id: str
    org_slug: str
    org_name: str
    email: str
    name: str
    role: str
    lang: str
    created_at: datetime
    disabled_at: datetime | None
    active: bool  # has a password and is not disabled

    @property
    def scopes(self) -> tuple[str, ...]:
        return ROLES.get(self.role, ())

    @property
    def pending(self) -> bool:
        return not self.active and self.disabled_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org": self.org_slug,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "scopes": list(self.scopes),
            "state": "disabled" if self.disabled_at else "active" if self.active else "invited",
            "created_at": self.created_at.isoformat(),
        }


def normalise_email(email: str) -> str:
    """The form an address is stored and compared in: trimmed, lower case."""
    value = (email or "").strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise MemberInvalid("this is not an e-mail address (name@example.org)", "email")
    return value


def check_role(role: str) -> str:
    value = (role or "").strip().lower().replace(" ", "_").replace("-", "_")
    if value not in ROLES:
        raise MemberInvalid(f"unknown role '{role[:40]}'; use one of: {', '.join(ROLES)}", "role")
    return value


def checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise MemberInvalid(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", "password"
        )
    if len(password) > 1000:
        raise MemberInvalid("the password is longer than 1000 characters", "password")
    return password


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def view(row: OrgMember, org: Organisation) -> MemberView:
    return MemberView(
        row.id,
        org.id,
        org.slug,
        org.name,
        row.email,
        row.name,
        row.role,
        row.lang,
        row.created_at,
        row.disabled_at,
        row.password_hash is not None and row.disabled_at is None,
    )


def _member(session: Session, org: Organisation, member_id: str) -> OrgMember:
    row = session.get(OrgMember, member_id) if len(member_id) <= 36 else None
    if row is None or row.org_id != org.id:
        raise MemberNotFound(f"no member '{member_id[:40]}' in this organisation", "member")
    return row


def end_sessions(session: Session, member_id: str, now: datetime) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.member_id == member_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


# ---------------------------------------------------------------- invitations


def invite(
    instance: Instance,
    org_ref: str,
    email: str,
    role: str,
    *,
    name: str = "",
    lang: str = "en",
    actor: str = "cli",
) -> tuple[MemberView, str]:
    """A member-to-be and the secret of their set-password link (shown or mailed once).
    Inviting again someone who has not accepted yet replaces the earlier link."""
    address = normalise_email(email)
    wanted = check_role(role)
    name = name.strip()[:300]
    now = instance.now()
    secret = secrets.token_urlsafe(32)
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        row = session.scalar(
            select(OrgMember).where(OrgMember.org_id == org.id, OrgMember.email == address)
        )
        if row is not None and row.password_hash is not None:
            raise MemberConflict(f"{address} is already a member of this organisation", "email")
        if row is None:
            row = OrgMember(
                id=str(uuid.uuid4()),
                org_id=org.id,
                email=address,
                name=name,
                password_hash=None,
                role=wanted,
                lang=supported(lang),
                created_at=now,
                disabled_at=None,
            )
            session.add(row)
            session.flush()
        else:
            row.role, row.disabled_at = wanted, None
            row.name = name or row.name
            session.execute(
                update(MemberInvitation)
                .where(MemberInvitation.member_id == row.id, MemberInvitation.used_at.is_(None))
                .values(used_at=now)
            )
        session.add(
            MemberInvitation(
                id=str(uuid.uuid4()),
                org_id=org.id,
                member_id=row.id,
                token_hash=digest(secret),
                email=address,
                role=wanted,
                invited_by=actor[:200],
                created_at=now,
                expires_at=now + timedelta(days=INVITATION_DAYS),
                used_at=None,
            )
        )
        record(session, org.id, actor, "member.invite", row.id, {"role": wanted}, at=now)
        return view(row, org), secret


def live_link(session: Session, table: Any, secret: str, now: datetime) -> Any:
    if not isinstance(secret, str) or not 20 <= len(secret) <= MAX_SECRET_LENGTH:
        raise LinkInvalid()
    row = session.scalar(select(table).where(table.token_hash == digest(secret)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LinkInvalid()
    return row


def invitation(instance: Instance, secret: str) -> MemberView:
    """Whom a live invitation link is for; :class:`LinkInvalid` otherwise."""
    with read_transaction(instance.sessions) as session:
        link = live_link(session, MemberInvitation, secret, instance.now())
        row = session.get(OrgMember, link.member_id)
        org = session.get(Organisation, link.org_id)
        assert row is not None and org is not None
        return view(row, org)


def accept(instance: Instance, secret: str, password: str, *, name: str = "") -> MemberView:
    """Set the invitee's password from their invitation link (which is then used up)."""
    hashed = HASHER.hash(checked_password(password))
    now = instance.now()
    with transaction(instance.sessions) as session:
        link = live_link(session, MemberInvitation, secret, now)
        row = session.get(OrgMember, link.member_id, with_for_update=True)
        org = session.get(Organisation, link.org_id)
        assert row is not None and org is not None
        link.used_at = now
        row.password_hash, row.disabled_at = hashed, None
        if name.strip():
            row.name = name.strip()[:300]
        record(session, org.id, f"member:{row.email}", "member.accept", row.id, {}, at=now)
        return view(row, org)


# ---------------------------------------------------------------- sign-in


def candidates(session: Session, address: str, org_ref: str | None) -> list[tuple[Any, ...]]:
    query = (
        select(OrgMember, Organisation)
        .join(Organisation, Organisation.id == OrgMember.org_id)
        .where(
            OrgMember.email == address,
            OrgMember.disabled_at.is_(None),
            OrgMember.password_hash.is_not(None),
        )
        .order_by(OrgMember.created_at)
        .limit(20)
    )
    if org_ref:
        query = query.where((Organisation.slug == org_ref) | (Organisation.id == org_ref))
    return [(view(m, o), m.password_hash) for m, o in session.execute(query)]


def sign_in(
    instance: Instance,
    email: str,
    password: str,
    address: str,
    *,
    org_ref: str | None = None,
    prefer_role: str | None = None,
) -> MemberView | None:
    """The member with this e-mail address and password (the first organisation where the
    password is right; ``prefer_role`` first, for the authority's desk), None for a wrong
    address or password; :class:`~microcred.services.throttle.Throttled` while blocked."""
    try:
        normalised = normalise_email(email)
    except MemberInvalid:
        normalised = (email or "").strip().lower()[:320]
    account = (throttle.ACCOUNT, "member:" + normalised)
    client = (throttle.ADDRESS, throttle.client_address(address))
    throttle.reserve(instance, [account, client])
    with read_transaction(instance.sessions) as session:
        found = candidates(session, normalised, org_ref)
    if prefer_role:
        found.sort(key=lambda c: c[0].role != prefer_role)
    member = None
    for candidate, stored in found:
        try:
            HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            continue
        member = candidate
        break
    if not found:
        HASHER.hash(password or "-")  # same work either way: no enumeration by timing
    if member is not None:
        throttle.succeeded(instance, forget=[account], give_back=[client])
    return member


def active(instance: Instance, member_id: str) -> MemberView | None:
    """The member, when they may still sign in (not disabled, with a password)."""
    if not member_id or len(member_id) > 36:
        return None
    with read_transaction(instance.sessions) as session:
        row = session.get(OrgMember, member_id)
        org = None if row is None else session.get(Organisation, row.org_id)
        if row is None or org is None:
            return None
        found = view(row, org)
    return found if found.active else None


# ---------------------------------------------------------------- managing members


def list_for(instance: Instance, org_ref: str) -> list[MemberView]:
    with read_transaction(instance.sessions) as session:
        org = find(session, org_ref)
        rows = session.scalars(
            select(OrgMember).where(OrgMember.org_id == org.id).order_by(OrgMember.created_at)
        )
        return [view(r, org) for r in rows]


def _administrators_left(session: Session, org_id: str, without: str) -> int:
    rows = session.scalars(
        select(OrgMember).where(
            OrgMember.org_id == org_id,
            OrgMember.role == "administrator",
            OrgMember.disabled_at.is_(None),
            OrgMember.password_hash.is_not(None),
            OrgMember.id != without,
        )
    )
    return len(list(rows))


def change_role(
    instance: Instance, org_ref: str, member_id: str, role: str, *, actor: str = "cli"
) -> MemberView:
    wanted = check_role(role)
    now = instance.now()
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        row = _member(session, org, member_id)
        if (
            row.role == "administrator"
            and wanted != "administrator"
            and not _administrators_left(session, org.id, row.id)
        ):
            raise MemberConflict("the organisation would have no administrator left", "role")
        if row.role != wanted:
            record(
                session,
                org.id,
                actor,
                "member.role",
                row.id,
                {"from": row.role, "to": wanted},
                at=now,
            )
            row.role = wanted
        return view(row, org)


def set_disabled(
    instance: Instance, org_ref: str, member_id: str, disabled: bool, *, actor: str = "cli"
) -> MemberView:
    """Disable a member (their sessions end at once) or enable them again."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        row = _member(session, org, member_id)
        if disabled and row.disabled_at is None:
            if row.role == "administrator" and not _administrators_left(session, org.id, row.id):
                raise MemberConflict("the organisation would have no administrator left", "member")
            row.disabled_at = now
            end_sessions(session, row.id, now)
            record(session, org.id, actor, "member.disable", row.id, {}, at=now)
        elif not disabled and row.disabled_at is not None:
            row.disabled_at = None
            record(session, org.id, actor, "member.enable", row.id, {}, at=now)
        return view(row, org)
