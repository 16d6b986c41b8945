from __future__ import annotations

import base64
import json

import pytest

from microcred.proofs import (
    Ed25519KeyPair,
    InvalidSignature,
    MalformedProof,
    P256KeyPair,
    ProofPurposeMismatch,
    UnsupportedCryptosuite,
    VerificationMethodError,
    sign_vc_jwt,
    sign_vp_jwt,
    verify_vc_jwt,
    verify_vp_jwt,
)

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "did:example:issuer",
    "credentialSubject": {"id": "did:example:subject"},
}


def _b64(part: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return data


@pytest.mark.parametrize(("cls", "alg"), [(Ed25519KeyPair, "EdDSA"), (P256KeyPair, "ES256")])
def test_vc_jwt_round_trip(cls: type[Ed25519KeyPair] | type[P256KeyPair], alg: str) -> None:
    pair = cls.generate()
    token = sign_vc_jwt(CREDENTIAL, pair, kid="did:example:issuer#k1")
    header_part, payload_part, _ = token.split(".")
    assert _b64(header_part) == {
        "alg": alg,
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": "did:example:issuer#k1",
    }
    assert _b64(payload_part) == CREDENTIAL
    assert verify_vc_jwt(token, resolve_key=lambda kid: pair) == CREDENTIAL


def test_vc_jwt_tamper_and_wrong_key() -> None:
    pair = Ed25519KeyPair.generate()
    token = sign_vc_jwt(CREDENTIAL, pair, kid="k")
    header, payload, signature = token.split(".")
    forged = (
        base64.urlsafe_b64encode(json.dumps({**CREDENTIAL, "issuer": "did:example:evil"}).encode())
        .rstrip(b"=")
        .decode()
    )
    with pytest.raises(InvalidSignature):
        verify_vc_jwt(f"{header}.{forged}.{signature}", resolve_key=lambda kid: pair)
    with pytest.raises(InvalidSignature):
        verify_vc_jwt(token, resolve_key=lambda kid: Ed25519KeyPair.generate())
    with pytest.raises(VerificationMethodError):
        verify_vc_jwt(token, resolve_key=lambda kid: P256KeyPair.generate())
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    with pytest.raises(InvalidSignature):
        verify_vc_jwt(f"{header}.{payload}.{flipped}", resolve_key=lambda kid: pair)


def test_vc_jwt_header_checks() -> None:
    pair = Ed25519KeyPair.generate()
    vp = sign_vp_jwt({"type": ["VerifiablePresentation"]}, pair, kid="k")
    with pytest.raises(MalformedProof, match="typ"):
        verify_vc_jwt(vp, resolve_key=lambda kid: pair)
    token = sign_vc_jwt(CREDENTIAL, pair, kid="k")
    with pytest.raises(UnsupportedCryptosuite):
        verify_vc_jwt(token, resolve_key=lambda kid: pair, algorithms={"ES256"})
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"vc+jwt","kid":"k"}').rstrip(b"=")
    body = token.split(".")[1]
    with pytest.raises(UnsupportedCryptosuite):
        verify_vc_jwt(f"{none_header.decode()}.{body}.", resolve_key=lambda kid: pair)
    for garbage in ("", "a.b", "a.b.c", "x" * 10):
        with pytest.raises(MalformedProof):
            verify_vc_jwt(garbage, resolve_key=lambda kid: pair)


def test_vp_jwt_nonce_and_aud() -> None:
    holder = P256KeyPair.generate()
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
    }
    token = sign_vp_jwt(
        presentation,
        holder,
        kid="did:example:holder#k",
        nonce="n-1",
        aud="https://verifier.example",
    )
    out = verify_vp_jwt(
        token, resolve_key=lambda kid: holder, nonce="n-1", aud="https://verifier.example"
    )
    assert out["nonce"] == "n-1"
    with pytest.raises(ProofPurposeMismatch):
        verify_vp_jwt(
            token, resolve_key=lambda kid: holder, nonce="n-2", aud="https://verifier.example"
        )
    with pytest.raises(ProofPurposeMismatch):
        verify_vp_jwt(
            token, resolve_key=lambda kid: holder, nonce="n-1", aud="https://other.example"
        )
    vc = sign_vc_jwt(CREDENTIAL, holder, kid="k")
    with pytest.raises(MalformedProof, match="typ"):
        verify_vp_jwt(vc, resolve_key=lambda kid: holder, nonce=None, aud=None)
