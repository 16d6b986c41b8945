"""VC-JOSE-COSE's SD-JWT (``vc+sd-jwt``, ``vp+sd-jwt``) and COSE (``vc+cose``, ``vp+cose``)
securing through the one verifier: what is signed here with did:key issuers verifies, and
each way it must not (a changed byte, a disclosure nobody signed, a wrong media type, the key
of someone else, a bare COSE body, hex instead of base64) fails with the reason."""

from __future__ import annotations

import base64
from typing import Any

import cbor2
import pytest

from microcred.formats.inputs import InputError, parse_input
from microcred.formats.registry import FormatName, detect
from microcred.formats.vc_jose_cose import enveloped
from microcred.proofs.cose import (
    decode_cose_text,
    encode_cose_text,
    parse_cose_sign1,
    sign_cose,
    sign_vc_cose,
    sign_vp_cose,
)
from microcred.proofs.did import did_key_for
from microcred.proofs.errors import MalformedProof
from microcred.proofs.keys import Ed25519KeyPair, P256KeyPair, P384KeyPair, P521KeyPair
from microcred.proofs.sd_jwt import make_disclosure, parse_sd_jwt
from microcred.proofs.vc_sd_jwt import (
    disclosure_plan,
    parse_path,
    sign_vc_sd_jwt,
    sign_vp_sd_jwt,
)
from microcred.verify import VerifierContext, verify_credential
from microcred.verify.presentation import is_presentation, verify_presentation
from tests.verify.conftest import NOW

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"  # defines the terms by @vocab
KEYS = [Ed25519KeyPair, P256KeyPair, P384KeyPair, P521KeyPair]


def _credential(issuer: str, subject: str = "did:example:learner") -> dict[str, Any]:
    return {
        "@context": [V2, EXAMPLES_V2],
        "id": "urn:uuid:1b0f2d4e-52c3-4d7a-9a51-2f7c3b6e8a90",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-10T00:00:00Z",
        "credentialSubject": {
            "id": subject,
            "name": "Anna Bērziņa",
            "address": {"city": "Rīga", "street": "Brīvības iela 1"},
            "phones": ["+371 200 00000", "+371 200 00001"],
        },
    }


def _kid(key: Any) -> str:
    did = did_key_for(key)
    return f"{did}#{did.removeprefix('did:key:')}"


def _ctx() -> VerifierContext:
    return VerifierContext(now=NOW)


# ------------------------------------------------------------------ credentials


@pytest.mark.parametrize("cls", KEYS, ids=lambda c: c.__name__)
def test_vc_cose_signed_here_verifies(cls: Any) -> None:
    key = cls.generate()
    message = sign_vc_cose(_credential(did_key_for(key)), key, kid=_kid(key))
    for given in (message, encode_cose_text(message)):  # the CBOR, and its base64 text
        parsed = parse_input(given)
        assert parsed.kind == "cose"
        assert detect(parsed).name == FormatName.VC_COSE
        report = verify_credential(given, _ctx())
        assert report.valid, report.to_json()
        assert report.check("proof").code == "proof.ok"
        assert report.check("issuer").status == "pass"


def test_vc_cose_header_is_protected_as_vc_jose_cose_says() -> None:
    key = P256KeyPair.generate()
    message = parse_cose_sign1(sign_vc_cose(_credential(did_key_for(key)), key, kid=_kid(key)))
    assert message.protected == {
        1: -7,
        3: "application/vc",
        4: _kid(key).encode(),
        16: "application/vc+cose",
    }
    assert message.unprotected == {}


def _resign(message: bytes, **changes: Any) -> bytes:
    value = cbor2.loads(message)
    parts = list(value.value)
    for index, new in changes.items():
        parts[int(index.removeprefix("i"))] = new
    return cbor2.dumps(cbor2.CBORTag(18, parts))


def test_vc_cose_with_a_changed_payload_or_another_key_is_invalid() -> None:
    key = Ed25519KeyPair.generate()
    credential = _credential(did_key_for(key))
    message = sign_vc_cose(credential, key, kid=_kid(key))
    tampered = _resign(message, i2=parse_cose_sign1(message).payload.replace(b"Anna", b"Anne"))
    report = verify_credential(tampered, _ctx())
    assert not report.valid and report.check("proof").code == "proof.invalid_signature"
    # signed by a key that is not the issuer's, naming the issuer's key
    other = Ed25519KeyPair.generate()
    forged = sign_vc_cose(credential, other, kid=_kid(key))
    assert verify_credential(forged, _ctx()).check("proof").code == "proof.invalid_signature"


