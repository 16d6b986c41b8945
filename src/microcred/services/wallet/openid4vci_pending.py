"""What the microcred wallet waits for from an OpenID4VCI issuer, kept server-side (table
``wallet_pending_receipts``):

* an **authorization** under way (section 5): the learner was sent to the issuer's
  authorization endpoint. The row is found by the SHA-256 of the ``state`` the wallet sent,
  belongs to the holder and to the web session (SHA-256 of its secret) that started it,
  expires with the `openid4vci_authorize.Pending`, and is deleted when the answer comes back,
  whatever it says: a replayed or unknown ``state`` finds nothing;
* a **deferred** credential (section 9): the credential endpoint answered a
  ``transaction_id``; the deferred credential endpoint is asked again, not more often than
  the issuer's ``interval``, with the same access token, DPoP key and holder key.

The secrets (PKCE verifier, access token, transaction id, the DPoP and holder private keys)
are sealed with AES-256-GCM under a key derived from the instance secret (the database alone
does not give them away).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, select

from microcred.services.holders import HolderNotFound, find
from microcred.services.instance import Instance
from microcred.services.wallet import openid4vci_authorize as authorize
from microcred.services.wallet.openid4vci_client import (
    Deferred,
    Received,
    ReceiveError,
    Session,
    Token,
    credentials_of,
    deferred_of,
    oauth_error_of,
)
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import WalletPendingReceipt

DEFERRED_DAYS = 30  # a deferred credential not given within this is given up
STILL_PENDING = ("issuance_pending",)  # the 400 answer of drafts before 1.0 (1.0: HTTP 202)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _key(instance: Instance) -> bytes:
    return hashlib.sha256(
        b"microcred wallet: pending OpenID4VCI receipt\0" + instance.secret
    ).digest()


def seal(instance: Instance, data: dict[str, Any], kind: str) -> str:
    nonce = os.urandom(12)
    plain = json.dumps(data, separators=(",", ":")).encode("utf-8")
    sealed = AESGCM(_key(instance)).encrypt(nonce, plain, kind.encode("ascii"))
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(instance: Instance, text: str, kind: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
        plain = AESGCM(_key(instance)).decrypt(raw[:12], raw[12:], kind.encode("ascii"))
        data = json.loads(plain)
    except (InvalidTag, ValueError, UnicodeError):
        raise ReceiveError(kind, "the wallet's record of this receipt cannot be read") from None
    if not isinstance(data, dict):
        raise ReceiveError(kind, "the wallet's record of this receipt cannot be read")
    return data


@dataclass(frozen=True)
class PendingView:
    """A deferred credential the wallet waits for."""

    id: str
    credential_issuer: str
    title: str
    created_at: datetime
    expires_at: datetime
    next_check_at: datetime | None
    last_checked_at: datetime | None
    last_error: str | None

    def to_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "status": "pending",
            "credential_issuer": self.credential_issuer,
            "title": self.title,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "next_check_at": iso(self.next_check_at),
            "last_checked_at": iso(self.last_checked_at),
            "last_error": self.last_error,
        }


def _view(row: WalletPendingReceipt) -> PendingView:
    return PendingView(
        row.id,
        row.credential_issuer,
        row.title,
        row.created_at,
        row.expires_at,
        row.next_check_at,
        row.last_checked_at,
        row.last_error,
    )


# ------------------------------------------------------------------ authorization


def save_authorization(
    instance: Instance, pending: authorize.Pending, session_secret: str, title: str
) -> None:
    now = instance.now()
    with transaction(instance.sessions) as session:
        session.execute(
            delete(WalletPendingReceipt).where(
                WalletPendingReceipt.kind == "authorization", WalletPendingReceipt.expires_at < now
            )
        )
        session.add(
            WalletPendingReceipt(
                id=str(uuid.uuid4()),
                holder_id=pending.holder_id,
                kind="authorization",
                state_hash=_digest(pending.state),
                session_hash=_digest(session_secret),
                credential_issuer=pending.credential_issuer[:500],
                title=title[:500],
                sealed=seal(instance, json.loads(pending.to_json()), "authorize"),
                created_at=now,
                expires_at=datetime.fromtimestamp(pending.expires, UTC),
            )
        )


def take_authorization(
    instance: Instance, holder_id: str, state: str | None, session_secret: str | None
) -> authorize.Pending:
    """The authorization the answer's ``state`` is for, removed (single use); refused when it
    is unknown, used, expired, or another holder's or another session's."""
    unknown = ReceiveError(
        "authorize",
        "no sign-in at an issuer is under way for this answer: it was used already, it "
        "expired, or it was not started here; receive the offer again",
        field="state",
    )
    if not state or len(state) > 512 or not session_secret:
        raise unknown
    with transaction(instance.sessions) as session:
        row = session.scalar(
            select(WalletPendingReceipt).where(
                WalletPendingReceipt.kind == "authorization",
                WalletPendingReceipt.state_hash == _digest(state),
            )
        )
        if row is None:
            raise unknown
        if row.holder_id != holder_id or row.session_hash != _digest(session_secret):
            raise ReceiveError(
                "authorize",
                "this sign-in at an issuer was started in another wallet session; start again "
                "from the wallet you are signed in to",
                field="state",
            )
        session.delete(row)
        expired = row.expires_at < instance.now()
        data = unseal(instance, row.sealed, "authorize")
    if expired:
        raise ReceiveError("authorize", "the sign-in at the issuer took too long; start again")
    data["configuration_ids"] = tuple(data["configuration_ids"])
    return authorize.Pending(**data)


# ------------------------------------------------------------------ deferred


def save_deferred(
    instance: Instance,
    holder_id: str,
    flow: Session,
    metadata: dict[str, Any],
    token: Token,
    deferred: Deferred,
    holder_key: dict[str, Any] | None,
    title: str,
) -> PendingView:
    endpoint = metadata.get("deferred_credential_endpoint")
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 2048:
        raise ReceiveError(
            "credential", "the issuer defers the credential but names no deferred endpoint"
        )
    now = instance.now()
    data = {
        "endpoint": endpoint,
        "transaction_id": deferred.transaction_id,
        "configuration_id": deferred.configuration_id,
        "format": deferred.format,
        "access": token.access,
        "scheme": token.scheme,
        "dpop_key": flow.dpop_key.export_private(instance.secret),
        "dpop_nonces": dict(flow.dpop_nonces),
        "holder_key": holder_key,
        "interval": deferred.interval,
    }
    row = WalletPendingReceipt(
        id=str(uuid.uuid4()),
        holder_id=holder_id,
        kind="deferred",
        credential_issuer=str(metadata["credential_issuer"])[:500],
        title=title[:500],
        sealed=seal(instance, data, "deferred"),
        created_at=now,
        expires_at=now + timedelta(days=DEFERRED_DAYS),
        next_check_at=now + timedelta(seconds=deferred.interval),
    )
    with transaction(instance.sessions) as session:
        session.add(row)
    return _view(row)


def list_deferred(instance: Instance, holder_ref: str) -> list[PendingView]:
    with read_transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        rows = session.scalars(
            select(WalletPendingReceipt)
            .where(
                WalletPendingReceipt.holder_id == holder.id,
                WalletPendingReceipt.kind == "deferred",
            )
            .order_by(WalletPendingReceipt.created_at)
        ).all()
        return [_view(r) for r in rows]


def deferred_rows(
    instance: Instance, holder_id: str, pending_id: str | None
) -> list[tuple[PendingView, dict[str, Any]]]:
    """The holder's deferred receipts (or the one named), with their unsealed data."""
    with read_transaction(instance.sessions) as session:
        query = select(WalletPendingReceipt).where(
            WalletPendingReceipt.holder_id == holder_id, WalletPendingReceipt.kind == "deferred"
        )
        if pending_id is not None:
            query = query.where(WalletPendingReceipt.id == pending_id)
        rows = session.scalars(query.order_by(WalletPendingReceipt.created_at)).all()
        if pending_id is not None and not rows:
            raise HolderNotFound("no such pending credential in this wallet", "id")
        return [(_view(r), unseal(instance, r.sealed, "deferred")) for r in rows]


