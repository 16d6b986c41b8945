"""The OpenID4VP 1.0 wire forms of a verifier transaction: the client identifier, the
signed request object (JAR, RFC 9101, ``typ: oauth-authz-req+jwt``, ``x5c``), the wallet
invocation links, the ephemeral ECDH-ES response key, and the decryption of a
``direct_post.jwt`` response (joserfc's JWE).

Profiled by HAIP 1.0 §5: client id prefix ``x509_hash`` (``x509_san_dns`` and
``redirect_uri`` are options for other wallets), ``response_mode=direct_post.jwt``,
``client_metadata.jwks`` with one ephemeral P-256 ``ECDH-ES`` key per transaction, and
``encrypted_response_enc_values_supported: ["A128GCM", "A256GCM"]``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from cryptography import x509
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from microcred.proofs.jose import sign_jws
from microcred.proofs.keys import KeyPair
from microcred.proofs.x509 import san_dns_names, x5c_header, x509_hash

__all__ = [
    "ENC_VALUES",
    "PREFIXES",
    "REQUEST_TYP",
    "ClientIdPrefix",
    "ResponseMode",
    "WireError",
    "client_id_for",
    "decrypt_response",
    "ephemeral_key",
    "invocation_links",
    "request_claims",
    "sign_request",
]

REQUEST_TYP = "oauth-authz-req+jwt"
ENC_VALUES = ("A128GCM", "A256GCM")  # HAIP 1.0 §5: a verifier lists both
ECDH_ES = "ECDH-ES"
# OpenID4VP 1.0 §5.8: the aud of a request object when the wallet's metadata is static
SELF_ISSUED_AUD = "https://self-issued.me/v2"
MAX_RESPONSE_JWE = 2_000_000

ClientIdPrefix = Literal["x509_hash", "x509_san_dns", "redirect_uri"]
PREFIXES: tuple[ClientIdPrefix, ...] = ("x509_hash", "x509_san_dns", "redirect_uri")
ResponseMode = Literal["direct_post.jwt", "direct_post"]

VP_FORMATS: dict[str, Any] = {
    "dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"]},
    "ldp_vc": {
        "proof_type_values": ["DataIntegrityProof", "Ed25519Signature2020"],
        "cryptosuite_values": ["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "eddsa-jcs-2022"],
    },
    "jwt_vc_json": {"alg_values": ["ES256", "EdDSA"]},
}


class WireError(ValueError):
    """A response (or a certificate) that cannot be used; ``error`` is the OAuth code."""

    def __init__(self, message: str, error: str = "invalid_request") -> None:
        super().__init__(message)
        self.error = error


def client_id_for(prefix: ClientIdPrefix, leaf: x509.Certificate | None, response_uri: str) -> str:
    """The full client identifier (prefix included: it is also the KB-JWT's ``aud``)."""
    if prefix == "x509_hash":
        if leaf is None:
            raise WireError("x509_hash needs the verifier's certificate")
        return f"x509_hash:{x509_hash(leaf)}"
    if prefix == "x509_san_dns":
        host = urlsplit(response_uri).hostname or ""
        if leaf is None or host not in san_dns_names(leaf):
            raise WireError(
                f"x509_san_dns needs a certificate naming {host!r} (the response URI's host) "
                "as a DNS subject alternative name"
            )
        return f"x509_san_dns:{host}"
    return f"redirect_uri:{response_uri}"


def ephemeral_key() -> dict[str, Any]:
    """A fresh P-256 key for ECDH-ES (private JWK, with ``kid``, ``use`` and ``alg``)."""
    key = ECKey.generate_key(
        "P-256",
        parameters={"kid": secrets.token_urlsafe(8), "use": "enc", "alg": ECDH_ES},
        private=True,
    )
    jwk: dict[str, Any] = key.as_dict(private=True)
    return jwk


def public_jwk(private_jwk: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in private_jwk.items() if k != "d"}


def request_claims(
    *,
    client_id: str,
    response_mode: ResponseMode,
    response_uri: str,
    nonce: str,
    state: str,
    dcql_query: Mapping[str, Any],
    response_key: Mapping[str, Any],
    iat: int,
    exp: int,
    wallet_nonce: str | None = None,
    client_name: str | None = None,
) -> dict[str, Any]:
    """The authorization request parameters (OpenID4VP 1.0 §5), as the request object's
    claims. The response key is offered only for ``direct_post.jwt``; ``client_name`` (RFC
    7591 client metadata) is the name a wallet may show, checked only through the certificate."""
    metadata: dict[str, Any] = {"vp_formats_supported": VP_FORMATS}
    if client_name:
        metadata["client_name"] = client_name
    if response_mode == "direct_post.jwt":
        metadata["jwks"] = {"keys": [public_jwk(response_key)]}
        metadata["encrypted_response_enc_values_supported"] = list(ENC_VALUES)
    claims: dict[str, Any] = {
        "iss": client_id,
        "aud": SELF_ISSUED_AUD,
        "iat": iat,
        "exp": exp,
        "client_id": client_id,
        "response_type": "vp_token",
        "response_mode": response_mode,
        "response_uri": response_uri,
        "nonce": nonce,
        "state": state,
        "dcql_query": dict(dcql_query),
        "client_metadata": metadata,
    }
    if wallet_nonce is not None:
        claims["wallet_nonce"] = wallet_nonce
    return claims


def sign_request(claims: Mapping[str, Any], key: KeyPair, chain: Sequence[x509.Certificate]) -> str:
    """The signed request object: ES256 by the verifier's key, ``x5c`` its chain (leaf
    first, no trust anchor), ``typ: oauth-authz-req+jwt``."""
    return sign_jws(dict(claims), key, header={"typ": REQUEST_TYP, "x5c": x5c_header(chain)})


def unsigned_request(claims: Mapping[str, Any]) -> str:
    """The ``redirect_uri`` prefix forbids a signature (OpenID4VP 1.0 §5.9.3): an unsecured
    JWT (``alg: none``, RFC 7519 §6)."""
    from base64 import urlsafe_b64encode

    def part(value: Mapping[str, Any]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode("utf-8")
        return urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    return f"{part({'alg': 'none', 'typ': REQUEST_TYP})}.{part(claims)}."


def invocation_links(client_id: str, request_uri: str, *, post: bool = True) -> dict[str, str]:
    """The same-device / QR links: ``openid4vp://`` and HAIP's ``haip-vp://``, each with the
    client id and the request by reference (and ``request_uri_method=post`` on offer)."""
    params = {"client_id": client_id, "request_uri": request_uri}
    if post:
        params["request_uri_method"] = "post"
    query = urlencode(params)
    return {"openid4vp": f"openid4vp://?{query}", "haip": f"haip-vp://?{query}"}


def decrypt_response(token: str, private_jwk: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of a ``direct_post.jwt`` response: a JWE to our ephemeral key, ``alg``
    equal to the key's (ECDH-ES), ``kid`` echoed, ``enc`` one offered. Raises WireError."""
    if not isinstance(token, str) or len(token) > MAX_RESPONSE_JWE or token.count(".") != 4:
        raise WireError("response is not a compact JWE")
    key = ECKey.import_key(dict(private_jwk))
    try:
        decrypted = jwe.decrypt_compact(token, key, algorithms=[ECDH_ES, *ENC_VALUES])
    except (JoseError, ValueError, TypeError) as cause:
        raise WireError(f"response cannot be decrypted with this request's key: {cause}") from None
    header = decrypted.protected
    if header.get("alg") != private_jwk.get("alg"):
        raise WireError(f"response is encrypted with alg {header.get('alg')!r}, not ECDH-ES")
    if header.get("enc") not in ENC_VALUES:
        raise WireError(f"response enc {header.get('enc')!r} was not offered")
    if "kid" in private_jwk and header.get("kid") != private_jwk["kid"]:
        raise WireError("response does not echo the kid of the key it is encrypted to")
    try:
        payload = json.loads(decrypted.plaintext or b"")
    except (ValueError, UnicodeDecodeError):
        raise WireError("the decrypted response is not JSON") from None
    if not isinstance(payload, dict):
        raise WireError("the decrypted response is not a JSON object")
    return payload
