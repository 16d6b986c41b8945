"""VC-JOSE-COSE: ``application/vc+jwt`` credentials and ``application/vp+jwt`` presentations.

The JWS payload is the credential (or presentation) JSON itself (VC-JOSE-COSE 2.0). Signing
uses Ed25519 (``EdDSA``), P-256 (``ES256``), P-384 (``ES384``) or P-521 (``ES512``); the verifier picks the
algorithms. `verify_jws` is the one JWS check (header, algorithm, key, signature, JSON payload)
under both VC-JOSE-COSE and VC-JWT 1.1 (`proofs.vc_jwt`).
"""

from __future__ import annotations

import json
import warnings
import weakref
from collections.abc import Callable, Collection, Mapping
from typing import Any

from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.registry import HeaderParameter

from microcred.proofs.errors import (
    InvalidSignature,
    MalformedProof,
    ProofPurposeMismatch,
    UnsupportedCryptosuite,
    VerificationMethodError,
)
from microcred.proofs.keys import (
    Ed25519KeyPair,
    KeyPair,
    P256KeyPair,
    P384KeyPair,
    P521KeyPair,
)

__all__ = [
    "DEFAULT_ALGORITHMS",
    "HeaderKeyResolver",
    "JwtKeyResolver",
    "sign_jws",
    "sign_vc_jwt",
    "sign_vp_jwt",
    "verify_jws",
    "verify_vc_jose",
    "verify_vc_jwt",
    "verify_vp_jwt",
]

JwtKeyResolver = Callable[[str], KeyPair]
"""``kid -> public key``; raise to refuse."""
HeaderKeyResolver = Callable[[Mapping[str, Any]], KeyPair]
"""``JOSE header -> public key`` (from its ``kid``, ``jwk``, or the issuer); raise to refuse."""

# "Ed25519" is the fully-specified name RFC 9864 gives EdDSA over Ed25519.
DEFAULT_ALGORITHMS: frozenset[str] = frozenset({"EdDSA", "Ed25519", "ES256", "ES384", "ES512"})
MAX_TOKEN_LENGTH = 1_000_000
# joserfc's default limits (a 512-byte header, a 128 kB payload) refuse an `x5c` header with
# a certificate chain (HAIP: SD-JWT VCs and Status List Tokens) and a large status list.
MAX_HEADER_LENGTH = 32 * 1024


def _registry(
    algorithms: Collection[str] | None, extra_headers: Collection[str] = ()
) -> jws.JWSRegistry:
    headers = {name: HeaderParameter(name, "str") for name in extra_headers} or None
    registry = jws.JWSRegistry(
        header_registry=headers, algorithms=list(algorithms) if algorithms is not None else None
    )
    registry.max_header_length = MAX_HEADER_LENGTH
    registry.max_payload_length = MAX_TOKEN_LENGTH
    return registry


