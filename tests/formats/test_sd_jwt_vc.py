"""SD-JWT VC of an EU micro-credential (formats/sd_jwt_vc.py and its verification): the model
round-trips through the claims, the SD rules hold, and the verifier applies SD-JWT VC's rules
(never-disclosable claims, exp/nbf, x5c against the anchors, vc+sd-jwt vs VC-JOSE-COSE)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from microcred.formats.inputs import parse_input
from microcred.formats.registry import FormatName, detect
from microcred.formats.sd_jwt_vc import (
    ALWAYS_SD,
    NEVER_SD,
    Signer,
    award_to_claims,
    read_claims,
)
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import P256KeyPair
from microcred.proofs.sd_jwt import Sd, issue_sd_jwt, parse_sd_jwt, unverified_payload
from microcred.proofs.x509 import TestCA, x5c_header
from microcred.services.issuing import issue_award
from microcred.verify import VerifierContext, verify_credential
from tests.verify.conftest import NOW, make_award

SPECS = (
    "university-data-analysis.yaml",
    "lv-vocational-welding.yaml",
    "online-cybersecurity-basics.yaml",
    "employer-forklift-safety.yaml",
)


@pytest.fixture(scope="module")
def key() -> P256KeyPair:
    return P256KeyPair.generate()


def _signed(plan, key, **header) -> str:
    return issue_sd_jwt(plan, key, header={"typ": "dc+sd-jwt", **header}).serialize()


@pytest.mark.parametrize("spec", SPECS)
def test_the_model_round_trips_through_the_claims(spec, key) -> None:
    award = make_award(spec, grade="9")
    token = issue_award(award, key, fmt=FormatName.SD_JWT, created=NOW)
    parsed = parse_input(token)
    found = detect(parsed)
    assert found.name is FormatName.SD_JWT
    reading = found.read(found.credential(parsed))
    assert reading.kind == "sd-jwt" and reading.missing == [] and reading.problems == []
    back = reading.award
    assert back.learner == award.learner and back.grade == "9" and back.id == award.id
    assert back.issued_on == award.issued_on
    for part in ("title", "description", "learning_outcomes", "workload", "eqf_level",
                 "assessment", "participation", "quality_assurance", "supervision",
                 "languages", "prerequisites"):  # fmt: skip
        assert getattr(back.spec, part) == getattr(award.spec, part), part
    assert back.spec.awarding_body.name == award.spec.awarding_body.name
    assert back.spec.awarding_body.country == award.spec.awarding_body.country


def test_selective_disclosure_follows_the_type_rules(key) -> None:
    award = make_award(grade="9", valid_until="2030-06-30")
    plan = award_to_claims(
        award, Signer("did:example:lu", "LU", "LV"), vct="https://x/vct/eu-micro-credential/1",
        iat=1_780_000_000, holder_jwk=P256KeyPair.generate().to_public_jwk(),
        status={"status_list": {"idx": 7, "uri": "https://x/statuslists/lu/1"}},
    )  # fmt: skip
    disclosable = {k.value for k in plan if isinstance(k, Sd)}
    assert disclosable <= ALWAYS_SD
    assert {"family_name", "learner_identification", "assessment_grade"} <= disclosable
    assert not disclosable & NEVER_SD
    payload = unverified_payload(parse_sd_jwt(_signed(plan, key)))
    assert payload["achievement_title"] and payload["issuing_authority"] == "LU"
    for visible in ("iss", "iat", "vct", "cnf", "status", "exp"):
        assert visible in payload, visible
    text = json.dumps(payload, ensure_ascii=False)
    assert "Anna" not in text and "anna@" not in text and '"9"' not in text


def _report(token: str, **ctx):
    return verify_credential(token, VerifierContext(now=NOW, **ctx))


def test_never_disclosable_claims_disclosed_fail_the_schema(key) -> None:
    issuer = did_key_for(key)
    plan = {"iss": issuer, "vct": "https://x/vct/1", "iat": 1_780_000_000, Sd("exp"): 1_900_000_000}
    report = _report(_signed(plan, key, kid=issuer))
    assert report.status == "invalid"
    assert report.check("schema").code == "schema.sd_jwt_vc"
    assert "exp" in report.check("schema").message
    no_vct = _report(_signed({"iss": issuer, "iat": 1_780_000_000}, key, kid=issuer))
    assert no_vct.check("schema").status == "fail" and "vct" in no_vct.check("schema").message


def test_exp_and_nbf(key) -> None:
    issuer = did_key_for(key)
    base = {
        "iss": issuer,
        "vct": "https://x/vct/1",
        "iat": int((NOW - timedelta(days=9)).timestamp()),
    }
    expired = _report(
        _signed({**base, "exp": int((NOW - timedelta(days=1)).timestamp())}, key, kid=issuer)
    )
    assert expired.status == "expired"
    early = _report(
        _signed({**base, "nbf": int((NOW + timedelta(days=1)).timestamp())}, key, kid=issuer)
    )
    assert early.status == "invalid" and early.check("validity").code == "validity.not_yet"
    fine = _report(_signed(base, key, kid=issuer))
    assert fine.check("validity").status == "pass"
    assert fine.check("eu_standard").code == "eu.missing"  # a plain SD-JWT VC: no EU elements


def test_signer_must_be_the_issuer(key) -> None:
    other = P256KeyPair.generate()
    plan = {"iss": did_key_for(other), "vct": "https://x/vct/1", "iat": 1_780_000_000}
    report = _report(_signed(plan, key, kid=f"{did_key_for(key)}#{key.public_multibase}"))
    assert report.status == "invalid" and report.check("issuer").code == "issuer.mismatch"


def test_x5c_chain_is_checked_against_the_anchors(key) -> None:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    ca = TestCA.create("microcred TEST CA for tests", now=NOW)
    public = load_der_public_key(base64.b64decode(_spki_b64(key)))
    chain = ca.issue_leaf(public, "Latvijas Universitāte", now=NOW)
    plan = {"iss": "https://issuer.example", "vct": "https://x/vct/1", "iat": 1_780_000_000}
    token = _signed(plan, key, x5c=x5c_header(chain))
    trusted = _report(token, trust_anchors=(ca.root,))
    assert trusted.check("issuer_certificate").status == "pass", trusted.to_json()
    assert trusted.check("issuer").code == "issuer.certificate"
    unchecked = _report(token)
    assert unchecked.status == "unchecked"
    assert unchecked.check("issuer_certificate").code == "issuer_certificate.no_anchor"
    stranger = TestCA.create("another CA", now=NOW)
    assert _report(token, trust_anchors=(stranger.root,)).status == "invalid"
    # the leaf of another key: the signature does not verify with it
    other = ca.issue_leaf(
        load_der_public_key(base64.b64decode(_spki_b64(P256KeyPair.generate()))), "X", now=NOW
    )
    forged = _signed(plan, key, x5c=x5c_header(other))
    assert (
        _report(forged, trust_anchors=(ca.root,)).check("proof").code == "proof.invalid_signature"
    )


def _spki_b64(keypair: P256KeyPair) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private = keypair._crypto_private_key()
    der = private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def test_vc_sd_jwt_is_sd_jwt_vc_only_without_a_context(key) -> None:
    issuer = did_key_for(key)
    legacy = _signed({"iss": issuer, "vct": "https://x/vct/1"}, key, typ="vc+sd-jwt")
    assert detect(parse_input(legacy)).name is FormatName.SD_JWT
    w3c = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
           "issuer": issuer}  # fmt: skip
    assert detect(parse_input(_signed(w3c, key, typ="vc+sd-jwt"))).name is not FormatName.SD_JWT


def test_unreadable_inputs_answer_a_report() -> None:
    for text in ("a.b.c~", "eyJhbGciOiJFUzI1NiJ9.e30.AAAA~x~"):
        report = verify_credential(text, VerifierContext(now=NOW))
        assert report.status == "invalid" and report.check("parse").status == "fail"
    assert read_claims({}).missing  # nothing disclosed: every EU element is missing
    assert datetime.now(UTC)  # the pipeline never raised
