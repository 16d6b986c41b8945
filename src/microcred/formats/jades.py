"""JAdES seals of Europass Digital Credentials (EDC): read the payload, check the signature.

EDC seals an ELM credential with a JAdES baseline-LTA signature in the JWS JSON
serialisation with an unencoded payload (`b64: false`, RFC 7797): the RS256
signature is over ASCII(protected) + "." + the payload bytes, and the sealing
certificate travels in the protected header's `x5c`. This module checks that
signature against that certificate, offline. It does not build or check the
certificate chain against the EU List of Trusted Lists (that needs the network),
nor the timestamps and revocation data in the unprotected `etsiU` header; the
result says so. Creating a qualified electronic seal is outside what this
project does.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

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


def _b64url(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as cause:
        raise JadesError("invalid base64url") from cause


def _signature_entry(doc: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(doc, dict) or not isinstance(doc.get("payload"), str):
        raise JadesError("not a JWS JSON serialisation: no string `payload`")
    signatures = doc.get("signatures")
    if isinstance(signatures, list) and signatures and isinstance(signatures[0], dict):
        return signatures[0]
    if isinstance(doc.get("protected"), str) and isinstance(doc.get("signature"), str):
        return doc  # flattened serialisation
    raise JadesError("not a JWS JSON serialisation: no `signatures`")


def _header(entry: dict[str, Any]) -> dict[str, Any]:
    protected = entry.get("protected")
    if not isinstance(protected, str):
        raise JadesError("the signature has no protected header")
    try:
        header = json.loads(_b64url(protected))
    except ValueError as cause:
        raise JadesError("the protected header is not JSON") from cause
    if not isinstance(header, dict):
        raise JadesError("the protected header is not a JSON object")
    return header


def _payload_bytes(doc: dict[str, Any], header: dict[str, Any]) -> bytes:
    payload: str = doc["payload"]
    if header.get("b64") is False:
        return payload.encode("utf-8")
    return payload.encode("ascii")


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def verify_jades(doc: dict[str, Any], *, now: datetime | None = None) -> SealResult:
    """Check the RS256 signature of a JAdES JWS JSON document against its `x5c` certificate.

    `expired` compares the certificate validity with `now`; without `now` it is None
    (this function reads no clock). Never raises for a bad seal: an unreadable or
    failing seal gives `verified=False` with a `reason`.
    """
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)

    def failed(reason: str, **known: Any) -> SealResult:
        fields: dict[str, Any] = {
            "algorithm": None,
            "organisation": None,
            "subject": None,
            "not_before": None,
            "not_after": None,
            "expired": None,
            "signing_time": None,
        }
        fields.update(known)
        return SealResult(verified=False, reason=reason, **fields)

    try:
        entry = _signature_entry(doc)
        header = _header(entry)
    except JadesError as exc:
        return failed(str(exc))
    alg = header.get("alg") if isinstance(header.get("alg"), str) else None
    signing_time = header.get("sigT") if isinstance(header.get("sigT"), str) else None
    chain = header.get("x5c")
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        return failed("no certificate (`x5c`) in the protected header", algorithm=alg)
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
    except (ValueError, binascii.Error) as cause:
        return failed(f"the `x5c` certificate cannot be read: {cause}", algorithm=alg)
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    known: dict[str, Any] = {
        "algorithm": alg,
        "organisation": _name_attr(cert.subject, NameOID.ORGANIZATION_NAME)
        or _name_attr(cert.subject, NameOID.COMMON_NAME),
        "subject": cert.subject.rfc4514_string(),
        "not_before": not_before,
        "not_after": not_after,
        "expired": None if now is None else not (not_before <= now <= not_after),
        "signing_time": signing_time,
    }
    if alg != "RS256":
        return failed(f"algorithm {alg!r} is not supported (only RS256)", **known)
    crit = header.get("crit", [])
    if not isinstance(crit, list) or any(c not in {"b64", "sigT", "adoTst"} for c in crit):
        return failed(f"unsupported critical header parameters {crit!r}", **known)
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return failed("the certificate key is not an RSA key", **known)
    signature_text = entry.get("signature")
    if not isinstance(signature_text, str):
        return failed("the signature is missing", **known)
    try:
        signature = _b64url(signature_text)
        signing_input = entry["protected"].encode("ascii") + b"." + _payload_bytes(doc, header)
        key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return failed("the signature does not match the payload", **known)
    except (JadesError, UnicodeEncodeError) as exc:
        return failed(f"the seal cannot be checked: {exc}", **known)
    return SealResult(verified=True, **known)


def read_sealed(
    doc: dict[str, Any], *, now: datetime | None = None
) -> tuple[dict[str, Any], SealResult]:
    """The credential inside a JAdES-sealed document, and the seal check (see `verify_jades`).

    Raises `JadesError` only when there is no JSON credential to return.
    """
    _header(_signature_entry(doc))
    try:
        payload = json.loads(doc["payload"])
    except ValueError as cause:
        raise JadesError("the payload is not JSON") from cause
    if not isinstance(payload, dict):
        raise JadesError("the payload is not a JSON object")
    return payload, verify_jades(doc, now=now)
