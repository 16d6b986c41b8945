from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from microcred.formats.ob3 import OB3_CONTEXT, award_to_ob3
from microcred.formats.ob3_read import read_ob3
from microcred.model import parse_award
from microcred.model.files import load_data
from tests.strategies import award_data

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT.parent / "shared" / "vectors"
ISSUER = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def example_award(**extra):
    spec = load_data(ROOT / "examples" / "specs" / "university-data-analysis.yaml")
    return parse_award(
        {
            "spec": spec,
            "learner": {"name": "Anna Bērziņa", "identifier": "anna@example.lv"},
            "issued_on": "2026-06-30",
            **extra,
        }
    )


def test_every_mandatory_element_is_machine_findable():
    credential = award_to_ob3(example_award(grade="9"), issuer_id=ISSUER)
    assert credential["@context"] == OB3_CONTEXT
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    subject = credential["credentialSubject"]
    ach = subject["achievement"]
    # 1 learner
    assert {"identityType": "emailAddress", "identityHash": "anna@example.lv"}.items() <= subject[
        "identifier"
    ][1].items()
    # 2 title, 3 country, 4 awarding body
    assert ach["name"] == credential["name"] == "Data analysis with Python"
    assert ach["nameLanguageMap"]["lv"] == "Datu analīze ar Python"
    assert credential["issuer"]["id"] == ISSUER
    assert credential["issuer"]["address"]["addressCountryCode"] == "LV"
    assert ach["creator"]["name"] == "University of Latvia"
    # 5 date of issuing
    assert credential["validFrom"] == credential["awardedDate"] == "2026-06-30T00:00:00Z"
    # 6 outcomes with ESCO, 7 workload, 8 EQF
    assert len(ach["learningOutcome"]) == 3
    assert any(
        a["targetUrl"].startswith("http://data.europa.eu/esco/skill/") for a in ach["alignment"]
    )
    assert ach["creditsAvailable"] == 5 and ach["workloadHours"] == "130"
    assert ach["eqfLevel"] == "http://data.europa.eu/snb/eqf/6"
    assert any(a["targetUrl"] == "http://data.europa.eu/snb/eqf/6" for a in ach["alignment"])
    # 9 assessment, 10 participation, 11 QA
    assert ach["assessmentType"] == "http://data.europa.eu/snb/assessment/6e6cb2cc78"
    assert ach["participationForm"] == "http://data.europa.eu/snb/learning-assessment/e92d221e4d"
    assert ach["qualityAssurance"]["qualityAssuranceType"] == (
        "http://data.europa.eu/snb/accreditation/bb4618238e"
    )
    assert ach["achievementType"] == "MicroCredential"
    assert subject["result"][0]["value"] == "9"


def test_validity_becomes_valid_until():
    spec = load_data(ROOT / "examples" / "specs" / "employer-forklift-safety.yaml")
    award = parse_award(
        {
            "spec": spec,
            "learner": {"name": "J", "identifier": "did:example:j"},
            "issued_on": "2026-03-01",
        }
    )
    credential = award_to_ob3(award, issuer_id=ISSUER)
    assert credential["validUntil"] == "2029-03-01T00:00:00Z"
    assert credential["credentialSubject"]["id"] == "did:example:j"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(award_data())
def test_model_to_ob3_to_model_keeps_every_element(data):
    award = parse_award(data)
    credential = json.loads(json.dumps(award_to_ob3(award, issuer_id=ISSUER)))
    reading = read_ob3(credential)
    assert reading.missing == [] and reading.problems == []
    assert reading.award == award


def test_foreign_ob3_lists_missing_eu_elements():
    basic = json.loads((VECTORS / "ob3" / "1edtech-ob3-basic-openbadgecredential.json").read_text())
    reading = read_ob3(basic)
    assert reading.award is None
    assert set(reading.missing) >= {"workload", "assessment", "participation", "quality_assurance"}
    assert reading.data["spec"]["title"]


def test_reading_garbage_never_raises():
    for junk in (
        {},
        {"credentialSubject": []},
        {"credentialSubject": {"achievement": "x"}},
        {"credentialSubject": {"achievement": {"learningOutcome": 5, "alignment": [1]}}},
    ):
        reading = read_ob3(junk)
        assert reading.award is None and reading.missing
