from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from pyld import jsonld

from microcred.formats.elm import ELM_CONTEXT, award_to_elm, hours_to_duration, read_elm
from microcred.jsonld.canonical import expand
from microcred.jsonld.contexts import load_context
from microcred.jsonld.errors import JsonLdError
from microcred.model import parse_award
from microcred.model.files import load_data
from tests.strategies import award_data

ROOT = Path(__file__).resolve().parents[2]
EDC = ROOT.parent / "shared" / "vectors" / "edc"
ISSUER = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SNB = "http://data.europa.eu/snb"


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


def test_every_eu_element_is_in_its_elm_property():
    award = example_award(grade="9")
    cred = award_to_elm(award, issuer_id=ISSUER, learning_setting="formal")
    assert cred["@context"] == ELM_CONTEXT
    assert cred["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert cred["credentialProfiles"][0]["id"] == f"{SNB}/credential/e34929035b"
    person = cred["credentialSubject"]
    assert person["type"] == "Person" and person["fullName"]
    assert person["contactPoint"]["emailAddress"]["id"] == "mailto:anna@example.lv"
    la = person["hasClaim"][0]
    assert la["type"] == "LearningAchievement"
    assert la["title"]["lv"] == "Datu analīze ar Python"
    body = la["awardedBy"]["awardingBody"][0]
    assert body["legalName"]["en"] == "University of Latvia"
    country = "http://publications.europa.eu/resource/authority/country/LVA"
    assert body["location"]["address"]["countryCode"]["id"] == country
    assert cred["issuer"]["id"] == ISSUER
    assert cred["issuer"]["location"]["address"]["countryCode"]["id"] == country
    assert la["awardedBy"]["awardingDate"] == cred["validFrom"] == "2026-06-30T00:00:00Z"
    spec = la["specifiedBy"]
    assert spec["type"] == "Qualification"
    assert len(spec["learningOutcome"]) == 3
    assert any("relatedESCOSkill" in o for o in spec["learningOutcome"])
    credit = spec["creditPoint"][0]
    assert credit["framework"]["id"] == f"{SNB}/education-credit/6fcec5c5af"
    assert credit["point"] == "5" and spec["volumeOfLearning"] == "PT130H"
    assert spec["eqfLevel"]["id"] == f"{SNB}/eqf/6"
    assert spec["eqfLevel"]["inScheme"]["id"] == f"{SNB}/eqf/25831c2"
    assert spec["mode"]["id"] == f"{SNB}/learning-assessment/e92d221e4d"
    assert spec["learningSetting"]["id"] == f"{SNB}/learning-setting/6fd4685715"
    assessment = la["provenBy"][0]
    assert assessment["specifiedBy"]["dcType"]["id"] == f"{SNB}/assessment/6e6cb2cc78"
    assert assessment["grade"]["noteLiteral"] == {"en": "9"}
    qa = spec["accreditation"][0]
    assert qa["type"] == "Accreditation"
    assert qa["dcType"]["id"] == f"{SNB}/accreditation/bb4618238e"
    for node in (spec["mode"], qa["dcType"], spec["eqfLevel"]):
        assert {"id", "type", "inScheme", "prefLabel"} <= node.keys()


def test_quality_assurance_is_always_exported():
    cred = award_to_elm(example_award(), issuer_id=ISSUER)
    spec = cred["credentialSubject"]["hasClaim"][0]["specifiedBy"]
    assert spec["accreditation"]


def test_hours_become_xsd_durations():
    from decimal import Decimal

    assert hours_to_duration(Decimal(60)) == "PT60H"
    assert hours_to_duration(Decimal("12.5")) == "PT12H30M"
    assert hours_to_duration(Decimal("0.01")) == "PT36S"
    assert hours_to_duration(Decimal(0)) == "PT0S"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(award_data())
def test_model_to_elm_to_model_keeps_every_element(data):
    award = parse_award(data)
    credential = json.loads(json.dumps(award_to_elm(award, issuer_id=ISSUER)))
    reading = read_elm(credential)
    assert reading.missing == [] and reading.problems == []
    assert reading.award == award


# --- JSON-LD: nothing dropped ---------------------------------------------------------------


def _without_vocab(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_vocab(v) for k, v in value.items() if k != "@vocab"}
    if isinstance(value, list):
        return [_without_vocab(v) for v in value]
    return value


def _no_vocab_loader(url: str, options: Any = None) -> dict[str, Any]:
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": _without_vocab(copy.deepcopy(load_context(url))),
    }


