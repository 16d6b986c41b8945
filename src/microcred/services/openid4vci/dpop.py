"""DPoP (RFC 9449) proofs at the token and credential endpoints, with server nonces.

Written here on joserfc (``proofs.jose.verify_jws``): authlib has no DPoP. The proof is a
``dpop+jwt`` signed by the public key in its ``jwk`` header; ``htm`` and ``htu`` name this
request, ``iat`` is recent, ``nonce`` is one this instance made (else ``use_dpop_nonce``
with a fresh ``DPoP-Nonce``), ``ath`` hashes the access token at the credential issuer,
and a ``jti`` is accepted once (``oid4vci_dpop_jtis``, shared by every process).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from joserfc import jwk as jose_jwk
from joserfc.errors import JoseError
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from microcred.proofs.errors import ProofError
from microcred.proofs.jose import verify_jws
from microcred.proofs.keys import KeyPair, keypair_from_jwk
from microcred.services.instance import Instance
from microcred.services.openid4vci import codes
from microcred.services.openid4vci.errors import OAuthError
from microcred.store.db import transaction
from microcred.store.tables import Oid4vciDpopJti

ALGORITHMS = ("ES256", "ES384", "ES512", "EdDSA")
MAX_PROOF_LENGTH = 4096
NONCE_TTL = 300  # seconds a DPoP-Nonce is accepted
IAT_PAST = 300  # a proof older than this is refused
IAT_FUTURE = 60  # clock skew allowed ahead
JTI_KEEP = timedelta(seconds=IAT_PAST + IAT_FUTURE + 5)


@dataclass(frozen=True)
class DpopKey:
    """The key a valid DPoP proof was signed with: its RFC 7638 thumbprint and JWK."""

    jkt: str
    jwk: dict[str, Any]


def fresh_nonce(instance: Instance) -> str:
    return codes.make_nonce(instance, "dpop", instance.now())


def thumbprint(public_jwk: dict[str, Any]) -> str:
    try:
        return str(jose_jwk.import_key(public_jwk).thumbprint())
    except (JoseError, ValueError, TypeError, KeyError) as cause:
        raise ValueError(f"not a usable JWK: {cause}") from None


def normalise_url(url: str) -> str:
    """``htu`` comparison: scheme and host lower-case, no query or fragment (RFC 9449 4.3)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", "", ""))


def ath_for(access_token: str) -> str:
    return codes.b64u(hashlib.sha256(access_token.encode("ascii")).digest())


def _refuse(
    error: str, description: str, *, resource: bool, nonce: str | None = None
) -> OAuthError:
    headers = {"DPoP-Nonce": nonce} if nonce else {}
    if resource:
        headers["WWW-Authenticate"] = f'DPoP error="{error}", error_description="{description}"'
    return OAuthError(
        error, description, status=401 if resource else 400, headers=headers, field="DPoP"
    )


def _key_from_header(header: Any) -> KeyPair:
    public = header.get("jwk")
    if not isinstance(public, dict):
        raise ProofError("the DPoP proof has no jwk header")
    return keypair_from_jwk(public)


def check(
    instance: Instance,
    values: Sequence[str],
    *,
    method: str,
    url: str,
    access_token: str | None = None,
) -> DpopKey:
    """The key of the request's one valid DPoP proof; raises ``OAuthError``
    (``invalid_dpop_proof``, ``use_dpop_nonce``) otherwise. ``access_token`` is given at the
    credential issuer (a resource server: 401 answers, ``ath`` checked)."""
    resource = access_token is not None
    now = instance.now()
    if len(values) != 1:
        raise _refuse(
            "invalid_dpop_proof",
            "exactly one DPoP header is required (a dpop+jwt proof, RFC 9449)",
            resource=resource,
            nonce=fresh_nonce(instance),
        )
    proof = values[0]
    if len(proof) > MAX_PROOF_LENGTH:
        raise _refuse("invalid_dpop_proof", "the DPoP proof is too long", resource=resource)
    try:
        header, payload = verify_jws(
            proof, resolve_key=_key_from_header, typs=("dpop+jwt",), algorithms=ALGORITHMS
        )
        jkt = thumbprint(header["jwk"])
    except (ProofError, ValueError) as cause:
        raise _refuse("invalid_dpop_proof", f"DPoP proof: {cause}", resource=resource) from None
    jti, iat = payload.get("jti"), payload.get("iat")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 256:
        raise _refuse(
            "invalid_dpop_proof",
            "DPoP proof: jti must be a string of 8 to 256 characters",
            resource=resource,
        )
    if payload.get("htm") != method:
        raise _refuse("invalid_dpop_proof", f"DPoP proof: htm must be {method}", resource=resource)
    htu = payload.get("htu")
    if not isinstance(htu, str) or normalise_url(htu) != normalise_url(url):
        raise _refuse(
            "invalid_dpop_proof", f"DPoP proof: htu must be {normalise_url(url)}", resource=resource
        )
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise _refuse("invalid_dpop_proof", "DPoP proof: iat must be a number", resource=resource)
    age = now.timestamp() - iat
    if age > IAT_PAST or age < -IAT_FUTURE:
        raise _refuse(
            "invalid_dpop_proof",
            "DPoP proof: iat is outside the accepted window",
            resource=resource,
        )
    if access_token is not None and payload.get("ath") != ath_for(access_token):
        raise _refuse(
            "invalid_dpop_proof",
            "DPoP proof: ath does not hash this access token",
            resource=resource,
        )
    if not codes.nonce_valid(instance, "dpop", payload.get("nonce"), now, NONCE_TTL):
        raise _refuse(
            "use_dpop_nonce",
            "use the DPoP-Nonce this server gives in the proof's nonce claim",
            resource=resource,
            nonce=fresh_nonce(instance),
        )
    _remember(instance, jkt, jti, now, resource=resource)
    return DpopKey(jkt=jkt, jwk=dict(header["jwk"]))


def _remember(instance: Instance, jkt: str, jti: str, now: datetime, *, resource: bool) -> None:
    key = codes.digest(f"{jkt}\x00{jti}")
    try:
        with transaction(instance.sessions) as session:
            if secrets.randbelow(64) == 0:  # sweep now and then; the index keeps it cheap
                session.execute(delete(Oid4vciDpopJti).where(Oid4vciDpopJti.expires_at < now))
            session.add(Oid4vciDpopJti(key=key, expires_at=now + JTI_KEEP))
    except IntegrityError:
        raise _refuse(
            "invalid_dpop_proof",
            "DPoP proof: this jti was used before (a replay)",
            resource=resource,
        ) from None
