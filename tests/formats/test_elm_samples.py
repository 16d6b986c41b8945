from __future__ import annotations

import json
from pathlib import Path

import pytest

from microcred.formats.elm import read_elm

EDC = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "edc"
ANNEX1_PRESENT = [
    "learner",
    "title",
    "awarding_body.country",
    "awarding_body",
    "issued_on",
    "learning_outcomes",
    "workload",
    "level",
    "assessment",
    "participation",
    "prerequisites",
    "supervision",
    "grade",
]


def load(name: str) -> dict:
    return json.loads((EDC / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(p.name for p in EDC.iterdir()))
def test_every_edc_sample_imports(name):
    reading = read_elm(load(name))
    assert reading.problems == []
    assert reading.award is None  # none of them carries every mandatory element
    assert reading.missing


@pytest.mark.parametrize(
    "name", ["elm3-sample-mc-annex1-unsigned.jsonld", "elm3-sample-mc-annex1-signed-jades.jsonld"]
)
def test_annex1_sample_lacks_only_quality_assurance(name):
    reading = read_elm(load(name))
    assert reading.missing == ["quality_assurance"]
    assert reading.present == ANNEX1_PRESENT
    data = reading.data
    spec = data["spec"]
    assert data["learner"]["name"] == "Ana Andromeda"
    assert data["learner"]["identifier"].startswith("mailto:ana.andromeda")
    assert data["learner"]["national_id"] == "LA-234218"
    assert spec["title"] == {"en": "Digital micro-credential creation"}
    assert spec["awarding_body"]["country"] == "IE"
    assert spec["awarding_body"]["name"] == {"en": "University of Zed"}
    assert len(spec["learning_outcomes"]) == 2
    assert str(spec["workload"]["ects"]) == "2" and str(spec["workload"]["hours"]) == "60"
    assert spec["eqf_level"] == 6 and spec["nqf_level"] == "RQF Level 6"
    assert spec["assessment"] == {"type": "artefact_assessment"}
    assert spec["participation"] == "blended"
    assert spec["supervision"] == "unsupervised_no_id_verification"
    assert spec["languages"] == ["en"] and spec["field_of_study"] == "003"
    assert data["grade"] == "Pass"


def test_adding_quality_assurance_completes_the_annex1_sample():
    from microcred.model import parse_award

    reading = read_elm(load("elm3-sample-mc-annex1-unsigned.jsonld"))
    data = reading.data
    data["spec"]["quality_assurance"] = {"type": "institutional_qa"}
    award = parse_award(data)
    assert award.spec.title == {"en": "Digital micro-credential creation"}


def test_ebsi_sample():
    reading = read_elm(load("ebsi-vcdm2-edc-microcredential-data-and-software-business.json"))
    assert reading.missing == ["assessment", "participation", "quality_assurance"]
    assert reading.data["learner"]["identifier"] == "did:key:afsdlkj34134"
    assert reading.data["spec"]["awarding_body"]["country"] == "BE"
    assert reading.data["grade"] == "Excellent (5)"


def test_certificate_of_participation_and_sealed_presentation():
    cert = read_elm(load("elm3-sample-certofpart-unsigned.jsonld"))
    assert {"learning_outcomes", "workload", "assessment", "quality_assurance"} <= set(cert.missing)
    assert "title" in cert.present
    presentation = read_elm(load("edci-jades-baseline-lta-sealed-sample.json"))
    assert presentation.present == [] and "learner" in presentation.missing


def test_reading_garbage_never_raises():
    for junk in (
        {},
        [],
        {"credentialSubject": []},
        {"credentialSubject": {"hasClaim": "x"}},
        {"credentialSubject": {"hasClaim": {"specifiedBy": {"learningOutcome": 5}}}},
        {"payload": "not json", "signatures": []},
    ):
        reading = read_elm(junk)
        assert reading.award is None and reading.missing
