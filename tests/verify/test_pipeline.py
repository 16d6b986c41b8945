from __future__ import annotations

import copy
import json
import socket
from datetime import UTC, datetime

import pytest

from microcred.formats.status_list import (
    new_bitstring,
    set_bit,
    status_entry,
    status_list_credential,
)
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair, P256KeyPair
from microcred.services.issuing import issue_award, sign_credential
from microcred.verify import TrustedIssuer, TrustList, VerifierContext, verify_credential
from tests.verify.conftest import NOW, SHARED, make_award


def ctx(**kw) -> VerifierContext:
    return VerifierContext(now=kw.pop("now", NOW), **kw)


def statuses(report) -> dict[str, str]:
    return {c.id: c.status for c in report.checks}


def test_own_credential_verifies_with_every_check_explained(key):
    credential = issue_award(make_award(), key)
    report = verify_credential(credential, ctx())
    assert report.valid and report.status == "valid"
    assert statuses(report) == {
        "parse": "pass",
        "schema": "pass",
        "eu_standard": "pass",
        "proof": "pass",
        "issuer": "pass",
        "trust": "warn",
        "validity": "pass",
        "status": "skip",
    }
    assert "not on the trust list" in report.check("trust").message
    assert set(report.to_json()) == {"valid", "status", "checks"}
    assert all(set(c) == {"id", "status", "code", "message"} for c in report.to_json()["checks"])


def test_trust_list_names_the_issuer(key):
    credential = issue_award(make_award(), key)
    trust = TrustList.of([TrustedIssuer(did_key_for(key), "University of Latvia", "LV")])
    report = verify_credential(credential, ctx(trust=trust))
    assert report.check("trust").status == "pass"
    assert "University of Latvia, LV" in report.check("trust").message


def test_p256_credential_verifies():
    credential = issue_award(make_award(), P256KeyPair.generate())
    assert credential["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert verify_credential(credential, ctx()).status == "valid"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c["credentialSubject"]["identifier"][0].__setitem__("identityHash", "Mallory"),
        lambda c: c["credentialSubject"]["achievement"].__setitem__("creditsAvailable", 50),
        lambda c: c.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
        lambda c: c["proof"].__setitem__(
            "proofValue",
            c["proof"]["proofValue"][:-2]
            + ("A" if c["proof"]["proofValue"][-2] != "A" else "B")
            + c["proof"]["proofValue"][-1],
        ),
    ],
    ids=["learner", "ects", "date", "proofValue"],
)
def test_tampered_credential_fails_proof(key, tamper):
    credential = issue_award(make_award(), key)
    tamper(credential)
    report = verify_credential(credential, ctx())
    assert not report.valid and report.status == "invalid"
    assert report.check("proof").status == "fail"


def test_foreign_key_cannot_sign_for_the_issuer(key):
    credential = issue_award(make_award(), key)
    other = Ed25519KeyPair.generate()
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    forged = sign_credential(
        unsigned, other, verification_method=f"{did_key_for(other)}#{other.public_multibase}"
    )
    report = verify_credential(forged, ctx())
    assert report.status == "invalid"
    assert report.check("issuer").status == "fail"
    assert "not the issuer" in report.check("issuer").message


def test_expired_and_not_yet_valid(key):
    expired = issue_award(make_award("employer-forklift-safety.yaml", issued_on="2020-01-01"), key)
    report = verify_credential(expired, ctx())
    assert report.status == "expired" and not report.valid
    assert report.check("validity").message.startswith("expired on 2023-01-01")
    future = issue_award(make_award(issued_on="2030-01-01"), key)
    assert verify_credential(future, ctx()).check("validity").status == "fail"


def test_jwt_credential(key):
    token = issue_award(make_award(), key, fmt="jwt")
    assert isinstance(token, str) and token.count(".") == 2
    report = verify_credential(token, ctx())
    assert report.status == "valid", report.to_json()
    head, body, sig = token.split(".")
    bad = verify_credential(f"{head}.{body[:-4]}AAAA.{sig}", ctx())
    assert bad.check("proof").status == "fail" or bad.check("parse").status == "fail"
    assert not bad.valid


