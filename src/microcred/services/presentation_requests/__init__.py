"""OpenID4VP 1.0 verifier transactions (an employer asks any wallet; issue 16).

``create`` makes a transaction: the DCQL query (checked), a fresh ``nonce`` and ``state``,
an ephemeral ECDH-ES key (encrypted at rest), the client id (HAIP ``x509_hash`` of the
organisation's verifier certificate, or ``x509_san_dns`` / ``redirect_uri``), and the
links a wallet opens. ``request_object`` is what the ``request_uri`` serves: the signed
request (JAR). ``receive`` takes the wallet's POST to the ``response_uri``, once: it
decrypts, verifies every presentation and the DCQL completeness (``responses``), and keeps
only the report and the disclosed claims until ``delete_after``. ``get`` shows the state and
the result; ``delete_expired`` is the periodic clean-up (and ``get`` deletes on read).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import delete, select

from microcred.proofs.keys import decrypt_private_key, encrypt_private_key
from microcred.services import certificates, organisations
from microcred.services.instance import Instance
from microcred.services.presentation_requests import responses, wire
from microcred.services.presentation_requests.problems import (
    Invalid,
    NotFound,
    PresentationRequestError,
    ProtocolError,
)
from microcred.services.presentation_requests.wire import ClientIdPrefix, ResponseMode
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import Organisation, PresentationRequest
from microcred.verify.dcql import DcqlError, parse_query

__all__ = [
    "Created",
    "PresentationRequestError",
    "ProtocolError",
    "RequestView",
    "check_response_code",
    "create",
    "delete_expired",
    "get",
    "receive",
    "redeem_response_code",
    "request_object",
]

LIFETIME = timedelta(minutes=10)  # how long a wallet may fetch and answer a request
KEEP = timedelta(days=7)  # how long an answer is kept for the employer, by default
MAX_KEEP = timedelta(days=90)
MAX_DCQL_BYTES = 64 * 1024
STATUSES = ("pending", "answered", "refused", "failed", "expired")
# what ``response_code`` becomes once the employer's page has taken the code (single use)
RETURNED = "returned"


@dataclass(frozen=True)
class Created:
    id: str
    link: str
    haip_link: str
    request_uri: str
    response_uri: str
    client_id: str
    expires_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "link": self.link,
            "haip_link": self.haip_link,
            "request_uri": self.request_uri,
            "response_uri": self.response_uri,
            "client_id": self.client_id,
            "expires_at": self.expires_at.isoformat(),
        }


@dataclass(frozen=True)
class RequestView:
    id: str
    org: str
    status: str
    client_id: str
    response_mode: str
    dcql: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    delete_after: datetime
    result: dict[str, Any] | None
    same_device: bool = False  # the wallet sends the browser back with a response code
    returned: bool = False  # ... and the employer's page took that code

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org": self.org,
            "status": self.status,
            "client_id": self.client_id,
            "response_mode": self.response_mode,
            "dcql_query": self.dcql,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "delete_after": self.delete_after.isoformat(),
            "result": self.result,
            "same_device": self.same_device,
        }


def request_uri_of(instance: Instance, request_id: str) -> str:
    return f"{instance.base_url.rstrip('/')}/oid4vp/requests/{quote(request_id)}"


def response_uri_of(instance: Instance, request_id: str) -> str:
    return f"{instance.base_url.rstrip('/')}/oid4vp/responses/{quote(request_id)}"


def _aad(request_id: str) -> bytes:
    return f"presentation-request:{request_id}".encode()


def _check_dcql(dcql: Any) -> dict[str, Any]:
    if len(json.dumps(dcql)) > MAX_DCQL_BYTES:
        raise Invalid(f"the DCQL query is larger than {MAX_DCQL_BYTES} bytes", "dcql")
    try:
        parse_query(dcql)
    except DcqlError as exc:
        raise Invalid(f"the DCQL query is not valid: {exc}", "dcql") from None
    return dict(dcql)


def create(
    instance: Instance,
    org_ref: str,
    dcql: Any,
    *,
    response_mode: ResponseMode = "direct_post.jwt",
    client_id_prefix: ClientIdPrefix = "x509_hash",
    lifetime: timedelta = LIFETIME,
    keep: timedelta = KEEP,
    redirect_uri: str | None = None,
    actor: str = "cli",
) -> Created:
    """A new transaction for ``org_ref`` asking ``dcql``; its links and addresses.
    ``redirect_uri`` (same device): the wallet sends the browser there after answering,
    with a one-time ``response_code`` that shows the answer only to that browser."""
    query = _check_dcql(dcql)
    if redirect_uri is not None and (
        not re.match(r"^https?://[^\s/]+", redirect_uri) or len(redirect_uri) > 1000
    ):
        raise Invalid(
            "the redirect URI is an http(s) address of at most 1000 characters", "redirect_uri"
        )
    if response_mode not in ("direct_post.jwt", "direct_post"):
        raise Invalid("the response mode is direct_post.jwt or direct_post", "response_mode")
    if client_id_prefix not in wire.PREFIXES:
        raise Invalid(f"the client id prefix is one of {', '.join(wire.PREFIXES)}", "client_id")
    if not timedelta(minutes=1) <= lifetime <= timedelta(hours=24):
        raise Invalid("a request lives between 1 minute and 24 hours", "lifetime")
    if not timedelta(0) < keep <= MAX_KEEP:
        raise Invalid(f"an answer is kept at most {MAX_KEEP.days} days", "keep")
    request_id = str(uuid.uuid4())
    response_uri = response_uri_of(instance, request_id)
    now = instance.now()
    key = wire.ephemeral_key()
    with read_transaction(instance.sessions) as session:
        slug = organisations.find(session, org_ref).slug
    leaf = None
    if client_id_prefix != "redirect_uri":  # (its own transaction: it may make a test chain)
        _, chain = _verifier_chain(instance, slug)
        leaf = chain[0]
    with transaction(instance.sessions) as session:
        org = organisations.find(session, slug)
        try:
            client_id = wire.client_id_for(client_id_prefix, leaf, response_uri)
        except wire.WireError as exc:
            raise Invalid(str(exc), "client_id") from None
        session.add(
            PresentationRequest(
                id=request_id,
                org_id=org.id,
                dcql=query,
                nonce=secrets.token_urlsafe(24),
                state=secrets.token_urlsafe(24),
                encrypted_key=encrypt_private_key(
                    json.dumps(key).encode(), key=instance.secret, aad=_aad(request_id)
                ),
                response_mode=response_mode,
                client_id=client_id,
                created_at=now,
                expires_at=now + lifetime,
                status="pending",
                result=None,
                redirect_uri=redirect_uri,
                answered_at=None,
                delete_after=now + lifetime + keep,
            )
        )
        from microcred.services.audit import record

        record(session, org.id, actor, "presentation_request.create", request_id, {}, at=now)
    request_uri = request_uri_of(instance, request_id)
    links = wire.invocation_links(client_id, request_uri, post=client_id_prefix != "redirect_uri")
    return Created(
        id=request_id,
        link=links["openid4vp"],
        haip_link=links["haip"],
        request_uri=request_uri,
        response_uri=response_uri,
        client_id=client_id,
        expires_at=now + lifetime,
    )


def _verifier_chain(instance: Instance, org: str) -> tuple[Any, list[Any]]:
    """The organisation's verifier (access) certificate chain and its signing key."""
    key, chain = certificates.verifier_access_chain(instance, org)
    return key, list(chain)


