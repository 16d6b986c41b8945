"""Wallet attestation and key attestation, checked against the wallet providers' CA
certificates (``wallet_provider_trust_anchors``).

- **Wallet attestation** (OAuth 2.0 Attestation-Based Client Authentication, the draft
  OpenID4VCI 1.0 appendix E and HAIP 1.0 pin; EUDI TS3 wallet instance attestation) at PAR
  and token: ``OAuth-Client-Attestation`` is an ``oauth-client-attestation+jwt`` signed by
  the wallet provider (ES256, ``x5c`` up to a configured anchor) with ``iss``, ``sub`` (the
  client_id), ``exp`` and ``cnf.jwk``; ``OAuth-Client-Attestation-PoP`` is an
  ``oauth-client-attestation-pop+jwt`` signed by that ``cnf`` key with ``aud`` (this
  issuer), ``jti`` (used once), ``iat`` and, from the older drafts @openid4vc sends,
  ``iss`` and ``exp`` (checked when present). No challenge endpoint is offered, so a
  ``challenge`` / ``nonce`` claim is not asked for.
- **Key attestation** (OpenID4VCI 1.0 appendix D) in a proof's ``key_attestation`` header:
  a ``key-attestation+jwt`` signed by the wallet provider (``x5c``) with ``iat``, ``exp``
  and ``attested_keys``; the proof must be signed by one of those keys.

Each is ``off`` (not looked at: other wallets), ``optional`` (checked when sent) or
``required`` (settings ``wallet_attestation``, ``key_attestation``). Written here on
joserfc (``proofs.jose.verify_jws``) and cryptography's chain verifier
(``proofs.x509.verify_chain``): no Python library implements either draft.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from microcred.proofs.errors import ProofError
from microcred.proofs.jose import verify_jws
from microcred.proofs.keys import KeyPair, P256KeyPair, keypair_from_jwk
from microcred.proofs.x509 import CertificateError, from_pem, verify_chain
from microcred.services.instance import Instance
from microcred.services.openid4vci import codes, metadata
from microcred.services.openid4vci.dpop import thumbprint
from microcred.services.openid4vci.errors import OAuthError
from microcred.store.db import transaction
from microcred.store.tables import Oid4vciDpopJti

CLIENT_ATTESTATION_TYP = "oauth-client-attestation+jwt"
CLIENT_ATTESTATION_POP_TYP = "oauth-client-attestation-pop+jwt"
# "keyattestation+jwt" is the name of the drafts before 1.0, which @openid4vc 0.4.6 still uses
KEY_ATTESTATION_TYPS = ("key-attestation+jwt", "keyattestation+jwt")
AUTH_METHOD = "attest_jwt_client_auth"
PROVIDER_ALGORITHMS = ("ES256",)  # HAIP 1.0: ES256 with a P-256 certificate
POP_ALGORITHMS = metadata.ATTESTATION_POP_ALGORITHMS
MAX_ATTESTATION_LENGTH = 12_000
MAX_POP_LENGTH = 4096
MAX_ATTESTED_KEYS = 10
IAT_PAST = 300
SKEW = 60
POP_JTI_KEEP = timedelta(seconds=IAT_PAST + SKEW + 5)
HEADER = "OAuth-Client-Attestation"
POP_HEADER = "OAuth-Client-Attestation-PoP"


@dataclass(frozen=True)
class AttestedClient:
    """A wallet whose provider vouched for it: its client_id, the provider (``iss``) and
    the thumbprint of its instance key (``cnf.jwk``)."""

    client_id: str
    provider: str
    jkt: str


# -- the wallet providers' anchors ------------------------------------------------------------

_cache: dict[tuple[tuple[str, int, int], ...], list[x509.Certificate]] = {}
_lock = threading.Lock()


def provider_anchors(instance: Instance) -> list[x509.Certificate]:
    """The CA certificates of ``wallet_provider_trust_anchors`` (PEM files), re-read when a
    file changes; a file that cannot be read is a server error naming it."""
    paths: tuple[Path, ...] = tuple(instance.settings.wallet_provider_trust_anchors)
    try:
        stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
        with _lock:
            if stamp not in _cache:
                anchors = [c for p in paths for c in from_pem(p.read_bytes())]
                _cache.clear()
                _cache[stamp] = anchors
            return list(_cache[stamp])
    except (OSError, CertificateError) as exc:
        raise OAuthError(
            "server_error",
            f"wallet_provider_trust_anchors: a file cannot be read as PEM certificates ({exc})",
            status=500,
        ) from None


def _leaf_key(leaf: x509.Certificate) -> KeyPair:
    public = leaf.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
        raise ProofError("the wallet provider's certificate must have a P-256 key (ES256)")
    numbers = public.public_numbers()
    return P256KeyPair.from_jwk_coordinates(
        numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
    )


def _provider_signed(
    instance: Instance, token: object, typs: Sequence[str], max_length: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A JWT signed by a wallet provider: its x5c chain leads to a configured anchor."""
    if not isinstance(token, str) or not token or len(token) > max_length:
        raise ProofError(f"must be a compact JWT of at most {max_length} characters")
    anchors = provider_anchors(instance)

    def key(header: Mapping[str, Any]) -> KeyPair:
        x5c = header.get("x5c")
        if not isinstance(x5c, list) or not x5c:
            raise ProofError("the header has no x5c (the wallet provider's certificate chain)")
        if not anchors:
            raise ProofError("no wallet provider trust anchor is configured on this issuer")
        try:
            leaf = verify_chain(x5c, anchors, now=instance.now())
        except CertificateError as exc:
            raise ProofError(f"the wallet provider is not trusted: {exc}") from None
        return _leaf_key(leaf)

    return verify_jws(token, resolve_key=key, typs=tuple(typs), algorithms=PROVIDER_ALGORITHMS)


