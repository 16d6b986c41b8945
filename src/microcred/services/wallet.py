"""The learner's wallet: import credentials from any issuer, keep them, verify them again."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred import errors
from microcred.formats.importing import ImportFormatError, extract
from microcred.formats.reading import is_sealed, read_model
from microcred.services import verifying
from microcred.services.holders import HolderError, HolderNotFound, find
from microcred.services.instance import Instance
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
from microcred.verify.summary import UNDETERMINED, CredentialSummary, summarize

BUNDLE_FORMAT = "microcred-wallet-bundle/1"


class WalletImportError(HolderError, errors.InvalidInput):
    """The bytes (``field`` "file") or the address ("url") give no credential to import."""


@dataclass(frozen=True)
class WalletItem:
    id: str
    title: str
    issuer_id: str | None
    issuer_name: str | None
    issuer_country: str | None
    issued_on: datetime | None
    valid_until: datetime | None
    ects: str | None
    hours: str | None
    eqf_level: int | None
    skills: list[str]
    status: str
    kind: str
    source: str
    credential_id: str | None
    missing: list[str]
    imported_at: datetime
    verified_at: datetime
    original: str
    report: dict[str, Any]
    model: dict[str, Any]

    @property
    def summary(self) -> CredentialSummary:
        """What the credential is about, as kept when it was imported."""
        return CredentialSummary(
            id=self.credential_id,
            title={UNDETERMINED: self.title},
            issuer_id=self.issuer_id,
            issuer_name={UNDETERMINED: self.issuer_name} if self.issuer_name else {},
            issuer_country=self.issuer_country,
            issued_on=self.issued_on,
            valid_from=self.issued_on,
            valid_until=self.valid_until,
            format=self.kind,
            missing=tuple(self.missing),
        )

    def document(self) -> dict[str, Any] | str:
        try:
            value = json.loads(self.original)
        except ValueError:
            return self.original
        return value if isinstance(value, dict) else self.original

    def to_json(self, *, full: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "issuer": {
                "id": self.issuer_id,
                "name": self.issuer_name,
                "country": self.issuer_country,
            },
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "ects": self.ects,
            "hours": self.hours,
            "eqf_level": self.eqf_level,
            "skills": self.skills,
            "status": self.status,
            "kind": self.kind,
            "source": self.source,
            "credential_id": self.credential_id,
            "missing": self.missing,
            "imported_at": self.imported_at.isoformat(),
            "verified_at": self.verified_at.isoformat(),
        }
        if full:
            data.update(report=self.report, model=self.model, credential=self.document())
        return data


def to_item(row: WalletCredential) -> WalletItem:
    return WalletItem(
        row.id,
        row.title,
        row.issuer_id,
        row.issuer_name,
        row.issuer_country,
        row.issued_on,
        row.valid_until,
        row.ects,
        row.hours,
        row.eqf_level,
        list(row.skills),
        row.status,
        row.kind,
        row.source,
        row.credential_id,
        list(row.missing),
        row.imported_at,
        row.verified_at,
        row.original,
        dict(row.report),
        dict(row.model),
    )


@dataclass(frozen=True)
class _Extracted:
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


def _extract(raw: bytes, filename: str | None) -> _Extracted:
    """What the bytes are: a credential as JSON-LD, a VC-JWT, a sealed ELM, or a baked badge."""
    try:
        found = extract(raw, filename=filename)
    except ImportFormatError as exc:
        raise WalletImportError(str(exc), "file") from None
    if found.jwt is not None:
        payload = found.document or _jwt_payload(found.jwt)
        # A VC-JWT 1.1 carries the credential in its `vc` claim.
        credential = payload["vc"] if isinstance(payload.get("vc"), dict) else payload
        return _Extracted(found.kind, found.source, found.jwt, credential, found.jwt)
    if found.document is None:
        raise WalletImportError(
            f"this badge only links to its hosted assertion; import that URL instead: {found.hosted_url}",
            "file",
        )
    credential = found.document
    if is_sealed(credential):
        credential = json.loads(credential["payload"])
    return _Extracted(
        found.kind,
        found.source,
        json.dumps(found.document, ensure_ascii=False),
        credential,
        found.document,
    )


def _digest(extracted: _Extracted) -> str:
    canonical = json.dumps(
        extracted.credential, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    basis = extracted.original if extracted.kind == "vc-jwt" else canonical
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _fields(credential: dict[str, Any]) -> dict[str, Any]:
    """The portfolio's searchable fields, from the model reading of the credential."""
    reading = read_model(credential)
    data = reading.award.to_data() if reading.award is not None else reading.data
    summary = summarize(credential, data, format=reading.kind, missing=reading.missing)
    spec = data.get("spec", {}) if isinstance(data.get("spec"), dict) else {}
    workload = spec.get("workload") if isinstance(spec.get("workload"), dict) else {}
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


