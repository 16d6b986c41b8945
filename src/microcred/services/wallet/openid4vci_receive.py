"""Receive credentials into a learner's wallet over OpenID4VCI 1.0, from microcred or any
conformant issuer: run the flow (`openid4vci_client`), then verify and keep each credential
like an imported one (`importing.store_extracted`), with the key it is bound to.

Each key-bound credential configuration gets a fresh P-256 holder key (never reused across
credentials, so two verifiers cannot link them by key); it is kept with the credential as a
key file whose private part is encrypted under the instance secret (AES-256-GCM, like every
other private key), so that a later presentation can sign the SD-JWT VC's Key Binding JWT.
An SD-JWT VC whose ``cnf.jwk`` is not the key the wallet proved is refused.

Outbound requests follow the instance's allow-list (MICROCRED_ALLOWED_HOSTS, with
MICROCRED_OUTBOUND_ALLOW_PRIVATE for loopback issuers in tests and the demo).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from microcred.formats.reading import read_model
from microcred.proofs.errors import ProofError
from microcred.proofs.keys import KeyPair, P256KeyPair, load_key_file
from microcred.proofs.sd_jwt import disclose, parse_sd_jwt, unverified_payload
from microcred.services.holders import HolderNotFound, find
from microcred.services.instance import Instance
from microcred.services.wallet import openid4vci_authorize as authorize
from microcred.services.wallet.importing import (
    Extracted,
    WalletImportError,
    outbound_policy,
    portfolio_fields,
    read_credential,
    store_extracted,
    summary_columns,
)
from microcred.services.wallet.items import WalletItem
from microcred.services.wallet.openid4vci_client import (
    Received,
    ReceiveError,
    Session,
    Token,
    access_token,
    fetch_server_metadata,
    issuer_metadata,
    request_credential,
    resolve_offer,
    server_metadata,
)
from microcred.store.db import read_transaction
from microcred.store.tables import WalletCredential
from microcred.verify.http_fetch import Network, OutboundFetcher
from microcred.verify.summary import UNDETERMINED, CredentialSummary

__all__ = ["SOURCE", "Authorization", "ReceiveError", "begin", "bound_key", "complete", "receive"]

SOURCE = "openid4vci"
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
SD_JWT_FORMATS = ("dc+sd-jwt", "vc+sd-jwt")  # vc+sd-jwt: the name before SD-JWT VC draft 06
JWT_FORMATS = ("jwt_vc_json", "jwt_vc_json-ld")
_SEAL_AAD = b"oid4vci-pending-authorization"
LDP_FORMATS = ("ldp_vc",)


def _date(seconds: Any) -> datetime | None:
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def sd_jwt_fields(claims: dict[str, Any]) -> dict[str, Any]:
    """Portfolio fields of an SD-JWT VC from the EU learning credential claim names
    (``urn:eu.europa.ec.eudi:learning:credential:1``: achievement_title, issuing_authority,
    issuing_country, level_of_learning_experience ...), when the model reader has none."""
    reading = read_model(claims)
    if reading.award is not None:
        return portfolio_fields(claims)

    def text(name: str) -> str | None:
        value = claims.get(name)
        return value if isinstance(value, str) and value else None

    title = text("achievement_title") or text("name") or "Untitled credential"
    summary = CredentialSummary(
        id=text("jti"),
        title={UNDETERMINED: title},
        issuer_id=text("iss"),
        issuer_name={UNDETERMINED: text("issuing_authority") or text("iss") or ""},
        issuer_country=text("issuing_country"),
        issued_on=_date(claims.get("iat")),
        valid_until=_date(claims.get("exp")),
        format="sd-jwt-vc",
    )
    level = claims.get("level_of_learning_experience")
    return {
        **summary_columns(summary),
        "ects": None,
        "hours": None,
        "eqf_level": level if isinstance(level, int) and 1 <= level <= 8 else None,
        "skills": [],
        "model": json.loads(json.dumps(claims, default=str)),
        "missing": [],
    }


def _extract(
    received: Received, holder_key: KeyPair | None
) -> tuple[Extracted, dict[str, Any] | None]:
    value = received.credential
    if received.format in SD_JWT_FORMATS:
        if not isinstance(value, str):
            raise ReceiveError("credential", "an SD-JWT VC must be a string")
        try:
            parsed = parse_sd_jwt(value)
            claims = disclose(unverified_payload(parsed), parsed.disclosures)
        except ProofError as exc:
            raise ReceiveError("credential", f"the SD-JWT VC cannot be read: {exc}") from None
        cnf = claims.get("cnf")
        bound_to = cnf.get("jwk") if isinstance(cnf, dict) else None
        if holder_key is not None and bound_to != holder_key.to_public_jwk():
            raise ReceiveError(
                "credential",
                "the SD-JWT VC is not bound to the key the wallet proved (cnf.jwk differs): "
                "it could never be presented",
            )
        compact = parsed.serialize()
        extracted = Extracted("sd-jwt-vc", SOURCE, compact, claims, compact)
        return extracted, sd_jwt_fields(claims)
    if received.format in JWT_FORMATS and isinstance(value, str):
        raw = value.encode("utf-8")
    elif received.format in LDP_FORMATS and isinstance(value, dict):
        raw = json.dumps(value, ensure_ascii=False).encode("utf-8")
    else:
        raise ReceiveError(
            "credential", f"the format {received.format[:40]!r} is not one the wallet keeps"
        )
    try:
        return read_credential(raw, None), None
    except WalletImportError as exc:
        raise ReceiveError("credential", f"the credential cannot be read: {exc}") from None


def _session(instance: Instance, network: Network | None) -> Session:
    fetcher = OutboundFetcher(
        outbound_policy(instance),
        network=network,
        max_bytes=MAX_RESPONSE_BYTES,
        timeout=TIMEOUT_SECONDS,
        accept="application/json",
    )

    def clock() -> int:
        return int(instance.now().timestamp())

    return Session(fetcher, clock)


def _holder_id(instance: Instance, holder_ref: str) -> str:
    with read_transaction(instance.sessions) as session:
        return find(session, holder_ref).id  # an unknown holder fails before anything is sent


def _keep_all(
    instance: Instance,
    holder_ref: str,
    flow: Session,
    metadata: dict[str, Any],
    token: Token,
    configuration_ids: tuple[str, ...],
) -> list[tuple[WalletItem, bool]]:
    kept: list[tuple[WalletItem, bool]] = []
    for configuration_id in configuration_ids:
        holder_key = P256KeyPair.generate()
        for received in request_credential(flow, metadata, token, configuration_id, holder_key):
            configuration = metadata["credential_configurations_supported"][configuration_id]
            bound = "proof_types_supported" in configuration
            extracted, fields = _extract(received, holder_key if bound else None)
            key_file = holder_key.export_private(instance.secret) if bound else None
            kept.append(
                store_extracted(
                    instance,
                    holder_ref,
                    extracted,
                    source=SOURCE,
                    holder_key=key_file,
                    fields=fields,
                )
            )
    return kept


def receive(
    instance: Instance,
    holder_ref: str,
    offer_text: str,
    *,
    tx_code: str | None = None,
    network: Network | None = None,
) -> list[tuple[WalletItem, bool]]:
    """Run the offer's pre-authorized flow and keep every credential it gives (verified, with
    its report); returns each stored item and whether it was new. Raises `ReceiveError`
    naming the step."""
    _holder_id(instance, holder_ref)
    flow = _session(instance, network)
    offer = resolve_offer(flow, offer_text)
    metadata = issuer_metadata(flow, offer.credential_issuer)
    server = server_metadata(flow, offer, metadata)
    token = access_token(flow, offer, server, tx_code)
    return _keep_all(instance, holder_ref, flow, metadata, token, offer.configuration_ids)


@dataclass(frozen=True)
class Authorization:
    """Send the learner to ``url``; keep ``sealed`` (in their browser) for `complete`."""

    url: str
    sealed: str


def _seal_key(instance: Instance) -> bytes:
    return hashlib.sha256(
        b"microcred wallet: pending OpenID4VCI authorization\0" + instance.secret
    ).digest()


def seal(instance: Instance, pending: authorize.Pending) -> str:
    """The pending authorization encrypted and authenticated (AES-256-GCM) under a key derived
    from the instance secret: the browser keeps it without reading or changing it."""
    nonce = os.urandom(12)
    sealed = AESGCM(_seal_key(instance)).encrypt(nonce, pending.to_json().encode(), _SEAL_AAD)
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(instance: Instance, text: str | None) -> authorize.Pending:
    try:
        raw = base64.urlsafe_b64decode((text or "").encode("ascii"))
        plain = AESGCM(_seal_key(instance)).decrypt(raw[:12], raw[12:], _SEAL_AAD)
        return authorize.Pending.from_json(plain.decode("utf-8"))
    except (InvalidTag, ValueError, TypeError, KeyError, UnicodeError):
        raise ReceiveError(
            "authorize", "this browser has no sign-in at an issuer under way; start again"
        ) from None


def begin(
    instance: Instance,
    holder_ref: str,
    offer_text: str,
    *,
    tx_code: str | None,
    client_id: str,
    redirect_uri: str,
    network: Network | None = None,
) -> list[tuple[WalletItem, bool]] | Authorization:
    """The web wallet's start: a pre-authorized offer is received at once; an offer with only
    the authorization code grant gives the issuer's address to send the learner to."""
    holder_id = _holder_id(instance, holder_ref)
    flow = _session(instance, network)
    offer = resolve_offer(flow, offer_text)
    metadata = issuer_metadata(flow, offer.credential_issuer)
    server = server_metadata(flow, offer, metadata)
    if offer.pre_authorized_code is not None:
        token = access_token(flow, offer, server, tx_code)
        return _keep_all(instance, holder_ref, flow, metadata, token, offer.configuration_ids)
    url, pending = authorize.start(
        flow, offer, server, holder_id=holder_id, client_id=client_id, redirect_uri=redirect_uri
    )
    return Authorization(url, seal(instance, pending))


