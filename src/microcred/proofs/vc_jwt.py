"""VC-JWT 1.1 (VC Data Model 1.1 section 6.3.1; Open Badges 3.0 section 8.2): the signature of
a JWT whose ``vc`` (or ``vp``) claim carries the credential (or presentation), and the key that
made it, looked up from the JOSE header against the JWT's ``iss``.

The header names the key in one of the ways real issuers use (walt.id, Spruce, OpenID4VCI, OB
3.0): ``kid`` as a DID URL (``did:key:...#...``, ``did:web:...#key-1``, a bare ``did:key`` or
``did:jwk``), as a fragment of ``iss`` (``#key-1``), as a JWK thumbprint (RFC 7638, bare or as
the RFC 9278 URN) or as the ``kid`` of a key in the issuer's JWT VC Issuer Metadata; or a
``jwk`` in the header, accepted only when it is one of the issuer's keys (a key that comes
with the token proves nothing about who holds it). Without ``kid`` or ``jwk``, a ``did:key`` or
``did:jwk`` issuer's one key. What the claims say about the credential is `formats.vc_jwt`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from microcred.proofs.did import DidResolver, resolve_verification_method
from microcred.proofs.errors import (
    DidError,
    KeyUsageError,
    MalformedProof,
    ProofPurposeMismatch,
    VerificationMethodError,
)
from microcred.proofs.jose import DEFAULT_ALGORITHMS, HeaderKeyResolver, verify_jws
from microcred.proofs.keys import PublicKeyPair, keypair_from_jwk
from microcred.proofs.rs256 import RsaJwtKey

JwtKey = PublicKeyPair | RsaJwtKey
"""A key a VC-JWT 1.1 may be signed with: Ed25519, P-256/384/521, or RSA (RS256)."""

__all__ = [
    "JWT_ALGORITHMS",
    "JWT_TYPS",
    "THUMBPRINT_URN",
    "JwtKey",
    "issuer_metadata_url",
    "jwk_thumbprint",
    "resolve_jwt_key",
    "verify_jwt_vc",
    "verify_jwt_vp",
]

# VC DM 1.1 section 6.3.1 and OB 3.0: "typ, if present, MUST be set to JWT" (media type names
# are case-insensitive, RFC 7515 section 4.1.9).
JWT_TYPS: tuple[str | None, ...] = (None, "JWT", "jwt")
THUMBPRINT_URN = "urn:ietf:params:oauth:jwk-thumbprint:sha-256:"
_THUMBPRINT = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256 digest
_REQUIRED_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
}
# VC-JWT 1.1 issuers (walt.id, Spruce, OB 3.0's JWT examples) still sign with RS256 too.
JWT_ALGORITHMS: frozenset[str] = DEFAULT_ALGORITHMS | {"RS256"}
MAX_KID_LENGTH = 4096


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK (its required members, sorted)."""
    members = _REQUIRED_MEMBERS.get(str(jwk.get("kty")))
    if members is None or any(not isinstance(jwk.get(m), str) for m in members):
        raise KeyUsageError(f"cannot take the thumbprint of a {jwk.get('kty')!r} JWK")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issuer_metadata_url(iss: str) -> str | None:
    """Where an HTTPS issuer publishes its JWT VC Issuer Metadata (the ``/.well-known/
    jwt-vc-issuer`` segment goes between host and path, as for OAuth metadata); None for
    anything else."""
    parts = urlsplit(iss)
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        return None
    return f"https://{parts.netloc}/.well-known/jwt-vc-issuer{parts.path.rstrip('/')}"


def _jwk_key(jwk: dict[str, Any]) -> JwtKey:
    """A public JWK as a key: RSA (verify-only), or what `keypair_from_jwk` reads."""
    if jwk.get("kty") == "RSA":
        return RsaJwtKey.from_jwk(jwk)
    return keypair_from_jwk(jwk)