def test_bad_inputs_fail_cleanly_in_bounded_time():
    cases = {
        "malformed": b'{"@context": [',
        "not json": b"hello",
        "array": b"[1, 2]",
        "binary": b"\xff\xfe\x00\x01",
        "huge": b'{"a": "' + b"x" * (50 * 1024 * 1024) + b'"}',
        "deep": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "empty": b"",
    }
    for name, raw in cases.items():
        report = verify_credential(raw, ctx())
        assert not report.valid, name
        assert report.check("parse").status == "fail", name
        assert all(c.status == "skip" for c in report.checks[1:]), name


def test_unknown_context_is_rejected_without_network(key, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the verifier tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    credential = issue_award(make_award(), key)
    credential["@context"].append("https://evil.example/context.jsonld")
    report = verify_credential(credential, ctx())
    assert report.check("schema").status == "fail"
    assert "https://evil.example/context.jsonld" in report.check("schema").message


def test_undefined_term_or_hostile_jsonld_is_a_failed_check(key):
    credential = issue_award(make_award(), key)
    credential["credentialSubject"]["achievement"]["@context"] = {"@vocab": None}
    credential["credentialSubject"]["achievement"]["sneaky"] = "x"
    assert not verify_credential(credential, ctx()).valid
    v1 = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/security/data-integrity/v2",
        ],
        "type": ["VerifiableCredential"],
        "issuer": did_key_for(key),
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:x", "undefinedTerm": "dropped"},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "verificationMethod": f"{did_key_for(key)}#{key.public_multibase}",
            "proofPurpose": "assertionMethod",
            "created": "2026-01-01T00:00:00Z",
            "proofValue": credential["proof"]["proofValue"],
        },
    }
    report = verify_credential(v1, ctx())
    assert report.check("schema").status == "fail"
    assert "undefinedTerm" in report.check("schema").message


def _with_status(key, purpose_bits: dict[str, set[int]], index: int = 7):
    issuer = did_key_for(key)
    vm = f"{issuer}#{key.public_multibase}"
    urls = {p: f"https://issuer.example/status/{p}/1" for p in ("revocation", "suspension")}
    entries = [status_entry(urls[p], index, p) for p in ("revocation", "suspension")]
    credential = issue_award(make_award(), key, credential_status=entries)
    documents = {}
    for purpose, url in urls.items():
        bits = new_bitstring()
        for i in purpose_bits.get(purpose, set()):
            set_bit(bits, i, True)
        unsigned = status_list_credential(
            url,
            issuer=issuer,
            purpose=purpose,
            bitstring=bits,
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        )
        documents[url] = sign_credential(unsigned, key, verification_method=vm)
    return credential, documents


def test_status_list_not_set_revoked_suspended(key):
    credential, docs = _with_status(key, {})
    report = verify_credential(credential, ctx(documents=docs))
    assert report.check("status").status == "pass" and report.status == "valid"
    credential, docs = _with_status(key, {"revocation": {7}})
    assert verify_credential(credential, ctx(documents=docs)).status == "revoked"
    credential, docs = _with_status(key, {"suspension": {7}, "revocation": {8}})
    report = verify_credential(credential, ctx(documents=docs))
    assert report.status == "suspended" and "suspended" in report.check("status").message


def test_status_list_unavailable_or_foreign_is_never_a_silent_pass(key):
    credential, docs = _with_status(key, {})
    report = verify_credential(credential, ctx())
    assert report.check("status").status == "warn"
    assert report.check("status").code == "status.unavailable"
    assert report.check("status").document in docs
    # authentic, but whether it was revoked is unknown: not valid (issue 14, point 5)
    assert report.check("proof").status == "pass"
    assert (report.valid, report.status) == (False, "unchecked")
    # the same credential revoked, its list unavailable: the verdict never says valid
    revoked, _ = _with_status(key, {"revocation": {7}})
    assert verify_credential(revoked, ctx()).status == "unchecked"
    other = Ed25519KeyPair.generate()
    forged = {}
    for url, doc in docs.items():
        unsigned = {k: v for k, v in doc.items() if k != "proof"}
        unsigned["issuer"] = did_key_for(other)
        forged[url] = sign_credential(
            unsigned, other, verification_method=f"{did_key_for(other)}#{other.public_multibase}"
        )
    # A list its own issuer signed may be another issuer's (Bitstring Status List v1.0 §2.2):
    # it is checked with that issuer's key, and the report says who signed it (issue 14, 6).
    report = verify_credential(credential, ctx(documents=forged))
    assert report.check("status").status == "pass", report.to_json()
    assert did_key_for(other) in report.check("status").message and report.valid
    # A list that names the credential's issuer but is signed by another key says nothing.
    impostor = {}
    for url, doc in docs.items():
        unsigned = {k: v for k, v in doc.items() if k != "proof"}
        impostor[url] = sign_credential(
            unsigned, other, verification_method=f"{did_key_for(other)}#{other.public_multibase}"
        )
    report = verify_credential(credential, ctx(documents=impostor))
    assert report.check("status").code == "status.list_signer", report.to_json()
    assert (report.valid, report.status) == (False, "unchecked")