def test_vc_cose_media_type_and_algorithm_are_checked() -> None:
    key = P256KeyPair.generate()
    credential = _credential(did_key_for(key))
    wrong = sign_cose(credential, key, kid=_kid(key), typ="application/json", cty="x")
    report = verify_credential(wrong, _ctx())
    assert not report.valid and "vc+cose" in report.check("proof").message
    message = sign_vc_cose(credential, key, kid=_kid(key))
    protected = cbor2.loads(parse_cose_sign1(message).protected_bytes)
    unknown_alg = _resign(message, i0=cbor2.dumps({**protected, 1: -999}))
    assert verify_credential(unknown_alg, _ctx()).check("proof").status == "fail"
    critical = _resign(message, i0=cbor2.dumps({**protected, 2: [99]}))
    assert "critical" in verify_credential(critical, _ctx()).check("proof").message
    # an unprotected kid or typ counts for nothing: the protected header must carry them
    bare = _resign(message, i0=cbor2.dumps({1: -7}), i1={4: b"x", 16: "application/vc+cose"})
    assert not verify_credential(bare, _ctx()).valid


def test_cose_text_must_be_base64_of_a_cose_sign1() -> None:
    key = P256KeyPair.generate()
    message = sign_vc_cose(_credential(did_key_for(key)), key, kid=_kid(key))
    assert decode_cose_text(encode_cose_text(message)) == message
    with pytest.raises(InputError):
        parse_input(message.hex())  # hex is not the encoding VC-JOSE-COSE names
    with pytest.raises(MalformedProof):
        parse_cose_sign1(cbor2.dumps(cbor2.CBORTag(98, [])))  # COSE_Sign, not COSE_Sign1
    with pytest.raises(MalformedProof):
        parse_cose_sign1(b"\xd2\x84\xff")


@pytest.mark.parametrize("cls", KEYS, ids=lambda c: c.__name__)
def test_vc_sd_jwt_signed_here_verifies_with_the_disclosed_members(cls: Any) -> None:
    key = cls.generate()
    credential = _credential(did_key_for(key))
    paths = [
        "credentialSubject.name",
        "credentialSubject.address.city",
        "credentialSubject.phones[1]",
    ]
    token = sign_vc_sd_jwt(credential, key, kid=_kid(key), paths=paths)
    parsed = parse_input(token)
    assert detect(parsed).name == FormatName.VC_SD_JWT
    report = verify_credential(token, _ctx())
    assert report.valid, report.to_json()
    assert report.credential == credential
    # the issuer-signed JWT itself does not show the disclosable members
    payload = base64.urlsafe_b64decode(token.split(".")[1] + "==")
    assert b"Anna" not in payload and b"R\xc4\xabga" not in payload
    # the holder leaves the name out: still valid, and the name is not there
    sd = parse_sd_jwt(token)
    kept = [d for d in sd.disclosures if "Anna" not in base64.urlsafe_b64decode(d + "==").decode()]
    fewer = "~".join((sd.jwt, *kept, ""))
    partial = verify_credential(fewer, _ctx())
    assert partial.valid and "name" not in partial.credential["credentialSubject"]


def test_vc_sd_jwt_with_a_disclosure_nobody_signed_or_wrong_typ_is_invalid() -> None:
    key = P256KeyPair.generate()
    credential = _credential(did_key_for(key))
    token = sign_vc_sd_jwt(credential, key, kid=_kid(key), paths=["credentialSubject.name"])
    added = token + make_disclosure("Mallory", "nickname").encoded + "~"
    report = verify_credential(added, _ctx())
    assert not report.valid and report.check("proof").status == "fail"
    head, rest = token.split(".", 1)
    flipped = head + "." + rest.replace(rest[5], "A" if rest[5] != "A" else "B", 1)
    assert not verify_credential(flipped, _ctx()).valid


