"""P-384 and P-521 keys, ES384 and ES512 (VC-JOSE-COSE), did:jwk, JWK thumbprints and the key
look-up of VC-JWT 1.1 (`proofs.vc_jwt.resolve_jwt_key`)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import ECKey, RSAKey

from microcred.proofs import (
    Ed25519KeyPair,
    InvalidSignature,
    MalformedProof,
    P256KeyPair,
    StaticDidResolver,
    VerificationMethodError,
    sign_vc_jwt,
    verify_vc_jwt,
)
from microcred.proofs.did import (
    did_key_for,
    did_web_document,
    resolve_did_jwk,
    resolve_verification_method,
)
from microcred.proofs.errors import DidError, KeyUsageError
from microcred.proofs.keys import P384KeyPair, keypair_from_jwk, keypair_from_multibase
from microcred.proofs.multibase import decode_multikey
from microcred.proofs.vc_jwt import (
    THUMBPRINT_URN,
    issuer_metadata_url,
    jwk_thumbprint,
    resolve_jwt_key,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
JS_DIR = ROOT / "interop" / "js"
CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "did:example:issuer",
    "credentialSubject": {"id": "did:example:subject"},
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _part(token: str, index: int) -> Any:
    segment = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_p384_key_pair_multikey_jwk_and_signatures() -> None:
    key = P384KeyPair.generate()
    codec, raw = decode_multikey(key.public_multibase)
    assert codec == "p384-pub" and len(raw) == 49  # compressed point
    assert did_key_for(key).startswith("did:key:z82L")  # the P-384 did:key prefix
    assert keypair_from_multibase(key.public_multibase) == key
    jwk = key.to_public_jwk()
    assert jwk["crv"] == "P-384" and len(base64.urlsafe_b64decode(jwk["x"] + "==")) == 48
    assert keypair_from_jwk(jwk) == key
    signature = key.sign(b"data")
    assert len(signature) == 96
    key.verify(signature, b"data")
    with pytest.raises(InvalidSignature):
        key.verify(signature, b"other data")
    with pytest.raises(InvalidSignature):
        P384KeyPair.generate().verify(signature, b"data")
    with pytest.raises(KeyUsageError):
        keypair_from_jwk({**jwk, "x": jwk["x"][:-4]})  # a coordinate of the wrong length
    exported = key.export_private(None, allow_unencrypted=True)
    again = keypair_from_multibase(exported["publicKeyMultibase"], exported["privateKeyMultibase"])
    again.verify(again.sign(b"x"), b"x")


def test_es384_vc_jose_round_trip_and_key_type_check() -> None:
    key = P384KeyPair.generate()
    token = sign_vc_jwt(CREDENTIAL, key, kid="did:example:issuer#k")
    assert _part(token, 0)["alg"] == "ES384"
    assert verify_vc_jwt(token, resolve_key=lambda kid: key) == CREDENTIAL
    with pytest.raises(VerificationMethodError, match="P-256 key cannot verify ES384"):
        verify_vc_jwt(token, resolve_key=lambda kid: P256KeyPair.generate())
    with pytest.raises(InvalidSignature):
        verify_vc_jwt(token, resolve_key=lambda kid: P384KeyPair.generate())


def test_es384_vc_jose_verifies_in_node_jose() -> None:
    """The JavaScript `jose` library verifies our ES384 vc+jwt with the public JWK."""
    node = shutil.which("node")
    assert node is not None and (JS_DIR / "node_modules" / "jose").is_dir()
    key = P384KeyPair.generate()
    token = sign_vc_jwt(CREDENTIAL, key, kid="did:example:issuer#k")
    script = """
