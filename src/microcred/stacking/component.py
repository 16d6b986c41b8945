"""A component: the small, frozen view of one credential that a pathway evaluation needs.

The service layer builds components from wallet items **after verifying them
again**; tests build them directly. Nothing here touches a database or a clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from microcred.formats.dates import parse_timestamp
from microcred.formats.reading import is_sealed, read_model
from microcred.model.multilingual import pick

SHA2_256_MULTIHASH = b"\x12\x20"


def canonical_bytes(document: dict[str, Any] | str) -> bytes:
    """The bytes a component's digest is taken over.

    A JSON-LD credential (with its proof): its JSON with sorted keys, no
    insignificant whitespace, UTF-8 (JCS-style, so re-indenting a file does not
    change it). A vc+jwt: the compact token itself. A JAdES-sealed ELM document:
    the sealed payload's JSON, canonicalised the same way. This is the same basis
    the wallet uses to recognise a credential it already holds.
    """
    if isinstance(document, str):
        return document.strip().encode("utf-8")
    if is_sealed(document):
        document = json.loads(document["payload"])
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def digest_multibase(document: dict[str, Any] | str) -> str:
    """VC 2.0 `digestMultibase`: multibase (base64url, 'u') of a sha2-256 multihash."""
    digest = SHA2_256_MULTIHASH + hashlib.sha256(canonical_bytes(document)).digest()
    return "u" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def jwt_payload(token: str) -> dict[str, Any] | None:
    try:
        body = token.strip().split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, IndexError):
        return None
    return payload if isinstance(payload, dict) else None


def credential_of(document: dict[str, Any] | str) -> dict[str, Any] | None:
    """The credential inside whatever was given: itself, a JWT payload or a sealed payload."""
    if isinstance(document, str):
        payload = jwt_payload(document)
        if payload is not None and isinstance(payload.get("vc"), dict) and "id" not in payload:
            return dict(payload["vc"])
        return payload
    if is_sealed(document):
        try:
            inner = json.loads(document["payload"])
        except ValueError:
            return None
        return inner if isinstance(inner, dict) else None
    return document


def credential_id(document: dict[str, Any] | str) -> str | None:
    credential = credential_of(document)
    if credential is None:
        return None
    value = credential.get("id") or credential.get("jti")
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Component:
    """One credential as the evaluation sees it. `status` is the verification result *now*."""

    id: str
    digest: str
    status: str
    title: dict[str, str] = field(default_factory=dict)
    credential_id: str | None = None
    spec_id: str | None = None
    issuer_id: str | None = None
    issuer_name: str | None = None
    awarding_body_id: str | None = None
    trusted: bool = False
    issued_on: datetime | None = None
    valid_until: datetime | None = None
    ects: Decimal | None = None
    hours: Decimal | None = None
    eqf_level: int | None = None
    skills: frozenset[str] = frozenset()
    outcomes: tuple[str, ...] = ()
    assessment_type: str | None = None
    supervision: str | None = None
    # a stacked credential: the pathway it was recognised under (it never counts towards it)
    stacked_for: str | None = None

    @property
    def name(self) -> str:
        return pick(self.title) if self.title else (self.credential_id or self.id)

    @property
    def ref(self) -> str:
        """How a stacked credential names it: the credential's own id, else the digest."""
        return self.credential_id or f"urn:digest:{self.digest}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "credential_id": self.credential_id,
            "digest": self.digest,
            "title": self.name,
            "status": self.status,
            "issuer": self.issuer_name or self.issuer_id,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "ects": _num(self.ects),
            "hours": _num(self.hours),
            "eqf_level": self.eqf_level,
        }


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() and result >= 0 else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def component_from_credential(
    document: dict[str, Any] | str,
    report: dict[str, Any],
    *,
    component_id: str | None = None,
) -> Component:
    """A component from a credential (JSON-LD, vc+jwt or sealed ELM) and its verification report
    (the `to_json()` of a VerificationReport run just now)."""
    credential = credential_of(document) or {}
    reading = read_model(credential)
    data = reading.award.to_data() if reading.award is not None else reading.data
    spec = _dict(data.get("spec"))
    workload = _dict(spec.get("workload"))
    body = _dict(spec.get("awarding_body"))
    issuer = credential.get("issuer")
    issuer_id = _dict(issuer).get("id") if isinstance(issuer, dict) else issuer
    issuer_name = _dict(issuer).get("name")
    if not isinstance(issuer_name, str):
        name_map = body.get("name")
        issuer_name = pick(name_map) if isinstance(name_map, dict) and name_map else None
    skills = {
        str(o["esco_skill"])
        for o in spec.get("learning_outcomes", [])
        if isinstance(o, dict) and o.get("esco_skill")
    } | {
        str(s["esco_uri"])
        for s in spec.get("skills", [])
        if isinstance(s, dict) and s.get("esco_uri")
    }
    outcomes = tuple(
        text
        for o in spec.get("learning_outcomes", [])
        if isinstance(o, dict) and isinstance(o.get("text"), dict)
        for text in o["text"].values()
        if isinstance(text, str)
    )
    title = spec.get("title") if isinstance(spec.get("title"), dict) else None
    if not title and isinstance(credential.get("name"), str):
        title = {"en": credential["name"]}
    raw_checks = report.get("checks")
    checks: list[Any] = raw_checks if isinstance(raw_checks, list) else []
    trusted = any(
        isinstance(c, dict) and c.get("id") == "trust" and c.get("status") == "pass" for c in checks
    )
    assessment = _dict(spec.get("assessment")).get("type")
    eqf = spec.get("eqf_level")
    cid = credential_id(document)
    digest = digest_multibase(document)
    evidence = credential.get("evidence")
    stacked_for = next(
        (
            e["id"]
            for e in (evidence if isinstance(evidence, list) else [])
            if isinstance(e, dict)
            and e.get("genre") == "recognition pathway"
            and isinstance(e.get("id"), str)
        ),
        None,
    )
    return Component(
        id=component_id or cid or digest,
        digest=digest,
        status=str(report.get("status") or "invalid"),
        title={str(k): str(v) for k, v in (title or {}).items()},
        credential_id=cid,
        spec_id=spec.get("id") if isinstance(spec.get("id"), str) else None,
        issuer_id=issuer_id if isinstance(issuer_id, str) else None,
        issuer_name=issuer_name,
        awarding_body_id=body.get("id") if isinstance(body.get("id"), str) else None,
        trusted=trusted,
        issued_on=parse_timestamp(data.get("issued_on"))
        or parse_timestamp(credential.get("validFrom") or credential.get("issuanceDate")),
        valid_until=parse_timestamp(
            credential.get("validUntil") or credential.get("expirationDate")
        ),
        ects=_decimal(workload.get("ects")),
        hours=_decimal(workload.get("hours")),
        eqf_level=eqf if isinstance(eqf, int) and not isinstance(eqf, bool) else None,
        skills=frozenset(skills),
        outcomes=outcomes,
        assessment_type=assessment if isinstance(assessment, str) else None,
        supervision=spec.get("supervision") if isinstance(spec.get("supervision"), str) else None,
        stacked_for=stacked_for,
    )