def _keys(value: Any, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "@context":
                out.add(key.lower())  # pyld normalises language-map tags to lower case
                _keys(item, out)
    elif isinstance(value, list):
        for item in value:
            _keys(item, out)
    return out


def _dropped_terms(doc: dict[str, Any]) -> tuple[list[str], set[str]]:
    dropped: list[str] = []
    processor = jsonld.JsonLdProcessor(
        on_property_dropped=lambda prop=None, *a, **k: dropped.append(str(prop))
    )
    options = {"documentLoader": _no_vocab_loader, "base": None}
    expanded = processor.expand(copy.deepcopy(doc), options)
    compacted = jsonld.compact(expanded, {"@context": doc["@context"]}, options)
    return dropped, _keys(compacted, set())


@pytest.mark.parametrize("grade", [None, "9"])
def test_exported_elm_expands_without_dropping_any_term(grade):
    extra = {"grade": grade} if grade else {}
    award = example_award(
        narrative="did it", evidence_url="https://evidence.example.org/x", **extra
    )
    award = award.model_copy(
        update={
            "learner": award.learner.model_copy(
                update={"national_id": "010101-12345", "given_name": "Anna"}
            )
        }
    )
    cred = award_to_elm(award, issuer_id=ISSUER, learning_setting="non_formal")
    dropped, survived = _dropped_terms(cred)
    assert dropped == [], f"terms dropped by JSON-LD expansion: {dropped}"
    lost = _keys(cred, set()) - survived - {"id", "type"}
    assert not lost, f"terms that did not survive expansion: {sorted(lost)}"
    expand(cred)  # the project's safe mode agrees (it raises on any dropped term)


def test_vc2_with_the_elm_context_is_not_processable():
    """Why the export uses the VC 1.1 context, as EDC does: ELM redefines VC 2.0's protected
    `description`, so a conforming JSON-LD 1.1 processor rejects the EBSI combination."""
    ebsi = json.loads(
        (EDC / "ebsi-vcdm2-edc-microcredential-data-and-software-business.json").read_text()
    )
    with pytest.raises(JsonLdError, match="protected term"):
        expand(ebsi)


def test_exports_in_the_layout_before_the_shapes_work_still_read():
    """Earlier exports linked evidence from an Evidence node, gave a skill note its ESCO
    concept as a second subject, and kept the assessment node without a grade."""
    from microcred.formats.elm_vocab import note_subject

    award = example_award(evidence_url="https://evidence.example.org/x")
    cred = award_to_elm(award, issuer_id=ISSUER)
    old = copy.deepcopy(cred)
    claim = old["credentialSubject"]["hasClaim"][0]
    old["evidence"] = [
        {"id": "urn:epass:evidence:1", "type": "Evidence", "evidenceTarget": claim["id"]}
        | {"supplementaryDocument": claim.pop("supplementaryDocument")}
    ]
    spec = claim["specifiedBy"]
    claim["provenBy"] = [
        {
            "id": "urn:epass:learningAssessment:1",
            "type": "LearningAssessment",
            "specifiedBy": spec.pop("provenBy")[0],
        }
    ]
    esco_notes = [n for n in spec["additionalNote"] if "esco" in n["subject"]["id"]]
    assert esco_notes, "the example has an ESCO-tagged skill"
    for note in esco_notes:
        note["subject"] = [note_subject("skill"), note["subject"]]
    assert read_elm(old).award == award == read_elm(cred).award
