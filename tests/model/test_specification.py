from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from microcred.model import (
    Award,
    SpecificationError,
    parse_award,
    parse_specification,
    validate_specification,
)
from microcred.model.files import SpecFileError, load_data

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"


def example(name: str = "university-data-analysis.yaml") -> dict:
    return load_data(EXAMPLES / name)


def paths(problems) -> list[str]:
    return [p.path for p in problems]


def test_examples_are_valid_and_cover_the_issue_profiles():
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 4
    specs = {f.name: parse_specification(load_data(f)) for f in files}
    assert specs["lv-vocational-welding.yaml"].eqf_level == 4
    assert set(specs["lv-vocational-welding.yaml"].title) == {"lv", "en"}
    uni = specs["university-data-analysis.yaml"]
    assert (uni.workload.ects, uni.eqf_level) == (Decimal(5), 6)
    online = specs["online-cybersecurity-basics.yaml"]
    assert online.eqf_level is None and online.workload.ects is None and online.workload.hours == 12
    employer = specs["employer-forklift-safety.yaml"]
    assert employer.supervision.value == "supervised_onsite_with_id_verification"
    assert employer.participation.value == "onsite"


@pytest.mark.parametrize(
    "element",
    [
        "title",
        "awarding_body",
        "learning_outcomes",
        "workload",
        "assessment",
        "participation",
        "quality_assurance",
    ],
)
def test_each_mandatory_element_is_named_when_missing(element):
    data = example()
    del data[element]
    problems = validate_specification(data)
    assert element in paths(problems)
    message = next(p.message for p in problems if p.path == element)
    assert message.startswith("is required")


def test_country_and_eqf_errors_name_the_field_and_the_fix():
    data = example()
    data["eqf_level"] = 9
    data["awarding_body"]["country"] = "XX"
    problems = {p.path: p.message for p in validate_specification(data)}
    assert set(problems) == {"eqf_level", "awarding_body.country"}
    assert "1 to 8" in problems["eqf_level"]
    assert "ISO 3166" in problems["awarding_body.country"]


def test_every_problem_is_reported_not_just_the_first():
    data = example()
    data["workload"] = {"ects": "-1"}
    data["participation"] = "remote"
    data["learning_outcomes"][0]["esco_skill"] = "https://example.org/skill"
    data["title"] = {}
    data["colour"] = "blue"
    found = paths(validate_specification(data))
    assert set(found) >= {
        "workload.ects",
        "participation",
        "learning_outcomes[0].esco_skill",
        "title",
        "colour",
    }


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (5, True),
        (2.5, True),
        ("7.25", True),
        (0, True),
        (1.234, False),
        (-1, False),
        (True, False),
        ("five", False),
    ],
)
def test_ects_is_a_non_negative_decimal_with_at_most_two_decimals(value, ok):
    data = example()
    data["workload"] = {"ects": value}
    problems = validate_specification(data)
    assert (problems == []) is ok, problems
    if not ok:
        assert paths(problems) == ["workload.ects"]


def test_workload_needs_ects_or_hours():
    data = example()
    data["workload"] = {}
    problems = validate_specification(data)
    assert paths(problems) == ["workload"]
    assert "ects" in problems[0].message and "hours" in problems[0].message


def test_unknown_element_suggests_the_right_spelling():
    data = example()
    data["learning_outcome"] = data.pop("learning_outcomes")
    problems = {p.path: p.message for p in validate_specification(data)}
    assert "did you mean 'learning_outcomes'" in problems["learning_outcome"]


def test_other_assessment_and_qa_need_a_description():
    data = example()
    data["assessment"] = {"type": "other"}
    data["quality_assurance"] = {"type": "other"}
    found = {p.path: p.message for p in validate_specification(data)}
    assert "description" in found["assessment"] and "description" in found["quality_assurance"]


def test_language_tags_and_texts_are_checked():
    data = example()
    data["title"] = {"english!": "X", "lv": "  "}
    messages = " ".join(p.message for p in validate_specification(data))
    assert "BCP 47" in messages and "empty" in messages


def test_country_code_is_normalised_to_upper_case():
    data = example()
    data["awarding_body"]["country"] = "ee"
    assert parse_specification(data).awarding_body.country == "EE"


def test_spec_error_lists_problems():
    with pytest.raises(SpecificationError) as info:
        parse_specification({"title": {"en": "x"}})
    assert len(info.value.problems) >= 5


def test_award_expiry_from_spec_validity_and_email_identifier():
    spec = example("employer-forklift-safety.yaml")  # validity 36 months
    award = parse_award(
        {
            "spec": spec,
            "learner": {"name": "Anna Bērziņa", "identifier": "anna@example.lv"},
            "issued_on": "2026-01-31",
        }
    )
    assert isinstance(award, Award)
    assert award.learner.identifier == "mailto:anna@example.lv"
    assert award.expires_on().isoformat() == "2029-01-31T00:00:00+00:00"
    assert award.id.startswith("urn:uuid:")


def test_award_rejects_bad_email_and_missing_learner():
    spec = example()
    with pytest.raises(SpecificationError) as info:
        parse_award(
            {
                "spec": spec,
                "learner": {"name": "X", "identifier": "mailto:not-an-email"},
                "issued_on": "2026-01-01",
            }
        )
    assert paths(info.value.problems) == ["learner.identifier"]
    with pytest.raises(SpecificationError) as info:
        parse_award({"spec": spec, "issued_on": "2026-13-01"})
    assert set(paths(info.value.problems)) == {"learner", "issued_on"}


def test_load_data_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n")
    with pytest.raises(SpecFileError) as info:
        load_data(bad)
    assert "not valid YAML" in str(info.value) and "\n" not in str(info.value)
    dup = tmp_path / "dup.yaml"
    dup.write_text("title: {en: a}\ntitle: {en: b}\n")
    with pytest.raises(SpecFileError, match="duplicate key 'title'"):
        load_data(dup)
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SpecFileError, match="not a text file"):
        load_data(binary)
    lst = tmp_path / "list.yaml"
    lst.write_text("- a\n- b\n")
    with pytest.raises(SpecFileError, match="mapping"):
        load_data(lst)


def test_specification_is_immutable():
    spec = parse_specification(example())
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type
        spec.eqf_level = 3  # type: ignore[misc]
    assert copy.deepcopy(spec) == spec
