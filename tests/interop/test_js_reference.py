"""The JavaScript reference stack on its own: public test vectors and self round trips.

These only need Node and ``interop/js/node_modules``; they pin down that the JS side
(and its strictly offline document loader) is a trustworthy oracle for the
cross-verification tests in ``test_cross_verify.py``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from .jsref import (
    EXAMPLES_V2_CONTEXT,
    EXAMPLES_V2_URL,
    SUITES,
    JsCliError,
    controller_document,
    js_sign,
    js_verify,
)

pytestmark = pytest.mark.interop

W3C_ISSUER = "https://vc.example/issuers/5678"
OB3_ISSUER = "https://example.edu/issuers/565049"
OB3_PUBLIC_KEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
# an Ed25519 key that signed neither vector
OTHER_ED25519_KEY = "z6MkuVZgNJWGZ4o8DmXn2BBLzhJpGteTsx5LapUfoWCCHZc7"
FIXED_NOW = "2025-06-01T00:00:00Z"

Loader = Callable[[str], dict[str, Any]]
Tamper = Callable[[dict[str, Any]], None]


def flip_proof_value(doc: dict[str, Any]) -> None:
    """Replace one base58 character in the middle of ``proof.proofValue``."""
    value: str = doc["proof"]["proofValue"]
    i = len(value) // 2
    doc["proof"]["proofValue"] = value[:i] + ("2" if value[i] != "2" else "3") + value[i + 1 :]


def change_name(doc: dict[str, Any]) -> None:
    doc["name"] = doc.get("name", "") + " (edited)"


def change_subject(doc: dict[str, Any]) -> None:
    doc["credentialSubject"]["id"] = "did:example:somebody-else"


def change_created(doc: dict[str, Any]) -> None:
    doc["proof"]["created"] = "2024-12-31T23:59:59Z"


TAMPERS: dict[str, Tamper] = {
    "field": change_name,
    "subject": change_subject,
    "proof-value": flip_proof_value,
    "proof-created": change_created,
}


def w3c_docs(public_key: str) -> dict[str, Any]:
    return {
        EXAMPLES_V2_URL: EXAMPLES_V2_CONTEXT,
        W3C_ISSUER: controller_document(W3C_ISSUER, public_key),
    }


def ob3_docs(public_key: str = OB3_PUBLIC_KEY) -> dict[str, Any]:
    return {OB3_ISSUER: controller_document(OB3_ISSUER, public_key)}


# ------------------------------------------------------------- W3C test vector


def test_w3c_vector_verifies(load_vector: Loader) -> None:
    key = load_vector("w3c-eddsa-rdfc-2022/keyPair.json")
    signed = load_vector("w3c-eddsa-rdfc-2022/signedDataInt.json")
    result = js_verify(signed, docs=w3c_docs(key["publicKeyMultibase"]))
    assert result.verified, result.error


def test_w3c_vector_resigned_in_js_reproduces_proof_value(load_vector: Loader) -> None:
    key = load_vector("w3c-eddsa-rdfc-2022/keyPair.json")
    signed = load_vector("w3c-eddsa-rdfc-2022/signedDataInt.json")
    expected = signed.pop("proof")
    keyfile = {
        **key,
        "id": expected["verificationMethod"],
        "controller": W3C_ISSUER,
    }
    resigned = js_sign(
        signed,
        keyfile,
        "eddsa-rdfc-2022",
        created=expected["created"],
        docs={EXAMPLES_V2_URL: EXAMPLES_V2_CONTEXT},
    )
    assert resigned["proof"] == expected


@pytest.mark.parametrize("tamper", TAMPERS, ids=str)
def test_w3c_vector_tampered_fails(load_vector: Loader, tamper: str) -> None:
    key = load_vector("w3c-eddsa-rdfc-2022/keyPair.json")
    signed = load_vector("w3c-eddsa-rdfc-2022/signedDataInt.json")
    TAMPERS[tamper](signed)
    result = js_verify(signed, docs=w3c_docs(key["publicKeyMultibase"]))
    assert not result.verified
    assert result.returncode == 1
    assert result.error


def test_w3c_vector_wrong_key_fails(load_vector: Loader) -> None:
    signed = load_vector("w3c-eddsa-rdfc-2022/signedDataInt.json")
    # the controller document publishes another key under the proof's method id
    vm_id = signed["proof"]["verificationMethod"]
    docs = {
        EXAMPLES_V2_URL: EXAMPLES_V2_CONTEXT,
        W3C_ISSUER: controller_document(W3C_ISSUER, OTHER_ED25519_KEY, vm_id=vm_id),
    }
    result = js_verify(signed, docs=docs)
    assert not result.verified
    assert "signature" in (result.error or "").lower()


# ------------------------------------------------------------- OB 3.0 vector


def test_ob3_vector_verifies(load_vector: Loader) -> None:
    signed = load_vector("ob3/1edtech-ob3-signed-eddsa-rdfc-2022-testvector.json")
    result = js_verify(signed, docs=ob3_docs())
    assert result.verified, result.error


@pytest.mark.parametrize("tamper", TAMPERS, ids=str)
def test_ob3_vector_tampered_fails(load_vector: Loader, tamper: str) -> None:
    signed = load_vector("ob3/1edtech-ob3-signed-eddsa-rdfc-2022-testvector.json")
    TAMPERS[tamper](signed)
    result = js_verify(signed, docs=ob3_docs())
    assert not result.verified
    assert result.error


def test_ob3_vector_nested_achievement_change_fails(load_vector: Loader) -> None:
    signed = load_vector("ob3/1edtech-ob3-signed-eddsa-rdfc-2022-testvector.json")
    signed["credentialSubject"]["achievement"]["criteria"]["narrative"] = "Anyone may claim it."
    assert not js_verify(signed, docs=ob3_docs()).verified


def test_ob3_vector_wrong_key_fails(load_vector: Loader) -> None:
    signed = load_vector("ob3/1edtech-ob3-signed-eddsa-rdfc-2022-testvector.json")
    vm_id = signed["proof"]["verificationMethod"]
    docs = {OB3_ISSUER: controller_document(OB3_ISSUER, OTHER_ED25519_KEY, vm_id=vm_id)}
    assert not js_verify(signed, docs=docs).verified


# ------------------------------------------------------ offline document loader


def test_loader_never_fetches_verification_method(load_vector: Loader) -> None:
    signed = load_vector("ob3/1edtech-ob3-signed-eddsa-rdfc-2022-testvector.json")
    result = js_verify(signed)  # no controller document supplied
    assert not result.verified
    assert f"not found offline: {signed['proof']['verificationMethod']}" in (result.error or "")


def test_loader_never_fetches_contexts(load_vector: Loader) -> None:
    key = load_vector("w3c-eddsa-rdfc-2022/keyPair.json")
    signed = load_vector("w3c-eddsa-rdfc-2022/signedDataInt.json")
    docs = w3c_docs(key["publicKeyMultibase"])
    # examples/v2 is bundled now (issue 14, point 7): name a context nobody supplies
    missing = "https://example.org/not-bundled/v2"
    signed["@context"] = [*signed["@context"], missing]
    result = js_verify(signed, docs=docs)
    assert not result.verified
    assert f"not found offline: {missing}" in (result.error or "")


def test_sign_with_unknown_context_fails(js_keys: dict[str, dict[str, Any]]) -> None:
    credential = alumni_credential(js_keys["eddsa-rdfc-2022"]["controller"])
    credential["@context"].append("https://example.org/not-bundled/v1")
    with pytest.raises(
        JsCliError, match=re.escape("not found offline: https://example.org/not-bundled/v1")
    ):
        js_sign(credential, js_keys["eddsa-rdfc-2022"], docs={EXAMPLES_V2_URL: EXAMPLES_V2_CONTEXT})


# ------------------------------------------------ JS signs and verifies itself


def alumni_credential(issuer: str) -> dict[str, Any]:
    """The W3C VC 2.0 example shape (examples/v2 context)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_V2_URL],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "description": "A minimum viable example of an Alumni Credential.",
        "issuer": issuer,
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }


