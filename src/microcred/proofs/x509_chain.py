"""X.509 chains as JOSE carries them (``x5c``) and their validation.

HAIP 1.0 (sections 4.1, 4.4.1, 5, 6.1): ``x5c`` holds the chain leaf first and WITHOUT the
trust anchor, and the leaf is not self-signed; ``verify_chain`` refuses both.

Path building and signature checks are ``cryptography.x509.verification`` (documented as
unstable); this module is the only place that touches it, so an API change is one edit.
What it does not say clearly (anchor included, self-signed leaf, expiry, key mismatch) is
checked first here, by hand, to give a reason a person can act on. Import these names
from :mod:`microcred.proofs.x509`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from microcred.proofs.errors import ProofError

Usage = Literal["signing", "tls_server"]
"""What a leaf certificate is for: signing credentials, metadata and requests (key usage
digitalSignature, no extended key usage), or a TLS server (serverAuth, for tests)."""

MAX_CHAIN_LENGTH = 8
MAX_CERTIFICATE_BYTES = 16 * 1024
TEST_CA_MARK = "TEST CA - not a real certification authority"

CertificateReason = Literal[
    "malformed",
    "empty",
    "too_long",
    "anchor_included",
    "self_signed_leaf",
    "expired",
    "not_yet_valid",
    "key_mismatch",
    "no_anchor",
    "untrusted",
]


class CertificateError(ProofError):
    """A certificate chain cannot be used; ``reason`` is one of ``CertificateReason``."""

    def __init__(self, reason: CertificateReason, message: str) -> None:
        self.reason = reason
        super().__init__(message)


# -- encoding -------------------------------------------------------------------------------


def to_pem(certificates: Iterable[x509.Certificate]) -> bytes:
    """PEM text of the certificates, in the given order."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def from_pem(data: bytes | str) -> list[x509.Certificate]:
    """Every certificate of a PEM text, in order; ``CertificateError('malformed')`` if none."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else data
    try:
        certificates = x509.load_pem_x509_certificates(raw)
    except ValueError as exc:
        raise CertificateError("malformed", f"not a PEM certificate list: {exc}") from None
    if not certificates:
        raise CertificateError("empty", "the PEM text holds no certificate")
    return certificates


def x5c_header(chain: Sequence[x509.Certificate]) -> list[str]:
    """The JOSE ``x5c`` value (RFC 7515 4.1.6): standard base64 DER, leaf first, no anchor."""
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain]


def x509_hash(leaf: x509.Certificate) -> str:
    """Base64url (no padding) SHA-256 of the DER leaf: the OpenID4VP ``x509_hash:`` value."""
    digest = hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def san_dns_names(certificate: x509.Certificate) -> list[str]:
    """The dNSName entries of the subjectAltName (OpenID4VP ``x509_san_dns:``)."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return san.value.get_values_for_type(x509.DNSName)


