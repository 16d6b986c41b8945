"""Holders: learners' accounts, each with a did:key for signing presentations."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair, KeyPair, load_key_file
from microcred.services.instance import Instance
from microcred.services.organisations import slugify
from microcred.store.db import transaction
from microcred.store.tables import Holder, HolderToken

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


class HolderError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class HolderNotFound(HolderError):
    pass


@dataclass(frozen=True)
class HolderView:
    id: str
    handle: str
    name: str
    email: str | None
    did: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "handle": self.handle,
            "name": self.name,
            "email": self.email,
            "did": self.did,
            "created_at": self.created_at.isoformat(),
        }


def view(holder: Holder) -> HolderView:
    return HolderView(
        holder.id, holder.handle, holder.name, holder.email, holder.did, holder.created_at
    )


def find(session: Session, ref: str) -> Holder:
    holder = session.scalar(select(Holder).where((Holder.handle == ref) | (Holder.id == ref)))
    if holder is None:
        raise HolderNotFound(
            f"no holder '{ref}' on this instance; create one with `microcred holder create`",
            "holder",
        )
    return holder


def create(
    instance: Instance,
    *,
    name: str,
    handle: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> HolderView:
    name = name.strip()
    if not name:
        raise HolderError("the holder needs a name", "name")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise HolderError(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", "password"
        )
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise HolderError(f"'{email}' is not an e-mail address", "email")
    handle = handle or f"{slugify(name)[:40]}-{secrets.token_hex(3)}"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", handle):
        raise HolderError("the handle may use a-z, 0-9 and '-' (at most 64 characters)", "handle")
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", handle):
        # Holders are looked up by handle or id: a handle shaped like an id would be ambiguous.
        raise HolderError("the handle may not look like an id (a UUID); choose another", "handle")
    key = Ed25519KeyPair.generate()
    with transaction(instance.sessions) as session:
        if session.scalar(select(Holder).where(Holder.handle == handle)) is not None:
            raise HolderError(f"the handle '{handle}' is taken", "handle")
        holder = Holder(
            id=str(uuid.uuid4()),
            handle=handle,
            name=name,
            email=email,
            password_hash=_HASHER.hash(password) if password else None,
            did=did_key_for(key),
            public_multibase=key.public_multibase,
            encrypted_private=key.export_private(instance.secret)["encryptedPrivateKey"],
            created_at=datetime.now(UTC),
        )
        session.add(holder)
        return view(holder)


def get(instance: Instance, ref: str) -> HolderView:
    with transaction(instance.sessions) as session:
        return view(find(session, ref))


def authenticate_password(instance: Instance, handle: str, password: str) -> HolderView | None:
    with transaction(instance.sessions) as session:
        holder = session.scalar(select(Holder).where(Holder.handle == handle))
        if holder is None or holder.password_hash is None:
            _HASHER.hash(password)  # same work either way: no user enumeration by timing
            return None
        try:
            _HASHER.verify(holder.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if _HASHER.check_needs_rehash(holder.password_hash):
            holder.password_hash = _HASHER.hash(password)
        return view(holder)


def signing_key(instance: Instance, session: Session, holder: Holder) -> tuple[KeyPair, str]:
    key = load_key_file(
        {
            "type": "Multikey",
            "keyType": "Ed25519",
            "publicKeyMultibase": holder.public_multibase,
            "encryptedPrivateKey": holder.encrypted_private,
        },
        encryption_key=instance.secret,
    )
    return key, f"{holder.did}#{holder.public_multibase}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    instance: Instance, holder_ref: str, name: str = "api", *, days: int | None = None
) -> tuple[str, str]:
    """A bearer token for the wallet API: (token id, secret). The secret is shown once."""
    secret = "mcw_" + secrets.token_urlsafe(32)
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        token = HolderToken(
            id=str(uuid.uuid4()),
            holder_id=holder.id,
            name=name,
            token_hash=_hash(secret),
            created_at=datetime.now(UTC),
            expires_at=datetime.now(UTC) + timedelta(days=days) if days else None,
            revoked_at=None,
        )
        session.add(token)
        return token.id, secret


def authenticate_token(instance: Instance, secret: str) -> HolderView | None:
    if not secret.startswith("mcw_"):
        return None
    with transaction(instance.sessions) as session:
        token = session.scalar(select(HolderToken).where(HolderToken.token_hash == _hash(secret)))
        now = datetime.now(UTC)
        if (
            token is None
            or token.revoked_at is not None
            or (token.expires_at and token.expires_at < now)
        ):
            return None
        holder = session.get(Holder, token.holder_id)
        return view(holder) if holder else None


def revoke_token(instance: Instance, holder_ref: str, token_id: str) -> None:
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        token = session.get(HolderToken, token_id)
        if token is None or token.holder_id != holder.id:
            raise HolderNotFound(f"no token '{token_id}'", "token")
        token.revoked_at = datetime.now(UTC)
