"""The authorization server: token endpoint (pre-authorized code with tx_code, RFC 6749
authorization code with PKCE S256, RFC 7636), pushed authorization requests (RFC 9126,
written here: authlib has no PAR), the authorization step and DPoP-bound access tokens.

Every secret (request_uri, code, access token) is random, stored as its SHA-256, expiring,
and used once (a token: while it lasts, once per credential configuration).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.openid4vci import codes, metadata, offers
from microcred.services.openid4vci.dpop import DpopKey
from microcred.services.openid4vci.errors import (
    OAuthError,
    invalid_grant,
    invalid_request,
    invalid_token,
)
from microcred.store.db import transaction
from microcred.store.tables import Oid4vciGrant, Oid4vciOffer

ACCESS_TOKEN_TTL = 600
CODE_TTL = 60
MAX_PARAM = 2000


@dataclass(frozen=True)
class AccessGrant:
    """What an access token stands for."""

    hash: str
    offer_id: str
    credential_id: str
    org_id: str
    jkt: str
    configuration_ids: tuple[str, ...]
    issued: tuple[str, ...]
    client_id: str | None


def param(form: Mapping[str, str], name: str, *, required: bool = True) -> str | None:
    value = form.get(name)
    if value is None or value == "":
        if required:
            raise invalid_request(f"{name} is required", name)
        return None
    if len(value) > MAX_PARAM:
        raise invalid_request(f"{name} is too long (at most {MAX_PARAM} characters)", name)
    return value


def find_grant(session: Session, secret: str, kind: str) -> Oid4vciGrant | None:
    if len(secret) > 200:
        return None
    row = session.get(Oid4vciGrant, codes.digest(secret), with_for_update=True)
    return row if row is not None and row.kind == kind else None


def new_grant(
    session: Session, kind: str, offer_id: str, data: dict[str, Any], now: datetime, ttl: int
) -> str:
    secret = codes.new_secret()
    session.add(
        Oid4vciGrant(
            hash=codes.digest(secret),
            kind=kind,
            offer_id=offer_id,
            data=data,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    return secret


def token(instance: Instance, form: Mapping[str, str], key: DpopKey) -> dict[str, Any]:
    """The token endpoint's answer (RFC 6749 5.1) for a DPoP-bound access token."""
    grant_type = param(form, "grant_type")
    if grant_type == metadata.PRE_AUTHORIZED_GRANT:
        return _pre_authorized(instance, form, key)
    if grant_type == "authorization_code":
        return _authorization_code(instance, form, key)
    raise OAuthError(
        "unsupported_grant_type",
        f"grant_type must be authorization_code or {metadata.PRE_AUTHORIZED_GRANT}",
        field="grant_type",
    )


