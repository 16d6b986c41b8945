"""The report's structure: checks declare what their failure means, codes leave the process,
one mapping from proof errors to checks, one typed credential summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from microcred.jsonld.errors import UnknownContextError
from microcred.proofs.errors import (
    InvalidSignature,
    MalformedProof,
    ProofPurposeMismatch,
    VerificationMethodError,
)
from microcred.verify.meanings import MEANINGS, PRESENTATION_MEANINGS
from microcred.verify.presentation import PRESENTATION_CHECKS
from microcred.verify.proof_checks import CREDENTIAL, PRESENTATION, did_key_vm, proof_failure
from microcred.verify.report import (
    CHECK_IDS,
    CREDENTIAL_CHECKS,
    Check,
    CheckList,
    VerificationReport,
    overall,
    worst,
)
from microcred.verify.resolution import DocumentFinder
from microcred.verify.summary import summarize

VERIFY = Path(__file__).resolve().parents[2] / "src" / "microcred" / "verify"


def passing() -> list[Check]:
    return [Check(k, "pass", "", f"{k}.ok") for k in CHECK_IDS]


def with_(checks: list[Check], check: Check) -> list[Check]:
    return [check if c.id == check.id else c for c in checks]


def test_the_overall_status_follows_from_the_check_kinds():
    assert CHECK_IDS == tuple(k.id for k in CREDENTIAL_CHECKS)
    assert overall(passing()) == "valid"
    for kind in CREDENTIAL_CHECKS:
        failed = with_(passing(), Check(kind.id, "fail", "", f"{kind.id}.other"))
        assert overall(failed) == ("invalid" if kind.invalidates else "valid"), kind.id
    assert overall(with_(passing(), Check("status", "fail", "", "status.revoked"))) == "revoked"
    assert overall(with_(passing(), Check("status", "fail", "", "status.suspended"))) == (
        "suspended"
    )
    assert overall(with_(passing(), Check("validity", "fail", "", "validity.expired"))) == (
        "expired"
    )
    both = with_(
        with_(passing(), Check("validity", "fail", "", "validity.expired")),
        Check("status", "fail", "", "status.revoked"),
    )
    assert overall(both) == "revoked"  # the worst of the two
    # a signature that was not checked is never reported valid, nor one that is absent
    assert overall(with_(passing(), Check("proof", "warn", "", "proof.key_unavailable"))) == (
        "invalid"
    )
    assert overall([c for c in passing() if c.id != "proof"]) == "invalid"
    assert worst(["valid", "expired", "suspended"]) == "suspended"
    assert worst(["valid", "something else"]) == "invalid"


def test_a_status_that_could_not_be_checked_is_unchecked_never_valid():
    """Issue 14, point 5: authentic, but its revocation could not be checked."""
    for code in ("status.unavailable", "status.stale", "status.unsupported", "status.new_reason"):
        warned = with_(passing(), Check("status", "warn", "", code))
        assert overall(warned) == "unchecked", code  # fail-closed: an unknown code too
    assert overall(with_(passing(), Check("status", "skip", "", "skipped"))) == "unchecked"
    assert overall([c for c in passing() if c.id != "status"]) == "unchecked"  # never made
    # settled: nothing to check (no status entry), or only a message status was set
    assert overall(with_(passing(), Check("status", "skip", "", "status.none"))) == "valid"
    assert overall(with_(passing(), Check("status", "warn", "", "status.other"))) == "valid"
    # any certain finding says more than "could not check"
    unchecked = with_(passing(), Check("status", "warn", "", "status.unavailable"))
    expired = with_(unchecked, Check("validity", "fail", "", "validity.expired"))
    assert overall(expired) == "expired"
    assert overall(with_(unchecked, Check("proof", "fail", "", "proof.invalid_signature"))) == (
        "invalid"
    )
    assert worst(["valid", "unchecked"]) == "unchecked"
    assert worst(["unchecked", "suspended"]) == "suspended"
    report = VerificationReport.of(_list(unchecked))
    assert (report.valid, report.status) == (False, "unchecked")
    assert report.to_json()["valid"] is False and report.to_json()["status"] == "unchecked"


def _list(checks: list[Check]) -> CheckList:
    found = CheckList()
    for check in checks:
        found.add(check)
    return found


def test_presentation_checks_accept_a_proof_without_challenge_as_verified():
    checks = [Check(k.id, "pass", "", "x.ok") for k in PRESENTATION_CHECKS]
    no_challenge = with_(checks, Check("proof", "warn", "", "proof.no_challenge"))
    assert overall(no_challenge, PRESENTATION_CHECKS) == "valid"
    unverified = with_(checks, Check("proof", "warn", "", "proof.key_unavailable"))
    assert overall(unverified, PRESENTATION_CHECKS) == "invalid"


def test_check_list_orders_by_kind_and_skips_the_rest():
    checks = CheckList()
    checks.add(Check("proof", "pass", "", "proof.ok"))
    checks.add(Check("parse", "pass", "", "parse.json"))
    checks.add(Check("schema", "pass", "", "schema.ok"))
    checks.add(Check("schema", "fail", "later finding", "schema.jsonld"))  # replaces by id
    checks.skip_rest("because")
    ordered = checks.ordered()
    assert [c.id for c in ordered] == list(CHECK_IDS)
    assert ordered[1].code == "schema.jsonld"
    assert {c.code for c in ordered[4:]} == {"skipped"} and ordered[2].code == "skipped"
    assert checks.overall() == "invalid"


def test_the_code_is_in_the_json():
    assert Check("proof", "pass", "ok", "proof.ok").to_json() == {
        "id": "proof",
        "status": "pass",
        "code": "proof.ok",
        "message": "ok",
    }


def test_one_mapping_from_proof_errors_to_checks():
    finder = DocumentFinder()
    for exc, code in [
        (UnknownContextError("https://example.org/ctx"), "proof.unknown_context"),
        (InvalidSignature("no"), "proof.invalid_signature"),
        (MalformedProof("proofValue", "bad"), "proof.malformed"),
        (ProofPurposeMismatch("wrong"), "proof.purpose"),
        (VerificationMethodError("no key"), "proof.bad_key"),
        (TypeError("hostile"), "proof.jsonld"),
    ]:
        for signed in (CREDENTIAL, PRESENTATION):
            check = proof_failure(exc, finder, signed)
            assert (check.id, check.status, check.code) == ("proof", "fail", code)
    finder.unavailable.append("https://example.org/did.json")
    unavailable = proof_failure(VerificationMethodError("no key"), finder, CREDENTIAL)
    assert (unavailable.status, unavailable.code) == ("warn", "proof.key_unavailable")
    assert "https://example.org/did.json" in unavailable.message
    assert did_key_vm("did:key:z6Mk1") == "did:key:z6Mk1#z6Mk1"
    assert did_key_vm("did:web:example.org#k") == "did:web:example.org#k"


def test_the_web_page_has_a_text_for_every_code_the_verifier_gives():
    emitted: set[str] = set()
    for path in VERIFY.glob("*.py"):
        for code in re.findall(
            r'"((?:parse|schema|eu|proof|issuer|trust|validity|status)'
            r'\.[a-z_]+)"',
            path.read_text(encoding="utf-8"),
        ):
            emitted.add(code)
    known = set(MEANINGS) | set(PRESENTATION_MEANINGS)
    # codes whose meaning is the check's generic one, or none (shown by the message alone)
    generic = {
        "parse.json",
        "parse.jwt",
        "parse.jades",
        "parse.ob2",
        "parse.not_vp",
        "schema.ok",
        "status.none",
        "issuer.unresolved",
    }
    generic |= {c for c in emitted if c.startswith("proof.") and c not in known}
    assert emitted - known - generic == set()


def test_the_summary_reads_the_credential_and_its_model():
    credential = {
        "id": "urn:uuid:1",
        "name": "Data analysis",
        "issuer": {"id": "did:web:lu.example", "address": {"addressCountryCode": "LV"}},
        "validFrom": "2026-06-30T00:00:00Z",
        "expirationDate": "2027-06-30T00:00:00Z",
    }
    data = {
        "spec": {
            "title": {"en": "Data analysis with Python", "lv": "Datu analīze"},
            "awarding_body": {"name": {"en": "University of Latvia", "lv": "LU"}},
        },
        "learner": {"name": "Anna", "identifier": "mailto:anna@example.lv"},
    }
    summary = summarize(credential, data)
    assert summary.id == "urn:uuid:1" and summary.issuer_id == "did:web:lu.example"
    assert summary.title_in("lv") == "Datu analīze" and summary.title_in("de") == (
        "Data analysis with Python"
    )
    assert summary.issuer_name_in("lv") == "LU" and summary.issuer_country == "LV"
    assert summary.learner_name == "Anna" and summary.learner_id == "mailto:anna@example.lv"
    assert summary.issued_on == summary.valid_from and summary.valid_until is not None
    assert summary.to_json()["issuer"] == {
        "id": "did:web:lu.example",
        "name": "University of Latvia",
        "country": "LV",
    }
    assert summarize({"issuer": "did:key:z6Mk", "name": "X"}).title_in() == "X"


@pytest.mark.parametrize("hostile", [None, [], {"issuer": 5, "name": {"en": 3}, "validFrom": 1}])
def test_the_summary_never_raises(hostile):
    summary = summarize(hostile, {"spec": "no", "learner": []})  # type: ignore[arg-type]
    assert summary.title_in() is None and summary.issuer_id is None
