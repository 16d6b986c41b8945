"""RS256 (RSASSA-PKCS1-v1_5 with SHA-256): the signatures of Open Badges 2.0 and JAdES seals.

`RsaJwtKey` is an RSA JWK as a verify-only key for the JOSE checks (VC-JWT 1.1 RS256).
Only the raw primitive lives here, like the other dangerous crypto of the proofs layer:
load a public key, check a signature (raising `InvalidSignature`, never returning a bool),
and sign (for tests and fixtures). Which key may sign what is the caller's policy.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from microcred.proofs.errors import (
    InvalidSignature,
    KeyUsageError,
    MalformedProof,
    VerificationMethodError,
)

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

__all__ = [
    "MIN_RSA_BITS",
    "RsaJwtKey",
    "RsaPrivateKey",
    "RsaPublicKey",
    "certificate_rsa_key",
    "load_rsa_public_key",
    "sign_rs256",
    "verify_rs256",
    "verify_rs256_compact",
]

RsaPrivateKey = rsa.RSAPrivateKey


@dataclass(frozen=True)
class RsaPublicKey:
    """An RSA public key that RS256 signatures are checked against."""

    key: rsa.RSAPublicKey

    @property
    def key_size(self) -> int:
        return self.key.key_size


def load_rsa_public_key(pem: str) -> RsaPublicKey:
    """The RSA key of a PEM ``SubjectPublicKeyInfo``; VerificationMethodError if it is none."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError):
        raise VerificationMethodError("not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise VerificationMethodError("not an RSA public key")
    return RsaPublicKey(key)


def certificate_rsa_key(certificate: Certificate) -> RsaPublicKey:
    """The RSA key of an X.509 certificate; VerificationMethodError if it holds another kind."""
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise VerificationMethodError("the certificate key is not an RSA key")
    return RsaPublicKey(key)


def verify_rs256(signing_input: bytes, signature: bytes, key: RsaPublicKey) -> None:
    """Raise `InvalidSignature` unless ``signature`` is RS256 over ``signing_input`` by ``key``."""
    try:
        key.key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except (_CryptoInvalidSignature, ValueError) as exc:
        raise InvalidSignature("the RS256 signature does not verify") from exc


def _b64url(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise MalformedProof("signature", "not base64url") from None


def verify_rs256_compact(token: str, key: RsaPublicKey) -> None:
    """Check the RS256 signature of a compact JWS (the header's ``alg`` is the caller's check)."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise MalformedProof("jws", "a compact JWS has three parts")
    head, body, sig = parts
    try:
        signing_input = f"{head}.{body}".encode("ascii")
    except UnicodeEncodeError:
        raise MalformedProof("jws", "not ASCII") from None
    try:
        signature = _b64url(sig)
    except MalformedProof:
        raise InvalidSignature("the RS256 signature is not base64url") from None
    verify_rs256(signing_input, signature, key)


def sign_rs256(signing_input: bytes, private_key: RsaPrivateKey) -> bytes:
    """The RS256 signature of ``signing_input`` (fixtures and tests: the project issues no RS256)."""
    return private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


MIN_RSA_BITS = 2048


class RsaJwtKey:
    """A public RSA key read from a JWK, as the `KeyPair` the JOSE checks take: it verifies
    RS256 only (VC-JWT 1.1 issuers still sign with it), and never signs or exports."""

    key_type: Literal["RSA"] = "RSA"

    def __init__(self, key: rsa.RSAPublicKey) -> None:
        if key.key_size < MIN_RSA_BITS:
            raise KeyUsageError(f"an RSA key of {key.key_size} bits is too short (at least 2048)")
        self._key = RsaPublicKey(key)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> RsaJwtKey:
        """The key of a public RSA JWK (``kty RSA``, ``n``, ``e``); KeyUsageError otherwise."""
        if jwk.get("kty") != "RSA":
            raise KeyUsageError("not an RSA JWK")
        if any(k in jwk for k in ("d", "p", "q")):
            raise KeyUsageError("refusing a JWK that carries private key material")
        n, e = jwk.get("n"), jwk.get("e")
        if not isinstance(n, str) or not isinstance(e, str):
            raise KeyUsageError("an RSA JWK needs the base64url members n and e")
        try:
            numbers = rsa.RSAPublicNumbers(
                int.from_bytes(_b64url(e), "big"), int.from_bytes(_b64url(n), "big")
            )
            return cls(numbers.public_key())
        except (MalformedProof, ValueError) as cause:
            raise KeyUsageError(f"invalid RSA JWK: {cause}") from None

    @property
    def public_multibase(self) -> str:
        raise KeyUsageError("an RSA key has no Multikey form here")

    @property
    def has_private(self) -> bool:
        return False

    def sign(self, data: bytes) -> bytes:
        raise KeyUsageError("this verifier does not sign with RSA")

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise `InvalidSignature` unless ``signature`` is RS256 over ``data``."""
        verify_rs256(data, signature, self._key)

    def to_public_jwk(self) -> dict[str, str]:
        numbers = self._key.key.public_numbers()

        def b64(value: int) -> str:
            raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

        return {"kty": "RSA", "n": b64(numbers.n), "e": b64(numbers.e)}

    def export_private(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise KeyUsageError("an RSA verification key has no private part")
