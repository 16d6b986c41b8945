"""VC-JOSE-COSE: ``application/vc+jwt`` credentials and ``application/vp+jwt`` presentations.

The JWS payload is the credential (or presentation) JSON itself (VC-JOSE-COSE 2.0). Signing
uses Ed25519 (``EdDSA``) or P-256 (``ES256``); the verifier picks the algorithms.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Collection
from typing import Any

from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import ECKey, OKPKey

from microcred.proofs.errors import (
    InvalidSignature,
    MalformedProof,
    ProofPurposeMismatch,
    UnsupportedCryptosuite,
    VerificationMethodError,
)
from microcred.proofs.keys import Ed25519KeyPair, KeyPair, P256KeyPair

__all__ = [
    "DEFAULT_ALGORITHMS",
    "JwtKeyResolver",
    "sign_vc_jwt",
    "sign_vp_jwt",
    "verify_vc_jwt",
    "verify_vp_jwt",
]

JwtKeyResolver = Callable[[str], KeyPair]
"""``kid -> public key``; raise to refuse."""

DEFAULT_ALGORITHMS: frozenset[str] = frozenset({"EdDSA", "Ed25519", "ES256"})
MAX_TOKEN_LENGTH = 1_000_000
_ALG_KEY_TYPE = {"EdDSA": "Ed25519", "Ed25519": "Ed25519", "ES256": "P-256"}


def _alg_for(keypair: KeyPair) -> str:
    return "EdDSA" if keypair.key_type == "Ed25519" else "ES256"


def _jose_key(keypair: KeyPair, *, private: bool) -> OKPKey | ECKey:
    if private:
        if isinstance(keypair, Ed25519KeyPair):
            return OKPKey.import_key(keypair._crypto_private_key())
        if isinstance(keypair, P256KeyPair):
            return ECKey.import_key(keypair._crypto_private_key())
        raise UnsupportedCryptosuite(f"cannot sign a JWT with {type(keypair).__name__}")
    jwk: dict[str, str | list[str]] = dict(keypair.to_public_jwk())
    return OKPKey.import_key(jwk) if jwk["kty"] == "OKP" else ECKey.import_key(jwk)


def _sign(payload: dict[str, Any], keypair: KeyPair, *, kid: str, typ: str, cty: str) -> str:
    alg = _alg_for(keypair)
    header = {"alg": alg, "typ": typ, "cty": cty, "kid": kid}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags "EdDSA" as deprecated by RFC 9864
        return jws.serialize_compact(
            header, body, _jose_key(keypair, private=True), algorithms=[alg]
        )


def sign_vc_jwt(credential: dict[str, Any], keypair: KeyPair, *, kid: str) -> str:
    """A compact JWS (``typ: vc+jwt``, ``cty: vc``) whose payload is the credential."""
    return _sign(credential, keypair, kid=kid, typ="vc+jwt", cty="vc")


def sign_vp_jwt(
    presentation: dict[str, Any],
    keypair: KeyPair,
    *,
    kid: str,
    nonce: str | None = None,
    aud: str | None = None,
) -> str:
    """A compact JWS (``typ: vp+jwt``, ``cty: vp``); ``nonce`` / ``aud`` join the payload."""
    payload = dict(presentation)
    if nonce is not None:
        payload["nonce"] = nonce
    if aud is not None:
        payload["aud"] = aud
    return _sign(payload, keypair, kid=kid, typ="vp+jwt", cty="vp")


def _verify(
    token: str,
    *,
    resolve_key: JwtKeyResolver,
    typ: str,
    algorithms: Collection[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedProof("jwt", "not a compact JWS")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            unverified = jws.extract_compact(token.encode("ascii"))
    except (JoseError, ValueError, UnicodeError) as cause:
        raise MalformedProof("jwt", f"cannot parse: {cause}") from None
    header = unverified.headers()
    if not isinstance(header, dict):
        raise MalformedProof("jwt", "the JWS header is not a JSON object")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms or alg not in _ALG_KEY_TYPE:
        raise UnsupportedCryptosuite(f"JWS algorithm {str(alg)[:40]!r} is not allowed")
    if header.get("typ") != typ:
        raise MalformedProof("typ", f"expected {typ!r}, got {header.get('typ')!r}")
    if "crit" in header:
        raise MalformedProof("crit", "critical header parameters are not supported")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise MalformedProof("kid", "is missing")
    key = resolve_key(kid)
    if key.key_type != _ALG_KEY_TYPE[alg]:
        raise VerificationMethodError(f"a {key.key_type} key cannot verify {alg}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verified = jws.deserialize_compact(
                token, _jose_key(key, private=False), algorithms=[alg]
            )
    except BadSignatureError:
        raise InvalidSignature("JWS signature does not verify") from None
    except (JoseError, ValueError) as cause:
        raise MalformedProof("jwt", str(cause)) from None
    try:
        payload = json.loads(verified.payload)
    except (ValueError, UnicodeError):
        raise MalformedProof("payload", "is not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedProof("payload", "must be a JSON object")
    return dict(header), payload


def verify_vc_jwt(
    token: str,
    *,
    resolve_key: JwtKeyResolver,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
) -> dict[str, Any]:
    """Verify a ``vc+jwt`` and return the credential; raises typed :mod:`errors`."""
    _, payload = _verify(token, resolve_key=resolve_key, typ="vc+jwt", algorithms=algorithms)
    return payload


def verify_vp_jwt(
    token: str,
    *,
    resolve_key: JwtKeyResolver,
    nonce: str | None,
    aud: str | None,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
) -> dict[str, Any]:
    """Verify a ``vp+jwt``; ``nonce`` and ``aud`` must match when given (pass None to skip)."""
    _, payload = _verify(token, resolve_key=resolve_key, typ="vp+jwt", algorithms=algorithms)
    if nonce is not None and payload.get("nonce") != nonce:
        raise ProofPurposeMismatch("nonce does not match")
    if aud is not None:
        got = payload.get("aud")
        if aud not in (got if isinstance(got, list) else [got]):
            raise ProofPurposeMismatch("aud does not match")
    return payload