def _verify(instance: Instance, extracted: _Extracted) -> dict[str, Any]:
    context = verifying.verifier_context(instance, now=datetime.now(UTC))
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
    extracted = _extract(raw, filename)
    digest = _digest(extracted)
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        existing = session.scalar(
            select(WalletCredential).where(
                WalletCredential.holder_id == holder.id, WalletCredential.digest == digest
            )
        )
        if existing is not None:
            return to_item(existing), False
    report = _verify(instance, extracted)
    fields = _fields(extracted.credential)
    now = datetime.now(UTC)
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


def list_items(
    instance: Instance,
    holder_ref: str,
    *,
    issuer: str | None = None,
    skill: str | None = None,
    eqf_level: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str | None = None,
) -> list[WalletItem]:
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        rows = session.scalars(
            select(WalletCredential)
            .where(WalletCredential.holder_id == holder.id)
            .order_by(WalletCredential.issued_on)
        )
        items = [to_item(r) for r in rows]

    def keep(item: WalletItem) -> bool:
        if (
            issuer
            and issuer.lower() not in f"{item.issuer_name or ''} {item.issuer_id or ''}".lower()
        ):
            return False
        if skill and not any(skill.lower() in s.lower() for s in item.skills):
            return False
        if eqf_level is not None and item.eqf_level != eqf_level:
            return False
        day = item.issued_on.date() if item.issued_on else None
        if date_from and (day is None or day < date_from):
            return False
        if date_to and (day is None or day > date_to):
            return False
        return not (status and item.status != status)

    return [i for i in items if keep(i)]


def totals(items: list[WalletItem]) -> dict[str, Any]:
    """Totals over the credentials that verified (valid): invalid or revoked ones do not count."""
    counted = [i for i in items if i.status == "valid"]
    ects = sum((Decimal(i.ects) for i in counted if i.ects), Decimal(0))
    hours = sum((Decimal(i.hours) for i in counted if i.hours), Decimal(0))
    by_status: dict[str, int] = {}
    for item in items:
        by_status[item.status] = by_status.get(item.status, 0) + 1
    return {
        "count": len(items),
        "valid": len(counted),
        "ects": float(ects),
        "hours": float(hours),
        "by_status": by_status,
    }


def timeline(items: list[WalletItem]) -> list[dict[str, Any]]:
    out, running = [], Decimal(0)
    for item in sorted(
        (i for i in items if i.issued_on),
        key=lambda i: i.issued_on or datetime.min.replace(tzinfo=UTC),
    ):
        if item.status == "valid" and item.ects:
            running += Decimal(item.ects)
        out.append(
            {
                "date": item.issued_on.date().isoformat() if item.issued_on else None,
                "id": item.id,
                "title": item.title,
                "status": item.status,
                "ects_total": float(running),
            }
        )
    return out


def _row(session: Session, holder_ref: str, item_id: str) -> WalletCredential:
    holder = find(session, holder_ref)
    row = session.get(WalletCredential, item_id)
    if row is None or row.holder_id != holder.id:
        raise HolderNotFound(f"no credential '{item_id}' in this wallet", "id")
    return row


def get_item(instance: Instance, holder_ref: str, item_id: str) -> WalletItem:
    with transaction(instance.sessions) as session:
        return to_item(_row(session, holder_ref, item_id))


def delete_item(instance: Instance, holder_ref: str, item_id: str) -> None:
    with transaction(instance.sessions) as session:
        session.delete(_row(session, holder_ref, item_id))


def reverify(
    instance: Instance, holder_ref: str, item_ids: list[str] | None = None
) -> list[dict[str, str]]:
    """Verify again (revocation may have happened since); returns the changes of status."""
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        rows = [
            to_item(r)
            for r in session.scalars(
                select(WalletCredential).where(WalletCredential.holder_id == holder.id)
            )
        ]
    changes = []
    for item in rows:
        if item_ids and item.id not in item_ids:
            continue
        extracted = _extract(item.original.encode("utf-8"), None)
        report = _verify(instance, extracted)
        with transaction(instance.sessions) as session:
            row = session.get(WalletCredential, item.id)
            if row is None:
                continue
            row.report, row.status, row.verified_at = (
                report,
                str(report["status"]),
                datetime.now(UTC),
            )
        changes.append({"id": item.id, "before": item.status, "after": str(report["status"])})
    return changes


