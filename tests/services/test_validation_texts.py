"""The model's validation messages in the reader's language (issue 17, point 6): a
specification with the usual mistakes gives problems that are each translated in Latvian,
with what was typed kept as it is, and the spec editor's form shows them so."""

from __future__ import annotations

from pathlib import Path

import pytest

from microcred.i18n import translator
from microcred.model.files import load_data
from microcred.model.validation import SpecificationError, parse_specification
from microcred.services import validation_texts

SPEC = Path(__file__).resolve().parents[2] / "examples" / "specs" / "university-data-analysis.yaml"


def _problems(**changes: object) -> list[str]:
    data = load_data(SPEC)
    data.update(changes)
    with pytest.raises(SpecificationError) as raised:
        parse_specification(data)
    return [p.message for p in raised.value.problems]


def test_the_usual_mistakes_read_in_latvian():
    data = load_data(SPEC)
    problems = _problems(
        awarding_body={**data["awarding_body"], "country": "Latvia"},
        workload={"ects": 2.555},
        eqf_level=9,
        assessment={"type": "exam"},
        title={"en": "Data analysis", "xx-invalid-tag-": "x"},
        kind="x",
    )
    assert len(problems) >= 6, problems
    lv = translator("lv")
    for message in problems:
        said = validation_texts.message_in(message, lv)
        assert said != message, f"not translated: {message}"
    said = [validation_texts.message_in(m, lv) for m in problems]
    assert any(s.startswith("'Latvia' nav ISO 3166-1 alpha-2 valsts kods") for s in said), said
    assert any("2.555 ir vairāk nekā 2 zīmes aiz komata" in s for s in said), said
    assert any(s.startswith("9 nav EKI līmenis") for s in said), said
    assert any(s.startswith("'exam' nav atļauts; lietojiet vienu no:") for s in said), said
    assert any("'kind' nav standarta elements" in s for s in said), said
    en = translator("en")
    assert [validation_texts.message_in(m, en) for m in problems] == problems


def test_a_message_of_several_problems_is_translated_problem_by_problem():
    message = (
        "'xx-' is not a BCP 47 language tag; use a code such as 'en', 'lv' or 'de-AT'; "
        "the 'lv' text is empty; write the text or remove the entry"
    )
    said = validation_texts.message_in(message, translator("lv"))
    assert said == (
        "'xx-' nav BCP 47 valodas kods; lietojiet kodu, piemēram, 'en', 'lv' vai 'de-AT'; "
        "'lv' teksts ir tukšs; uzrakstiet tekstu vai noņemiet ierakstu"
    )
    assert validation_texts.message_in("something new", translator("lv")) == "something new"


def test_the_spec_forms_show_the_problems_in_the_forms_language():
    from microcred.model.validation import Problem
    from microcred.services import spec_forms

    form = spec_forms.form_from_data(load_data(SPEC))
    problem = Problem("eqf_level", "9 is not an EQF level; use a whole number from 1 to 8")
    spec_forms.attach(form, [problem], translator("lv").gettext)
    assert "9 nav EKI līmenis; lietojiet veselu skaitli no 1 līdz 8" in form.errors["eqf_level"]