def complete(
    instance: Instance,
    holder_ref: str,
    sealed: str | None,
    answer: Mapping[str, str],
    *,
    network: Network | None = None,
) -> list[tuple[WalletItem, bool]]:
    """The learner is back from the issuer: check its answer, redeem the code, keep the
    credentials. Only the holder who started it may finish it."""
    pending = unseal(instance, sealed)
    if _holder_id(instance, holder_ref) != pending.holder_id:
        raise ReceiveError("authorize", "this sign-in at an issuer was started by someone else")
    flow = _session(instance, network)
    metadata = issuer_metadata(flow, pending.credential_issuer)
    server = fetch_server_metadata(flow, pending.authorization_server)
    token = authorize.finish(flow, pending, server, answer)
    return _keep_all(instance, holder_ref, flow, metadata, token, pending.configuration_ids)


def bound_key(instance: Instance, holder_ref: str, item_id: str) -> KeyPair | None:
    """The private key a wallet credential is bound to (for a Key Binding JWT), or None
    when it was imported without one."""
    with read_transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        row = session.get(WalletCredential, item_id)
        if row is None or row.holder_id != holder.id:
            raise HolderNotFound("no such credential in this wallet", "credential")
        key_file = row.holder_key
    if key_file is None:
        return None
    return load_key_file(dict(key_file), encryption_key=instance.secret)