def ec_public_key(jwk: Mapping[str, object]) -> ec.EllipticCurvePublicKey:
    """The cryptography public key of a P-256 JWK (to compare with a certificate's key)."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise CertificateError("key_mismatch", "the key is not a P-256 key (kty EC, crv P-256)")
    try:
        x, y = (
            int.from_bytes(base64.urlsafe_b64decode(str(jwk[c]) + "=="), "big") for c in ("x", "y")
        )
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except (KeyError, ValueError, binascii.Error):
        raise CertificateError("key_mismatch", "the P-256 JWK has no valid x and y") from None


def decode_x5c(x5c: Sequence[bytes | str]) -> list[x509.Certificate]:
    """The certificates of an ``x5c`` (standard base64 strings or DER bytes), size-bounded;
    nothing is validated."""
    if not isinstance(x5c, (list, tuple)) or not x5c:
        raise CertificateError("empty", "x5c: the certificate chain is empty")
    if len(x5c) > MAX_CHAIN_LENGTH:
        raise CertificateError(
            "too_long", f"x5c: {len(x5c)} certificates, at most {MAX_CHAIN_LENGTH} are accepted"
        )
    out: list[x509.Certificate] = []
    for index, item in enumerate(x5c):
        if isinstance(item, str):
            try:
                der = base64.b64decode(item, validate=True)
            except (binascii.Error, ValueError):
                raise CertificateError(
                    "malformed", f"x5c[{index}]: not standard base64 (RFC 7515 4.1.6)"
                ) from None
        elif isinstance(item, (bytes, bytearray)):
            der = bytes(item)
        else:
            raise CertificateError("malformed", f"x5c[{index}]: not a string")
        if len(der) > MAX_CERTIFICATE_BYTES:
            raise CertificateError("too_long", f"x5c[{index}]: certificate larger than 16 KiB")
        try:
            out.append(x509.load_der_x509_certificate(der))
        except ValueError:
            raise CertificateError("malformed", f"x5c[{index}]: not a DER certificate") from None
    return out


# -- validation -------------------------------------------------------------------------------


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _spki(key: object) -> bytes:
    public = getattr(key, "public_bytes", None)
    if public is None:
        raise CertificateError("key_mismatch", "the expected key is not a public key")
    return bytes(
        public(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def is_self_signed(certificate: x509.Certificate) -> bool:
    if certificate.issuer != certificate.subject:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _label(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string() or "(no subject)"


def _check_validity(chain: Sequence[x509.Certificate], now: dt.datetime) -> None:
    for index, certificate in enumerate(chain):
        which = "the leaf" if index == 0 else f"x5c[{index}]"
        if now > certificate.not_valid_after_utc:
            raise CertificateError(
                "expired",
                f"{which} ({_label(certificate)}) expired on "
                f"{certificate.not_valid_after_utc:%Y-%m-%d}",
            )
        if now < certificate.not_valid_before_utc:
            raise CertificateError(
                "not_yet_valid",
                f"{which} ({_label(certificate)}) is valid only from "
                f"{certificate.not_valid_before_utc:%Y-%m-%d}",
            )


def _leaf_key_usage(_policy: object, _cert: x509.Certificate, ku: x509.KeyUsage | None) -> None:
    if ku is not None and not ku.digital_signature:
        raise ValueError("the leaf's key usage does not allow digitalSignature")


def _signing_policy() -> ExtensionPolicy:
    # Not a TLS client or server: any extended key usage, an optional subjectAltName, and
    # (when present) a key usage that allows signatures.
    return (
        ExtensionPolicy.webpki_defaults_ee()
        .may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, None)
        .may_be_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
        .may_be_present(x509.KeyUsage, Criticality.AGNOSTIC, _leaf_key_usage)
    )


def verify_chain(
    x5c: Sequence[bytes | str],
    anchors: Sequence[x509.Certificate],
    *,
    now: dt.datetime,
    purpose: Usage = "signing",
    expected_key: object | None = None,
    server_name: str | None = None,
) -> x509.Certificate:
    """Validate ``x5c`` (leaf first, DER bytes or standard base64, without the anchor) up to
    one of ``anchors`` at ``now``; return the leaf. ``expected_key`` (a cryptography public
    key) must be the leaf's key. ``purpose='tls_server'`` needs ``server_name``.
    Raises ``CertificateError`` with the reason."""
    chain = decode_x5c(x5c)
    leaf = chain[0]
    anchor_ders = {_der(a) for a in anchors}
    if is_self_signed(leaf):
        raise CertificateError(
            "self_signed_leaf",
            f"the leaf ({_label(leaf)}) is self-signed; a signer's certificate must be issued "
            "by a certification authority",
        )
    for index, certificate in enumerate(chain[1:], start=1):
        if _der(certificate) in anchor_ders or is_self_signed(certificate):
            raise CertificateError(
                "anchor_included",
                f"x5c[{index}] ({_label(certificate)}) is a trust anchor; x5c must not "
                "contain the trust anchor (HAIP 1.0)",
            )
    utc = now.astimezone(dt.UTC)
    _check_validity(chain, utc)
    if expected_key is not None and _spki(leaf.public_key()) != _spki(expected_key):
        raise CertificateError(
            "key_mismatch", "the leaf certificate is for another key than the signature's"
        )
    if not anchors:
        raise CertificateError("no_anchor", "no trust anchor is configured")
    builder = PolicyBuilder().store(Store(list(anchors))).time(utc)
    builder = builder.max_chain_depth(MAX_CHAIN_LENGTH)
    try:
        if purpose == "tls_server":
            if not server_name:
                raise ValueError("server_name is needed for a TLS server chain")
            subject: x509.DNSName | x509.IPAddress
            try:
                subject = x509.IPAddress(ipaddress.ip_address(server_name))
            except ValueError:
                subject = x509.DNSName(server_name)
            builder.build_server_verifier(subject).verify(leaf, chain[1:])
        else:
            builder = builder.extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=_signing_policy()
            )
            builder.build_client_verifier().verify(leaf, chain[1:])
    except VerificationError as exc:
        raise CertificateError(
            "untrusted", f"the chain of {_label(leaf)} does not lead to a trusted anchor: {exc}"
        ) from None
    return leaf
