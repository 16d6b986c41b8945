"""Open Badges 2.0: reading hosted and signed assertions into the model, and verifying them."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from microcred.formats.ob2 import (
    decode_jws,
    is_ob2_assertion,
    read_ob2,
    recipient_matches,
    sign_ob2,
)
from microcred.model.vocabulary import ECTS_FRAMEWORK_URI
from microcred.verify.ob2 import ob2_findings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ob2"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
ISSUER_ID = "https://badges.example.org/issuer"
KEY_ID = "https://badges.example.org/keys/1"
REVOCATIONS = "https://badges.example.org/revocations"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


HOSTED = load("assertion-hosted.json")
HASHED = load("assertion-hashed.json")
BADGE = load("badgeclass.json")
ISSUER = load("issuer.json")


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(private: rsa.RSAPrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def web(key: rsa.RSAPrivateKey, *, revoked: list[Any] | None = None) -> dict[str, dict[str, Any]]:
    """What the (imaginary) issuer serves, by URL."""
    issuer = {**ISSUER, "publicKey": KEY_ID}
    return {
        HOSTED["id"]: HOSTED,
        HASHED["id"]: HASHED,
        BADGE["id"]: BADGE,
        "https://badges.example.org/badges/6": HASHED["badge"],
        ISSUER_ID: issuer,
        KEY_ID: {
            "@context": "https://w3id.org/openbadges/v2",
            "id": KEY_ID,
            "type": "CryptographicKey",
            "owner": ISSUER_ID,
            "publicKeyPem": pem(key),
        },
        REVOCATIONS: {
            "@context": "https://w3id.org/openbadges/v2",
            "id": REVOCATIONS,
            "type": "RevocationList",
            "issuer": ISSUER_ID,
            "revokedAssertions": revoked or [],
        },
    }


def signed_assertion(**changes: Any) -> dict[str, Any]:
    assertion = {
        **HOSTED,
        "id": "urn:uuid:2f1e6c8a-2b8e-4a6c-9d55-0c6b1b0d3e10",
        "verification": {"type": "signed", "creator": KEY_ID},
    }
    assertion.update(changes)
    return assertion


def statuses(result: Any) -> dict[str, str]:
    return {c.name: c.status for c in result.checks}


# --- reading --------------------------------------------------------------------------------


def test_hosted_assertion_reads_into_model_data(key: rsa.RSAPrivateKey) -> None:
    reading = read_ob2(HOSTED, resolve=web(key).get)
    data = reading.data
    spec = data["spec"]
    assert spec["title"] == {"und": "3-D Printmaster"}
    assert spec["description"]["und"].startswith("This badge is awarded")
    assert spec["id"] == BADGE["id"]
    assert spec["awarding_body"] == {
        "name": {"und": "Example Maker Society"},
        "id": ISSUER_ID,
        "url": "https://example.org",
        "email": "contact@example.org",
        "country": "BE",
    }
    assert spec["learning_outcomes"] == [
        {
            "text": {
                "und": "Operate 3D printers: set up, run and maintain a fused-deposition 3D printer"
            },
            "esco_skill": BADGE["alignment"][0]["targetUrl"],
        }
    ]
    assert spec["eqf_level"] == 4
    assert data["learner"] == {
        "name": "mailto:alice@example.org",
        "identifier": "mailto:alice@example.org",
    }
    assert data["issued_on"] == "2024-03-01T12:00:00+00:00"
    assert data["valid_until"] == "2029-03-01T12:00:00+00:00"
    assert data["evidence_url"] == "https://portfolio.example.org/alice/printer"
    assert data["narrative"] == "Alice printed a load-bearing bridge."
    assert data["id"] == HOSTED["id"]
    # OB 2.0 cannot carry these EU elements:
    assert reading.missing == ["workload", "assessment", "participation", "quality_assurance"]
    assert reading.award is None
    assert reading.problems == []


def test_criteria_narrative_is_the_outcome_when_there_are_no_alignments() -> None:
    reading = read_ob2(HASHED)
    assert reading.data["spec"]["learning_outcomes"] == [
        {"text": {"und": "Pass the supervised laser cutter safety induction."}}
    ]
    assert "awarding_body.country" in reading.missing


def test_hashed_recipient_keeps_the_hash_and_the_learner_is_unknown() -> None:
    reading = read_ob2(HASHED)
    learner = reading.data["learner"]
    assert learner["identity_hash"] == HASHED["recipient"]["identity"]
    assert learner["salt"] == "deadsea"
    assert "name" not in learner and "identifier" not in learner
    assert "learner" in reading.missing
    assert reading.data["issued_on"] == "2024-03-02"
    assert recipient_matches(HASHED["recipient"], "alice@example.org")
    assert recipient_matches(HASHED["recipient"], "mailto:Alice@Example.org")
    assert not recipient_matches(HASHED["recipient"], "bob@example.org")
    assert recipient_matches(HOSTED["recipient"], "alice@example.org")


def test_unresolvable_badge_is_a_problem_not_an_exception() -> None:
    reading = read_ob2(HOSTED, resolve=lambda url: None)
    assert any("could not be resolved" in p for p in reading.problems)
    assert "title" in reading.missing and "awarding_body" in reading.missing
    assert read_ob2("not a jws").problems


def test_signed_assertion_reads_its_payload(key: rsa.RSAPrivateKey) -> None:
    token = sign_ob2(signed_assertion(), key)
    reading = read_ob2(token, resolve=web(key).get)
    assert reading.data["spec"]["title"] == {"und": "3-D Printmaster"}
    header, payload = decode_jws(token)
    assert header == {"alg": "RS256"} and is_ob2_assertion(payload)


def test_ects_alignment_becomes_workload(key: rsa.RSAPrivateKey) -> None:
    badge = copy.deepcopy(BADGE)
    badge["alignment"].append({"targetName": "2.5 ECTS credits", "targetUrl": ECTS_FRAMEWORK_URI})
    reading = read_ob2({**HOSTED, "badge": badge}, resolve=web(key).get)
    assert reading.data["spec"]["workload"] == {"ects": "2.5"}
    assert "workload" not in reading.missing


# --- hosted verification --------------------------------------------------------------------


def test_hosted_assertion_verifies(key: rsa.RSAPrivateKey) -> None:
    result = ob2_findings(HOSTED, resolve=web(key).get, now=NOW)
    assert result.verified, result.to_dict()
    assert result.kind == "hosted"
    assert statuses(result) == {
        "format": "pass",
        "hosted": "pass",
        "badge": "pass",
        "issuer": "pass",
        "origin": "pass",
        "revocation": "pass",
        "issued": "pass",
        "expiry": "pass",
    }
    assert result.badge is not None and result.issuer is not None


def test_hosted_copy_that_differs_fails(key: rsa.RSAPrivateKey) -> None:
    forged = {**HOSTED, "recipient": {"type": "email", "identity": "mallory@example.org"}}
    result = ob2_findings(forged, resolve=web(key).get, now=NOW)
    assert not result.verified
    assert statuses(result)["hosted"] == "fail"
    assert "recipient" in result.failures[0].message


def test_hosted_assertion_not_served_fails(key: rsa.RSAPrivateKey) -> None:
    served = web(key)
    del served[HOSTED["id"]]
    result = ob2_findings(HOSTED, resolve=served.get, now=NOW)
    assert statuses(result)["hosted"] == "fail"


def test_hosted_on_another_origin_fails_unless_allowed(key: rsa.RSAPrivateKey) -> None:
    elsewhere = {**HOSTED, "id": "https://evil.example.net/assertions/123"}
    served = web(key) | {elsewhere["id"]: elsewhere}
    result = ob2_findings(elsewhere, resolve=served.get, now=NOW)
    assert statuses(result)["origin"] == "fail"
    served[ISSUER_ID] = {
        **served[ISSUER_ID],
        "verification": {"allowedOrigins": ["evil.example.net"]},
    }
    assert ob2_findings(elsewhere, resolve=served.get, now=NOW).verified
    served[ISSUER_ID] = {**served[ISSUER_ID], "verification": {"startsWith": "https://other.org/"}}
    assert statuses(ob2_findings(elsewhere, resolve=served.get, now=NOW))["origin"] == "fail"


def test_expired_and_future_assertions_fail(key: rsa.RSAPrivateKey) -> None:
    result = ob2_findings(HOSTED, resolve=web(key).get, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert statuses(result)["expiry"] == "fail"
    assert "expired on 2029-03-01" in result.failures[0].message
    result = ob2_findings(HOSTED, resolve=web(key).get, now=datetime(2020, 1, 1, tzinfo=UTC))
    assert statuses(result)["issued"] == "fail"


def test_revocation_list_and_revoked_flag(key: rsa.RSAPrivateKey) -> None:
    served = web(key, revoked=[{"id": HOSTED["id"], "revocationReason": "Issued in error"}])
    result = ob2_findings(HOSTED, resolve=served.get, now=NOW)
    assert statuses(result)["revocation"] == "fail"
    assert "Issued in error" in result.failures[0].message
    revoked = {**HOSTED, "revoked": True}
    result = ob2_findings(revoked, resolve=(web(key) | {HOSTED["id"]: revoked}).get, now=NOW)
    assert statuses(result)["revocation"] == "fail"


def test_unresolvable_revocation_list_is_a_warning(key: rsa.RSAPrivateKey) -> None:
    served = web(key)
    del served[REVOCATIONS]
    result = ob2_findings(HOSTED, resolve=served.get, now=NOW)
    assert result.verified
    assert [w.name for w in result.warnings] == ["revocation"]


def test_embedded_badge_and_issuer_are_confirmed_at_their_ids(key: rsa.RSAPrivateKey) -> None:
    result = ob2_findings(HASHED, resolve=web(key).get, now=NOW, recipient="alice@example.org")
    assert result.verified, result.to_dict()
    assert statuses(result)["recipient"] == "pass"
    result = ob2_findings(HASHED, resolve=web(key).get, now=NOW, recipient="bob@example.org")
    assert statuses(result)["recipient"] == "fail"


# --- signed verification --------------------------------------------------------------------


def test_signed_assertion_verifies(key: rsa.RSAPrivateKey) -> None:
    token = sign_ob2(signed_assertion(), key)
    result = ob2_findings(token, resolve=web(key).get, now=NOW)
    assert result.verified, result.to_dict()
    assert result.kind == "signed"
    assert statuses(result)["signature"] == "pass"
    assert "hosted" not in statuses(result)


def test_signed_assertion_found_through_the_issuer_public_key(key: rsa.RSAPrivateKey) -> None:
    token = sign_ob2(signed_assertion(verification={"type": "SignedBadge"}), key)
    assert ob2_findings(token, resolve=web(key).get, now=NOW).verified


def test_tampered_signed_assertion_fails(key: rsa.RSAPrivateKey) -> None:
    token = sign_ob2(signed_assertion(), key)
    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["recipient"]["identity"] = "mallory@example.org"
    forged_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    result = ob2_findings(f"{head}.{forged_body}.{sig}", resolve=web(key).get, now=NOW)
    assert not result.verified
    assert statuses(result)["signature"] == "fail"


def test_signature_by_another_key_fails(key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    result = ob2_findings(sign_ob2(signed_assertion(), other), resolve=web(key).get, now=NOW)
    assert statuses(result)["signature"] == "fail"


def test_key_owned_by_someone_else_fails(key: rsa.RSAPrivateKey) -> None:
    served = web(key)
    served[KEY_ID] = {**served[KEY_ID], "owner": "https://evil.example.net/issuer"}
    result = ob2_findings(sign_ob2(signed_assertion(), key), resolve=served.get, now=NOW)
    assert statuses(result)["signature"] == "fail"
    assert "owned by" in result.failures[0].message


def test_other_algorithms_are_refused(key: rsa.RSAPrivateKey) -> None:
    def enc(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    unsigned = f"{enc({'alg': 'none'})}.{enc(signed_assertion())}."
    result = ob2_findings(unsigned, resolve=web(key).get, now=NOW)
    assert statuses(result)["signature"] == "fail"
    assert "RS256" in result.failures[0].message


def test_signed_revoked_assertion_fails(key: rsa.RSAPrivateKey) -> None:
    assertion = signed_assertion()
    served = web(key, revoked=[assertion["id"]])
    result = ob2_findings(sign_ob2(assertion, key), resolve=served.get, now=NOW)
    assert statuses(result)["signature"] == "pass"
    assert statuses(result)["revocation"] == "fail"


def test_signed_json_without_its_jws_fails(key: rsa.RSAPrivateKey) -> None:
    result = ob2_findings(signed_assertion(), resolve=web(key).get, now=NOW)
    assert not result.verified
    assert "without its JWS" in result.failures[0].message


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "a.b.c", "{not json", {}, {"type": "Assertion"}, "eyJhbGciOiJSUzI1NiJ9.W10.", 42],
)
def test_verify_never_raises(garbage: Any) -> None:
    result = ob2_findings(garbage, resolve=lambda url: None, now=NOW)
    assert not result.verified
    assert result.failures


def test_a_resolver_that_raises_is_treated_as_not_found() -> None:
    def broken(url: str) -> dict[str, Any] | None:
        raise ConnectionError("no network here")

    result = ob2_findings(HOSTED, resolve=broken, now=NOW)
    assert statuses(result)["hosted"] == "fail"
    assert "internal" not in statuses(result)


def test_a_key_the_issuer_does_not_declare_is_refused(key: rsa.RSAPrivateKey) -> None:
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rogue = "https://evil.example.net/keys/1"
    served = web(key) | {
        rogue: {
            "id": rogue,
            "type": "CryptographicKey",
            "owner": ISSUER_ID,
            "publicKeyPem": pem(attacker),
        }
    }
    token = sign_ob2(signed_assertion(verification={"type": "signed", "creator": rogue}), attacker)
    result = ob2_findings(token, resolve=served.get, now=NOW)
    assert statuses(result)["signature"] == "fail"
    assert "not a key the issuer profile declares" in result.failures[0].message


def test_a_key_embedded_in_an_unconfirmed_issuer_is_refused() -> None:
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_id = "https://badges.example.org/keys/embedded"
    issuer = {
        "id": ISSUER_ID,
        "type": "Profile",
        "name": "Example Maker Society",
        "publicKey": [{"id": key_id, "owner": ISSUER_ID, "publicKeyPem": pem(attacker)}],
    }
    assertion = signed_assertion(
        badge={**BADGE, "issuer": issuer}, verification={"type": "signed", "creator": key_id}
    )
    result = ob2_findings(sign_ob2(assertion, attacker), resolve=lambda url: None, now=NOW)
    assert statuses(result)["signature"] == "fail"
    assert "not confirmed" in result.failures[-1].message or any(
        "not confirmed" in c.message for c in result.failures
    )