def _same_origin(url: str, iss: str | None) -> bool:
    a, b = urlsplit(url), urlsplit(iss or "")
    return a.scheme == "https" and (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _jwk_document(
    kid: str, iss: str | None, resolver: DidResolver, purpose: str
) -> tuple[JwtKey, str]:
    """``kid`` is the HTTPS URL of a document: a bare JWK, accepted only on the issuer's own
    origin (a key anyone can publish says nothing about who holds it), or a verification
    method of a controller document (VC 2.0 controllers: its controller must list it)."""
    doc = _document(kid, resolver)
    if "kty" not in doc:
        vm_id = doc.get("id")
        controller = doc.get("controller")
        if not isinstance(vm_id, str) or "#" not in vm_id or not isinstance(controller, str):
            raise VerificationMethodError(
                f"the document at kid {kid[:120]} is neither a JWK nor a verification method"
            )
        return resolve_verification_method(vm_id, resolver, purpose=purpose, rsa=True)
    if not _same_origin(kid, iss):
        raise VerificationMethodError(
            f"the JWK at {kid[:120]} is not on the issuer's own origin ({str(iss)[:120]}): "
            "nothing binds it to the issuer"
        )
    try:
        return _jwk_key({k: v for k, v in doc.items() if isinstance(v, str)}), str(iss)
    except KeyUsageError as cause:
        raise VerificationMethodError(f"the JWK at {kid[:120]} cannot be used: {cause}") from None


def _did_url(kid: str) -> str:
    """A DID as the URL of its one key: a bare did:key names its key, a did:jwk ``#0``."""
    if "#" in kid:
        return kid
    if kid.startswith("did:key:"):
        return f"{kid}#{kid.removeprefix('did:key:')}"
    if kid.startswith("did:jwk:"):
        return f"{kid}#0"
    raise VerificationMethodError(f"kid {kid[:120]!r} names a DID but not one of its keys")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _document(url: str, resolver: DidResolver) -> Mapping[str, Any]:
    try:
        doc = resolver.resolve(url)
    except DidError as cause:  # DocumentUnavailable too: the finder remembers what it missed
        raise VerificationMethodError(str(cause)) from None
    if not isinstance(doc, Mapping):
        raise VerificationMethodError(f"the document of {url!r} is not a JSON object")
    return doc


def _did_key_matching(
    iss: str, resolver: DidResolver, purpose: str, wanted: str
) -> tuple[JwtKey, str]:
    """The key of ``iss`` (a DID, or a controller document URL), authorised for ``purpose``,
    whose JWK thumbprint is ``wanted``."""
    doc = _document(iss, resolver)
    ids: list[str] = []
    for entry in _as_list(doc.get("verificationMethod")) + _as_list(doc.get(purpose)):
        ref = entry.get("id") if isinstance(entry, Mapping) else entry
        if isinstance(ref, str):
            full = iss + ref if ref.startswith("#") else ref
            if full not in ids:
                ids.append(full)
    for vm in ids:
        try:
            key, controller = resolve_verification_method(vm, resolver, purpose=purpose, rsa=True)
        except VerificationMethodError:
            continue  # not authorised for this purpose, or a key type we do not read
        if jwk_thumbprint(key.to_public_jwk()) == wanted:
            return key, controller
    raise VerificationMethodError(
        f"no key of {iss[:120]} authorised for {purpose} has the JWK thumbprint {wanted}"
    )


def _metadata_key(
    iss: str, resolver: DidResolver, kid: str | None, thumbprint: str | None
) -> tuple[JwtKey, str]:
    """A key of an HTTPS issuer's JWT VC Issuer Metadata (``jwks``, or ``jwks_uri``)."""
    url = issuer_metadata_url(iss)
    if url is None:
        raise VerificationMethodError(f"the issuer {iss[:120]!r} is neither a DID nor an HTTPS URL")
    metadata = _document(url, resolver)
    if metadata.get("issuer") != iss:
        raise VerificationMethodError(f"the issuer metadata at {url} is for another issuer")
    jwks = metadata.get("jwks")
    if jwks is None and isinstance(metadata.get("jwks_uri"), str):
        jwks = _document(metadata["jwks_uri"], resolver)
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    for jwk in keys if isinstance(keys, list) else []:
        if not isinstance(jwk, dict):
            continue
        try:
            key = _jwk_key(jwk)
            found = jwk_thumbprint(key.to_public_jwk())
        except KeyUsageError:
            continue  # a key type this verifier does not use (RSA, an encryption key)
        if (kid is not None and jwk.get("kid") == kid) or found == thumbprint:
            return key, iss
    raise VerificationMethodError(
        f"the issuer metadata of {iss[:120]} has no key {kid or thumbprint}"
    )


def _matching(
    iss: str | None, resolver: DidResolver, purpose: str, kid: str | None, thumbprint: str | None
) -> tuple[JwtKey, str]:
    if not iss:
        raise VerificationMethodError("the JWT has no iss claim to look its key up in")
    if iss.startswith("did:"):
        if thumbprint is None:  # a kid such as "key-1": a fragment of the issuer's DID
            return resolve_verification_method(f"{iss}#{kid}", resolver, purpose=purpose, rsa=True)
        return _did_key_matching(iss, resolver, purpose, thumbprint)
    try:  # the issuer URL's own controller document (VC 2.0 controllers) ...
        if thumbprint is not None:
            return _did_key_matching(iss, resolver, purpose, thumbprint)
        return resolve_verification_method(f"{iss}#{kid}", resolver, purpose=purpose, rsa=True)
    except VerificationMethodError:
        if issuer_metadata_url(iss) is None:
            raise
        # ... else, for an HTTPS issuer, its JWT VC Issuer Metadata (OpenID4VCI issuers).
        return _metadata_key(iss, resolver, kid, thumbprint)


def resolve_jwt_key(
    header: Mapping[str, Any], iss: str | None, resolver: DidResolver, *, purpose: str
) -> tuple[JwtKey, str]:
    """The public key the JOSE ``header`` names, resolved against ``iss``, and its controller
    (the signer). Raises :class:`VerificationMethodError` or :class:`MalformedProof`."""
    kid, jwk = header.get("kid"), header.get("jwk")
    if kid is not None and (not isinstance(kid, str) or not kid or len(kid) > MAX_KID_LENGTH):
        raise MalformedProof("kid", "must be a non-empty string")
    if jwk is not None:
        if not isinstance(jwk, dict):
            raise MalformedProof("jwk", "must be a JSON object")
        try:
            thumbprint = jwk_thumbprint(_jwk_key(jwk).to_public_jwk())
        except KeyUsageError as cause:
            raise VerificationMethodError(f"the jwk header cannot be used: {cause}") from None
        # The key in the header must be the issuer's own: anyone can sign with a key they send.
        return _matching(iss, resolver, purpose, kid, thumbprint)
    if kid is None:
        if iss and iss.startswith(("did:key:", "did:jwk:")):
            return resolve_verification_method(_did_url(iss), resolver, purpose=purpose, rsa=True)
        raise MalformedProof("kid", "is missing (and there is no jwk header)")
    if kid.startswith("#"):
        if not iss:
            raise VerificationMethodError(f"kid {kid[:120]!r} is relative, and there is no iss")
        return resolve_verification_method(iss + kid, resolver, purpose=purpose, rsa=True)
    if kid.startswith("did:"):
        return resolve_verification_method(_did_url(kid), resolver, purpose=purpose, rsa=True)
    if kid.startswith(THUMBPRINT_URN) or _THUMBPRINT.match(kid):
        return _matching(iss, resolver, purpose, kid, kid.removeprefix(THUMBPRINT_URN))
    if "#" in kid and urlsplit(kid).scheme in ("https", "http"):
        return resolve_verification_method(kid, resolver, purpose=purpose, rsa=True)
    if urlsplit(kid).scheme == "https":
        return _jwk_document(kid, iss, resolver, purpose)
    return _matching(iss, resolver, purpose, kid, None)


def verify_jwt_vc(
    token: str,
    *,
    resolve_key: HeaderKeyResolver,
    algorithms: Collection[str] = JWT_ALGORITHMS,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a VC-JWT 1.1: ``(header, claims)``, the claims holding a ``vc`` object."""
    header, claims = verify_jws(
        token, resolve_key=resolve_key, typs=JWT_TYPS, algorithms=algorithms
    )
    if not isinstance(claims.get("vc"), dict):
        raise MalformedProof("vc", "the JWT carries no credential (a vc claim with an object)")
    return header, claims


def verify_jwt_vp(
    token: str,
    *,
    resolve_key: HeaderKeyResolver,
    nonce: str | None,
    aud: str | None,
    algorithms: Collection[str] = JWT_ALGORITHMS,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a VP-JWT 1.1 (a ``vp`` claim); ``nonce`` and ``aud`` must match when given."""
    header, claims = verify_jws(
        token, resolve_key=resolve_key, typs=JWT_TYPS, algorithms=algorithms
    )
    if not isinstance(claims.get("vp"), dict):
        raise MalformedProof("vp", "the JWT carries no presentation (a vp claim with an object)")
    if nonce is not None and claims.get("nonce") != nonce:
        raise ProofPurposeMismatch("nonce does not match")
    if aud is not None:
        got = claims.get("aud")
        if aud not in (got if isinstance(got, list) else [got]):
            raise ProofPurposeMismatch("aud does not match")
    return header, claims
