"""The signature of a JAdES seal (JWS JSON serialisation, RS256, certificate in `x5c`).

Europass EDC seals an ELM credential with a JAdES baseline signature in the JWS JSON
serialisation with an unencoded payload (`b64: false`, RFC 7797): the RS256 signature is
over ASCII(protected) + "." + the payload bytes, and the sealing certificate travels in the
protected header's `x5c`. `check_seal` checks that signature against that certificate and
raises when it does not hold (`SealRejected`, a `ProofError`; `InvalidSignature` for a
signature that does not match). It does not check the certificate chain against the EU
trusted lists, nor the timestamps in the unprotected header: that needs the network.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from microcred.proofs.errors import InvalidSignature, ProofError
from microcred.proofs.rs256 import certificate_rsa_key, verify_rs256

__all__ = ["Seal", "SealRejected", "SealSignatureMismatch", "check_seal", "seal_header"]

_ALLOWED_CRIT = frozenset({"b64", "sigT", "adoTst"})


@dataclass(frozen=True)
class Seal:
    """What the seal's protected header and certificate say (nothing here is trusted yet)."""

    algorithm: str | None = None
    organisation: str | None = None
    subject: str | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None
    signing_time: str | None = None


class SealRejected(ProofError):
    """The seal does not verify; ``seal`` holds what could be read of it before it failed."""

    def __init__(self, reason: str, seal: Seal | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seal = seal or Seal()


class SealSignatureMismatch(SealRejected, InvalidSignature):
    """The seal's signature does not match its payload."""


def _b64url(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise SealRejected("invalid base64url") from None


def _signature_entry(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict) or not isinstance(doc.get("payload"), str):
        raise SealRejected("not a JWS JSON serialisation: no string `payload`")
    signatures = doc.get("signatures")
    if isinstance(signatures, list) and signatures and isinstance(signatures[0], dict):
        return signatures[0]
    if isinstance(doc.get("protected"), str) and isinstance(doc.get("signature"), str):
        return doc  # flattened serialisation
    raise SealRejected("not a JWS JSON serialisation: no `signatures`")


def seal_header(doc: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(signature entry, protected header)`` of a JWS JSON document; SealRejected if none."""
    entry = _signature_entry(doc)
    protected = entry.get("protected")
    if not isinstance(protected, str):
        raise SealRejected("the signature has no protected header")
    raw = _b64url(protected)
    try:
        header = json.loads(raw)
    except ValueError:
        raise SealRejected("the protected header is not JSON") from None
    if not isinstance(header, dict):
        raise SealRejected("the protected header is not a JSON object")
    return entry, header


def _name_attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def check_seal(doc: Any) -> Seal:
    """The seal, if its RS256 signature verifies with its `x5c` certificate; raise if not."""
    entry, header = seal_header(doc)
    alg = header.get("alg") if isinstance(header.get("alg"), str) else None
    signing_time = header.get("sigT") if isinstance(header.get("sigT"), str) else None
    chain = header.get("x5c")
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise SealRejected("no certificate (`x5c`) in the protected header", Seal(algorithm=alg))
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
    except (ValueError, binascii.Error) as cause:
        raise SealRejected(
            f"the `x5c` certificate cannot be read: {cause}", Seal(algorithm=alg)
        ) from None
    seal = Seal(
        algorithm=alg,
        organisation=_name_attr(cert.subject, NameOID.ORGANIZATION_NAME)
        or _name_attr(cert.subject, NameOID.COMMON_NAME),
        subject=cert.subject.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        signing_time=signing_time,
    )
    if alg != "RS256":
        raise SealRejected(f"algorithm {alg!r} is not supported (only RS256)", seal)
    crit = header.get("crit", [])
    if not isinstance(crit, list) or any(c not in _ALLOWED_CRIT for c in crit):
        raise SealRejected(f"unsupported critical header parameters {crit!r}", seal)
    try:
        key = certificate_rsa_key(cert)
    except ProofError:
        raise SealRejected("the certificate key is not an RSA key", seal) from None
    signature_text = entry.get("signature")
    if not isinstance(signature_text, str):
        raise SealRejected("the signature is missing", seal)
    try:
        signature = _b64url(signature_text)
        payload: str = doc["payload"]
        body = payload.encode("utf-8") if header.get("b64") is False else payload.encode("ascii")
        signing_input = entry["protected"].encode("ascii") + b"." + body
    except SealRejected as exc:
        raise SealRejected(f"the seal cannot be checked: {exc.reason}", seal) from None
    except UnicodeEncodeError as exc:
        raise SealRejected(f"the seal cannot be checked: {exc}", seal) from None
    try:
        verify_rs256(signing_input, signature, key)
    except InvalidSignature:
        raise SealSignatureMismatch("the signature does not match the payload", seal) from None
    return seal