_ALG_KEY_TYPE = {
    "EdDSA": "Ed25519",
    "Ed25519": "Ed25519",
    "ES256": "P-256",
    "ES384": "P-384",
    "ES512": "P-521",
    "RS256": "RSA",  # verified only, and only where the caller allows it (VC-JWT 1.1)
}
_KEY_TYPE_ALG = {"Ed25519": "EdDSA", "P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}


def _alg_for(keypair: KeyPair) -> str:
    return _KEY_TYPE_ALG[keypair.key_type]


def _jose_key(keypair: KeyPair, *, private: bool) -> OKPKey | ECKey | RSAKey:
    if private:
        if isinstance(keypair, Ed25519KeyPair):
            return OKPKey.import_key(keypair._crypto_private_key())
        if isinstance(keypair, P256KeyPair | P384KeyPair | P521KeyPair):
            return ECKey.import_key(keypair._crypto_private_key())
        raise UnsupportedCryptosuite(f"cannot sign a JWT with {type(keypair).__name__}")
    jwk: dict[str, str | list[str]] = dict(keypair.to_public_jwk())
    if jwk["kty"] == "RSA":
        return RSAKey.import_key(jwk)
    return OKPKey.import_key(jwk) if jwk["kty"] == "OKP" else ECKey.import_key(jwk)


# json.dumps(payload, ensure_ascii=False, separators=(",", ":")), with one encoder
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

# The joserfc key of each signing key pair, made once per key pair object (importing the key
# and joserfc's JWK dict of it cost about as much as the ECDSA signature itself). Keyed by the
# object's identity, not its equality (a public-only key pair equals its private twin), and
# dropped when the key pair is.
_SIGNING_KEYS: dict[int, tuple[weakref.ref[Any], OKPKey | ECKey | RSAKey]] = {}


def _signing_key(keypair: KeyPair) -> OKPKey | ECKey | RSAKey:
    ident = id(keypair)
    found = _SIGNING_KEYS.get(ident)
    if found is not None and found[0]() is keypair:
        return found[1]
    key = _jose_key(keypair, private=True)

    def forget(ref: weakref.ref[Any]) -> None:
        entry = _SIGNING_KEYS.get(ident)
        if entry is not None and entry[0] is ref:
            del _SIGNING_KEYS[ident]

    try:
        _SIGNING_KEYS[ident] = (weakref.ref(keypair, forget), key)
    except TypeError:  # a key pair type without weak references: not cached
        pass
    return key


def sign_jws(payload: dict[str, Any], keypair: KeyPair, *, header: Mapping[str, Any]) -> str:
    """A compact JWS of the JSON ``payload``; ``alg`` follows the key, ``header`` adds the rest."""
    alg = _alg_for(keypair)
    full = {"alg": alg, **header}
    body = _COMPACT_JSON.encode(payload).encode("utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags "EdDSA" as deprecated by RFC 9864
        return jws.serialize_compact(full, body, _signing_key(keypair), algorithms=[alg])


def _sign(payload: dict[str, Any], keypair: KeyPair, *, kid: str, typ: str, cty: str) -> str:
    return sign_jws(payload, keypair, header={"typ": typ, "cty": cty, "kid": kid})


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


def verify_jws(
    token: str,
    *,
    resolve_key: HeaderKeyResolver,
    typs: Collection[str | None],
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
    extra_headers: Collection[str] = (),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS whose payload is a JSON object: ``(header, payload)``.

    ``extra_headers``: string header parameters joserfc does not know that are allowed
    (OpenID4VCI ``key_attestation``); any other unknown one is refused.

    ``typs``: the ``typ`` values accepted (None: no ``typ``). Raises typed :mod:`errors`;
    ``alg: none`` and any algorithm outside ``algorithms`` are refused before a key is looked
    up."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedProof("jwt", "not a compact JWS")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            unverified = jws.extract_compact(
                token.encode("ascii"), registry=_registry(None, extra_headers)
            )
    except (JoseError, ValueError, UnicodeError) as cause:
        raise MalformedProof("jwt", f"cannot parse: {cause}") from None
    header = unverified.headers()
    if not isinstance(header, dict):
        raise MalformedProof("jwt", "the JWS header is not a JSON object")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms or alg not in _ALG_KEY_TYPE:
        raise UnsupportedCryptosuite(f"JWS algorithm {str(alg)[:40]!r} is not allowed")
    if header.get("typ") not in typs:
        expected = " or ".join(repr(t) if t else "none" for t in typs)
        raise MalformedProof("typ", f"expected {expected}, got {header.get('typ')!r}")
    if "crit" in header:
        raise MalformedProof("crit", "critical header parameters are not supported")
    key = resolve_key(header)
    if key.key_type != _ALG_KEY_TYPE[alg]:
        raise VerificationMethodError(f"a {key.key_type} key cannot verify {alg}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verified = jws.deserialize_compact(
                token,
                _jose_key(key, private=False),
                algorithms=[alg],
                registry=_registry([alg], extra_headers),
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


def _kid_resolver(resolve_key: JwtKeyResolver) -> HeaderKeyResolver:
    def by_kid(header: Mapping[str, Any]) -> KeyPair:
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise MalformedProof("kid", "is missing")
        return resolve_key(kid)

    return by_kid


def _verify(
    token: str, *, resolve_key: JwtKeyResolver, typ: str, algorithms: Collection[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    return verify_jws(
        token, resolve_key=_kid_resolver(resolve_key), typs=(typ,), algorithms=algorithms
    )


def _no_vc_jwt_claims(payload: dict[str, Any]) -> dict[str, Any]:
    # VC-JOSE-COSE: the payload is the credential itself; the VC-JWT 1.1 `vc` / `vp` claims
    # must not appear in it (a token carrying both forms says two things at once).
    for claim in ("vc", "vp"):
        if claim in payload:
            raise MalformedProof(claim, "a VC-JOSE-COSE JWT must not carry a vc or vp claim")
    return payload


def verify_vc_jose(
    token: str,
    *,
    resolve_key: HeaderKeyResolver,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a ``vc+jwt``, its key found from the whole JOSE header: ``(header, credential)``."""
    header, payload = verify_jws(
        token, resolve_key=resolve_key, typs=("vc+jwt",), algorithms=algorithms
    )
    return header, _no_vc_jwt_claims(payload)


def verify_vc_jwt(
    token: str,
    *,
    resolve_key: JwtKeyResolver,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
) -> dict[str, Any]:
    """Verify a ``vc+jwt`` and return the credential; raises typed :mod:`errors`."""
    _, payload = _verify(token, resolve_key=resolve_key, typ="vc+jwt", algorithms=algorithms)
    return _no_vc_jwt_claims(payload)


def verify_vp_jwt(
    token: str,
    *,
    resolve_key: JwtKeyResolver | None = None,
    nonce: str | None,
    aud: str | None,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
    resolve_header: HeaderKeyResolver | None = None,
) -> dict[str, Any]:
    """Verify a ``vp+jwt``; ``nonce`` and ``aud`` must match when given (pass None to skip).

    The key comes from ``resolve_key`` (by ``kid``) or ``resolve_header`` (the whole header)."""
    if resolve_header is None:
        if resolve_key is None:
            raise TypeError("give resolve_key or resolve_header")
        resolve_header = _kid_resolver(resolve_key)
    _, payload = verify_jws(
        token, resolve_key=resolve_header, typs=("vp+jwt",), algorithms=algorithms
    )
    _no_vc_jwt_claims(payload)
    if nonce is not None and payload.get("nonce") != nonce:
        raise ProofPurposeMismatch("nonce does not match")
    if aud is not None:
        got = payload.get("aud")
        if aud not in (got if isinstance(got, list) else [got]):
            raise ProofPurposeMismatch("aud does not match")
    return payload