def reverify_everyone(instance: Instance) -> int:
    """The scheduled re-verification of every wallet; returns how many credentials changed status."""
    from microcred.store.tables import Holder

    with transaction(instance.sessions) as session:
        handles = list(session.scalars(select(Holder.handle)))
    return sum(
        1
        for handle in handles
        for change in reverify(instance, handle)
        if change["before"] != change["after"]
    )


def export_bundle(instance: Instance, holder_ref: str) -> dict[str, Any]:
    """Every credential as imported, with its stored report: re-imports losslessly."""
    items = list_items(instance, holder_ref)
    return {
        "format": BUNDLE_FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "credentials": [
            {
                "original": i.original,
                "kind": i.kind,
                "source": i.source,
                "status": i.status,
                "report": i.report,
                "imported_at": i.imported_at.isoformat(),
                "verified_at": i.verified_at.isoformat(),
            }
            for i in items
        ],
    }


def import_bundle(instance: Instance, holder_ref: str, bundle: Any) -> dict[str, int]:
    if (
        not isinstance(bundle, dict)
        or bundle.get("format") != BUNDLE_FORMAT
        or not isinstance(bundle.get("credentials"), list)
    ):
        raise WalletImportError(
            f"not a wallet bundle: expected {{'format': '{BUNDLE_FORMAT}', 'credentials': [...]}}",
            "file",
        )
    added = skipped = 0
    for index, entry in enumerate(bundle["credentials"]):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("original"), str)
            or not isinstance(entry.get("report"), dict)
        ):
            raise WalletImportError(
                f"credentials[{index}] is not a bundle entry (original and report)", "file"
            )
        extracted = _extract(entry["original"].encode("utf-8"), None)
        digest = _digest(extracted)
        fields = _fields(extracted.credential)
        with transaction(instance.sessions) as session:
            holder = find(session, holder_ref)
            if session.scalar(
                select(WalletCredential).where(
                    WalletCredential.holder_id == holder.id, WalletCredential.digest == digest
                )
            ):
                skipped += 1
                continue
            session.add(
                WalletCredential(
                    id=str(uuid.uuid4()),
                    holder_id=holder.id,
                    digest=digest,
                    kind=str(entry.get("kind", extracted.kind)),
                    source=str(entry.get("source", extracted.source)),
                    original=entry["original"],
                    status=str(entry.get("status", entry["report"].get("status", "invalid"))),
                    report=entry["report"],
                    verified_at=_time(entry.get("verified_at")) or datetime.now(UTC),
                    imported_at=_time(entry.get("imported_at")) or datetime.now(UTC),
                    **fields,
                )
            )
            added += 1
    return {"added": added, "already_there": skipped}


MAX_DOWNLOAD_BYTES = 5 * 1024 * 1024


URL_REFUSED = REFUSED  # the one message for a URL not allowed or not answering
URL_ACCEPT = "application/ld+json, application/json, application/vc+jwt, image/png, image/svg+xml"


def outbound_policy(instance: Instance) -> OutboundPolicy:
    """The operator's allow-list (MICROCRED_ALLOWED_HOSTS) and private-address setting
    (MICROCRED_OUTBOUND_ALLOW_PRIVATE): the same rules for every outbound request."""
    return OutboundPolicy(
        instance.settings.allowed_hosts, allow_private=instance.settings.outbound_allow_private
    )


def fetch_url(instance: Instance, url: str, *, network: Network | None = None) -> bytes:
    """Download a credential through the instance's one outbound fetcher: an allow-listed
    scheme, host and port, never an internal address unless the operator allows it, size and
    time limits, one message for whatever does not answer (see verify/http_fetch.py)."""
    fetcher = OutboundFetcher(
        outbound_policy(instance),
        network=network,
        max_bytes=MAX_DOWNLOAD_BYTES,
        timeout=10.0,
        accept=URL_ACCEPT,
    )
    try:
        return fetcher.fetch(url)
    except FetchError as exc:
        raise WalletImportError(str(exc), "url") from None
