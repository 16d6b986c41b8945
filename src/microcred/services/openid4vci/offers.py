"""Credential offers (OpenID4VCI 1.0 section 4) for one issued credential: by value
(``openid-credential-offer://?credential_offer=``) and by reference (``credential_offer_uri``).

An offer has a random handle (in its offer_uri); its pre-authorized code and issuer_state
are derived from the handle with the instance secret, so none of them is stored in clear
(the table keeps their SHA-256; the 6-digit tx_code an HMAC). Offers expire, are used
once (a token redeemed, or a PAR started and finished) and are audited.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred import errors
from microcred.services.audit import record
from microcred.services.credentials import credential_row
from microcred.services.instance import Instance
from microcred.services.openid4vci import codes, metadata
from microcred.services.openid4vci.errors import OAuthError
from microcred.store.db import transaction
from microcred.store.tables import Oid4vciGrant, Oid4vciOffer

DEFAULT_TTL_MINUTES = 15
MAX_TTL_MINUTES = 60 * 24 * 30
TX_CODE_LENGTH = 6
MAX_TX_CODE_FAILURES = 5
SCHEME = "openid-credential-offer://"


class OfferError(errors.InvalidInput):
    """An offer that cannot be made as asked."""


class OfferConflict(errors.Conflict):
    """An offer for a credential that cannot be offered (revoked, not an award)."""


@dataclass(frozen=True)
class OfferView:
    offer_id: str
    offer: str  # by value
    offer_uri: str  # where the offer object is served (credential_offer_uri)
    tx_code: str | None
    expires_at: datetime
    offer_object: dict[str, Any]

    @property
    def by_reference(self) -> str:
        """The short link for a QR code: ``openid-credential-offer://?credential_offer_uri=``."""
        return f"{SCHEME}?credential_offer_uri={quote(self.offer_uri, safe='')}"

    def to_json(self) -> dict[str, Any]:
        return {
            "offer": self.offer,
            "offer_uri": self.offer_uri,
            "tx_code": self.tx_code,
            "expires_at": self.expires_at.isoformat(),
        }


def ttl(instance: Instance) -> timedelta:
    """How long an offer lasts: ``oid4vci_offer_minutes`` in the configuration (default 15)."""
    raw = instance.settings.extra.get("oid4vci_offer_minutes", DEFAULT_TTL_MINUTES)
    try:
        minutes = int(str(raw))
    except ValueError:
        minutes = DEFAULT_TTL_MINUTES
    return timedelta(minutes=min(max(minutes, 1), MAX_TTL_MINUTES))


def tx_code_digest(instance: Instance, offer_id: str, tx_code: str) -> str:
    return codes.keyed(instance, f"tx_code:{offer_id}", tx_code)


def offer_object(
    instance: Instance, row: Oid4vciOffer, handle: str, *, with_tx_code: bool | None = None
) -> dict[str, Any]:
    grants: dict[str, Any] = {
        "authorization_code": {
            "issuer_state": codes.derive(instance, "issuer_state", handle),
        }
    }
    if row.pre_authorized_code_hash is not None:
        pre: dict[str, Any] = {
            "pre-authorized_code": codes.derive(instance, "pre-authorized_code", handle)
        }
        if with_tx_code if with_tx_code is not None else row.tx_code_hash is not None:
            pre["tx_code"] = {
                "input_mode": "numeric",
                "length": TX_CODE_LENGTH,
                "description": "The PIN the issuer gave you with this offer",
            }
        grants[metadata.PRE_AUTHORIZED_GRANT] = pre
    return {
        "credential_issuer": instance.base_url,
        "credential_configuration_ids": list(row.configuration_ids),
        "grants": grants,
    }


