"""The stacking loop by clicking (issue 17, point 5 and the acceptance), with e-mail read from a
real SMTP server on loopback: the learner applies from the wallet; the recognition officer
signs in at /authority/login, reads each shared credential (issuer, date, ECTS, its report; the
same course counted twice flagged), decides; the learner's wallet shows the outcome, the reasons
and the stacked credential, and the mail brings a claim link to it; the officer downloads it."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from microcred.api import create_app
from microcred.model.files import load_data
from microcred.services import (
    credentials,
    holders,
    members,
    organisations,
    recognition,
    specifications,
    wallet,
)
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.settings import Settings
from microcred.web import mount
from tests.live_server import running_app
from tests.smtp_inbox import Inbox, smtp_server

from .conftest import (
    PASSWORD,
    ROOT,
    SPECS,
    _free_port,
    assert_accessible,
    assert_fits,
    shot,
    wallet_sign_in,
)

PATHWAYS = ROOT / "src/microcred/data/examples/pathways"
OFFICER = "officer@padome.example.lv"
LEARNER = "anna.loop@example.lv"


@dataclass
class LoopSite:
    url: str
    instance: Instance
    inbox: Inbox


@pytest.fixture(scope="module")
def loop_site() -> Iterator[LoopSite]:
    home = Path(tempfile.mkdtemp(prefix="microcred-loop-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with smtp_server() as inbox:
        settings = Settings(
            home=home,
            database_url=f"sqlite:///{home / 'web.db'}",
            secret_key="loop-web",
            base_url=url,
            smtp=inbox.smtp,
            mail_from="padome@padome.example.lv",
        )
        app = create_app(settings)
        mount(app)
        instance: Instance = app.state.instance
        uni = organisations.create(instance, name="Latvijas Universitāte", country="LV")
        centre = organisations.create(instance, name="Rīgas Datu mācību centrs", country="LV")
        authority = organisations.create(instance, name="Atzīšanas padome", country="LV")
        _, secret = members.invite(
            instance, authority.slug, OFFICER, "recognition_officer", name="Inga Ozola"
        )
        members.accept(instance, secret, PASSWORD)
        holders.create(
            instance, name="Anna Bērziņa", handle="anna-loop", email=LEARNER, password=PASSWORD
        )
        sources = [
            (uni.slug, SPECS / "university-data-analysis.yaml", "2026-05-04"),
            (uni.slug, PATHWAYS / "components" / "lu-applied-statistics.yaml", "2026-05-04"),
            (centre.slug, PATHWAYS / "components" / "tc-sql-for-analysts.yaml", "2026-05-04"),
            (centre.slug, PATHWAYS / "components" / "tc-data-visualisation.yaml", "2026-05-04"),
            (uni.slug, SPECS / "university-data-analysis.yaml", "2026-06-01"),  # the same again
        ]
        for slug, path, day in sources:
            spec = specifications.publish(instance, slug, load_data(path))
            view = credentials.issue(
                instance, slug, spec.id, IssueRequest("Anna Bērziņa", LEARNER, day)
            )
            wallet.import_bytes(instance, "anna-loop", json.dumps(view.credential()).encode())
        recognition.publish_pathway(
            instance, authority.slug, load_data(PATHWAYS / "data-analysis.yaml")
        )
        with running_app(app, port):
            yield LoopSite(url, instance, inbox)
    shutil.rmtree(home, ignore_errors=True)


def test_learner_applies_officer_decides_and_the_stacked_credential_arrives(loop_site, browser):
    site = loop_site
    learner = browser.new_page()
    wallet_sign_in(learner, site.url, "anna-loop")
    learner.get_by_role("link", name="Pathways").click()
    learner.get_by_role("button", name="Apply for recognition").click()
    assert "sent to the authority" in learner.locator(".flash").inner_text()
    learner.get_by_role("link", name="Data analysis (15 ECTS)").click()
    assert "Waiting for the decision" in learner.locator("#outcome").inner_text()
    assert_accessible(learner)
    # The officer signs in at the desk's own page and reads the application.
    officer = browser.new_page()
    officer.goto(site.url + "/authority/login")
    officer.get_by_label("E-mail address").fill(OFFICER)
    officer.get_by_label("Password", exact=True).fill(PASSWORD)
    officer.get_by_role("button", name="Sign in").click()
    officer.get_by_role("link", name="Anna Bērziņa").click()
    rows = officer.locator("table.components tbody tr")
    assert rows.count() == 5
    first = rows.nth(0).inner_text()
    assert "Latvijas Universitāte" in first and "5" in first and "Valid" in first
    assert officer.locator(".same-course").count() == 2  # the same course, counted twice
    assert "Applied before" not in officer.locator("main").inner_text()
    assert_fits(officer)
    assert_accessible(officer)
    rows.nth(0).get_by_role("link").click()
    assert "genuine and in force" in officer.locator(".verdict").first.inner_text()
    assert_accessible(officer)
    officer.go_back()
    officer.get_by_label("Recognised", exact=True).check()
    officer.fill("#reason", "All four courses are verified and meet every rule.")
    officer.get_by_role("button", name="Record the decision").click()
    assert "decision was recorded" in officer.locator(".flash").inner_text()
    decision = officer.locator("#decision").inner_text()
    assert "It is in the learner's wallet." in decision and f"e-mailed to {LEARNER}" in decision
    with officer.expect_download() as got:
        officer.get_by_role("link", name="Download the credential (JSON)").click()
    stacked = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
    assert stacked["credentialSubject"]["creditsEarned"] == 15
    with officer.expect_download() as got:
        officer.get_by_role("link", name="Download the PDF certificate").click()
    assert Path(got.value.path()).read_bytes().startswith(b"%PDF")
    assert_accessible(officer)
    shot(officer, "authority-application-decided")
    # The mail: the outcome, the reasons and a claim link to the stacked credential.
    body = site.inbox.to(LEARNER).get_content()
    assert "meet every rule" in body and "15 ECTS" in body
    claim = browser.new_page()
    claim.goto(site.inbox.link(LEARNER, "/claim/"))
    assert "Data analysis" in claim.locator("main").inner_text()
    claim.close()
    # The learner's wallet shows the outcome, the reasons and the new credential, in Latvian too.
    learner.reload()
    outcome = learner.locator("#outcome").inner_text()
    assert "Recognised" in outcome and "meet every rule" in outcome
    learner.goto(learner.url + "?lang=lv")
    assert "Atzīts" in learner.locator("#outcome").inner_text()
    assert "Datu analīze (15 ECTS)" in learner.locator("h1").inner_text()
    assert_fits(learner)
    assert_accessible(learner)
    shot(learner, "wallet-application-decided-lv")
    learner.get_by_role("link", name="Skatīt jauno apliecinājumu").click()
    assert "Datu analīze" in learner.locator("main").inner_text()
    learner.goto(site.url + "/wallet/pathways")  # still in Latvian: the rules' own titles
    assert "Obligātie kursi" in learner.locator("main").inner_text()
    learner.goto(site.url + "/wallet/pathways?lang=en")
    assert "You already applied (decided on" in learner.locator("main").inner_text()
    learner.close()
    officer.close()


def test_the_officer_edits_pathways_in_a_form(loop_site, browser):
    site = loop_site
    officer = browser.new_page()
    officer.goto(site.url + "/authority/login?lang=lv")
    officer.locator("#email").fill(OFFICER)
    officer.locator("#password").fill(PASSWORD)
    officer.locator("form button[type=submit]").first.click()
    officer.wait_for_url(site.url + "/authority")
    # A published pathway opens in the form, in Latvian; a bad total is named next to its field.
    officer.get_by_role("link", name="Labot veidlapā").first.click()
    assert officer.locator("#f-title-lv").input_value() == "Datu analīze (15 ECTS)"
    assert officer.locator("#f-rules-2-kind").input_value() == "total"
    officer.fill("#f-rules-2-ects", "daudz")
    officer.fill("#f-description-en", "Changed in the form.")
    officer.get_by_role("button", name="Publicēt").click()
    assert officer.locator(".error-summary").count() == 1
    assert "daudz" in officer.locator("#f-rules-2-ects-error").inner_text()
    assert officer.locator("#f-description-en").input_value() == "Changed in the form."  # kept
    assert_fits(officer)
    assert_accessible(officer)
    shot(officer, "authority-pathway-form-errors-lv")
    officer.fill("#f-rules-2-ects", "16")
    officer.get_by_role("button", name="Publicēt").click()
    assert "2" in officer.locator(".flash").inner_text()
    pathway = recognition.get_pathway(
        site.instance, "https://recognition.example.lv/pathways/data-analysis"
    )[1]
    assert pathway.rule("volume").total.ects == 16  # the rest (supervision, labels) as before
    assert pathway.rule("core").accept.supervision and pathway.description["lv"]
    # A new pathway from the empty form, in English.
    officer.goto(site.url + "/authority/pathways/form?lang=en")
    officer.get_by_role("button", name="Publish").click()
    assert officer.locator("#f-id-error").count() == 1
    assert officer.locator("#f-target-title-en-error").count() == 1
    values = {
        "#f-id": "https://recognition.example.lv/pathways/sql",
        "#f-title-en": "SQL basics",
        "#f-title-lv": "SQL pamati",
        "#f-target-title-en": "SQL basics",
        "#f-target-learning_outcomes-0-text-en": "Writes SQL queries.",
        "#f-target-workload-ects": "3",
        "#f-rules-0-id": "volume",
        "#f-rules-0-ects": "3",
    }
    for selector, value in values.items():
        officer.fill(selector, value)
    officer.select_option("#f-target-eqf_level", "5")
    officer.select_option("#f-target-assessment-type", "portfolio")
    officer.select_option("#f-target-participation", "online")
    officer.select_option("#f-target-quality_assurance-type", "institutional_qa")
    officer.get_by_role("button", name="Add a rule").click()
    assert officer.locator("#f-rules-1-id").count() == 1 and officer.locator("#f-id").input_value()
    officer.get_by_role("button", name="Publish").click()
    assert "Published version 1 of SQL basics" in officer.locator(".flash").inner_text()
    officer.close()