def _controller(url: str, multibase: str) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": url,
        "verificationMethod": [
            {
                "id": f"{url}#{multibase}",
                "type": "Multikey",
                "controller": url,
                "publicKeyMultibase": multibase,
            }
        ],
        "assertionMethod": [f"{url}#{multibase}"],
    }


def test_1edtech_vector_verifies_with_supplied_key_and_lists_missing_elements():
    vector = json.loads(
        (
            SHARED / "vectors" / "ob3" / "1edtech-ob3-signed-eddsa-rdfc-2022-testvector.json"
        ).read_text()
    )
    url = "https://example.edu/issuers/565049"
    doc = _controller(url, "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi")
    report = verify_credential(copy.deepcopy(vector), ctx(documents={url: doc}))
    assert report.status == "valid"
    assert report.check("eu_standard").status == "warn"
    assert "quality assurance" in report.check("eu_standard").message
    without = verify_credential(vector, ctx())
    assert without.check("proof").status == "warn" and not without.valid
    assert without.check("proof").document == url and "--" not in without.check("proof").message


def test_a_remembered_status_list_never_vouches_for_altered_bytes(key):
    credential, docs = _with_status(key, {})
    assert (
        verify_credential(credential, ctx(documents=docs)).status == "valid"
    )  # list now remembered
    altered = {url: copy.deepcopy(doc) for url, doc in docs.items()}
    for doc in altered.values():
        bits = new_bitstring()
        set_bit(bits, 7, True)
        from microcred.formats.status_list import encode_list

        doc["credentialSubject"]["encodedList"] = encode_list(
            bits
        )  # claims revoked, proof unchanged
    report = verify_credential(credential, ctx(documents=altered))
    assert report.check("status").code == "status.list_proof", report.to_json()
    assert report.check("status").status == "warn" and "proof" in report.check("status").message
    assert report.status == "unchecked"


def _proof_set(credential: dict, *signers: Ed25519KeyPair) -> dict:
    """The credential signed again, each signer adding one proof to a proof set in turn."""
    signed = {k: v for k, v in credential.items() if k != "proof"}
    for signer in signers:
        signed = sign_credential(
            signed, signer, verification_method=f"{did_key_for(signer)}#{signer.public_multibase}"
        )
    return signed


def test_a_proof_by_another_party_before_the_issuers_keeps_the_issuer_check(key):
    # VC DM 2.0 proof sets: a witness may sign before the issuer does. The issuer check asks
    # whether the issuer signed (the W3C eddsa suite's previousProof vector has this shape).
    witness = Ed25519KeyPair.generate()
    credential = _proof_set(issue_award(make_award(), key), witness, key)
    assert isinstance(credential["proof"], list) and len(credential["proof"]) == 2
    report = verify_credential(credential, ctx())
    assert report.check("proof").status == "pass"
    assert report.check("issuer").status == "pass", report.check("issuer").message
    assert report.status == "valid"


def test_a_proof_set_without_the_issuers_proof_fails_the_issuer_check(key):
    one, two = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    credential = _proof_set(issue_award(make_award(), key), one, two)
    report = verify_credential(credential, ctx())
    assert report.check("proof").status == "pass"
    assert report.check("issuer").status == "fail"
    assert "not the issuer" in report.check("issuer").message
    assert report.status == "invalid"