def still_pending(
    instance: Instance, pending_id: str, *, interval: int, error: str | None = None
) -> PendingView | None:
    """Record a check that did not give the credential: the next one not before
    ``interval`` seconds; ``error`` when the issuer could not be reached. None once the
    receipt is past its expiry (then it is given up)."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        row = session.get(WalletPendingReceipt, pending_id)
        if row is None:
            return None
        if row.expires_at < now:
            session.delete(row)
            return None
        row.last_checked_at = now
        row.last_error = error[:500] if error else None
        row.next_check_at = now + timedelta(seconds=interval)
        return _view(row)


def forget(instance: Instance, pending_id: str) -> None:
    """The credential was given (and kept), or the issuer refused for good."""
    with transaction(instance.sessions) as session:
        row = session.get(WalletPendingReceipt, pending_id)
        if row is not None:
            session.delete(row)


def ask_deferred(session: Session, data: dict[str, Any]) -> list[Received] | Deferred:
    """POST the transaction id to the deferred credential endpoint (section 9.1), with the
    access token and DPoP; one retry on ``use_dpop_nonce``."""
    url, access, scheme = data["endpoint"], data["access"], data["scheme"]
    content = json.dumps({"transaction_id": data["transaction_id"]}).encode("utf-8")
    for attempt in range(2):
        headers = {"Content-Type": "application/json", "Authorization": f"{scheme} {access}"}
        if scheme == "DPoP":
            headers["DPoP"] = session.dpop("POST", url, access)
        answer = session.send("deferred", "POST", url, headers, content)
        if answer.status in (200, 202):
            break
        code, description = oauth_error_of(answer)
        if attempt == 0 and code == "use_dpop_nonce" and scheme == "DPoP":
            continue
        if code in STILL_PENDING:
            interval = data["interval"]
            return Deferred(data["configuration_id"], data["format"], "", interval)
        raise ReceiveError("deferred", f"the issuer refused: {description}", oauth_error=code)
    try:
        body = json.loads(answer.body)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise ReceiveError("deferred", "the deferred credential response is not a JSON object")
    if "credentials" not in body:
        body.setdefault("transaction_id", data["transaction_id"])
        body.setdefault("interval", data["interval"])
        return deferred_of(body, data["configuration_id"], data["format"])
    return credentials_of(body, data["configuration_id"], data["format"])