def _view(row: PresentationRequest, org: str, now: datetime) -> RequestView:
    status = row.status
    if status == "pending" and now >= row.expires_at:
        status = "expired"
    return RequestView(
        id=row.id,
        org=org,
        status=status,
        client_id=row.client_id,
        response_mode=row.response_mode,
        dcql=dict(row.dcql),
        created_at=row.created_at,
        expires_at=row.expires_at,
        answered_at=row.answered_at,
        delete_after=row.delete_after,
        result=dict(row.result) if row.result is not None else None,
        same_device=row.redirect_uri is not None,
        returned=row.response_code == RETURNED,
    )


def check_response_code(instance: Instance, request_id: str, code: str) -> bool:
    """Same device: is ``code`` the one the wallet's redirect carried for this request?"""
    with read_transaction(instance.sessions) as session:
        row = session.get(PresentationRequest, request_id) if len(request_id) <= 36 else None
        if row is None or row.response_code is None or len(code) > 100:
            return False
        return secrets.compare_digest(row.response_code, _hash(code))


def redeem_response_code(instance: Instance, org_ref: str, code: str) -> str:
    """The employer's page takes the same-device ``response_code`` (HAIP 1.0 §5.1 session
    binding, OpenID4VP 1.0 §13.3): the id of ``org_ref``'s request the code belongs to; the
    code is used up. NotFound for any other code (wrong, used, another organisation's)."""
    if not 0 < len(code) <= 100:
        raise NotFound("no request has this response code", "response_code")
    with transaction(instance.sessions) as session:
        org = organisations.find(session, org_ref)
        row = session.scalars(
            select(PresentationRequest).where(
                PresentationRequest.org_id == org.id,
                PresentationRequest.response_code == _hash(code),
            )
        ).first()
        if row is None or instance.now() >= row.delete_after:
            raise NotFound("no request has this response code", "response_code")
        row.response_code = RETURNED
        return row.id


