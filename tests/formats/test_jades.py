"""JAdES-sealed EDC credentials: the seal's check raises (proofs.jades), the reader only reads
(formats.jades), and the verification is the JAdES envelope's, like every other format's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from microcred.formats.jades import JadesError, read_sealed
from microcred.proofs.errors import InvalidSignature, ProofError
from microcred.proofs.jades import SealRejected, check_seal
from microcred.verify import VerifierContext, verify_credential

EDC = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "edc"
SEALED = {
    "elm3-sample-mc-annex1-signed-jades.jsonld": "ORGANIZACION TEST",
    "edci-jades-baseline-lta-sealed-sample.json": "Certificado TEST Sello Electronico",
}


def load(name: str) -> dict:
    return json.loads((EDC / name).read_text(encoding="utf-8"))


def checks(doc: dict, now: datetime) -> dict:
    report = verify_credential(doc, VerifierContext(now=now))
    return {c.id: c for c in report.checks}


@pytest.mark.parametrize(("name", "organisation"), sorted(SEALED.items()))
def test_edc_seals_verify_against_their_certificate(name, organisation):
    seal = check_seal(load(name))
    assert seal.algorithm == "RS256"
    assert seal.organisation == organisation
    assert seal.not_before is not None and seal.not_after is not None
    assert seal.not_before < seal.not_after


def test_a_sealed_credential_verifies_through_the_jades_envelope():
    # the baseline-LTA sample seals a payload that is no VC; the Annex 1 sample is one
    name, organisation = "elm3-sample-mc-annex1-signed-jades.jsonld", "ORGANIZACION TEST"
    found = checks(load(name), datetime(2026, 1, 1, tzinfo=UTC))
    assert (found["parse"].code, found["proof"].status, found["proof"].code) == (
        "parse.jades",
        "pass",
        "proof.ok",
    )
    assert found["issuer"].status == "pass" and organisation in found["issuer"].message
    assert found["trust"].code == "trust.eu_lists_not_checked"
    assert "certificate has expired" in found["trust"].message  # test certificates, long expired


def test_expiry_is_relative_to_the_verifiers_now():
    doc = load("elm3-sample-mc-annex1-signed-jades.jsonld")
    during = checks(doc, datetime(2024, 1, 1, tzinfo=UTC))
    assert during["proof"].status == "pass" and "now expired" not in during["proof"].message
    assert "expired" not in during["trust"].message
    later = checks(doc, datetime(2026, 1, 1, tzinfo=UTC))
    assert "now expired" in later["proof"].message


def test_annex1_seal_payload_is_the_elm_credential():
    payload = read_sealed(load("elm3-sample-mc-annex1-signed-jades.jsonld"))
    assert "EuropeanDigitalCredential" in payload["type"]


@pytest.mark.parametrize("name", sorted(SEALED))
def test_tampered_payload_is_not_verified(name):
    doc = load(name)
    payload = json.loads(doc["payload"])
    payload["id"] = "urn:credential:tampered"
    doc["payload"] = json.dumps(payload)
    with pytest.raises(InvalidSignature) as raised:
        check_seal(doc)
    assert isinstance(raised.value, SealRejected)
    assert raised.value.reason == "the signature does not match the payload"
    assert raised.value.seal.organisation  # the certificate is still described
    if name.startswith("elm3"):  # a VC inside: the verifier reaches the seal's check
        found = checks(doc, datetime(2026, 1, 1, tzinfo=UTC))
        assert (found["proof"].status, found["proof"].code) == ("fail", "proof.invalid_signature")
        assert "does not match the payload" in found["proof"].message
        assert found["issuer"].status == "skip"


def test_tampered_signature_and_header_are_not_verified():
    doc = load("elm3-sample-mc-annex1-signed-jades.jsonld")
    sig = doc["signatures"][0]["signature"]
    doc["signatures"][0]["signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    with pytest.raises(SealRejected):
        check_seal(doc)
    doc = load("elm3-sample-mc-annex1-signed-jades.jsonld")
    doc["signatures"][0]["protected"] = doc["signatures"][0]["protected"][:-4] + "AAAA"
    with pytest.raises(SealRejected):
        check_seal(doc)


def test_garbage_never_verifies():
    for junk in ({}, {"payload": "{}"}, {"payload": "{}", "signatures": [{"protected": "e30"}]}):
        with pytest.raises(ProofError):
            check_seal(junk)
    with pytest.raises(JadesError):
        read_sealed({"payload": "not json", "signatures": [{"protected": "e30"}]})
