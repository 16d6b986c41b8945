"""Proofs of possession in a credential request (OpenID4VCI 1.0 section 8.2.1.1 and
appendix F.1): ``openid4vci-proof+jwt`` JWTs, checked with ``proofs.jose.verify_jws``.

The key is the ``jwk`` header (public) or a ``kid`` that is a did:key or did:jwk DID URL
(resolved offline); ``aud`` is this credential issuer, ``iat`` recent, ``nonce`` the
c_nonce of the nonce endpoint (checked and spent by the caller), ``iss`` (if any) the
client_id of the authorization code flow. A ``key_attestation`` header (OpenID4VCI 1.0
appendix D) is checked when the ``key_attestation`` setting is optional or required (see
:mod:`attestation`): the proof must then be signed by one of its ``attested_keys``, named by
``jwk`` or ``kid`` or, with neither, found among them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from microcred.proofs.did import (
    resolve_did_jwk,
    resolve_did_key,
    resolve_verification_method,
)
from microcred.proofs.errors import DidError, InvalidSignature, ProofError
from microcred.proofs.jose import verify_jws
from microcred.proofs.keys import KeyPair, keypair_from_jwk
from microcred.services.instance import Instance
from microcred.services.openid4vci import attestation, metadata
from microcred.services.openid4vci.errors import OAuthError

PROOF_TYP = "openid4vci-proof+jwt"
EXTRA_HEADERS = ("key_attestation",)  # ignored while the key_attestation setting is off
MAX_PROOF_LENGTH = 16_000
IAT_PAST = 300
IAT_FUTURE = 60


@dataclass(frozen=True)
class ProvenKey:
    jwk: dict[str, Any]  # the public JWK the credential is bound to (cnf.jwk)
    nonce: str


class _OfflineDids:
    """did:key and did:jwk, which resolve from the DID itself (no request)."""

    def resolve(self, did: str) -> dict[str, Any]:
        if did.startswith("did:key:"):
            return resolve_did_key(did)
        if did.startswith("did:jwk:"):
            return resolve_did_jwk(did)
        raise DidError(f"only did:key and did:jwk kids are accepted, not {did[:40]!r}")


def _key(header: Mapping[str, Any]) -> KeyPair:
    if "x5c" in header:
        raise ProofError("x5c proofs are not accepted; give the key as jwk or a did:key kid")
    if ("jwk" in header) == ("kid" in header):
        raise ProofError("the proof header must have exactly one of jwk or kid")
    if "jwk" in header:
        if not isinstance(header["jwk"], dict):
            raise ProofError("jwk must be a JSON object")
        return keypair_from_jwk(header["jwk"])
    kid = header["kid"]
    if not isinstance(kid, str) or len(kid) > 2000:
        raise ProofError("kid must be a DID URL")
    vm = kid if "#" in kid else f"{kid}#{kid.split(':', 2)[-1]}"
    key, _controller = resolve_verification_method(vm, _OfflineDids(), purpose="authentication")
    return key


def check(instance: Instance, proof: object, *, client_id: str | None, now_ts: float) -> ProvenKey:
    """One proof JWT; ``invalid_proof`` names what is wrong."""
    if not isinstance(proof, str) or len(proof) > MAX_PROOF_LENGTH:
        raise OAuthError("invalid_proof", "each proof must be a compact JWT string", field="proofs")
    attested: attestation.AttestedKeys | None = None
    try:
        if instance.settings.key_attestation == "off":
            header, payload = verify_jws(
                proof,
                resolve_key=_key,
                typs=(PROOF_TYP,),
                algorithms=metadata.PROOF_ALGORITHMS,
                extra_headers=EXTRA_HEADERS,
            )
            bound = dict(_key(header).to_public_jwk())
        else:
            header, payload, attested, key = _attested_proof(instance, proof)
            bound = dict(key.to_public_jwk())
    except ProofError as cause:
        raise OAuthError("invalid_proof", f"proof: {cause}", field="proofs") from None
    aud = payload.get("aud")
    if aud != instance.base_url and not (isinstance(aud, list) and instance.base_url in aud):
        raise OAuthError("invalid_proof", f"proof: aud must be {instance.base_url}", field="proofs")
    iat = payload.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise OAuthError("invalid_proof", "proof: iat must be a number", field="proofs")
    if not -IAT_FUTURE <= now_ts - iat <= IAT_PAST:
        raise OAuthError(
            "invalid_proof", "proof: iat is outside the accepted window", field="proofs"
        )
    if client_id is not None and "iss" in payload and payload["iss"] != client_id:
        raise OAuthError("invalid_proof", "proof: iss must be the client_id", field="proofs")
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise OAuthError(
            "invalid_nonce",
            "proof: nonce is required (a c_nonce from the nonce endpoint)",
            field="proofs",
        )
    if attested is not None and attested.nonce is not None and attested.nonce != nonce:
        raise OAuthError(
            "invalid_proof",
            "proof: the key attestation's nonce is not the c_nonce of the proof",
            field="proofs",
        )
    return ProvenKey(jwk=bound, nonce=nonce)


def _attested_proof(
    instance: Instance, proof: str
) -> tuple[dict[str, Any], dict[str, Any], attestation.AttestedKeys | None, KeyPair]:
    """A proof checked with its key attestation (required or optional by the setting)."""
    head = unverified_header(proof)
    if "key_attestation" not in head:
        if instance.settings.key_attestation == "required":
            raise ProofError(
                "a key attestation is required: the key_attestation header (a key-attestation+jwt "
                "of a trusted wallet provider, OpenID4VCI 1.0 appendix D)"
            )
        header, payload = verify_jws(
            proof,
            resolve_key=_key,
            typs=(PROOF_TYP,),
            algorithms=metadata.PROOF_ALGORITHMS,
            extra_headers=EXTRA_HEADERS,
        )
        return header, payload, None, _key(header)
    attested = attestation.key_attestation(instance, head["key_attestation"])
    if "jwk" in head or "kid" in head:
        named = _key(head)
        key = attested.find(named.to_public_jwk())
        if key is None:
            raise ProofError(
                "the proof's key is not one of the attested_keys of its key attestation"
            )
        candidates = [key]
    else:
        candidates = [key for key, _ in attested.keys]
    for index, candidate in enumerate(candidates):
        try:
            header, payload = verify_jws(
                proof,
                resolve_key=lambda _h, k=candidate: k,  # type: ignore[misc]
                typs=(PROOF_TYP,),
                algorithms=metadata.PROOF_ALGORITHMS,
                extra_headers=EXTRA_HEADERS,
            )
        except InvalidSignature:
            if index == len(candidates) - 1:
                raise
            continue
        return header, payload, attested, candidate
    raise ProofError("the proof is not signed by an attested key")  # pragma: no cover


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS before its signature is checked (to find which key
    and attestation to check it with)."""
    try:
        segment = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise ProofError("the proof is not a compact JWS") from None
    if not isinstance(header, dict):
        raise ProofError("the proof's header is not a JSON object")
    return header
