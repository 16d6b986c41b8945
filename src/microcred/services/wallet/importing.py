"""Importing into the wallet: what the bytes (or the address) hold, its portfolio fields,
its verification, and the stored item. The same credential is stored once per wallet."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from microcred import errors
from microcred.formats.importing import ImportFormatError, extract
from microcred.formats.reading import is_sealed, read_model
from microcred.services import verifying
from microcred.services.holders import HolderError, find
from microcred.services.instance import Instance
from microcred.services.outbound_tls import network_for
from microcred.services.wallet.items import WalletItem, to_item
from microcred.store.db import transaction
from microcred.store.tables import WalletCredential
from microcred.verify import verify_credential
from microcred.verify.http_fetch import (
    REFUSED,
    FetchError,
    Network,
    OutboundFetcher,
    OutboundPolicy,
)
from microcred.verify.ob2 import verify_ob2
from microcred.verify.summary import CredentialSummary, summarize


class WalletImportError(HolderError, errors.InvalidInput):
    """The bytes (``field`` "file") or the address ("url") give no credential to import."""


@dataclass(frozen=True)
class Extracted:
    kind: str
    source: str
    original: str
    credential: dict[str, Any]
    verify_input: Any


def _jwt_payload(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if not isinstance(payload, dict):
        raise ValueError("not an object")
    return payload


def read_credential(raw: bytes, filename: str | None) -> Extracted:
    """What the bytes are: a credential as JSON-LD, a VC-JWT, a sealed ELM, or a baked badge."""
    try:
        found = extract(raw, filename=filename)
    except ImportFormatError as exc:
        raise WalletImportError(str(exc), "file") from None
    if found.jwt is not None:
        payload = found.document or _jwt_payload(found.jwt)
        # A VC-JWT 1.1 carries the credential in its `vc` claim.
        credential = payload["vc"] if isinstance(payload.get("vc"), dict) else payload
        return Extracted(found.kind, found.source, found.jwt, credential, found.jwt)
    if found.document is None:
        raise WalletImportError(
            f"this badge only links to its hosted assertion; import that URL instead: {found.hosted_url}",
            "file",
        )
    credential = found.document
    if is_sealed(credential):
        credential = json.loads(credential["payload"])
    return Extracted(
        found.kind,
        found.source,
        json.dumps(found.document, ensure_ascii=False),
        credential,
        found.document,
    )


def credential_digest(extracted: Extracted) -> str:
    canonical = json.dumps(
        extracted.credential, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    basis = extracted.original if extracted.kind in ("vc-jwt", "sd-jwt-vc") else canonical
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def portfolio_fields(credential: dict[str, Any]) -> dict[str, Any]:
    """The portfolio's searchable fields, from the model reading of the credential."""
    reading = read_model(credential)
    data = reading.award.to_data() if reading.award is not None else reading.data
    summary = summarize(credential, data, format=reading.kind, missing=reading.missing)
    spec = data.get("spec", {}) if isinstance(data.get("spec"), dict) else {}
    workload: dict[str, Any] = spec["workload"] if isinstance(spec.get("workload"), dict) else {}
    skills = [
        o.get("esco_skill")
        for o in spec.get("learning_outcomes", [])
        if isinstance(o, dict) and o.get("esco_skill")
    ]
    skills += [
        s.get("esco_uri")
        for s in spec.get("skills", [])
        if isinstance(s, dict) and s.get("esco_uri")
    ]
    eqf = spec.get("eqf_level")
    return {
        **summary_columns(summary),
        "ects": str(workload["ects"]) if workload.get("ects") is not None else None,
        "hours": str(workload["hours"]) if workload.get("hours") is not None else None,
        "eqf_level": eqf if isinstance(eqf, int) else None,
        "skills": sorted(set(skills)),
        "model": json.loads(json.dumps(data, default=str)),
        "missing": list(summary.missing),
    }


def summary_columns(summary: CredentialSummary) -> dict[str, Any]:
    """The columns of a wallet credential that hold its summary (bounded to their sizes)."""

    def bounded(value: str | None) -> str | None:
        return value[:500] if value else None

    country = summary.issuer_country
    return {
        "title": (summary.title_in() or "Untitled credential")[:500],
        "issuer_id": bounded(summary.issuer_id),
        "issuer_name": bounded(summary.issuer_name_in()),
        # a country code, or nothing (the column holds 8 characters)
        "issuer_country": country if country and len(country) <= 8 else None,
        "issued_on": summary.issued_on,
        "valid_until": summary.valid_until,
        "credential_id": bounded(summary.id),
    }