def vc11_credential(issuer: str) -> dict[str, Any]:
    """A VC Data Model 1.1 credential (Data Integrity context added explicitly)."""
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/security/data-integrity/v2",
            {"@vocab": "https://www.w3.org/ns/credentials/examples#"},
        ],
        "id": "urn:uuid:4f7f5f0e-2d2b-4f3e-9b6e-0a1c2d3e4f50",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": {"id": issuer, "name": "Example University"},
        "issuanceDate": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "degreeName": "Bachelor of Science"},
    }


def ob3_shape(load_vector: Loader, name: str, issuer: str) -> dict[str, Any]:
    credential = load_vector(f"ob3/{name}")
    credential.pop("proof", None)
    credential["issuer"]["id"] = issuer
    return credential


SHAPES = ("vc2-alumni", "vc11-degree", "ob3-basic", "ob3-complete", "ob3-testvector")


def make_shape(shape: str, load_vector: Loader, issuer: str) -> dict[str, Any]:
    if shape == "vc2-alumni":
        return alumni_credential(issuer)
    if shape == "vc11-degree":
        return vc11_credential(issuer)
    files = {
        "ob3-basic": "1edtech-ob3-basic-openbadgecredential.json",
        "ob3-complete": "1edtech-ob3-complete-openbadgecredential.json",
        "ob3-testvector": "1edtech-ob3-signed-eddsa-rdfc-2022-testvector.json",
    }
    return ob3_shape(load_vector, files[shape], issuer)


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("shape", SHAPES)
def test_js_signs_and_verifies_own_output(
    load_vector: Loader, js_keys: dict[str, dict[str, Any]], shape: str, suite: str
) -> None:
    key = js_keys[suite]
    credential = make_shape(shape, load_vector, key["controller"])
    unsigned = copy.deepcopy(credential)
    docs = {EXAMPLES_V2_URL: EXAMPLES_V2_CONTEXT}
    signed = js_sign(credential, key, suite, created="2024-05-01T12:00:00Z", docs=docs)

    proof = signed.pop("proof")
    assert signed == unsigned, "signing must only add a proof"
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == suite
    assert proof["created"] == "2024-05-01T12:00:00Z"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == key["id"]
    assert proof["proofValue"].startswith("z")
    signed["proof"] = proof

    # the complete OB3 example carries a 1EdTechRevocationList status: proof only
    result = js_verify(signed, docs=docs, now=FIXED_NOW, ignore_status=True)
    assert result.verified, result.error

    for name, tamper in TAMPERS.items():
        tampered = copy.deepcopy(signed)
        tamper(tampered)
        bad = js_verify(tampered, docs=docs, now=FIXED_NOW, ignore_status=True)
        assert not bad.verified, f"{shape}/{suite}: tampered ({name}) credential verified"


