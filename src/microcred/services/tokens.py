"""Per-organisation API tokens.

A token's secret (``mc_`` + 32 random bytes, URL-safe base64) is shown once, when it is
created; only its SHA-256 is stored. Scopes: ``issue``, ``revoke``, ``read`` and ``admin``
(managing tokens). Creating and revoking a token go in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from microcred.services import throttle
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.organisations import Invalid, NotFound, find
from microcred.store.db import transaction
from microcred.store.tables import ApiToken, Organisation

SCOPES = ("issue", "revoke", "read", "admin")
PREFIX = "mc_"
MAX_SECRET_LENGTH = 200
# last_used_at is written at most this often per token: a read-only request stays read-only.
LAST_USED_RESOLUTION = timedelta(seconds=60)


class TokenError(Invalid):
    """A token request that is not acceptable (a name, a scope)."""


@dataclass(frozen=True)
class TokenView:
    """What may be shown of a token: never its secret nor its hash."""

    id: str
    org: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org": self.org,
            "name": self.name,
            "scopes": list(self.scopes),
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
        }


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for."""

    token_id: str
    token_name: str
    org_id: str
    org_slug: str
    scopes: tuple[str, ...]

    @property
    def actor(self) -> str:
        return f"token:{self.token_name}"

    def allows(self, scope: str | None) -> bool:
        return allows(self.scopes, scope)


def allows(scopes: Iterable[str], scope: str | None) -> bool:
    """The one scope rule of every surface (the API, the VC-API and the issuer console): a
    token may do what needs ``scope`` when it has that scope; ``None`` needs a valid token only.
    No scope implies another (``admin`` manages tokens, it does not read credentials)."""
    return scope is None or scope in tuple(scopes)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    wanted = []
    for scope in scopes:
        if scope not in SCOPES:
            raise TokenError(f"unknown scope '{scope}'; use one of: {', '.join(SCOPES)}", "scopes")
        if scope not in wanted:
            wanted.append(scope)
    if not wanted:
        raise TokenError(f"give at least one scope ({', '.join(SCOPES)})", "scopes")
    return tuple(s for s in SCOPES if s in wanted)


def _view(row: ApiToken, org_slug: str) -> TokenView:
    return TokenView(
        row.id,
        org_slug,
        row.name,
        tuple(row.scopes),
        row.created_at,
        row.revoked_at,
        row.last_used_at,
    )


def create(
    instance: Instance,
    org_ref: str,
    name: str,
    scopes: Iterable[str],
    *,
    actor: str = "cli",
) -> tuple[TokenView, str]:
    """A new token and its secret (shown this once; only its hash is kept)."""
    name = name.strip()
    if not name:
        raise TokenError("the token needs a name", "name")
    if len(name) > 200:
        raise TokenError("the token name is longer than 200 characters", "name")
    granted = check_scopes(scopes)
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        row = ApiToken(
            id=str(uuid.uuid4()),
            org_id=org.id,
            name=name,
            token_hash=hash_secret(secret),
            scopes=list(granted),
            created_at=instance.now(),
            revoked_at=None,
            last_used_at=None,
        )
        session.add(row)
        record(
            session,
            org.id,
            actor,
            "token.create",
            row.id,
            {"name": name, "scopes": granted},
            at=instance.now(),
        )
        return _view(row, org.slug), secret


def identify(instance: Instance, secret: str, *, address: str | None = None) -> Principal | None:
    """The principal of a valid, unrevoked token; None for anything else. With the client's
    ``address``, failed tokens are counted per address and
    :class:`~microcred.services.throttle.Throttled` is raised while it is blocked (before the
    token is looked at)."""
    if address is None:
        return _identify(instance, secret)
    key = (throttle.TOKEN_ADDRESS, throttle.client_address(address))
    throttle.check(instance, [key])
    found = _identify(instance, secret)
    if found is None:
        throttle.failed(instance, [key])
    return found


def _identify(instance: Instance, secret: str) -> Principal | None:
    if (
        not isinstance(secret, str)
        or not secret.startswith(PREFIX)
        or len(secret) > MAX_SECRET_LENGTH
    ):
        return None
    digest = hash_secret(secret)
    now = instance.now()
    with transaction(instance.sessions) as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        if row is None or row.revoked_at is not None:
            return None
        org = session.get(Organisation, row.org_id)
        if org is None:
            return None
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            row.last_used_at = now
        return Principal(row.id, row.name, org.id, org.slug, tuple(row.scopes))


def authenticate(instance: Instance, secret: str) -> tuple[str, tuple[str, ...]] | None:
    """``(org_id, scopes)`` of a valid token, else None."""
    principal = identify(instance, secret)
    return None if principal is None else (principal.org_id, principal.scopes)


def revoke(instance: Instance, org_ref: str, token_id: str, *, actor: str = "cli") -> TokenView:
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        row = session.get(ApiToken, token_id) if len(token_id) <= 36 else None
        if row is None or row.org_id != org.id:
            raise NotFound(f"no token '{token_id}' for this organisation", "id")
        if row.revoked_at is None:
            row.revoked_at = instance.now()
            record(
                session,
                org.id,
                actor,
                "token.revoke",
                row.id,
                {"name": row.name},
                at=instance.now(),
            )
        return _view(row, org.slug)


def list_for(instance: Instance, org_ref: str) -> list[TokenView]:
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        rows = session.scalars(
            select(ApiToken).where(ApiToken.org_id == org.id).order_by(ApiToken.created_at)
        )
        return [_view(r, org.slug) for r in rows]
