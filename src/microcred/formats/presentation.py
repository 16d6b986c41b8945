"""W3C VC 2.0 verifiable presentations: building one and signing it as its holder.

A presentation carries only the VC 2.0 context, as ``@digitalbazaar/vc``'s
``createPresentation`` does: in that context ``verifiableCredential`` is a
``@graph`` container with a scoped ``"@context": null``, so every embedded
credential is its own graph and must (and does) bring its own ``@context``.
A ``vc+jwt`` credential is embedded as an ``EnvelopedVerifiableCredential``
whose ``id`` is a ``data:application/vc+jwt,<jwt>`` URL (VC 2.0, VC-JOSE-COSE).

The holder signs either with a Data Integrity proof of purpose
``authentication`` bound to the verifier's ``challenge`` and ``domain``, or as
a ``vp+jwt`` whose payload carries ``nonce`` and ``aud``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from microcred.jsonld.fast_rdf import canonicalize_fast
from microcred.proofs.dataintegrity import add_proof
from microcred.proofs.jose import sign_vp_jwt
from microcred.proofs.keys import KeyPair

__all__ = [
    "ENVELOPED_TYPE",
    "VC_JWT_DATA_URL",
    "VC_V2",
    "build_presentation",
    "enveloped_credential",
    "sign_presentation",
    "sign_presentation_jwt",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
ENVELOPED_TYPE = "EnvelopedVerifiableCredential"
VC_JWT_DATA_URL = "data:application/vc+jwt,"


def enveloped_credential(jwt: str) -> dict[str, Any]:
    """A ``vc+jwt`` as an ``EnvelopedVerifiableCredential`` (it needs its own ``@context``)."""
    token = jwt.strip()
    if token.count(".") != 2:
        raise ValueError("a vc+jwt credential is a compact JWS: header.payload.signature")
    return {"@context": VC_V2, "id": VC_JWT_DATA_URL + token, "type": ENVELOPED_TYPE}


def build_presentation(
    credentials: list[dict[str, Any] | str], holder: str, *, id: str | None = None
) -> dict[str, Any]:
    """An unsigned ``VerifiablePresentation`` of ``credentials`` (JSON-LD objects or vc+jwt)."""
    if not isinstance(holder, str) or not holder:
        raise ValueError("the holder is a URL or DID")
    embedded: list[dict[str, Any]] = []
    for credential in credentials:
        if isinstance(credential, str):
            embedded.append(enveloped_credential(credential))
        elif isinstance(credential, dict):
            if "@context" not in credential:
                raise ValueError("an embedded credential must carry its own @context")
            embedded.append(credential)
        else:
            raise TypeError(f"a credential is a JSON object or a JWT, not {type(credential)}")
    presentation: dict[str, Any] = {"@context": [VC_V2], "type": ["VerifiablePresentation"]}
    if id is not None:
        presentation["id"] = id
    presentation["holder"] = holder
    presentation["verifiableCredential"] = embedded
    return presentation


def sign_presentation(
    vp: dict[str, Any],
    key: KeyPair,
    *,
    verification_method: str,
    challenge: str | None,
    domain: str | None,
    created: datetime | str,
    canonicalize: Callable[[dict[str, Any]], str] = canonicalize_fast,
) -> dict[str, Any]:
    """``vp`` with the holder's Data Integrity proof (purpose ``authentication``)."""
    return add_proof(
        vp,
        key,
        verification_method=verification_method,
        created=created,
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
        canonicalize=canonicalize,
    )


def sign_presentation_jwt(
    vp: dict[str, Any], key: KeyPair, *, kid: str, nonce: str | None, aud: str | None
) -> str:
    """``vp`` as a ``vp+jwt`` (VC-JOSE-COSE) signed by the holder; ``nonce``/``aud`` bind it."""
    return sign_vp_jwt(vp, key, kid=kid, nonce=nonce, aud=aud)
