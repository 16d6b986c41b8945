"""VC-JWT 1.1 (VC Data Model 1.1 section 6.3.1, Open Badges 3.0 section 8.2) through the one
verifier: credentials signed here by joserfc and by Node's `jose` (interop/js/node_modules),
the OpenID4VCI 1.0 `jwt_vc_json` example credential, and each way such a JWT must fail."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey

from microcred.formats.inputs import parse_input
from microcred.formats.registry import FormatName, detect
from microcred.proofs.did import did_key_for, did_web_document
from microcred.proofs.keys import Ed25519KeyPair, P256KeyPair, P384KeyPair, P521KeyPair
from microcred.verify import VerifierContext, verify_credential
from microcred.verify.meanings import MEANINGS
from tests.verify.conftest import NOW, ROOT, SHARED

JS_DIR = ROOT / "interop" / "js"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
ISSUED = int(datetime(2026, 1, 10, tzinfo=UTC).timestamp())
EXPIRES = int(datetime(2027, 1, 10, tzinfo=UTC).timestamp())
SUBJECT = "did:example:learner"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _claims(issuer: str, **extra: Any) -> dict[str, Any]:
    """A VC-JWT 1.1 whose vc claim states everything the claims state (walt.id style)."""
    vc = {
        "@context": [VC_V1],
        "id": "urn:uuid:7c5c4c0e-1d0e-4a8b-9d4e-0c9f3a1b2c3d",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "issuanceDate": "2026-01-10T00:00:00Z",
        "expirationDate": "2027-01-10T00:00:00Z",
        "credentialSubject": {"id": SUBJECT, "name": "Anna Bērziņa"},
    }
    claims = {
        "iss": issuer,
        "sub": SUBJECT,
        "jti": vc["id"],
        "nbf": ISSUED,
        "exp": EXPIRES,
        "vc": vc,
    }
    claims.update(extra)
    return claims


def _sign(claims: dict[str, Any], key: Any, header: dict[str, Any]) -> str:
    """Sign with joserfc directly (not through microcred.proofs), as another issuer would."""
    private = key._crypto_private_key()
    jose_key = (
        OKPKey.import_key(private) if key.key_type == "Ed25519" else ECKey.import_key(private)
    )
    alg = {"Ed25519": "EdDSA", "P-256": "ES256", "P-384": "ES384"}[key.key_type]
    body = json.dumps(claims).encode()
    return jws.serialize_compact({"alg": alg, **header}, body, jose_key, algorithms=[alg])


def _did_key_token(key: Any, **extra: Any) -> str:
    did = did_key_for(key)
    return _sign(_claims(did, **extra), key, {"typ": "JWT", "kid": f"{did}#{key.public_multibase}"})


def _verify(token: str, **documents: dict[str, Any]) -> Any:
    return verify_credential(token, VerifierContext(now=NOW, documents=dict(documents)))


@pytest.mark.parametrize(
    "cls", [Ed25519KeyPair, P256KeyPair, P384KeyPair], ids=lambda c: c.__name__
)
def test_joserfc_signed_vc_jwt_verifies(cls: Any) -> None:
    key = cls.generate()
    token = _did_key_token(key)
    assert detect(parse_input(token)).name == FormatName.VC_JWT_11
    report = _verify(token)
    assert report.valid, report.to_json()
    assert report.check("parse").message.startswith("read a VC-JWT 1.1")
    proof = report.check("proof")
    assert proof.code == "proof.ok" and "iss, sub, jti, nbf, exp claims agree" in proof.message
    assert report.check("issuer").code == "issuer.ok"
    assert report.credential is not None and report.credential["credentialSubject"]["id"] == SUBJECT


def test_open_badges_3_jwt_form_maps_nbf_and_exp_to_valid_from_and_until() -> None:
    """OB 3.0 section 8.2: an OpenBadgeCredential (VC 2.0 context) in the vc claim, typ JWT."""
    from microcred.formats.registry import write
    from tests.verify.conftest import make_award

    key = P256KeyPair.generate()
    did = did_key_for(key)
    credential = write(FormatName.OB3, make_award(), issuer_id=did)
    credential.pop("credentialStatus", None)  # no status list is served in this test
    start = int(datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00")).timestamp())
    claims = {"iss": did, "jti": credential["id"], "nbf": start, "vc": credential}
    if isinstance(credential["credentialSubject"].get("id"), str):
        claims["sub"] = credential["credentialSubject"]["id"]
    kid = f"{did}#{key.public_multibase}"
    report = _verify(_sign(claims, key, {"alg": "ES256", "kid": kid, "typ": "JWT"}))
    assert report.valid, report.to_json()
    assert report.check("eu_standard").status == "pass", report.check("eu_standard")
    # The same credential with an nbf an hour off its validFrom is not valid.
    late = _sign({**claims, "nbf": start + 3600}, key, {"kid": kid, "typ": "JWT"})
    assert _verify(late).check("proof").code == "proof.claims_mismatch"


def test_claims_fill_what_the_vc_claim_leaves_out() -> None:
    """VC DM 1.1 decoding: iss, jti, sub, nbf, exp become issuer, id, subject id and dates."""
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    claims = _claims(did)
    for name in ("id", "issuer", "issuanceDate", "expirationDate"):
        del claims["vc"][name]
    del claims["vc"]["credentialSubject"]["id"]
    report = _verify(_sign(claims, key, {"kid": f"{did}#{key.public_multibase}"}))
    assert report.valid, report.to_json()
    credential = report.credential
    assert credential is not None
    assert credential["issuer"] == did and credential["id"] == claims["jti"]
    assert credential["credentialSubject"]["id"] == SUBJECT
    assert credential["issuanceDate"] == "2026-01-10T00:00:00Z"
    assert credential["expirationDate"] == "2027-01-10T00:00:00Z"


def test_the_wallet_importer_and_convert_read_the_claims_too() -> None:
    """The importer (formats.importing) and the registry's unverified reading agree with the
    verifier on what the claims add to the vc claim."""
    from microcred.formats.importing import extract

    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    claims = _claims(did)
    for name in ("id", "issuer", "issuanceDate"):
        del claims["vc"][name]
    token = _sign(claims, key, {"kid": f"{did}#{key.public_multibase}"})
    imported = extract(token.encode(), filename="credential.jwt")
    assert imported.kind == "vc-jwt" and imported.document is not None
    assert imported.document["issuer"] == did and imported.document["id"] == claims["jti"]
    parsed = parse_input(token)
    assert detect(parsed).credential(parsed) == imported.document


def test_tampered_claims_fail_the_signature() -> None:
    key = Ed25519KeyPair.generate()
    token = _did_key_token(key)
    header, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["vc"]["credentialSubject"]["name"] = "Somebody Else"
    forged = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    report = _verify(forged)
    assert not report.valid
    assert report.check("proof").code == "proof.invalid_signature"


def test_wrong_key_fails() -> None:
    key, other = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    did = did_key_for(key)
    token = _sign(_claims(did), other, {"kid": f"{did}#{key.public_multibase}"})
    report = _verify(token)
    assert report.status == "invalid"
    assert report.check("proof").code == "proof.invalid_signature"


def test_expired_jwt_is_expired() -> None:
    key = P256KeyPair.generate()
    past = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())
    claims = _claims(did_key_for(key), exp=past)
    del claims["vc"]["expirationDate"]  # the exp claim alone says when it ends
    did = did_key_for(key)
    report = _verify(_sign(claims, key, {"kid": f"{did}#{key.public_multibase}"}))
    assert report.status == "expired", report.to_json()
    assert report.check("validity").code == "validity.expired"
    assert report.check("proof").code == "proof.ok"


def test_nbf_in_the_future_is_not_valid_yet() -> None:
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    later = int(datetime(2026, 12, 24, tzinfo=UTC).timestamp())
    claims = _claims(did, nbf=later)
    claims["vc"]["issuanceDate"] = "2026-12-24T00:00:00Z"
    report = _verify(_sign(claims, key, {"kid": f"{did}#{key.public_multibase}"}))
    assert not report.valid
    assert report.check("validity").code == "validity.not_yet"


@pytest.mark.parametrize(
    ("claim", "value", "named"),
    [
        ("iss", "did:example:someone-else", "iss claim"),
        ("sub", "did:example:another-learner", "sub claim"),
        ("jti", "urn:uuid:00000000-0000-4000-8000-000000000000", "jti claim"),
        ("nbf", ISSUED + 3600, "nbf claim"),
        ("exp", EXPIRES + 3600, "exp claim"),
    ],
)
def test_a_claim_that_disagrees_with_the_credential_invalidates(
    claim: str, value: Any, named: str
) -> None:
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    report = _verify(
        _sign(_claims(did, **{claim: value}), key, {"kid": f"{did}#{key.public_multibase}"})
    )
    assert report.status == "invalid", report.to_json()
    proof = report.check("proof")
    assert proof.code == "proof.claims_mismatch" and named in proof.message
    assert MEANINGS["proof.claims_mismatch"]


def test_signed_by_a_key_that_is_not_the_issuers() -> None:
    """The kid is a real key of another DID: the signature verifies, the issuer does not."""
    key, other = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    other_did = did_key_for(other)
    token = _sign(
        _claims(did_key_for(key)), other, {"kid": f"{other_did}#{other.public_multibase}"}
    )
    report = _verify(token)
    assert report.status == "invalid"
    assert report.check("issuer").code == "issuer.mismatch"


def test_alg_none_is_refused() -> None:
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    header = _b64(
        json.dumps({"alg": "none", "typ": "JWT", "kid": f"{did}#{key.public_multibase}"}).encode()
    )
    token = f"{header}.{_b64(json.dumps(_claims(did)).encode())}."
    report = _verify(token)
    assert not report.valid
    assert report.check("proof").code == "proof.unsupported"


def test_unknown_kid_fails() -> None:
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    token = _sign(_claims(did), key, {"kid": f"{did}#not-a-key"})
    report = _verify(token)
    assert not report.valid
    assert report.check("proof").code == "proof.bad_key"


def test_kid_as_a_jwk_thumbprint_resolves_against_a_did_web_issuer() -> None:
    from microcred.proofs.vc_jwt import THUMBPRINT_URN, jwk_thumbprint

    key = P384KeyPair.generate()
    did = "did:web:university.example.lv"
    document = did_web_document(did, [("key-1", Ed25519KeyPair.generate()), ("key-2", key)])
    thumbprint = jwk_thumbprint(key.to_public_jwk())
    for kid in (thumbprint, THUMBPRINT_URN + thumbprint, "#key-2", "key-2"):
        report = _verify(_sign(_claims(did), key, {"typ": "JWT", "kid": kid}), **{did: document})
        assert report.valid, (kid, report.to_json())
        assert report.check("issuer").code == "issuer.ok"
    # A thumbprint of a key that is not in the issuer's document is an unknown key.
    stranger = jwk_thumbprint(P384KeyPair.generate().to_public_jwk())
    report = _verify(_sign(_claims(did), key, {"kid": stranger}), **{did: document})
    assert report.check("proof").code == "proof.bad_key"
    # Without the DID document, the key could not be checked offline: not valid.
    report = _verify(_sign(_claims(did), key, {"kid": thumbprint}))
    assert not report.valid and report.check("proof").code == "proof.key_unavailable"


def test_did_jwk_issuer_without_kid_and_a_jwk_header_bound_to_the_issuer() -> None:
    key = P256KeyPair.generate()
    did = "did:jwk:" + _b64(json.dumps(key.to_public_jwk()).encode())
    assert _verify(_sign(_claims(did), key, {"typ": "JWT"})).valid
    assert _verify(_sign(_claims(did), key, {"kid": did})).valid
    assert _verify(_sign(_claims(did), key, {"jwk": key.to_public_jwk()})).valid
    # A jwk header carrying another key than the issuer's proves nothing: refused.
    other = P256KeyPair.generate()
    report = _verify(_sign(_claims(did), other, {"jwk": other.to_public_jwk()}))
    assert not report.valid and report.check("proof").code == "proof.bad_key"


def _vector_text(name: str) -> str:
    return (SHARED / "vectors" / "openid4vci-1.0" / name).read_text(encoding="utf-8")


def test_openid4vci_jwt_vc_json_example_verifies_with_the_issuer_metadata_keys() -> None:
    """OpenID4VCI 1.0's jwt_vc_json credential response, signed by the key of its issuer_jwks
    example (the spec folds long strings over lines: they are joined here)."""
    response = _vector_text("credential_response_jwt_vc_json.txt")
    body = json.loads(response[response.index("{") :].replace("\n", "").replace(" ", ""))
    token = body["credentials"][0]["credential"]
    jwks = json.loads("".join(_vector_text("issuer_jwks.json").split()))["jwks"]
    iss = "https://credential-issuer.example.com"
    metadata = {"issuer": iss, "jwks": jwks}
    parsed = parse_input(token)
    assert detect(parsed).name == FormatName.VC_JWT_11
    at = datetime(2025, 6, 1, tzinfo=UTC)
    ctx = VerifierContext(now=at, documents={f"{iss}/.well-known/jwt-vc-issuer": metadata})
    report = verify_credential(token, ctx)
    assert report.check("proof").code == "proof.ok", report.to_json()
    assert report.check("issuer").status == "pass", report.to_json()
    # Without the issuer's metadata the key is not available offline, and nothing is fetched.
    bare = verify_credential(token, VerifierContext(now=at))
    assert bare.check("proof").code == "proof.key_unavailable"
    assert "jwt-vc-issuer" in bare.check("proof").document


NODE_SIGN = """
import * as jose from 'jose';
const input = JSON.parse(await new Promise(r => { let d=''; process.stdin.on('data', c => d += c); process.stdin.on('end', () => r(d)); }));
const opts = input.alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true };
const { publicKey, privateKey } = await jose.generateKeyPair(input.alg, opts);
const jwk = await jose.exportJWK(publicKey);
const did = 'did:jwk:' + Buffer.from(JSON.stringify(jwk)).toString('base64url');
const claims = input.claims;
claims.iss = did; claims.vc.issuer = did;
const token = await new jose.SignJWT(claims).setProtectedHeader({ alg: input.alg, typ: 'JWT', kid: did + '#0' }).sign(privateKey);
process.stdout.write(JSON.stringify({ token, did }));
"""


def _node(script: str, stdin: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    assert node is not None, "node is not on PATH (interop tests need Node.js >= 20)"
    assert (JS_DIR / "node_modules" / "jose").is_dir(), "run `make interop-deps`"
    done = subprocess.run(
        [node, "--input-type=module", "-e", script],
        input=json.dumps(stdin),
        capture_output=True,
        text=True,
        cwd=JS_DIR,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES384"])
def test_node_jose_signed_vc_jwt_verifies(alg: str) -> None:
    signed = _node(NODE_SIGN, {"alg": alg, "claims": _claims("placeholder")})
    report = _verify(signed["token"])
    assert report.valid, report.to_json()
    assert report.check("issuer").message.startswith(f"issuer {signed['did']}")
    # The same token with one claim changed no longer verifies.
    header, body, signature = signed["token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["vc"]["credentialSubject"]["name"] = "Changed"
    forged = _verify(f"{header}.{_b64(json.dumps(claims).encode())}.{signature}")
    assert forged.check("proof").code == "proof.invalid_signature"


# ------------------------------------------------------------------ presentations (vp claim)


def _vp_token(holder_key: Any, credentials: list[str], **extra: Any) -> str:
    holder = did_key_for(holder_key)
    claims = {
        "iss": holder,
        "jti": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "aud": "https://verifier.example.lv",
        "nonce": "n-0S6_WzA2Mj",
        "nbf": ISSUED,
        "vp": {
            "@context": [VC_V1],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": credentials,
        },
        **extra,
    }
    kid = f"{holder}#{holder_key.public_multibase}"
    return _sign(claims, holder_key, {"typ": "JWT", "kid": kid})


def _issued_to(holder_key: Any) -> str:
    issuer = P384KeyPair.generate()
    did = did_key_for(issuer)
    claims = _claims(did, sub=did_key_for(holder_key))
    claims["vc"]["credentialSubject"]["id"] = did_key_for(holder_key)
    return _sign(claims, issuer, {"typ": "JWT", "kid": f"{did}#{issuer.public_multibase}"})


def _present(token: str, **binding: Any) -> Any:
    from microcred.verify.presentation import is_presentation, verify_presentation

    assert is_presentation(token)
    options = {"challenge": "n-0S6_WzA2Mj", "domain": "https://verifier.example.lv", **binding}
    return verify_presentation(token, VerifierContext(now=NOW), **options)


def test_vp_jwt_with_vc_jwts_verifies_and_binds_its_holder() -> None:
    holder = Ed25519KeyPair.generate()
    report = _present(_vp_token(holder, [_issued_to(holder)]))
    assert report.valid, report.to_json()
    assert report.check("parse").message == "read a VC-JWT 1.1 presentation (the vp claim)"
    assert report.check("proof").code == "proof.ok"
    assert report.check("holder").code == "holder.ok", report.check("holder")
    (presented,) = report.credentials
    assert presented.report.valid and presented.report.check("parse").code == "parse.jwt"


def test_vp_jwt_wrong_nonce_and_audience_fail() -> None:
    holder = Ed25519KeyPair.generate()
    token = _vp_token(holder, [_issued_to(holder)])
    assert not _present(token, challenge="another-nonce").valid
    assert not _present(token, domain="https://elsewhere.example").valid


def test_vp_jwt_signed_by_another_key_than_its_iss_fails() -> None:
    holder, intruder = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    good = _vp_token(holder, [_issued_to(holder)])
    _header, body, _ = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    resigned = _sign(
        claims, intruder, {"typ": "JWT", "kid": f"{did_key_for(holder)}#{holder.public_multibase}"}
    )
    report = _present(resigned)
    assert not report.valid and report.check("proof").code == "proof.invalid_signature"


def test_vp_jwt_holder_claim_must_agree_with_iss() -> None:
    holder = Ed25519KeyPair.generate()
    token = _vp_token(holder, [_issued_to(holder)])
    _, body, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["vp"]["holder"] = "did:example:someone-else"
    kid = f"{did_key_for(holder)}#{holder.public_multibase}"
    report = _present(_sign(claims, holder, {"typ": "JWT", "kid": kid}))
    assert not report.valid and report.check("proof").code == "proof.claims_mismatch"


def test_vp_jwt_with_a_tampered_credential_is_invalid() -> None:
    holder = Ed25519KeyPair.generate()
    inner = _issued_to(holder)
    header, body, signature = inner.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["vc"]["credentialSubject"]["name"] = "Changed"
    forged = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    report = _present(_vp_token(holder, [forged]))
    assert not report.valid
    assert report.credentials[0].report.check("proof").code == "proof.invalid_signature"


def test_expired_vp_jwt_fails() -> None:
    holder = Ed25519KeyPair.generate()
    token = _vp_token(holder, [_issued_to(holder)], exp=ISSUED + 60)
    report = _present(token)
    assert not report.valid and report.check("proof").code == "proof.expired"


# ------------------------------------------------------------------ VC-JOSE-COSE (vc+jwt)


def _controller_document(url: str, key: Any) -> dict[str, Any]:
    """A VC 2.0 controller document for an HTTPS issuer, its key a JsonWebKey."""
    from microcred.proofs.vc_jwt import jwk_thumbprint

    jwk = key.to_public_jwk()
    vm = {
        "id": f"{url}#key-1",
        "type": "JsonWebKey",
        "controller": url,
        "publicKeyJwk": {**jwk, "kid": jwk_thumbprint(jwk)},
    }
    return {"id": url, "verificationMethod": [vm], "assertionMethod": [vm["id"]]}


VC_V2_CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "http://university.example.lv/credentials/1872",
    "type": ["VerifiableCredential"],
    "issuer": "https://university.example.lv/issuer",
    "validFrom": "2026-01-10T00:00:00Z",
    "credentialSubject": {"id": SUBJECT},
}


@pytest.mark.parametrize("cls", [P256KeyPair, P384KeyPair, P521KeyPair], ids=lambda c: c.__name__)
def test_vc_jose_kid_thumbprint_resolves_in_the_issuers_controller_document(cls: Any) -> None:
    from microcred.proofs.jose import sign_vc_jwt
    from microcred.proofs.vc_jwt import jwk_thumbprint

    key = cls.generate()
    url = VC_V2_CREDENTIAL["issuer"]
    documents = {url: _controller_document(url, key)}
    token = sign_vc_jwt(VC_V2_CREDENTIAL, key, kid=jwk_thumbprint(key.to_public_jwk()))
    assert detect(parse_input(token)).name == FormatName.JWT
    report = _verify(token, **documents)
    assert report.valid, report.to_json()
    assert report.check("issuer").code == "issuer.ok"
    # Another key with the same kid does not verify.
    forged = sign_vc_jwt(VC_V2_CREDENTIAL, cls.generate(), kid=jwk_thumbprint(key.to_public_jwk()))
    assert _verify(forged, **documents).check("proof").code == "proof.invalid_signature"


def test_vc_jose_with_vc_or_vp_claims_is_refused() -> None:
    from microcred.proofs.jose import sign_vc_jwt

    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    credential = {**VC_V2_CREDENTIAL, "issuer": did}
    kid = f"{did}#{key.public_multibase}"
    assert _verify(sign_vc_jwt(credential, key, kid=kid)).valid
    for claim in ("vc", "vp"):
        token = sign_vc_jwt({**credential, claim: "both forms at once"}, key, kid=kid)
        assert detect(parse_input(token)).name == FormatName.JWT
        report = _verify(token)
        assert not report.valid
        proof = report.check("proof")
        assert proof.code == "proof.malformed" and f"{claim}:" in proof.message


def test_vp_jose_kid_thumbprint_resolves_against_its_holder() -> None:
    from microcred.proofs.jose import sign_vp_jwt
    from microcred.proofs.vc_jwt import jwk_thumbprint
    from microcred.verify.presentation import verify_presentation

    key = P384KeyPair.generate()
    holder = "did:web:learner.example.lv"
    document = did_web_document(holder, [("key-1", key)])
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
    }
    kid = jwk_thumbprint(key.to_public_jwk())
    token = sign_vp_jwt(presentation, key, kid=kid, nonce="n-1", aud="https://verifier.example.lv")
    ctx = VerifierContext(now=NOW, documents={holder: document})
    report = verify_presentation(token, ctx, challenge="n-1", domain="https://verifier.example.lv")
    assert report.check("proof").code == "proof.ok", report.to_json()
    assert report.check("holder").code == "holder.ok"
    # Signed by another key under the same kid: the signature does not verify.
    other = sign_vp_jwt(presentation, P384KeyPair.generate(), kid=kid, nonce="n-1")
    bad = verify_presentation(other, ctx, challenge="n-1", domain=None)
    assert bad.check("proof").code == "proof.invalid_signature"