def get(instance: Instance, org_ref: str | None, request_id: str) -> RequestView:
    """The request of ``org_ref`` (another organisation's is not found; None: the
    operator's view, any organisation); past its ``delete_after`` it is deleted here."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        org = organisations.find(session, org_ref) if org_ref is not None else None
        row = session.get(PresentationRequest, request_id) if len(request_id) <= 36 else None
        if row is None or (org is not None and row.org_id != org.id):
            raise NotFound(f"no presentation request '{request_id[:40]}'", "id")
        if now >= row.delete_after:
            session.delete(row)
            raise NotFound(f"presentation request '{request_id[:40]}' was deleted", "id")
        owner = org if org is not None else session.get(Organisation, row.org_id)
        return _view(row, owner.slug if owner is not None else row.org_id, now)


def delete_expired(instance: Instance) -> int:
    """Delete every request past its ``delete_after`` (answers with them)."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        done = session.execute(
            delete(PresentationRequest).where(PresentationRequest.delete_after <= now)
        )
        return int(getattr(done, "rowcount", 0) or 0)


def _open(session: Any, request_id: str, now: datetime) -> PresentationRequest:
    row: PresentationRequest | None = (
        session.get(PresentationRequest, request_id) if len(request_id) <= 36 else None
    )
    if row is None or now >= row.delete_after:
        raise ProtocolError("invalid_request", "no such request", 404)
    return row


def request_object(
    instance: Instance,
    request_id: str,
    *,
    wallet_nonce: str | None = None,
) -> str:
    """The request object a wallet fetches from the ``request_uri`` (GET, or POST with
    ``wallet_nonce``): signed for the x509 prefixes, unsigned for ``redirect_uri``."""
    if wallet_nonce is not None and not (0 < len(wallet_nonce) <= 200):
        raise ProtocolError("invalid_request", "wallet_nonce is 1 to 200 characters")
    now = instance.now()
    with read_transaction(instance.sessions) as session:
        row = _open(session, request_id, now)
        if row.status != "pending" or now >= row.expires_at:
            raise ProtocolError("invalid_request_uri", "this request is answered or expired")
        org = session.get(Organisation, row.org_id)
        assert org is not None
        slug = org.slug
        key_blob, client_id = dict(row.encrypted_key), row.client_id
        claims = wire.request_claims(
            client_id=client_id,
            response_mode=row.response_mode,  # type: ignore[arg-type]
            response_uri=response_uri_of(instance, row.id),
            nonce=row.nonce,
            state=row.state,
            dcql_query=row.dcql,
            response_key=_private_jwk(instance, row.id, key_blob),
            iat=int(now.timestamp()),
            exp=int(row.expires_at.timestamp()),
            wallet_nonce=wallet_nonce,
            client_name=org.name,
        )
    if client_id.startswith("redirect_uri:"):
        return wire.unsigned_request(claims)
    key, chain = _verifier_chain(instance, slug)
    return wire.sign_request(claims, key, chain)


def _private_jwk(instance: Instance, request_id: str, blob: dict[str, Any]) -> dict[str, Any]:
    raw = decrypt_private_key(blob, key=instance.secret, aad=_aad(request_id))
    jwk: dict[str, Any] = json.loads(raw)
    return jwk


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def receive(instance: Instance, request_id: str, form: dict[str, str]) -> dict[str, Any]:
    """The wallet's POST to the ``response_uri`` (form parameters). Accepted once; the
    answer to give the wallet (``{}``). Refusals raise ProtocolError (the OAuth code)."""
    now = instance.now()
    with read_transaction(instance.sessions) as session:
        row = _open(session, request_id, now)
        if row.status != "pending":
            raise ProtocolError("invalid_request", "this request was answered already")
        if now >= row.expires_at:
            raise ProtocolError("invalid_request", "this request has expired")
        pending = responses.Pending(
            id=row.id,
            org_id=row.org_id,
            dcql=dict(row.dcql),
            nonce=row.nonce,
            state=row.state,
            client_id=row.client_id,
            response_mode=row.response_mode,
            private_jwk=_private_jwk(instance, row.id, dict(row.encrypted_key)),
        )
    outcome = responses.handle(instance, pending, form, now=now)
    with transaction(instance.sessions) as session:
        stored = session.get(PresentationRequest, request_id, with_for_update=True)
        if stored is None or stored.status != "pending":  # a second answer raced this one
            raise ProtocolError("invalid_request", "this request was answered already")
        stored.status = outcome.status
        stored.result = outcome.result
        stored.answered_at = now
        # the key is of no further use: a replay cannot even be decrypted
        stored.encrypted_key = {"alg": "none"}
        answer: dict[str, Any] = {}
        if stored.redirect_uri is not None and outcome.problem is None:
            # OpenID4VP 1.0 §8.2: the browser comes back with a code only it has
            code = secrets.token_urlsafe(24)
            stored.response_code = _hash(code)
            joiner = "&" if "#" in stored.redirect_uri else "#"
            answer["redirect_uri"] = f"{stored.redirect_uri}{joiner}response_code={code}"
    if outcome.problem is not None:
        raise ProtocolError("invalid_request", outcome.problem)
    return answer
