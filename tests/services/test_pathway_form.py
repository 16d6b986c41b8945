"""The authority's pathway form (services/recognition/pathway_form.py): a pathway goes into the
form and comes back the same, what the form has no field for is carried, one it cannot hold is
refused (edit it as YAML), and every problem lands next to its field."""

from __future__ import annotations

import copy

import pytest

from microcred.i18n import translator
from microcred.model.files import load_data
from microcred.services.recognition import pathway_form
from microcred.stacking import parse_pathway
from tests.services.conftest import ROOT

PATHWAY = load_data(ROOT / "examples" / "pathways" / "data-analysis.yaml")


def _posted(form: pathway_form.PathwayForm) -> pathway_form.PathwayForm:
    """The form as the browser sends it back."""
    fields = {**form.values, "extra": form.extra}
    fields |= {"rules_rows": str(form.rules), "outcomes_rows": str(form.outcomes)}
    return pathway_form.form_from_post(fields)


def test_a_pathway_round_trips_through_the_form():
    data = copy.deepcopy(PATHWAY)
    data["accept"]["assessment_types"] = ["portfolio"]  # no field: carried in `extra`
    form = pathway_form.form_from_data(data)
    assert form.value("rules[1].kind") == "choose" and form.value("rules[1].at_least") == "2"
    assert "SQL analītiķiem" in form.value("rules[1].credentials")
    assert form.value("rules[0].supervision").count("with_id_verification") == 2
    back = pathway_form.data_from_form(_posted(form))
    assert parse_pathway(back).to_data() == parse_pathway(data).to_data()


def test_what_the_form_cannot_hold_is_refused_not_dropped():
    data = copy.deepcopy(PATHWAY)
    data["rules"][0]["require"][0]["issuer"] = "did:web:www.lu.example.lv"
    with pytest.raises(pathway_form.NotForForm):
        pathway_form.form_from_data(data)
    data = copy.deepcopy(PATHWAY)
    data["title"]["de"] = "Datenanalyse"
    with pytest.raises(pathway_form.NotForForm):
        pathway_form.form_from_data(data)


def test_every_problem_is_next_to_its_field_in_the_pages_language():
    form = pathway_form.form_from_data(PATHWAY)
    form = _posted(form)
    form.values["rules[2].ects"] = "daudz"
    form.values["rules[1].at_least"] = "5"
    form.values["target.title.en"] = form.values["target.title.lv"] = ""
    _, placed = pathway_form.validate(form, translator("lv").gettext)
    fields = {name for name, _ in placed}
    assert {"rules[2].ects", "rules[1].at_least", "target.title.en"} <= fields
    assert form.error("rules[2].ects") == ["“daudz” nav skaitlis."]
    assert form.value("rules[2].ects") == "daudz"  # nothing typed is lost
    blank = pathway_form.blank()
    _, placed = pathway_form.validate(blank, translator("en").gettext)
    assert {"id", "title.en", "target.participation"} <= {name for name, _ in placed}
