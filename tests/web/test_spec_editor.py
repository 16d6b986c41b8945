"""The specification editor, by clicking in Chromium (issue 17, point 3): the issuer writes a
specification in the form, fixes the one error the page names (next to the field and in the
summary at the top, nothing typed lost), previews it as the verify page shows it, publishes,
publishes a second version and reads the diff, exports the YAML and imports it back, is
refused the template's placeholders and another awarding body, and issues from the new
specification on the console's issue page."""

from __future__ import annotations

from pathlib import Path

import yaml

from .conftest import assert_accessible, assert_fits, console_sign_in

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "src" / "microcred" / "data" / "spec-template.yaml"
ESCO = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"


def _action(page, value: str):
    return page.locator(f".sticky-actions button[value={value}]")


def test_write_preview_publish_diff_yaml_and_issue(site, page, tmp_path):
    console_sign_in(page, site)
    page.get_by_role("link", name="Specifications").click()
    page.get_by_role("link", name="New specification").click()
    assert page.locator("h1").inner_text() == "Specification editor"
    # The signed-in organisation is the awarding body already.
    assert page.locator("#f-awarding_body-name-en").input_value() == "Latvijas Universitāte"
    page.fill("#f-title-en", "Research data stewardship")
    page.fill("#f-title-lv", "Pētniecības datu pārvaldība")
    page.fill("#f-learning_outcomes-0-text-en", "Writes a data management plan for a project.")
    page.fill("#f-learning_outcomes-0-text-lv", "Uzraksta projekta datu pārvaldības plānu.")
    page.fill("#f-learning_outcomes-0-esco_skill", "http://data.europa.eu/esco/skill/data-plans")
    page.fill("#f-workload-ects", "2")
    page.fill("#f-workload-hours", "50")
    page.select_option("#f-eqf_level", "6")
    page.select_option("#f-assessment-type", label="Project work")
    page.select_option("#f-participation", label="Online")
    page.select_option(
        "#f-quality_assurance-type", label="Internal quality assurance of the provider"
    )
    _action(page, "validate").click()
    # One error: at the top (a link to the field) and next to the field; nothing lost.
    summary = page.locator(".error-summary")
    assert summary.locator("li").count() == 1, summary.inner_text()
    assert "Learning outcome 1: ESCO skill URI" in summary.inner_text()
    error = page.locator("#f-learning_outcomes-0-esco_skill-error").inner_text()
    assert "names no ESCO skill" in error
    field = page.locator("#f-learning_outcomes-0-esco_skill")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.locator("#f-title-lv").input_value() == "Pētniecības datu pārvaldība"
    assert page.locator("#f-assessment-type").input_value() == "project"
    assert_accessible(page)
    summary.get_by_role("link").click()
    assert page.url.endswith("#f-learning_outcomes-0-esco_skill")
    field.fill(ESCO)
    # A third language, side by side with the others.
    page.fill("#f-add_lang", "de")
    page.get_by_role("button", name="Add the language").click()
    page.fill("#f-title-de", "Forschungsdatenmanagement")
    page.select_option("#f-stackability-standalone", label="Integrated into a larger credential")
    page.fill("#f-stackability-stackable_towards-0-title-en", "MSc in Data Science")
    assert page.locator("#f-title-lv").input_value() == "Pētniecības datu pārvaldība"
    # Preview: the verify page's report of a credential to a sample learner.
    _action(page, "preview").click()
    report = page.locator("section.preview article.report")
    assert "Valid" in report.locator(".verdict-head").inner_text()
    assert report.locator(".cred-title").inner_text() == "Research data stewardship"
    assert "Sample Learner" in report.locator("dl.facts").inner_text()
    assert "2 ECTS credits" in report.locator("dl.elements").inner_text()
    assert "MSc in Data Science" in report.locator("dl.elements").inner_text()
    assert_accessible(page)
    _action(page, "publish").click()
    assert "Published version 1 of Research data stewardship" in page.locator(".flash").inner_text()
    # A second version, and what changed.
    page.get_by_role("link", name="Edit").first.click()
    assert page.locator("#f-title-de").input_value() == "Forschungsdatenmanagement"
    page.fill("#f-workload-ects", "3")
    _action(page, "publish").click()
    assert "Published version 2" in page.locator(".flash").inner_text()
    changes = page.locator("ul.diff").inner_text()
    assert "ECTS credits" in changes and "2" in changes and "3" in changes, changes
    assert page.locator("ul.diff li").count() == 1
    assert_fits(page)
    assert_accessible(page)
    # Export the YAML, and import it back into the form: the same specification.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download YAML").first.click()
    exported = tmp_path / "exported.yaml"
    info.value.save_as(exported)
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert data["workload"] == {"ects": 3, "hours": 50}
    assert data["title"]["de"] == "Forschungsdatenmanagement"
    page.goto(site.url + "/console/specs/editor")
    page.set_input_files("#f-file", str(exported))
    page.get_by_role("button", name="Open in the form").click()
    assert page.locator("#f-workload-ects").input_value() == "3"
    assert page.locator("#f-learning_outcomes-0-esco_skill").input_value() == ESCO
    _action(page, "publish").click()
    assert "Nothing changed" in page.locator(".flash").inner_text()
    # Edit as text: the same YAML in a textarea, opened back in the form.
    page.get_by_role("link", name="Edit").first.click()
    _action(page, "to_yaml").click()
    assert "Forschungsdatenmanagement" in page.locator("#source").input_value()
    page.get_by_role("button", name="Open in the form").click()
    assert page.locator("#f-title-de").input_value() == "Forschungsdatenmanagement"
    # Issue from it on the console's issue page.
    page.get_by_role("link", name="Issue", exact=True).click()
    page.select_option("#spec", label="Research data stewardship (v2)")
    page.fill("#learner_name", "Marta Ozola")
    page.fill("#learner_id", "marta.ozola@example.lv")
    page.get_by_role("button", name="Issue and sign").click()
    assert "Issued to Marta Ozola" in page.locator(".flash").inner_text()


def test_the_template_and_another_awarding_body_are_refused(site, page):
    console_sign_in(page, site)
    page.goto(site.url + "/console/specs/editor?lang=lv")
    page.set_input_files("#f-file", str(TEMPLATE))
    page.get_by_role("button", name="Atvērt veidlapā").click()
    _action(page, "validate").click()
    summary = page.locator(".error-summary").inner_text()
    assert "aizstājteksta" in summary  # the placeholders, in Latvian
    assert "nav jūsu organizācija" in page.locator("#f-awarding_body-id-error").inner_text()
    assert "Mikrokvalifikācijas nosaukums" in page.locator("#f-title-lv-error").inner_text()
    assert (
        "A larger credential"
        in page.locator("#f-stackability-stackable_towards-0-title-en-error").inner_text()
    )
    # An element the standard requires, left empty: said in the form's words, in Latvian.
    page.select_option("#f-participation", "")
    _action(page, "validate").click()
    assert "To prasa standarts" in page.locator("#f-participation-error").inner_text()
    assert_accessible(page)
    # The YAML box on the specifications page refuses it the same way.
    page.goto(site.url + "/console/specs?lang=en")
    page.get_by_role("button", name="Validate and publish").click()
    assert "placeholder" in page.locator("#source-error").inner_text()
