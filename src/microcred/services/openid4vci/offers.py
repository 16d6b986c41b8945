"""Credential offers (OpenID4VCI 1.0 section 4) for one issued credential: by value
(``openid-credential-offer://?credential_offer=``) and by reference (``credential_offer_uri``).

An offer has a random handle (in its offer_uri); its pre-authorized code and issuer_state
are derived from the handle with the instance secret, so none of them is stored in clear
(the table keeps their SHA-256; the 6-digit tx_code an HMAC). Offers expire, are used
once (a token redeemed, or a PAR started and finished), can be revoked by the issuer while
unused, and every offer and revocation is audited. Offers of every row of a bulk job are
``job_offers``.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred import errors
from microcred.services.audit import record
from microcred.services.credentials import credential_row
from microcred.services.instance import Instance
from microcred.services.openid4vci import codes, metadata
from microcred.services.openid4vci.errors import OAuthError
from microcred.services.organisations import find
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import IssuedCredential, Oid4vciGrant, Oid4vciOffer, Organisation

DEFAULT_TTL_MINUTES = 15
MAX_TTL_MINUTES = 60 * 24 * 30
TX_CODE_LENGTH = 6
MAX_TX_CODE_FAILURES = 5
SCHEME = "openid-credential-offer://"


class OfferError(errors.InvalidInput):
    """An offer that cannot be made as asked."""


class OfferConflict(errors.Conflict):
    """An offer for a credential that cannot be offered (revoked, not an award), or an offer
    that cannot be revoked (used or expired)."""


class OfferNotFound(errors.NotFound):
    """No such offer of this organisation's credential."""


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


@dataclass(frozen=True)
class OfferRecord:
    """An offer as the issuer's lists show it (never its codes): ``state`` is ``open``,
    ``used``, ``locked`` (too many wrong PINs), ``expired`` or ``revoked``."""

    id: str
    credential_id: str
    configuration_ids: list[str]
    pre_authorized: bool
    tx_code: bool
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    state: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "credential_id": self.credential_id,
            "configuration_ids": self.configuration_ids,
            "pre_authorized": self.pre_authorized,
            "tx_code": self.tx_code,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "used_at": self.used_at.isoformat() if self.used_at else None,
            "state": self.state,
        }


def record_of(row: Oid4vciOffer, now: datetime) -> OfferRecord:
    if row.state in ("revoked", "locked"):
        state = row.state
    elif row.used_at is not None:
        state = "used"
    elif row.expires_at <= now:
        state = "expired"
    else:
        state = "open"
    return OfferRecord(
        id=row.id,
        credential_id=row.credential_id,
        configuration_ids=list(row.configuration_ids),
        pre_authorized=row.pre_authorized_code_hash is not None,
        tx_code=row.tx_code_hash is not None,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        state=state,
    )


def ttl(instance: Instance, minutes: int | None = None) -> timedelta:
    """How long an offer lasts: ``minutes`` when the issuer asks (1 minute to 30 days), else
    ``oid4vci_offer_minutes`` in the configuration (default 15)."""
    if minutes is not None:
        if not 1 <= minutes <= MAX_TTL_MINUTES:
            raise OfferError(
                f"an offer lasts from 1 minute to {MAX_TTL_MINUTES} minutes (30 days), "
                f"not {minutes}",
                "expires_in_minutes",
            )
        return timedelta(minutes=minutes)
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


def configurations(configuration_ids: list[str] | None) -> list[str]:
    """The credential configurations asked for (default: the SD-JWT VC), each known."""
    ids = list(dict.fromkeys(configuration_ids or [metadata.SD_JWT]))
    unknown = [i for i in ids if i not in metadata.CONFIGURATIONS]
    if unknown:
        raise OfferError(
            f"unknown credential configuration {unknown[0][:80]!r}; use one of "
            + ", ".join(metadata.CONFIGURATIONS),
            "configuration",
        )
    return ids


def offerable(credential: IssuedCredential) -> str | None:
    """Why ``credential`` cannot be offered, or None."""
    if credential.format == "vc":
        return (
            "this credential was signed through the VC-API as its caller wrote it; it "
            "cannot be offered as a micro-credential"
        )
    if credential.revoked_at is not None:
        return "this credential is revoked; it cannot be offered"
    return None


@dataclass(frozen=True)
class Terms:
    """What every offer of one request gets: configurations, grants, lifetime, actor."""

    configuration_ids: list[str]
    pre_authorized: bool
    tx_code: bool
    now: datetime
    expires_at: datetime
    actor: str


def terms(
    instance: Instance,
    *,
    pre_authorized: bool,
    tx_code: bool,
    configuration_ids: list[str] | None,
    expires_in_minutes: int | None,
    actor: str,
) -> Terms:
    """The request checked: known configurations, a PIN only with a pre-authorized code."""
    ids = configurations(configuration_ids)
    if tx_code and not pre_authorized:
        raise OfferError(
            "a transaction code (PIN) goes with the pre-authorized code flow only", "tx_code"
        )
    now = instance.now()
    return Terms(ids, pre_authorized, tx_code, now, now + ttl(instance, expires_in_minutes), actor)