def _issue_access_token(
    session: Session,
    instance: Instance,
    offer: Oid4vciOffer,
    key: DpopKey,
    now: datetime,
    *,
    configuration_ids: list[str],
    client_id: str | None,
    flow: str,
    authorization_details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    offer.used_at = now
    offer.state = "redeemed"
    access = new_grant(
        session,
        "access_token",
        offer.id,
        {
            "credential_id": offer.credential_id,
            "org_id": offer.org_id,
            "jkt": key.jkt,
            "configuration_ids": configuration_ids,
            "issued": [],
            "client_id": client_id,
        },
        now,
        ACCESS_TOKEN_TTL,
    )
    record(
        session,
        offer.org_id,
        f"wallet:{client_id or 'anonymous'}"[:200],
        "oid4vci.token",
        offer.credential_id,
        {"offer_id": offer.id, "flow": flow, "configuration_ids": configuration_ids},
        at=now,
    )
    answer: dict[str, Any] = {
        "access_token": access,
        "token_type": "DPoP",
        "expires_in": ACCESS_TOKEN_TTL,
    }
    if authorization_details:
        answer["authorization_details"] = [
            {**detail, "credential_identifiers": [detail["credential_configuration_id"]]}
            for detail in authorization_details
        ]
    return answer


def _pre_authorized(instance: Instance, form: Mapping[str, str], key: DpopKey) -> dict[str, Any]:
    code = param(form, "pre-authorized_code") or ""
    tx_code = form.get("tx_code")
    now = instance.now()
    refusal: OAuthError | None = None
    with transaction(instance.sessions) as session:
        row = session.scalar(
            select(Oid4vciOffer)
            .where(Oid4vciOffer.pre_authorized_code_hash == codes.digest(code))
            .with_for_update()
        )
        offer = offers.usable(row, now, what="pre-authorized code")
        if offer.tx_code_hash is not None:
            if not tx_code:
                raise invalid_request(
                    "this offer needs the transaction code (PIN) the issuer gave: tx_code",
                    "tx_code",
                )
            expected = offers.tx_code_digest(instance, offer.id, tx_code[:64])
            if not secrets.compare_digest(expected, offer.tx_code_hash):
                offer.tx_code_failures += 1
                left = offers.MAX_TX_CODE_FAILURES - offer.tx_code_failures
                if left <= 0:
                    offer.used_at = now
                    offer.state = "locked"
                    refusal = invalid_grant(
                        "wrong transaction code; too many attempts, this offer is now void"
                    )
                else:
                    refusal = invalid_grant(f"wrong transaction code ({left} attempts left)")
        if refusal is None:
            return _issue_access_token(
                session,
                instance,
                offer,
                key,
                now,
                configuration_ids=list(offer.configuration_ids),
                client_id=form.get("client_id"),
                flow="pre-authorized_code",
            )
    raise refusal  # after the commit: the failed attempt is counted


def _pkce_ok(verifier: str, challenge: str) -> bool:
    if not 43 <= len(verifier) <= 128:
        return False
    computed = codes.b64u(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
    return secrets.compare_digest(computed, challenge)


def _authorization_code(
    instance: Instance, form: Mapping[str, str], key: DpopKey
) -> dict[str, Any]:
    code = param(form, "code") or ""
    verifier = param(form, "code_verifier") or ""
    redirect_uri = param(form, "redirect_uri")
    client_id = form.get("client_id")
    now = instance.now()
    with transaction(instance.sessions) as session:
        grant = find_grant(session, code, "auth_code")
        if grant is None:
            raise invalid_grant("unknown authorization code")
        if grant.used_at is not None:
            raise invalid_grant("this authorization code was used already")
        if grant.expires_at <= now:
            raise invalid_grant("this authorization code expired; authorize again")
        data: dict[str, Any] = dict(grant.data)
        grant.used_at = now  # spent by any attempt: a wrong verifier cannot be retried
        refusal: OAuthError | None = None
        if client_id is not None and client_id != data["client_id"]:
            refusal = invalid_grant("client_id is not the one the code was issued to")
        elif redirect_uri != data["redirect_uri"]:
            refusal = invalid_grant("redirect_uri is not the one of the authorization request")
        elif not _pkce_ok(verifier, str(data["code_challenge"])):
            refusal = invalid_grant("code_verifier does not match the code_challenge (PKCE S256)")
        elif data.get("dpop_jkt") and data["dpop_jkt"] != key.jkt:
            refusal = OAuthError(
                "invalid_dpop_proof", "the DPoP key is not the one of the authorization request"
            )
        if refusal is None:
            offer = offers.usable(session.get(Oid4vciOffer, grant.offer_id), now, what="offer")
            return _issue_access_token(
                session,
                instance,
                offer,
                key,
                now,
                configuration_ids=list(data["configuration_ids"]),
                client_id=str(data["client_id"]),
                flow="authorization_code",
                authorization_details=data.get("authorization_details"),
            )
    raise refusal


def access_grant(instance: Instance, access_token: str, key: DpopKey) -> AccessGrant:
    """The grant of a valid, unexpired access token presented with its DPoP key."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        row = find_grant(session, access_token, "access_token")
        if row is None or row.offer_id is None:
            raise invalid_token("unknown access token")
        if row.expires_at <= now:
            raise invalid_token("the access token expired")
        data = row.data
        if data.get("jkt") != key.jkt:
            raise invalid_token("the access token is bound to another DPoP key")
        return AccessGrant(
            hash=row.hash,
            offer_id=row.offer_id,
            credential_id=str(data["credential_id"]),
            org_id=str(data["org_id"]),
            jkt=str(data["jkt"]),
            configuration_ids=tuple(data["configuration_ids"]),  # type: ignore[arg-type]
            issued=tuple(data.get("issued") or ()),  # type: ignore[arg-type]
            client_id=data.get("client_id"),  # type: ignore[arg-type]
        )