@pytest.mark.parametrize("suite", SUITES)
def test_js_verify_rejects_foreign_key(
    load_vector: Loader, js_keys: dict[str, dict[str, Any]], suite: str
) -> None:
    """Signed by another key than the one the issuer's did:key names."""
    key = js_keys[suite]
    other = js_keys["ecdsa-rdfc-2019" if suite == "eddsa-rdfc-2022" else "eddsa-rdfc-2022"]
    credential = make_shape("ob3-basic", load_vector, key["controller"])
    # the foreign key claims to be a method of the issuer's DID
    forged_key = {**other, "id": key["id"], "controller": key["controller"]}
    forged = js_sign(credential, forged_key, created="2024-05-01T12:00:00Z")
    result = js_verify(forged, now=FIXED_NOW)
    assert not result.verified


@pytest.mark.parametrize("suite", SUITES)
def test_js_verify_rejects_issuer_mismatch(
    load_vector: Loader, js_keys: dict[str, dict[str, Any]], suite: str
) -> None:
    """A valid signature by a key that is not the issuer's."""
    credential = make_shape("ob3-basic", load_vector, "did:key:" + OTHER_ED25519_KEY)
    signed = js_sign(credential, js_keys[suite], created="2024-05-01T12:00:00Z")
    assert not js_verify(signed, now=FIXED_NOW).verified


def test_js_presentation_round_trip(
    load_vector: Loader, js_keys: dict[str, dict[str, Any]]
) -> None:
    from .jsref import js_sign_presentation

    issuer_key = js_keys["eddsa-rdfc-2022"]
    holder_key = js_keys["ecdsa-rdfc-2019"]
    vc = js_sign(
        make_shape("ob3-basic", load_vector, issuer_key["controller"]),
        issuer_key,
        created="2024-05-01T12:00:00Z",
    )
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_key["controller"],
        "verifiableCredential": [vc],
    }
    vp = js_sign_presentation(
        presentation, holder_key, challenge="c-123", domain="https://verifier.example"
    )
    ok = js_verify(vp, presentation=True, challenge="c-123", domain="https://verifier.example")
    assert ok.verified, ok.error
    wrong = js_verify(vp, presentation=True, challenge="c-999", domain="https://verifier.example")
    assert not wrong.verified