import * as jose from 'jose';
const { token, jwk } = JSON.parse(process.argv[1]);
const key = await jose.importJWK(jwk, 'ES384');
const { payload, protectedHeader } = await jose.compactVerify(token, key, { algorithms: ['ES384'] });
process.stdout.write(JSON.stringify({ header: protectedHeader, payload: JSON.parse(new TextDecoder().decode(payload)) }));
"""
    arg = json.dumps({"token": token, "jwk": key.to_public_jwk()})
    done = subprocess.run(
        [node, "--input-type=module", "-e", script, arg],
        capture_output=True,
        text=True,
        cwd=JS_DIR,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["header"]["alg"] == "ES384" and result["payload"] == CREDENTIAL


def test_did_jwk_documents() -> None:
    key = P384KeyPair.generate()
    did = "did:jwk:" + _b64(json.dumps(key.to_public_jwk()).encode())
    document = resolve_did_jwk(did)
    assert document["id"] == did
    assert document["assertionMethod"] == [f"{did}#0"]
    found, controller = resolve_verification_method(f"{did}#0", StaticDidResolver())
    assert found == key and controller == did
    for bad in ("did:jwk:", "did:jwk:not*base64", "did:jwk:" + _b64(b"[1, 2]")):
        with pytest.raises(DidError):
            resolve_did_jwk(bad)
    private = {**key.to_public_jwk(), "d": _b64(b"\x01" * 48)}
    with pytest.raises(DidError, match="private"):
        resolve_did_jwk("did:jwk:" + _b64(json.dumps(private).encode()))
    encryption_only = {**key.to_public_jwk(), "use": "enc"}
    doc = resolve_did_jwk("did:jwk:" + _b64(json.dumps(encryption_only).encode()))
    assert doc["assertionMethod"] == []


def test_jwk_thumbprint_agrees_with_the_openid4vci_example_and_joserfc() -> None:
    text = (SHARED / "vectors" / "openid4vci-1.0" / "issuer_jwks.json").read_text()
    (jwk,) = json.loads("".join(text.split()))["jwks"]["keys"]  # the spec folds long lines
    assert THUMBPRINT_URN + jwk_thumbprint(jwk) == jwk["kid"]
    for key in (Ed25519KeyPair.generate(), P256KeyPair.generate(), P384KeyPair.generate()):
        public = key.to_public_jwk()
        imported = ECKey.import_key(public) if public["kty"] == "EC" else None
        if imported is not None:
            assert jwk_thumbprint(public) == imported.thumbprint()
    # RSA too (VC-JWT 1.1 RS256 issuers): RFC 7638 section 3.2's members e, kty, n
    rsa_jwk = RSAKey.generate_key(2048).as_dict(private=False)
    assert jwk_thumbprint(rsa_jwk) == RSAKey.import_key(rsa_jwk).thumbprint()
    with pytest.raises(KeyUsageError):
        jwk_thumbprint({"kty": "oct", "k": "c2VjcmV0"})


def test_issuer_metadata_url() -> None:
    assert (
        issuer_metadata_url("https://issuer.example.lv/tenant/1234")
        == "https://issuer.example.lv/.well-known/jwt-vc-issuer/tenant/1234"
    )
    assert issuer_metadata_url("https://issuer.example.lv") == (
        "https://issuer.example.lv/.well-known/jwt-vc-issuer"
    )
    assert issuer_metadata_url("http://issuer.example.lv") is None
    assert issuer_metadata_url("did:web:issuer.example.lv") is None


def test_resolve_jwt_key_ways_of_naming_the_key() -> None:
    key, other = P256KeyPair.generate(), Ed25519KeyPair.generate()
    did = "did:web:issuer.example.lv"
    resolver = StaticDidResolver({did: did_web_document(did, [("a", other), ("b", key)])})
    thumb = jwk_thumbprint(key.to_public_jwk())
    for header in (
        {"kid": f"{did}#b"},
        {"kid": "#b"},
        {"kid": "b"},
        {"kid": thumb},
        {"kid": THUMBPRINT_URN + thumb},
        {"jwk": key.to_public_jwk()},
    ):
        found, controller = resolve_jwt_key(header, did, resolver, purpose="assertionMethod")
        assert (found, controller) == (key, did), header
    with pytest.raises(MalformedProof, match="kid"):
        resolve_jwt_key({}, did, resolver, purpose="assertionMethod")
    with pytest.raises(VerificationMethodError):
        resolve_jwt_key({"kid": "#c"}, did, resolver, purpose="assertionMethod")
    stranger = P256KeyPair.generate().to_public_jwk()
    with pytest.raises(VerificationMethodError):
        resolve_jwt_key({"jwk": stranger}, did, resolver, purpose="assertionMethod")
    with pytest.raises(VerificationMethodError):  # listed for assertionMethod only
        resolve_jwt_key({"kid": "#b"}, did, resolver, purpose="keyAgreement")
    with pytest.raises(MalformedProof, match="kid"):
        resolve_jwt_key({"kid": 7}, did, resolver, purpose="assertionMethod")


def test_p521_keys_and_es512() -> None:
    from microcred.proofs.keys import P521KeyPair

    key = P521KeyPair.generate()
    codec, raw = decode_multikey(key.public_multibase)
    assert codec == "p521-pub" and len(raw) == 67
    assert did_key_for(key).startswith("did:key:z2J9g")  # the P-521 did:key prefix
    assert keypair_from_jwk(key.to_public_jwk()) == key
    assert len(key.sign(b"data")) == 132
    token = sign_vc_jwt(CREDENTIAL, key, kid="did:example:issuer#k")
    assert _part(token, 0)["alg"] == "ES512"
    assert verify_vc_jwt(token, resolve_key=lambda kid: key) == CREDENTIAL
    with pytest.raises(VerificationMethodError, match="P-384 key cannot verify ES512"):
        verify_vc_jwt(token, resolve_key=lambda kid: P384KeyPair.generate())
