from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from microcred.formats.jades import TRUST_NOTE, JadesError, read_sealed, verify_jades

EDC = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "edc"
SEALED = {
    "elm3-sample-mc-annex1-signed-jades.jsonld": "ORGANIZACION TEST",
    "edci-jades-baseline-lta-sealed-sample.json": "Certificado TEST Sello Electronico",
}


def load(name: str) -> dict:
    return json.loads((EDC / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "organisation"), sorted(SEALED.items()))
def test_edc_seals_verify_against_their_certificate(name, organisation):
    payload, result = read_sealed(load(name), now=datetime(2026, 1, 1, tzinfo=UTC))
    assert result.verified is True and result.reason is None
    assert result.algorithm == "RS256"
    assert result.organisation == organisation
    assert result.not_before is not None and result.not_after is not None
    assert result.not_before < result.not_after
    assert result.expired is True  # test seal certificates, long expired
    assert result.note == TRUST_NOTE and "trust lists" in result.note
    assert isinstance(payload, dict) and "@context" in payload


def test_expiry_is_relative_to_now():
    doc = load("elm3-sample-mc-annex1-signed-jades.jsonld")
    during = verify_jades(doc, now=datetime(2024, 1, 1, tzinfo=UTC))
    assert during.verified and during.expired is False
    assert verify_jades(doc).expired is None  # no clock read without `now`


def test_annex1_seal_payload_is_the_elm_credential():
    payload, _ = read_sealed(load("elm3-sample-mc-annex1-signed-jades.jsonld"))
    assert "EuropeanDigitalCredential" in payload["type"]


@pytest.mark.parametrize("name", sorted(SEALED))
def test_tampered_payload_is_not_verified(name):
    doc = load(name)
    payload = json.loads(doc["payload"])
    payload["id"] = "urn:credential:tampered"
    doc["payload"] = json.dumps(payload)
    _, result = read_sealed(doc)
    assert result.verified is False
    assert result.reason == "the signature does not match the payload"
    assert result.organisation  # the certificate is still described


def test_tampered_signature_and_header_are_not_verified():
    doc = load("elm3-sample-mc-annex1-signed-jades.jsonld")
    sig = doc["signatures"][0]["signature"]
    doc["signatures"][0]["signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert verify_jades(doc).verified is False
    doc = load("elm3-sample-mc-annex1-signed-jades.jsonld")
    doc["signatures"][0]["protected"] = doc["signatures"][0]["protected"][:-4] + "AAAA"
    assert verify_jades(doc).verified is False


def test_garbage_never_verifies():
    for junk in ({}, {"payload": "{}"}, {"payload": "{}", "signatures": [{"protected": "e30"}]}):
        assert verify_jades(junk).verified is False
    with pytest.raises(JadesError):
        read_sealed({"payload": "not json", "signatures": [{"protected": "e30"}]})