def insert(
    session: Session,
    instance: Instance,
    credential: IssuedCredential,
    org: Organisation,
    made: Terms,
    *,
    audit: dict[str, Any] | None = None,
    later: list[Oid4vciGrant] | None = None,
) -> OfferView:
    """One offer of ``credential`` (checked offerable by the caller) and its audit entry.
    With ``later``, its grant row is put there for the caller to add after one flush of many
    offers (the grant refers to the offer, and the unit of work does not order them)."""
    handle = codes.new_secret()
    pin = (
        "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH))
        if made.tx_code
        else None
    )
    offer_id = str(uuid.uuid4())
    row = Oid4vciOffer(
        id=offer_id,
        org_id=org.id,
        credential_id=credential.id,
        configuration_ids=made.configuration_ids,
        pre_authorized_code_hash=codes.digest(codes.derive(instance, "pre-authorized_code", handle))
        if made.pre_authorized
        else None,
        tx_code_hash=tx_code_digest(instance, offer_id, pin) if pin else None,
        issuer_state_hash=codes.digest(codes.derive(instance, "issuer_state", handle)),
        state="offered",
        tx_code_failures=0,
        created_at=made.now,
        expires_at=made.expires_at,
    )
    session.add(row)
    grant = Oid4vciGrant(
        hash=codes.digest(handle),
        kind="offer_uri",
        offer_id=offer_id,
        data={},
        created_at=made.now,
        expires_at=made.expires_at,
    )
    if later is None:
        session.flush()
        session.add(grant)
    else:
        later.append(grant)
    record(
        session,
        org.id,
        made.actor,
        "oid4vci.offer",
        credential.id,
        {
            "offer_id": offer_id,
            "configuration_ids": made.configuration_ids,
            "pre_authorized": made.pre_authorized,
            "tx_code": bool(pin),
            "expires_at": made.expires_at.isoformat(),
            **(audit or {}),
        },
        at=made.now,
    )
    obj = offer_object(instance, row, handle)
    by_value = f"{SCHEME}?credential_offer={quote(json.dumps(obj, separators=(',', ':')), safe='')}"
    return OfferView(
        offer_id=offer_id,
        offer=by_value,
        offer_uri=f"{metadata.url(instance, 'offers')}/{handle}",
        tx_code=pin,
        expires_at=made.expires_at,
        offer_object=obj,
    )


def create(
    instance: Instance,
    org_ref: str,
    credential_id: str,
    *,
    pre_authorized: bool = False,
    tx_code: bool = False,
    configuration_ids: list[str] | None = None,
    expires_in_minutes: int | None = None,
    actor: str = "cli",
) -> OfferView:
    """Make an offer of ``credential_id`` (issued by ``org_ref``) and record it."""
    made = terms(
        instance,
        pre_authorized=pre_authorized,
        tx_code=tx_code,
        configuration_ids=configuration_ids,
        expires_in_minutes=expires_in_minutes,
        actor=actor,
    )
    with transaction(instance.sessions) as session:
        credential, org = credential_row(session, credential_id, org_ref)
        problem = offerable(credential)
        if problem:
            raise OfferConflict(problem, "credential")
        return insert(session, instance, credential, org, made)


def list_for(instance: Instance, org_ref: str, credential_id: str) -> list[OfferRecord]:
    """The offers of one of the organisation's credentials, newest first (a read)."""
    now = instance.now()
    with read_transaction(instance.sessions) as session:
        credential, _org = credential_row(session, credential_id[:100], org_ref)
        rows = session.scalars(
            select(Oid4vciOffer)
            .where(Oid4vciOffer.credential_id == credential.id)
            .order_by(Oid4vciOffer.created_at.desc(), Oid4vciOffer.id)
            .limit(200)
        )
        return [record_of(row, now) for row in rows]


def _offer_id(session: Session, ref: str) -> str | None:
    """The offer's id from its id, its ``offer_uri``, the last part of that URI (the
    handle) or its by-reference link; None when it names no offer."""
    ref = ref.strip()[:2000]
    if "credential_offer_uri=" in ref:
        ref = unquote(ref.split("credential_offer_uri=", 1)[1].split("&", 1)[0])
    ref = ref.rstrip("/").rsplit("/", 1)[-1]
    if len(ref) == 36:  # a UUID: the offer's own id
        return ref
    if not 20 <= len(ref) <= 100:
        return None
    grant = session.get(Oid4vciGrant, codes.digest(ref))
    return grant.offer_id if grant is not None and grant.kind == "offer_uri" else None


def revoke(
    instance: Instance,
    org_ref: str,
    offer_ref: str,
    *,
    credential_id: str | None = None,
    actor: str = "cli",
) -> OfferRecord:
    """Void an unused offer of the organisation, named by its id or by its ``offer_uri``
    (or link): its link, its codes and its PIN stop working at once (the wallet hears
    ``invalid_grant``, the offer URI 410). Revoking it again changes nothing; a used or
    expired offer cannot be revoked (:class:`OfferConflict`)."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        offer_id = _offer_id(session, offer_ref)
        row = (
            session.get(Oid4vciOffer, offer_id, with_for_update=True)
            if offer_id is not None
            else None
        )
        if (
            row is None
            or row.org_id != org.id
            or (credential_id is not None and row.credential_id != credential_id)
        ):
            raise OfferNotFound(f"no offer '{offer_ref[:60]}' of this organisation", "offer_id")
        current = record_of(row, now)
        if current.state == "revoked":
            return current
        if current.state != "open":
            raise OfferConflict(
                f"this offer cannot be revoked: it is {current.state} already", "offer_id"
            )
        row.state = "revoked"
        record(
            session, org.id, actor, "oid4vci.offer_revoke", row.credential_id,
            {"offer_id": row.id}, at=now,
        )  # fmt: skip
        return record_of(row, now)


def usable(row: Oid4vciOffer | None, now: datetime, *, what: str) -> Oid4vciOffer:
    """The offer, if it can still be used; an ``invalid_grant`` naming why not."""
    if row is None:
        raise OAuthError("invalid_grant", f"unknown {what}")
    if row.state == "revoked":
        raise OAuthError(
            "invalid_grant", "the issuer revoked this credential offer; ask them for a new one"
        )
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
