"""VC-JWT 1.1 signed with RS256 (RSA keys, as some VC-JWT 1.1 issuers still use), and a ``kid``
that is the HTTPS URL of a JWK document or of a verification method, resolved against ``iss``:
what must verify does, and what must not (RS256 in a VC-JOSE vc+jwt, a short RSA key, a JWK
on another origin than the issuer's, a changed claim) does not."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jws
from joserfc.jwk import RSAKey

from microcred.proofs.errors import KeyUsageError
from microcred.proofs.rs256 import RsaJwtKey
from microcred.verify import VerifierContext, verify_credential
from tests.verify.conftest import NOW

ISSUER = "https://university.example"
VC_V1 = "https://www.w3.org/2018/credentials/v1"


@pytest.fixture(scope="module")
def private() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_jwk(private: rsa.RSAPrivateKey) -> dict[str, str]:
    jwk = RSAKey.import_key(private.public_key()).as_dict(private=False)
    return {k: jwk[k] for k in ("kty", "n", "e")}


def _token(private: rsa.RSAPrivateKey, header: dict[str, Any], **claims: Any) -> str:
    body = {
        "iss": ISSUER,
        "sub": "did:example:learner",
        "nbf": 1768003200,
        "vc": {
            "@context": [VC_V1],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:learner", "name": "Anna Bērziņa"},
        },
        **claims,
    }
    payload = json.dumps(body).encode()
    return jws.serialize_compact(
        {"alg": "RS256", "typ": "JWT", **header}, payload, RSAKey.import_key(private)
    )


def _controller(private: rsa.RSAPrivateKey) -> dict[str, Any]:
    vm = {
        "id": f"{ISSUER}#key-1",
        "type": "JsonWebKey",
        "controller": ISSUER,
        "publicKeyJwk": _public_jwk(private),
    }
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": ISSUER,
        "verificationMethod": [vm],
        "assertionMethod": [vm["id"]],
    }


def _verify(token: str, documents: dict[str, Any]) -> Any:
    return verify_credential(token, VerifierContext(now=NOW, documents=documents))


def test_rs256_vc_jwt_with_a_kid_in_the_issuers_controller_document_verifies(
    private: rsa.RSAPrivateKey,
) -> None:
    documents = {ISSUER: _controller(private)}
    for kid in ("#key-1", f"{ISSUER}#key-1"):
        report = _verify(_token(private, {"kid": kid}), documents)
        assert report.valid, report.to_json()
        assert "RS256" in report.check("proof").message
        assert report.check("issuer").status == "pass"
    # a changed claim after signing
    token = _token(private, {"kid": "#key-1"})
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["vc"]["credentialSubject"]["name"] = "Mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    report = _verify(f"{head}.{forged}.{sig}", documents)
    assert report.check("proof").code == "proof.invalid_signature"


def test_a_kid_that_is_the_url_of_a_jwk_document_on_the_issuers_origin_verifies(
    private: rsa.RSAPrivateKey,
) -> None:
    kid = f"{ISSUER}/keys/2026.jwk"
    report = _verify(_token(private, {"kid": kid}), {kid: _public_jwk(private)})
    assert report.valid, report.to_json()
    # the same key published by someone else proves nothing about the issuer
    elsewhere = "https://keys.attacker.example/university.jwk"
    report = _verify(_token(private, {"kid": elsewhere}), {elsewhere: _public_jwk(private)})
    assert not report.valid
    assert "origin" in report.check("proof").message
    # a kid URL naming a verification method document: its controller must list it
    vm_url = f"{ISSUER}/keys/vm.json"
    vm = _controller(private)["verificationMethod"][0]
    documents = {vm_url: vm, ISSUER: _controller(private)}
    assert _verify(_token(private, {"kid": vm_url}), documents).valid


def test_rs256_is_refused_in_a_vc_jose_vc_jwt(private: rsa.RSAPrivateKey) -> None:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"id": "did:example:learner"},
    }
    token = jws.serialize_compact(
        {"alg": "RS256", "typ": "vc+jwt", "kid": f"{ISSUER}#key-1"},
        json.dumps(credential).encode(),
        RSAKey.import_key(private),
    )
    report = _verify(token, {ISSUER: _controller(private)})
    assert not report.valid and "RS256" in report.check("proof").message


def test_short_or_private_rsa_jwks_are_refused() -> None:
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(KeyUsageError, match="too short"):
        RsaJwtKey.from_jwk(_public_jwk(short))
    full = RSAKey.import_key(short).as_dict(private=True)
    with pytest.raises(KeyUsageError, match="private"):
        RsaJwtKey.from_jwk(full)
