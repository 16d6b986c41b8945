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

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from microcred.formats.reading import read_model
from microcred.proofs.errors import ProofError
from microcred.proofs.keys import KeyPair, P256KeyPair, load_key_file
from microcred.proofs.sd_jwt import disclose, parse_sd_jwt, unverified_payload
from microcred.services.holders import HolderNotFound, find
from microcred.services.instance import Instance
from microcred.services.wallet import openid4vci_authorize as authorize
from microcred.services.wallet import openid4vci_pending as pending_store
from microcred.services.wallet.importing import (
    Extracted,
    WalletImportError,
    outbound_network,
    outbound_policy,
    portfolio_fields,
    read_credential,
    store_extracted,
    summary_columns,
)
from microcred.services.wallet.items import WalletItem
from microcred.services.wallet.openid4vci_client import (
    Deferred,
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
from microcred.services.wallet.openid4vci_pending import PendingView
from microcred.store.db import read_transaction
from microcred.store.tables import WalletCredential
from microcred.verify.http_fetch import Network, OutboundFetcher
from microcred.verify.summary import UNDETERMINED, CredentialSummary

__all__ = [
    "SOURCE",
    "Authorization",
    "Collected",
    "PendingView",
    "Receipt",
    "ReceiveError",
    "begin",
    "bound_key",
    "collect",
    "complete",
    "list_pending",
    "receive",
]

SOURCE = "openid4vci"
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
SD_JWT_FORMATS = ("dc+sd-jwt", "vc+sd-jwt")  # vc+sd-jwt: the name before SD-JWT VC draft 06
JWT_FORMATS = ("jwt_vc_json", "jwt_vc_json-ld")
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
    try:
        network = outbound_network(instance, network)
    except WalletImportError as exc:
        raise ReceiveError("metadata", str(exc), field="outbound_ca_files") from None
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


class Receipt(list[tuple[WalletItem, bool]]):
    """The credentials kept (each stored item and whether it was new) and, in ``pending``,
    those the issuer will give later (deferred issuance)."""

    def __init__(self, kept: list[tuple[WalletItem, bool]], pending: list[PendingView]) -> None:
        super().__init__(kept)
        self.pending = pending


def _title(configuration: dict[str, Any], configuration_id: str) -> str:
    """The configuration's display name (``credential_metadata.display`` in 1.0, ``display``
    before), for a credential the wallet waits for."""
    meta = configuration.get("credential_metadata")
    display = (meta if isinstance(meta, dict) else configuration).get("display")
    if isinstance(display, list) and display and isinstance(display[0], dict):
        name = display[0].get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()[:300]
    return configuration_id[:300]


def _store_all(
    instance: Instance,
    holder_ref: str,
    extracted: list[tuple[Extracted, dict[str, Any] | None, dict[str, Any] | None]],
) -> list[tuple[WalletItem, bool]]:
    return [
        store_extracted(
            instance, holder_ref, found, source=SOURCE, holder_key=key_file, fields=fields
        )
        for found, fields, key_file in extracted
    ]


def _keep_all(
    instance: Instance,
    holder_ref: str,
    flow: Session,
    metadata: dict[str, Any],
    token: Token,
    configuration_ids: tuple[str, ...],
) -> Receipt:
    """Ask for every configuration, read every answer, then store: a bad answer to any
    request stores nothing."""
    holder_id = _holder_id(instance, holder_ref)
    read: list[tuple[Extracted, dict[str, Any] | None, dict[str, Any] | None]] = []
    deferred: list[tuple[Deferred, dict[str, Any] | None, str]] = []
    for configuration_id in configuration_ids:
        holder_key = P256KeyPair.generate()
        answer = request_credential(flow, metadata, token, configuration_id, holder_key)
        configuration = metadata["credential_configurations_supported"][configuration_id]
        bound = "proof_types_supported" in configuration
        key_file = holder_key.export_private(instance.secret) if bound else None
        if isinstance(answer, Deferred):
            deferred.append((answer, key_file, _title(configuration, configuration_id)))
            continue
        for received in answer:
            found, fields = _extract(received, holder_key if bound else None)
            read.append((found, fields, key_file))
    waiting = [
        pending_store.save_deferred(instance, holder_id, flow, metadata, token, d, key, title)
        for d, key, title in deferred
    ]
    return Receipt(_store_all(instance, holder_ref, read), waiting)


def receive(
    instance: Instance,
    holder_ref: str,
    offer_text: str,
    *,
    tx_code: str | None = None,
    network: Network | None = None,
) -> Receipt:
    """Run the offer's pre-authorized flow and keep every credential it gives (verified, with
    its report); returns each stored item and whether it was new, and the credentials the
    issuer defers (kept as pending, see `collect`). Raises `ReceiveError` naming the step."""
    _holder_id(instance, holder_ref)
    flow = _session(instance, network)
    offer = resolve_offer(flow, offer_text)
    metadata = issuer_metadata(flow, offer.credential_issuer)
    server = server_metadata(flow, offer, metadata)
    token = access_token(flow, offer, server, tx_code)
    return _keep_all(instance, holder_ref, flow, metadata, token, offer.configuration_ids)


@dataclass(frozen=True)
class Authorization:
    """Send the learner to ``url``; the wallet keeps the rest (`openid4vci_pending`)."""

    url: str


def begin(
    instance: Instance,
    holder_ref: str,
    offer_text: str,
    *,
    tx_code: str | None,
    client_id: str,
    redirect_uri: str,
    session_secret: str,
    use_authorization_code: bool = False,
    network: Network | None = None,
) -> Receipt | Authorization:
    """The web wallet's start: a pre-authorized offer is received at once (unless the learner
    chose to sign in at the issuer and the offer allows it); an offer with the authorization
    code grant gives the issuer's address to send the learner to, the pending authorization
    kept for the web session ``session_secret``."""
    holder_id = _holder_id(instance, holder_ref)
    flow = _session(instance, network)
    offer = resolve_offer(flow, offer_text)
    metadata = issuer_metadata(flow, offer.credential_issuer)
    server = server_metadata(flow, offer, metadata)
    signs_in = offer.authorization_code and (
        use_authorization_code or offer.pre_authorized_code is None
    )
    if not signs_in:
        token = access_token(flow, offer, server, tx_code)
        return _keep_all(instance, holder_ref, flow, metadata, token, offer.configuration_ids)
    url, pending = authorize.start(
        flow, offer, server, holder_id=holder_id, client_id=client_id, redirect_uri=redirect_uri
    )
    configurations = metadata["credential_configurations_supported"]
    titles = [
        _title(c, i) if isinstance(c := configurations.get(i), dict) else i
        for i in offer.configuration_ids
    ]
    pending_store.save_authorization(instance, pending, session_secret, ", ".join(titles))
    return Authorization(url)


def complete(
    instance: Instance,
    holder_ref: str,
    answer: Mapping[str, str],
    *,
    session_secret: str | None,
    network: Network | None = None,
) -> Receipt:
    """The learner is back from the issuer: find the authorization by the answer's
    ``state`` (single use, only in the web session that started it), check ``iss``, redeem
    the code, keep the credentials."""
    holder_id = _holder_id(instance, holder_ref)
    pending = pending_store.take_authorization(
        instance, holder_id, answer.get("state"), session_secret
    )
    flow = _session(instance, network)
    metadata = issuer_metadata(flow, pending.credential_issuer)
    server = fetch_server_metadata(flow, pending.authorization_server)
    token = authorize.finish(flow, pending, server, answer)
    return _keep_all(instance, holder_ref, flow, metadata, token, pending.configuration_ids)


def list_pending(instance: Instance, holder_ref: str) -> list[PendingView]:
    """The credentials the holder's issuers will give later (deferred issuance)."""
    return pending_store.list_deferred(instance, holder_ref)


@dataclass(frozen=True)
class Collected:
    """One deferred credential asked for again: ``outcome`` ``received`` (``kept``),
    ``pending`` (``pending``, with when to ask next), ``waiting`` (asked too early: the
    issuer's interval has not passed, nothing was sent) or ``failed`` (``message``; given up
    when the issuer refused)."""

    id: str
    title: str
    outcome: str
    kept: list[tuple[WalletItem, bool]] = field(default_factory=list)
    pending: PendingView | None = None
    message: str | None = None


def _collect_one(
    instance: Instance,
    holder_ref: str,
    view: PendingView,
    data: dict[str, Any],
    network: Network | None,
) -> Collected:
    flow = _session(instance, network)
    flow.dpop_key = load_key_file(data["dpop_key"], encryption_key=instance.secret)  # type: ignore[assignment]
    flow.dpop_nonces.update(data.get("dpop_nonces") or {})
    holder_key = (
        load_key_file(data["holder_key"], encryption_key=instance.secret)
        if data.get("holder_key")
        else None
    )
    try:
        answer = pending_store.ask_deferred(flow, data)
        if isinstance(answer, Deferred):
            later = pending_store.still_pending(instance, view.id, interval=answer.interval)
            return Collected(view.id, view.title, "pending", pending=later)
        read = [(*_extract(r, holder_key), data.get("holder_key")) for r in answer]
    except ReceiveError as exc:
        if exc.step == "deferred" and exc.oauth_error is None:  # unreachable: try again later
            later = pending_store.still_pending(
                instance, view.id, interval=int(data["interval"]), error=str(exc)
            )
            return Collected(view.id, view.title, "failed", pending=later, message=str(exc))
        pending_store.forget(instance, view.id)
        return Collected(view.id, view.title, "failed", message=str(exc))
    kept = _store_all(instance, holder_ref, read)
    pending_store.forget(instance, view.id)
    return Collected(view.id, view.title, "received", kept=kept)


def collect(
    instance: Instance,
    holder_ref: str,
    pending_id: str | None = None,
    *,
    network: Network | None = None,
) -> list[Collected]:
    """Ask the issuers again for the holder's deferred credentials (or the one named), each
    only once its interval has passed; keep those given (verified, with the key they are
    bound to)."""
    holder_id = _holder_id(instance, holder_ref)
    now = instance.now()
    done = []
    for view, data in pending_store.deferred_rows(instance, holder_id, pending_id):
        if view.next_check_at is not None and view.next_check_at > now:
            done.append(Collected(view.id, view.title, "waiting", pending=view))
            continue
        done.append(_collect_one(instance, holder_ref, view, data, network))
    return done


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