def verify_extracted(instance: Instance, extracted: Extracted) -> dict[str, Any]:
    context = verifying.verifier_context(instance, now=instance.now())
    if extracted.kind.startswith("ob2"):
        return verify_ob2(extracted.verify_input, context).to_json()
    return verify_credential(extracted.verify_input, context).to_json()


def import_bytes(
    instance: Instance,
    holder_ref: str,
    raw: bytes,
    *,
    filename: str | None = None,
    source: str | None = None,
) -> tuple[WalletItem, bool]:
    """Verify and keep a credential (kept even when invalid or revoked, marked so).
    Returns the item and whether it was new: the same credential is stored once."""
    return store_extracted(instance, holder_ref, read_credential(raw, filename), source=source)


def store_extracted(
    instance: Instance,
    holder_ref: str,
    extracted: Extracted,
    *,
    source: str | None = None,
    holder_key: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
) -> tuple[WalletItem, bool]:
    """Verify and keep what `read_credential` (or another reader) found; ``holder_key`` is
    the key file the credential is bound to (its private part encrypted), ``fields`` the
    portfolio fields when the reader made them itself."""
    digest = credential_digest(extracted)
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        existing = session.scalar(
            select(WalletCredential).where(
                WalletCredential.holder_id == holder.id, WalletCredential.digest == digest
            )
        )
        if existing is not None:
            return to_item(existing), False
    report = verify_extracted(instance, extracted)
    if fields is None:
        fields = portfolio_fields(extracted.credential)
    now = instance.now()
    row = WalletCredential(
        id=str(uuid.uuid4()),
        holder_id="",
        digest=digest,
        kind=extracted.kind,
        source=source or extracted.source,
        original=extracted.original,
        status=str(report.get("status", "invalid")),
        report=report,
        verified_at=now,
        imported_at=now,
        holder_key=holder_key,
        **fields,
    )
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        row.holder_id = holder.id
        again = session.scalar(
            select(WalletCredential).where(
                WalletCredential.holder_id == holder.id, WalletCredential.digest == digest
            )
        )
        if again is not None:
            return to_item(again), False
        session.add(row)
        return to_item(row), True


MAX_DOWNLOAD_BYTES = 5 * 1024 * 1024


URL_REFUSED = REFUSED  # the one message for a URL not allowed or not answering


URL_ACCEPT = "application/ld+json, application/json, application/vc+jwt, image/png, image/svg+xml"


def outbound_policy(instance: Instance) -> OutboundPolicy:
    """The operator's allow-list (MICROCRED_ALLOWED_HOSTS) and private-address setting
    (MICROCRED_OUTBOUND_ALLOW_PRIVATE): the same rules for every outbound request."""
    return OutboundPolicy(
        instance.settings.allowed_hosts, allow_private=instance.settings.outbound_allow_private
    )


def outbound_network(instance: Instance, network: Network | None = None) -> Network | None:
    """The network given (tests), or, with MICROCRED_OUTBOUND_CA_FILES, one whose TLS also
    trusts those CA certificates (services/outbound_tls.py); None for the defaults. A bad
    file is an error naming the setting."""
    if network is not None:
        return network
    try:
        return network_for(instance.settings)
    except ValueError as exc:
        raise WalletImportError(str(exc), "outbound_ca_files") from None


def fetch_url(instance: Instance, url: str, *, network: Network | None = None) -> bytes:
    """Download a credential through the instance's one outbound fetcher: an allow-listed
    scheme, host and port, never an internal address unless the operator allows it, size and
    time limits, one message for whatever does not answer (see verify/http_fetch.py)."""
    fetcher = OutboundFetcher(
        outbound_policy(instance),
        network=outbound_network(instance, network),
        max_bytes=MAX_DOWNLOAD_BYTES,
        timeout=10.0,
        accept=URL_ACCEPT,
    )
    try:
        return fetcher.fetch(url)
    except FetchError as exc:
        raise WalletImportError(str(exc), "url") from None
