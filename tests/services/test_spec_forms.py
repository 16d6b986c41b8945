"""The specification editor's services: the form <-> the specification data (round trip, each
problem next to its field, nothing typed lost), the console's refusals (placeholders, ESCO
URIs, another awarding body), the diff between versions, the versions themselves, and the
preview credential (signed with a throw-away key and verified by the real verifier)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from microcred.model.files import load_data
from microcred.model.validation import parse_specification
from microcred.services import organisations, spec_checks, spec_forms, spec_preview, specifications
from microcred.services.verifying import verifier_context
from microcred.verify import verify_credential

from .conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "src" / "microcred" / "data" / "spec-template.yaml"
ESCO = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"


def same(text: str) -> str:
    return text


def org_view(**changes: object) -> organisations.OrgView:
    from datetime import UTC, datetime

    values: dict[str, object] = {
        "id": "org-1",
        "slug": "latvijas-universitate",
        "name": "Latvijas Universitāte",
        "country": "LV",
        "url": "https://www.lu.example.lv",
        "did": "did:web:issuer.example:orgs:latvijas-universitate",
        "did_key": "did:key:z6MkexampleKeyOfTheOrganisation",
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    values.update(changes)
    return organisations.OrgView(**values)  # type: ignore[arg-type]


def valid_draft() -> dict:
    return {
        "id": "urn:uuid:6a1c9f0e-8a4b-4c53-9d2e-1f7a0b3c5d21",
        "title": {"en": "Data stewardship", "lv": "Datu pārvaldība"},
        "awarding_body": {"name": {"lv": "Latvijas Universitāte"}, "country": "LV"},
        "learning_outcomes": [{"text": {"en": "Documents a data set."}, "esco_skill": ESCO}],
        "workload": {"ects": 2},
        "assessment": {"type": "project"},
        "participation": "online",
        "quality_assurance": {"type": "internal_qa"},
    }


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_goes_through_the_form_and_back_unchanged(path: Path) -> None:
    data = load_data(path)
    form = spec_forms.form_from_data(data)
    # What the browser posts back: every field as text, the languages and row counts.
    posted = {
        **form.values,
        "langs": ",".join(form.langs),
        "extra": form.extra,
        **{f"{name}_rows": str(count) for name, count in form.rows.items()},
    }
    again = spec_forms.data_from_form(spec_forms.form_from_post(posted))
    assert parse_specification(again).to_data() == parse_specification(data).to_data()
    assert (
        spec_forms.diff(parse_specification(data).to_data(), parse_specification(again).to_data())
        == []
    )


def test_each_problem_is_next_to_its_field_and_nothing_typed_is_lost() -> None:
    posted = {
        "langs": "en,lv",
        "learning_outcomes_rows": "2",
        "skills_rows": "1",
        "title.lv": "Datu pārvaldība",
        "awarding_body.name.lv": "Latvijas Universitāte",
        "awarding_body.country": "Latvia",
        "learning_outcomes[0].text.en": "Documents a data set.",
        "learning_outcomes[1].esco_skill": "http://data.europa.eu/esco/skill/not-a-skill",
        "workload.ects": "2.555",
        "eqf_level": "9",
        "assessment.type": "project",
        "quality_assurance.type": "internal_qa",
        "nqf_level": "  LKI 5 typed with spaces  ",
    }
    form = spec_forms.form_from_post(posted)
    data = spec_forms.data_from_form(form)
    summary = spec_forms.attach(form, spec_checks.check(data, org_view(), same))
    where = [name for name, _ in summary]
    assert "ISO 3166-1" in form.error("awarding_body.country")[0]
    assert "more than 2 decimals" in form.error("workload.ects")[0]
    assert "EQF level" in form.error("eqf_level")[0]
    assert "participation" in " ".join(form.error("participation"))
    # The second outcome has a URI and no text: its text column (first language) is named.
    assert form.error("learning_outcomes[1].text.en")
    assert "names no ESCO skill" in form.error("learning_outcomes[1].esco_skill")[0]
    # Nothing typed is dropped: every value comes back as it was posted.
    for name, value in posted.items():
        if "." in name:
            assert form.value(name) == value
    # The summary follows the form's order: the country comes before the workload.
    assert where.index("awarding_body.country") < where.index("workload.ects")


def test_field_for_maps_whole_elements_to_their_first_field() -> None:
    form = spec_forms.SpecForm(langs=["lv", "en"])
    assert spec_forms.field_for("title", form) == "title.lv"
    assert spec_forms.field_for("title.en", form) == "title.en"
    assert spec_forms.field_for("workload", form) == "workload.ects"
    assert spec_forms.field_for("awarding_body", form) == "awarding_body.name.lv"
    assert spec_forms.field_for("learning_outcomes", form) == "learning_outcomes[0].text.lv"
    assert spec_forms.field_for("skills[2].esco_uri", form) == "skills[2].esco_uri"
    assert spec_forms.field_for("languages[1]", form) == "languages"
    assert spec_forms.field_for("co_awarding_bodies[0].name", form) == "(document)"
    assert (
        spec_forms.field_for("stackability.stackable_towards[1].url", form)
        == "stackability.stackable_towards[1].url"
    )
    assert spec_forms.field_for("stackability", form) == "stackability.standalone"


def test_stackability_has_its_own_fields() -> None:
    data = valid_draft()
    data["stackability"] = {
        "standalone": False,
        "stackable_towards": [{"title": {"en": "MSc Data Science"}, "url": "https://x.lv/msc"}],
    }
    form = spec_forms.form_from_data(data)
    assert form.value("stackability.standalone") == "false"
    assert form.value("stackability.stackable_towards[0].title.en") == "MSc Data Science"
    assert form.extra == ""  # nothing hidden: every element of it is a field
    assert spec_forms.data_from_form(form)["stackability"] == data["stackability"]


def test_languages_are_added_checked_and_capped() -> None:
    form = spec_forms.SpecForm()
    spec_forms.add_language(form, "de", same)
    spec_forms.add_language(form, "de", same)
    assert form.langs == ["en", "lv", "de"] and not form.errors
    spec_forms.add_language(form, "not a tag", same)
    assert "language code" in form.error("add_lang")[0]
    form.errors.clear()
    spec_forms.add_language(form, "et", same)
    spec_forms.add_language(form, "lt", same)
    assert len(form.langs) == spec_forms.MAX_LANGS and "YAML" in form.error("add_lang")[0]
    too_many = {"title": {t: "x" for t in ("en", "lv", "de", "et", "lt")}}
    with pytest.raises(spec_forms.TooLargeForForm):
        spec_forms.form_from_data(too_many)


def test_the_template_is_refused_for_its_placeholders() -> None:
    data = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    problems = spec_checks.check(data, org_view(), same)
    paths = {p.path for p in problems if "placeholder" in p.message}
    assert {"title.en", "title.lv", "awarding_body.name.en", "learning_outcomes[0].text.en",
            "quality_assurance.body", "skills[0].name.en"} <= paths  # fmt: skip
    assert any(p.path == "awarding_body.id" and "not your organisation" in p.message
               for p in problems)  # fmt: skip
    assert spec_checks.placeholders({"title": {"en": "Course {{ name }}"}}, same)
    assert spec_checks.placeholders({"url": "https://x.lv/<uuid>"}, same)
    assert not spec_checks.placeholders(load_data(EXAMPLES / "university-data-analysis.yaml"), same)


def test_the_awarding_body_must_be_the_signed_in_organisation() -> None:
    org = org_view()
    ok = valid_draft()
    assert spec_checks.check(ok, org, same) == []
    for ident in (org.did, org.did_key, "did:web:www.lu.example.lv", "https://www.lu.example.lv/"):
        ok["awarding_body"]["id"] = ident
        assert spec_checks.awarding_body_problems(ok, org, same) == [], ident
    ok["awarding_body"]["id"] = "did:web:rtu.example.lv"
    (problem,) = spec_checks.awarding_body_problems(ok, org, same)
    assert problem.path == "awarding_body.id" and "mandate" in problem.message
    other = valid_draft()
    other["awarding_body"]["name"] = {"en": "Riga Technical University"}
    (problem,) = spec_checks.awarding_body_problems(other, org, same)
    assert problem.path == "awarding_body.name" and "Latvijas Universitāte" in problem.message


def test_the_refusals_are_translated() -> None:
    from microcred.i18n import translator

    lv = translator("lv").gettext
    (problem,) = spec_checks.placeholders({"title": {"en": "TODO"}}, lv)
    assert "TODO" in problem.message and "placeholder" not in problem.message


def test_diff_lists_each_change_in_the_forms_order() -> None:
    old = valid_draft()
    new = json.loads(json.dumps(old))
    new["workload"]["ects"] = 3
    new["title"]["de"] = "Datenverwaltung"
    del new["learning_outcomes"][0]["esco_skill"]
    new["eqf_level"] = 5
    assert spec_forms.diff(old, new) == [
        ("title.de", "added", "", "Datenverwaltung"),
        ("learning_outcomes[0].esco_skill", "removed", ESCO, ""),
        ("workload.ects", "changed", "2", "3"),
        ("eqf_level", "added", "", "5"),
    ]


def test_versions_and_the_preview(instance) -> None:
    org = organisations.create(
        instance, name="Latvijas Universitāte", country="LV", url="https://www.lu.example.lv"
    )
    draft = valid_draft()
    first = specifications.publish(instance, org.slug, draft)
    draft["workload"] = {"ects": 3}
    second = specifications.publish(instance, org.slug, draft)
    versions = specifications.versions_of(instance, org.slug, first.spec_key)
    assert [v.view.version for v in versions] == [1, 2]
    assert versions[1].data["workload"] == {"ects": 3}
    assert specifications.get_version(instance, org.slug, first.id).data["workload"] == {"ects": 2}
    assert specifications.get_version(instance, org.slug, first.spec_key).view.id == second.id
    assert specifications.versions_of(instance, org.slug, "unknown") == []
    other = organisations.create(instance, name="Other", country="EE")
    with pytest.raises(organisations.NotFound):
        specifications.get_version(instance, other.slug, first.id)
    # The preview: a real credential (signed by a throw-away did:key), which verifies.
    raw = spec_preview.preview_credential(instance, draft, org, learner_name="Sample Learner")
    credential = json.loads(raw)
    assert credential["issuer"]["id"].startswith("did:key:")
    assert credential["issuer"]["name"] == "Latvijas Universitāte"
    report = verify_credential(raw, verifier_context(instance, now=instance.now()))
    assert report.to_json()["status"] == "valid"
    assert specifications.list_for(instance, org.slug)[-1].version == 2  # nothing stored