def test_disclosure_paths_are_checked_and_named() -> None:
    assert parse_path("credentialSubject.phones[1]") == ("credentialSubject", "phones", 1)
    assert parse_path("verifiableCredential[0]") == ("verifiableCredential", 0)
    credential = _credential("did:example:issuer")
    for bad in ("credentialSubject.nothing", "credentialSubject.phones[7]", "type", "a..b", "[0]"):
        with pytest.raises(MalformedProof):
            disclosure_plan(credential, [bad])


# ------------------------------------------------------------------ presentations


def _presentation(holder: str, items: list[str]) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [
            {"@context": V2, "type": "EnvelopedVerifiableCredential", "id": item} for item in items
        ],
    }


def test_vp_cose_and_vp_sd_jwt_with_enveloped_credentials_verify() -> None:
    issuer, holder = Ed25519KeyPair.generate(), P384KeyPair.generate()
    learner = did_key_for(holder)
    credential = _credential(did_key_for(issuer), learner)
    items = [
        "data:application/vc+cose;base64,"
        + encode_cose_text(sign_vc_cose(credential, issuer, kid=_kid(issuer))),
        "data:application/vc+sd-jwt,"
        + sign_vc_sd_jwt(credential, issuer, kid=_kid(issuer), paths=["credentialSubject.name"]),
    ]
    vp = _presentation(learner, items)
    for secured in (
        sign_vp_cose(vp, holder, kid=_kid(holder)),
        encode_cose_text(sign_vp_cose(vp, holder, kid=_kid(holder))),
        sign_vp_sd_jwt(vp, holder, kid=_kid(holder), paths=["holder"]),
    ):
        assert is_presentation(secured)
        report = verify_presentation(secured, _ctx(), challenge=None, domain=None)
        assert report.status == "valid", report.to_json()
        assert [c.report.valid for c in report.credentials] == [True, True]
        assert report.check("holder").status == "pass"
    # a presentation signed by someone else than its holder
    thief = P384KeyPair.generate()
    stolen = sign_vp_cose(vp, thief, kid=_kid(thief))
    report = verify_presentation(stolen, _ctx(), challenge=None, domain=None)
    assert not report.valid and report.check("holder").code == "holder.mismatch"


def test_enveloped_credentials_must_be_what_their_media_type_says() -> None:
    key = P256KeyPair.generate()
    token = sign_vc_sd_jwt(_credential(did_key_for(key)), key, kid=_kid(key))
    with pytest.raises(InputError, match="vc\\+cose"):
        enveloped("data:application/vc+cose;base64," + token)
    with pytest.raises(InputError, match="vc\\+ldp"):
        enveloped("data:application/vc+ldp,{}")
    assert enveloped("data:application/vc+sd-jwt," + token) == token


def test_a_secured_credential_that_is_not_json_ld_is_invalid_in_every_jose_cose_form() -> None:
    # The check the Data Integrity path makes by canonicalizing: here no proof does it.
    from microcred.proofs.jose import sign_vc_jwt

    key = P256KeyPair.generate()
    credential = _credential(did_key_for(key))
    credential["type"] = ["VerifiableCredential", "not an IRI:::"]
    for secured in (
        sign_vc_jwt(credential, key, kid=_kid(key)),
        sign_vc_cose(credential, key, kid=_kid(key)),
        sign_vc_sd_jwt(credential, key, kid=_kid(key), paths=["credentialSubject.name"]),
    ):
        report = verify_credential(secured, _ctx())
        assert not report.valid
        assert report.check("schema").code == "schema.jsonld", report.to_json()
    # an undefined term, as the Data Integrity path refuses it (the bundled base context has
    # no @vocab); the same term under a context that defines it (the examples' @vocab) is fine
    undefined = _credential(did_key_for(key))
    undefined["@context"] = [V2]
    report = verify_credential(sign_vc_cose(undefined, key, kid=_kid(key)), _ctx())
    assert report.check("schema").code == "schema.jsonld" and "address" in str(report.to_json())
    fine = _credential(did_key_for(key))
    fine["someExtension"] = {"huh": "what?"}
    assert verify_credential(sign_vc_cose(fine, key, kid=_kid(key)), _ctx()).valid