def _number(payload: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = payload.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ProofError(f"{name} must be a number (seconds since 1970)")
    return float(value)


def _times(payload: Mapping[str, Any], now: float, *, exp: bool, iat: bool) -> None:
    expires = _number(payload, "exp", required=exp)
    if expires is not None and expires <= now - SKEW:
        raise ProofError("it expired (exp is in the past)")
    issued = _number(payload, "iat", required=iat)
    if issued is not None and issued > now + SKEW:
        raise ProofError("iat is in the future")
    not_before = _number(payload, "nbf", required=False)
    if not_before is not None and not_before > now + SKEW:
        raise ProofError("it is not valid yet (nbf is in the future)")


def _public_jwk(value: object, what: str) -> tuple[KeyPair, dict[str, Any]]:
    if not isinstance(value, dict):
        raise ProofError(f"{what} must be a public JWK object")
    try:
        pair = keypair_from_jwk(value)
    except (ProofError, TypeError, ValueError) as exc:
        raise ProofError(f"{what} is not a usable public JWK: {exc}") from None
    return pair, dict(pair.to_public_jwk())


# -- wallet attestation (PAR and token) -------------------------------------------------------


def _client_refusal(description: str) -> OAuthError:
    return OAuthError("invalid_client", description, status=401, field=HEADER)


def check_client(
    instance: Instance,
    attestations: Sequence[str],
    pops: Sequence[str],
    *,
    client_id: str | None,
) -> AttestedClient | None:
    """The request's wallet attestation: ``None`` when the setting is off (or optional and
    none was sent); ``invalid_client`` naming what is wrong otherwise."""
    wanted = instance.settings.wallet_attestation
    if wanted == "off":
        return None
    if not attestations and not pops:
        if wanted == "required":
            raise _client_refusal(
                f"wallet attestation is required ({AUTH_METHOD}): send the {HEADER} and "
                f"{POP_HEADER} headers"
            )
        return None
    if len(attestations) != 1 or len(pops) != 1:
        raise _client_refusal(f"exactly one {HEADER} and one {POP_HEADER} header are required")
    now = instance.now()
    try:
        _, claims = _provider_signed(
            instance, attestations[0], (CLIENT_ATTESTATION_TYP,), MAX_ATTESTATION_LENGTH
        )
        _times(claims, now.timestamp(), exp=True, iat=False)
        issuer, subject = claims.get("iss"), claims.get("sub")
        if not isinstance(issuer, str) or not issuer or not isinstance(subject, str) or not subject:
            raise ProofError("iss (the wallet provider) and sub (the client_id) are required")
        cnf = claims.get("cnf")
        key, jwk = _public_jwk(cnf.get("jwk") if isinstance(cnf, dict) else None, "cnf.jwk")
    except ProofError as cause:
        raise _client_refusal(f"{HEADER}: {cause}") from None
    if client_id is not None and client_id != subject:
        raise _client_refusal(f"client_id is not the sub of the wallet attestation ({HEADER})")
    jkt = thumbprint(jwk)
    jti = _check_pop(instance, pops[0], key, subject, now)
    _remember_pop(instance, jkt, jti, now)
    return AttestedClient(client_id=subject, provider=issuer, jkt=jkt)


def _check_pop(instance: Instance, pop: str, key: KeyPair, subject: str, now: datetime) -> str:
    try:
        if not isinstance(pop, str) or len(pop) > MAX_POP_LENGTH:
            raise ProofError(f"must be a compact JWT of at most {MAX_POP_LENGTH} characters")
        _, claims = verify_jws(
            pop,
            resolve_key=lambda _h: key,
            typs=(CLIENT_ATTESTATION_POP_TYP,),
            algorithms=POP_ALGORITHMS,
        )
        aud = claims.get("aud")
        if aud != instance.base_url and not (isinstance(aud, list) and instance.base_url in aud):
            raise ProofError(f"aud must be this issuer, {instance.base_url}")
        if "iss" in claims and claims["iss"] != subject:
            raise ProofError("iss must be the sub (client_id) of the wallet attestation")
        _times(claims, now.timestamp(), exp=False, iat=True)
        issued = _number(claims, "iat", required=True)
        assert issued is not None
        if now.timestamp() - issued > IAT_PAST:
            raise ProofError(f"iat is more than {IAT_PAST} seconds old")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not 8 <= len(jti) <= 256:
            raise ProofError("jti must be a string of 8 to 256 characters")
    except ProofError as cause:
        raise _client_refusal(f"{POP_HEADER}: {cause}") from None
    return jti


def _remember_pop(instance: Instance, jkt: str, jti: str, now: datetime) -> None:
    """A PoP is accepted once: its key and jti go in the table of seen DPoP jtis (the same
    kind of record, under another prefix), shared by every process."""
    key = codes.digest(f"client-attestation-pop\x00{jkt}\x00{jti}")
    try:
        with transaction(instance.sessions) as session:
            if secrets.randbelow(64) == 0:
                session.execute(delete(Oid4vciDpopJti).where(Oid4vciDpopJti.expires_at < now))
            session.add(Oid4vciDpopJti(key=key, expires_at=now + POP_JTI_KEEP))
    except IntegrityError:
        raise _client_refusal(f"{POP_HEADER}: this jti was used before (a replay)") from None


# -- key attestation (proofs) -----------------------------------------------------------------


LEVELS = ("key_storage", "user_authentication")  # appendix D.2, e.g. iso_18045_moderate


def accepted_levels(instance: Instance) -> dict[str, list[str]]:
    """The attack-potential levels this issuer accepts (TOML settings
    ``key_attestation_key_storage``, ``key_attestation_user_authentication``: lists of
    strings), as ``key_attestations_required`` advertises them; unset: any."""
    found: dict[str, list[str]] = {}
    for level in LEVELS:
        value = instance.settings.extra.get(f"key_attestation_{level}")
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise OAuthError(
                "server_error",
                f"the key_attestation_{level} setting must be a list of strings",
                status=500,
            )
        found[level] = list(value)
    return found


@dataclass(frozen=True)
class AttestedKeys:
    keys: tuple[tuple[KeyPair, str], ...]  # each attested key and its RFC 7638 thumbprint
    nonce: str | None

    def find(self, jwk: Mapping[str, Any]) -> KeyPair | None:
        wanted = thumbprint(dict(jwk))
        return next((key for key, jkt in self.keys if jkt == wanted), None)


def key_attestation(instance: Instance, token: object) -> AttestedKeys:
    """The keys a wallet provider attests (``ProofError`` naming what is wrong)."""
    try:
        _, claims = _provider_signed(instance, token, KEY_ATTESTATION_TYPS, MAX_ATTESTATION_LENGTH)
    except ProofError as cause:
        raise ProofError(f"key_attestation: {cause}") from None
    try:
        # exp is required when the attestation comes in a jwt proof (appendix D.1)
        _times(claims, instance.now().timestamp(), exp=True, iat=True)
        listed = claims.get("attested_keys")
        if not isinstance(listed, list) or not 1 <= len(listed) <= MAX_ATTESTED_KEYS:
            raise ProofError(f"attested_keys must be a list of 1 to {MAX_ATTESTED_KEYS} JWKs")
        keys = []
        for index, item in enumerate(listed):
            pair, public = _public_jwk(item, f"attested_keys[{index}]")
            keys.append((pair, thumbprint(public)))
        nonce = claims.get("nonce")
        if nonce is not None and not isinstance(nonce, str):
            raise ProofError("nonce must be a string")
        for level, accepted in accepted_levels(instance).items():
            stated = claims.get(level)
            if not isinstance(stated, list) or not set(accepted) & set(stated):
                raise ProofError(f"{level} must include one of {', '.join(accepted)}")
    except ProofError as cause:
        raise ProofError(f"key_attestation: {cause}") from None
    return AttestedKeys(keys=tuple(keys), nonce=nonce)
