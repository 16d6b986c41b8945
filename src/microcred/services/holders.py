"""Holders: learners' accounts, each with a did:key for signing presentations."""

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
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred import errors
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair, KeyPair, load_key_file
from microcred.services import throttle, web_sessions
from microcred.services.instance import Instance
from microcred.services.organisations import slugify
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import Holder, HolderToken

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


class HolderError(errors.MicrocredError):
    """Refused by a holder-side service (holders, wallet, sharing): raised as one of the
    subclasses by meaning (see :mod:`microcred.errors`)."""


class HolderNotFound(HolderError, errors.NotFound):
    """No such holder, or no such object in this wallet."""


class HolderInvalid(HolderError, errors.InvalidInput):
    """A value of the request is not acceptable; ``field`` names it."""


class HolderConflict(HolderError, errors.Conflict):
    """The request clashes with the current state (a handle taken)."""


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
        raise HolderNotFound(f"no holder '{ref}' on this instance", "holder")
    return holder


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HANDLE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def invalid_fields(*, handle: str | None, email: str | None) -> set[str]:
    """The fields ``create`` would refuse for their form, all at once (a sign-up form names
    every mistake next to its field, not one per attempt)."""
    bad = set()
    if email is not None and not _EMAIL.fullmatch(email):
        bad.add("email")
    if handle and (not _HANDLE.fullmatch(handle) or _UUID.fullmatch(handle)):
        bad.add("handle")
    return bad


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
        raise HolderInvalid("the holder needs a name", "name")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise HolderInvalid(
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters", "password"
        )
    if email is not None and not _EMAIL.fullmatch(email):
        raise HolderInvalid(f"'{email}' is not an e-mail address", "email")
    handle = handle or f"{slugify(name)[:40]}-{secrets.token_hex(3)}"
    if not _HANDLE.fullmatch(handle):
        raise HolderInvalid("the handle may use a-z, 0-9 and '-' (at most 64 characters)", "handle")
    if _UUID.fullmatch(handle):
        # Holders are looked up by handle or id: a handle shaped like an id would be ambiguous.
        raise HolderInvalid("the handle may not look like an id (a UUID); choose another", "handle")
    key = Ed25519KeyPair.generate()
    with transaction(instance.sessions) as session:
        if session.scalar(select(Holder).where(Holder.handle == handle)) is not None:
            raise HolderConflict(f"the handle '{handle}' is taken", "handle")
        holder = Holder(
            id=str(uuid.uuid4()),
            handle=handle,
            name=name,
            email=email,
            password_hash=_HASHER.hash(password) if password else None,
            did=did_key_for(key),
            public_multibase=key.public_multibase,
            encrypted_private=key.export_private(instance.secret)["encryptedPrivateKey"],
            created_at=instance.now(),
        )
        session.add(holder)
        return view(holder)


def get(instance: Instance, ref: str) -> HolderView:
    with transaction(instance.sessions) as session:
        return view(find(session, ref))


def authenticate_password(instance: Instance, handle: str, password: str) -> HolderView | None:
    """The holder whose handle and password these are, or None. The password hash (costly
    by design) is checked outside any write transaction: on SQLite a write transaction holds
    the database's one write lock, and every other request would wait for the hash."""
    with read_transaction(instance.sessions) as session:
        holder = session.scalar(select(Holder).where(Holder.handle == handle))
        found = None if holder is None else (view(holder), holder.password_hash)
    if found is None or found[1] is None:
        _HASHER.hash(password)  # same work either way: no user enumeration by timing
        return None
    holder_view, stored = found[0], found[1]
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if _HASHER.check_needs_rehash(stored):
        rehashed = _HASHER.hash(password)
        with transaction(instance.sessions) as session:
            row = session.get(Holder, holder_view.id)
            if row is not None and row.password_hash == stored:
                row.password_hash = rehashed
    return holder_view


def sign_in(instance: Instance, handle: str, password: str, address: str) -> HolderView | None:
    """A password sign-in, throttled per account and per client address (see
    :mod:`microcred.services.throttle`): the holder, None for a wrong handle or password, or
    :class:`~microcred.services.throttle.Throttled` raised while either is blocked."""
    account = (throttle.ACCOUNT, handle.strip().lower()[:64])
    client = (throttle.ADDRESS, throttle.client_address(address))
    throttle.reserve(instance, [account, client])
    holder = authenticate_password(instance, handle, password)
    if holder is not None:
        throttle.succeeded(instance, forget=[account], give_back=[client])
    return holder


def _checked_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise HolderInvalid(
            f"the new password needs at least {MIN_PASSWORD_LENGTH} characters", "new_password"
        )
    if len(password) > 1000:
        raise HolderInvalid("the new password is longer than 1000 characters", "new_password")
    return password


def set_password(
    instance: Instance, holder_ref: str, new_password: str, *, keep_session: str | None = None
) -> int:
    """Give a holder a new password and end every web session of theirs (except the one
    whose secret is ``keep_session``: the browser that changed it). The number of sessions
    ended. Wallet API tokens are separate credentials and stay."""
    hashed = _HASHER.hash(_checked_new_password(new_password))
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        holder.password_hash = hashed
        return web_sessions.end_holder_sessions(
            session, holder.id, now=instance.now(), keep=keep_session
        )


def change_password(
    instance: Instance,
    holder_ref: str,
    current_password: str,
    new_password: str,
    *,
    keep_session: str | None = None,
    address: str | None = None,
) -> int:
    """:func:`set_password` after checking the holder's current password (a guess at it is
    throttled like a sign-in when the client's ``address`` is given)."""
    _checked_new_password(new_password)
    with read_transaction(instance.sessions) as session:
        handle = find(session, holder_ref).handle
    keys = [(throttle.ACCOUNT, handle)]
    if address is not None:
        keys.append((throttle.ADDRESS, throttle.client_address(address)))
        throttle.reserve(instance, keys)
    if authenticate_password(instance, handle, current_password) is None:
        raise HolderInvalid("the current password is not right", "current_password")
    if address is not None:
        throttle.succeeded(instance, forget=keys[:1], give_back=keys[1:])
    return set_password(instance, holder_ref, new_password, keep_session=keep_session)


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
            created_at=instance.now(),
            expires_at=instance.now() + timedelta(days=days) if days else None,
            revoked_at=None,
        )
        session.add(token)
        return token.id, secret


def authenticate_token(
    instance: Instance, secret: str, *, address: str | None = None
) -> HolderView | None:
    """The holder of a valid wallet token, else None. With the client's ``address``, failed
    tokens are counted per address and :class:`~microcred.services.throttle.Throttled` is
    raised while it is blocked (before the token is looked at)."""
    if address is None:
        return _authenticate_token(instance, secret)
    key = (throttle.TOKEN_ADDRESS, throttle.client_address(address))
    throttle.check(instance, [key])
    found = _authenticate_token(instance, secret)
    if found is None:
        throttle.failed(instance, [key])
    return found


def _authenticate_token(instance: Instance, secret: str) -> HolderView | None:
    if not secret.startswith("mcw_"):
        return None
    with transaction(instance.sessions) as session:
        token = session.scalar(select(HolderToken).where(HolderToken.token_hash == _hash(secret)))
        now = instance.now()
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
        token.revoked_at = instance.now()