def create(
    instance: Instance,
    org_ref: str,
    credential_id: str,
    *,
    pre_authorized: bool = False,
    tx_code: bool = False,
    configuration_ids: list[str] | None = None,
    actor: str = "cli",
) -> OfferView:
    """Make an offer of ``credential_id`` (issued by ``org_ref``) and record it."""
    ids = list(dict.fromkeys(configuration_ids or [metadata.SD_JWT]))
    unknown = [i for i in ids if i not in metadata.CONFIGURATIONS]
    if unknown:
        raise OfferError(
            f"unknown credential configuration {unknown[0][:80]!r}; use one of "
            + ", ".join(metadata.CONFIGURATIONS),
            "configuration",
        )
    if tx_code and not pre_authorized:
        raise OfferError(
            "a transaction code (PIN) goes with the pre-authorized code flow only", "tx_code"
        )
    now = instance.now()
    expires = now + ttl(instance)
    handle = codes.new_secret()
    pin = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH)) if tx_code else None
    with transaction(instance.sessions) as session:
        credential, org = credential_row(session, credential_id, org_ref)
        if credential.format == "vc":
            raise OfferConflict(
                "this credential was signed through the VC-API as its caller wrote it; it "
                "cannot be offered as a micro-credential",
                "credential",
            )
        if credential.revoked_at is not None:
            raise OfferConflict("this credential is revoked; it cannot be offered", "credential")
        offer_id = str(uuid.uuid4())
        row = Oid4vciOffer(
            id=offer_id,
            org_id=org.id,
            credential_id=credential.id,
            configuration_ids=ids,
            pre_authorized_code_hash=codes.digest(
                codes.derive(instance, "pre-authorized_code", handle)
            )
            if pre_authorized
            else None,
            tx_code_hash=tx_code_digest(instance, offer_id, pin) if pin else None,
            issuer_state_hash=codes.digest(codes.derive(instance, "issuer_state", handle)),
            state="offered",
            tx_code_failures=0,
            created_at=now,
            expires_at=expires,
        )
        session.add(row)
        session.flush()
        session.add(
            Oid4vciGrant(
                hash=codes.digest(handle),
                kind="offer_uri",
                offer_id=offer_id,
                data={},
                created_at=now,
                expires_at=expires,
            )
        )
        record(
            session,
            org.id,
            actor,
            "oid4vci.offer",
            credential.id,
            {
                "offer_id": offer_id,
                "configuration_ids": ids,
                "pre_authorized": pre_authorized,
                "tx_code": bool(pin),
                "expires_at": expires.isoformat(),
            },
            at=now,
        )
        obj = offer_object(instance, row, handle)
    by_value = f"{SCHEME}?credential_offer={quote(json.dumps(obj, separators=(',', ':')), safe='')}"
    return OfferView(
        offer_id=offer_id,
        offer=by_value,
        offer_uri=f"{metadata.url(instance, 'offers')}/{handle}",
        tx_code=pin,
        expires_at=expires,
        offer_object=obj,
    )


def usable(row: Oid4vciOffer | None, now: datetime, *, what: str) -> Oid4vciOffer:
    """The offer, if it can still be used; an ``invalid_grant`` naming why not."""
    if row is None:
        raise OAuthError("invalid_grant", f"unknown {what}")
    if row.used_at is not None:
        raise OAuthError(
            "invalid_grant", "this credential offer was used already (offers are single use)"
        )
    if row.expires_at <= now:
        raise OAuthError(
            "invalid_grant",
            f"this credential offer expired at {row.expires_at.isoformat()}; ask the issuer for a new one",
        )
    return row


def by_handle(instance: Instance, handle: str) -> dict[str, Any]:
    """The offer object served at its ``credential_offer_uri``."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        grant = session.get(Oid4vciGrant, codes.digest(handle)) if len(handle) < 100 else None
        if grant is None or grant.kind != "offer_uri" or grant.offer_id is None:
            raise OAuthError("invalid_request", "no such credential offer", status=404)
        row = session.get(Oid4vciOffer, grant.offer_id)
        try:
            row = usable(row, now, what="credential offer")
        except OAuthError as refusal:
            raise OAuthError("invalid_request", refusal.description, status=410) from None
        return offer_object(instance, row, handle)


def by_issuer_state(session: Session, issuer_state: str) -> Oid4vciOffer | None:
    if not issuer_state or len(issuer_state) > 100:
        return None
    return session.scalar(
        select(Oid4vciOffer).where(Oid4vciOffer.issuer_state_hash == codes.digest(issuer_state))
    )
