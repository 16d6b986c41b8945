"""Ed25519Signature2020 and proof sets (issue 14, point 8), against the Digital Credentials
Consortium's credentials (signed by their implementation, @digitalbazaar/ed25519-signature-2020)
and with signatures made here."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from microcred.jsonld.canonical import canonicalize
from microcred.jsonld.fast_rdf import canonicalize_fast
from microcred.proofs import Ed25519KeyPair, P256KeyPair, add_proof, did_key_for
from microcred.proofs.did import StaticDidResolver, key_resolver, resolve_did_key
from microcred.proofs.ed25519_signature_2020 import (
    SUITE_CONTEXT,
    verify_data,
    verify_ed25519_signature_2020,
)
from microcred.proofs.errors import (
    InvalidSignature,
    MalformedProof,
    ProofPurposeMismatch,
    UnsupportedCryptosuite,
    VerificationMethodError,
)
from microcred.proofs.multibase import encode_base58btc
from microcred.proofs.proof_set import verify_all, verify_each

from .conftest import load_vector

DCC = "foreign/dcc-vc-test-fixtures/verifiableCredentials"
ONLY_2020 = f"{DCC}/v2/ed25519/didKey/legacy-noStatus-noExpiry.json"
ONLY_2020_V1 = f"{DCC}/v1/ed25519/didKey/noRegistry-noStatus-noExpiry.json"
BOTH = f"{DCC}/v2/bothSignatureTypes/didkey/legacy-noStatus-noExpiry.json"
TAMPERED = f"{DCC}/v2/ed25519/didKey/legacy-noStatus-noExpiry-tampered.json"


class _DidKeys:
    """did:key only: the DCC did:key issuers need nothing else."""

    def resolve(self, did: str) -> dict[str, Any]:
        return resolve_did_key(did)


RESOLVE = key_resolver(_DidKeys())


def _check(doc: dict[str, Any], **kw: Any) -> Any:
    return verify_ed25519_signature_2020(
        doc,
        doc["proof"],
        resolve_key=RESOLVE,
        canonicalize=kw.pop("canon", canonicalize_fast),
        **kw,
    )


@pytest.mark.parametrize("vector", [ONLY_2020, ONLY_2020_V1])
@pytest.mark.parametrize("canon", [canonicalize_fast, canonicalize], ids=["fast", "general"])
def test_dcc_credentials_verify(vector: str, canon: Any) -> None:
    doc = load_vector(vector)
    result = _check(doc, canon=canon)
    assert result.cryptosuite == "Ed25519Signature2020"
    assert result.verification_method == doc["proof"]["verificationMethod"]
    assert result.proof_purpose == "assertionMethod"


def test_dcc_tampered_credential_fails() -> None:
    with pytest.raises(InvalidSignature):
        _check(load_vector(TAMPERED))


def test_any_change_breaks_the_signature() -> None:
    doc = load_vector(ONLY_2020)
    changed = copy.deepcopy(doc)
    changed["credentialSubject"]["name"] = "Someone Else"
    with pytest.raises(InvalidSignature):
        _check(changed)
    # the proof options are signed too
    later = copy.deepcopy(doc)
    later["proof"]["created"] = "2030-01-01T00:00:00Z"
    with pytest.raises(InvalidSignature):
        _check(later)


def test_suite_rules() -> None:
    doc = load_vector(ONLY_2020)
    no_context = copy.deepcopy(doc)
    no_context["@context"] = [c for c in doc["@context"] if c != SUITE_CONTEXT]
    with pytest.raises(MalformedProof, match="suite context"):
        _check(no_context)
    with pytest.raises(ProofPurposeMismatch):
        _check(doc, expected_proof_purpose="authentication")
    short = copy.deepcopy(doc)
    short["proof"]["proofValue"] = "z" + encode_base58btc(b"\x01" * 32)[1:]
    with pytest.raises(MalformedProof, match="64 bytes"):
        _check(short)
    for field in ("verificationMethod", "proofPurpose", "created", "proofValue"):
        missing = copy.deepcopy(doc)
        del missing["proof"][field]
        with pytest.raises(MalformedProof, match=field):
            _check(missing)


def _signed_2020(key: Any, vm: str, unsecured: dict[str, Any]) -> dict[str, Any]:
    proof = {
        "type": "Ed25519Signature2020",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
    }
    proof["proofValue"] = encode_base58btc(
        key.sign(verify_data(unsecured, proof, canonicalize_fast))
    )
    return {**unsecured, "proof": proof}


def _unsigned(did: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", SUITE_CONTEXT],
        "id": "urn:uuid:0b7c8a38-0b55-4b6b-a1c2-6ad2a3b1f1a0",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }


def test_a_signature_made_here_verifies_and_a_p256_key_is_refused() -> None:
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    vm = f"{did}#{did.removeprefix('did:key:')}"
    signed = _signed_2020(key, vm, _unsigned(did))
    assert _check(signed).verification_method == vm
    other = P256KeyPair.generate()
    other_did = did_key_for(other)
    resolver = StaticDidResolver({other_did: resolve_did_key(other_did)})
    wrong = copy.deepcopy(signed)
    wrong["proof"]["verificationMethod"] = f"{other_did}#{other_did.removeprefix('did:key:')}"
    with pytest.raises(VerificationMethodError):
        verify_ed25519_signature_2020(
            wrong,
            wrong["proof"],
            resolve_key=key_resolver(resolver),
            canonicalize=canonicalize_fast,
        )


# -- proof sets -------------------------------------------------------------------------


def test_dcc_proof_set_both_verify() -> None:
    doc = load_vector(BOTH)
    outcomes = verify_each(doc, resolve_key=RESOLVE)
    assert [o.status for o in outcomes] == ["verified", "verified"]
    assert {o.kind for o in outcomes} == {
        "DataIntegrityProof eddsa-rdfc-2022",
        "Ed25519Signature2020",
    }
    assert len(verify_all(doc, resolve_key=RESOLVE)) == 2


@pytest.mark.parametrize("broken", [0, 1])
def test_proof_set_fails_when_any_supported_proof_fails(broken: int) -> None:
    doc = load_vector(BOTH)
    proof = doc["proof"][broken]
    value = proof["proofValue"]
    proof["proofValue"] = value[:-2] + ("11" if value[-2:] != "11" else "22")
    outcomes = verify_each(doc, resolve_key=RESOLVE)
    assert outcomes[broken].status == "failed"
    assert outcomes[1 - broken].status == "verified"
    with pytest.raises((InvalidSignature, MalformedProof)):
        verify_all(doc, resolve_key=RESOLVE)


def test_unsupported_proofs_are_not_checked_and_never_enough() -> None:
    doc = load_vector(ONLY_2020)
    foreign = {"type": "BbsBlsSignature2020", "proofValue": "abc"}
    doc["proof"] = [doc["proof"], foreign]
    outcomes = verify_each(doc, resolve_key=RESOLVE)
    assert [o.status for o in outcomes] == ["verified", "unsupported"]
    assert len(verify_all(doc, resolve_key=RESOLVE)) == 1
    # a Data Integrity proof with a cryptosuite this verifier does not allow: the same
    ecdsa_sd = {"type": "DataIntegrityProof", "cryptosuite": "ecdsa-sd-2023", "proofValue": "u"}
    doc["proof"] = [doc["proof"][0], ecdsa_sd]
    assert [o.status for o in verify_each(doc, resolve_key=RESOLVE)] == ["verified", "unsupported"]
    doc["proof"] = [foreign, ecdsa_sd]
    with pytest.raises(UnsupportedCryptosuite, match="none of its proofs"):
        verify_all(doc, resolve_key=RESOLVE)
    doc["proof"] = foreign
    with pytest.raises(UnsupportedCryptosuite, match="BbsBlsSignature2020"):
        verify_all(doc, resolve_key=RESOLVE)


def test_mixed_proof_set_made_here() -> None:
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    vm = f"{did}#{did.removeprefix('did:key:')}"
    unsigned = _unsigned(did)
    legacy = _signed_2020(key, vm, unsigned)
    both = add_proof(legacy, key, verification_method=vm, created=datetime(2026, 1, 2, tzinfo=UTC))
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    kinds = [o.kind for o in verify_each(both, resolve_key=RESOLVE)]
    assert kinds == ["Ed25519Signature2020", "DataIntegrityProof eddsa-rdfc-2022"]
    assert all(o.status == "verified" for o in verify_each(both, resolve_key=RESOLVE))


def test_authentication_proof_with_challenge_and_domain() -> None:
    # a presentation proof (the DCC Learner Credential Wallet signs presentations this way)
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    vm = f"{did}#{did.removeprefix('did:key:')}"
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2", SUITE_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": did,
    }
    proof = {
        "type": "Ed25519Signature2020",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": vm,
        "proofPurpose": "authentication",
        "challenge": "n-0S6_WzA2Mj",
        "domain": "https://verifier.example",
    }
    proof["proofValue"] = encode_base58btc(key.sign(verify_data(vp, proof, canonicalize_fast)))
    signed = {**vp, "proof": proof}
    ok = dict(expected_proof_purpose="authentication", challenge="n-0S6_WzA2Mj")
    (result,) = verify_all(signed, resolve_key=RESOLVE, domain="https://verifier.example", **ok)
    assert result.proof_purpose == "authentication"
    with pytest.raises(ProofPurposeMismatch, match="challenge"):
        verify_all(
            signed, resolve_key=RESOLVE, expected_proof_purpose="authentication", challenge="other"
        )
    with pytest.raises(ProofPurposeMismatch, match="domain"):
        verify_all(signed, resolve_key=RESOLVE, domain="https://elsewhere.example", **ok)
    with pytest.raises(ProofPurposeMismatch):
        verify_all(signed, resolve_key=RESOLVE)  # assertionMethod expected
    # the challenge is signed: changing it in the proof breaks the signature
    forged = copy.deepcopy(signed)
    forged["proof"]["challenge"] = "other"
    with pytest.raises(InvalidSignature):
        verify_all(
            forged, resolve_key=RESOLVE, expected_proof_purpose="authentication", challenge="other"
        )
