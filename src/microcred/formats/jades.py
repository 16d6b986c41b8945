"""JAdES seals of Europass Digital Credentials (EDC): read the payload, and the seal's check.

EDC seals an ELM credential with a JAdES baseline-LTA signature in the JWS JSON
serialisation with an unencoded payload (`b64: false`, RFC 7797). The signature check
against the certificate in `x5c` is `microcred.proofs.jades.check_seal` (it raises); this
module reads the credential out of the seal and says what the check found, offline. It does
not build or check the certificate chain against the EU List of Trusted Lists (that needs the
network), nor the timestamps and revocation data in the unprotected `etsiU` header; the
result says so. Creating a qualified electronic seal is outside what this project does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from microcred.proofs.jades import SealRejected, check_seal, seal_header

TRUST_NOTE = (
    "signature checked against the certificate in the seal only; the certificate chain "
    "was not checked against the EU trust lists (offline)"
)

__all__ = ["TRUST_NOTE", "JadesError", "SealResult", "read_sealed", "verify_jades"]


class JadesError(ValueError):
    """The document is not a JAdES JWS JSON serialisation this module can read."""


@dataclass(frozen=True)
class SealResult:
    """What checking a JAdES seal found. `verified` is the signature check only."""

    verified: bool
    algorithm: str | None
    organisation: str | None
    subject: str | None
    not_before: datetime | None
    not_after: datetime | None
    expired: bool | None
    signing_time: str | None
    reason: str | None = None
    note: str = TRUST_NOTE


def verify_jades(doc: dict[str, Any], *, now: datetime | None = None) -> SealResult:
    """What `proofs.jades.check_seal` finds about a JAdES JWS JSON document, as a result.

    `expired` compares the certificate validity with `now`; without `now` it is None
    (this function reads no clock). Never raises for a bad seal: an unreadable or
    failing seal gives `verified=False` with a `reason`.
    """
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)

    def expired(not_before: datetime | None, not_after: datetime | None) -> bool | None:
        if now is None or not_before is None or not_after is None:
            return None
        return not (not_before <= now <= not_after)

    try:
        seal = check_seal(doc)
    except SealRejected as exc:
        known = exc.seal
        return SealResult(
            verified=False,
            algorithm=known.algorithm,
            organisation=known.organisation,
            subject=known.subject,
            not_before=known.not_before,
            not_after=known.not_after,
            expired=expired(known.not_before, known.not_after),
            signing_time=known.signing_time,
            reason=exc.reason,
        )
    return SealResult(
        verified=True,
        algorithm=seal.algorithm,
        organisation=seal.organisation,
        subject=seal.subject,
        not_before=seal.not_before,
        not_after=seal.not_after,
        expired=expired(seal.not_before, seal.not_after),
        signing_time=seal.signing_time,
    )


def read_sealed(
    doc: dict[str, Any], *, now: datetime | None = None
) -> tuple[dict[str, Any], SealResult]:
    """The credential inside a JAdES-sealed document, and the seal check (see `verify_jades`).

    Raises `JadesError` only when there is no JSON credential to return.
    """
    try:
        seal_header(doc)
    except SealRejected as exc:
        raise JadesError(exc.reason) from None
    try:
        payload = json.loads(doc["payload"])
    except ValueError as cause:
        raise JadesError("the payload is not JSON") from cause
    if not isinstance(payload, dict):
        raise JadesError("the payload is not a JSON object")
    return payload, verify_jades(doc, now=now)
