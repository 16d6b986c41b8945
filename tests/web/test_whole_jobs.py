"""Issue 17's acceptance: each role's whole job by clicking, in English and in Latvian, with the
e-mail read from a real SMTP server on loopback (tests/smtp_inbox.py).

One journey, run once per language: the administrator signs in and invites an issuer, who
accepts from the e-mail and signs in; the issuer writes a specification in the form, publishes
it, issues to one learner from the form and to a CSV of three learners (file chooser), and
e-mails the claim links (one, then every row); the learner opens the claim link from the mail,
signs up for a new wallet (the credential is in it) and makes a share link; an employer (a
fresh browser, no session) opens the share page and reads the verdict; on a phone (390 px) the
share and verify pages fit the screen and pass axe-core; the recognition officer publishes a
pathway in the form, the learner applies, the officer signs in at /authority/login and
recognises it; the stacked credential is in the learner's wallet and in the mail. Only the
organisations and their first members (the administrator, the officer) are set up by
services. Each language is one test, so pytest-xdist may run them apart.

Texts are looked up in the product's own catalogue (``_t``), which must have a translation for
each, so the Latvian run proves that each step shows Latvian and clicks Latvian buttons.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from microcred.api import create_app
from microcred.i18n import translations
from microcred.services import members, organisations
from microcred.services.instance import Instance
from microcred.settings import Settings
from microcred.web import mount
from tests.live_server import free_port, running_app
from tests.smtp_inbox import Inbox, smtp_server

from .conftest import PASSWORD, assert_accessible, assert_fits

ADMIN = "admin@rtk.example.lv"
OFFICER = "officer@aic.example.lv"
COLLEGE = "Rīgas Tehniskā koledža"
AUTHORITY = "Atzīšanas padome"
ESCO = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"


@dataclass
class JobSite:
    url: str
    instance: Instance
    inbox: Inbox


@pytest.fixture(scope="module")
def job_site() -> Iterator[JobSite]:
    home = Path(tempfile.mkdtemp(prefix="microcred-jobs-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with smtp_server() as inbox:
        settings = Settings(
            home=home,
            database_url=f"sqlite:///{home / 'web.db'}",
            secret_key="whole-jobs",
            base_url=url,
            smtp=inbox.smtp,
            mail_from="noreply@rtk.example.lv",
        )
        app = create_app(settings)
        mount(app)
        instance: Instance = app.state.instance
        college = organisations.create(instance, name=COLLEGE, country="LV")
        authority = organisations.create(instance, name=AUTHORITY, country="LV")
        for slug, email, role, name in (
            (college.slug, ADMIN, "administrator", "Inga Liepa"),
            (authority.slug, OFFICER, "recognition_officer", "Rita Ozola"),
        ):
            _, secret = members.invite(instance, slug, email, role, name=name)
            members.accept(instance, secret, PASSWORD)
        with running_app(app, port):
            yield JobSite(url, instance, inbox)
    shutil.rmtree(home, ignore_errors=True)


def _t(lang: str, message: str) -> str:
    """The product's own text in ``lang``; a Latvian run needs a real translation."""
    text = translations(lang).gettext(message)
    assert lang == "en" or text != message, f"no {lang} translation of {message!r}"
    return text


def _person(browser: Any, lang: str, url: str) -> Any:
    """A fresh browser (no session), on ``url``, switched to ``lang`` with the language links."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
    page.goto(url)
    if lang != "en":
        page.locator(f"nav.langs a[hreflang={lang}]").click()
        page.wait_for_function(f"document.documentElement.lang === '{lang}'")
    return page


def _console_sign_in(page: Any, lang: str, email: str) -> None:
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=_t(lang, "Sign in"), exact=True).click()


def _mail(inbox: Inbox, to: str, lang: str, subject: str, **values: str) -> str:
    """The last mail to ``to``: in ``lang``, with the subject the catalogue gives; its body."""
    found = inbox.to(to)
    assert found["Content-Language"] == lang
    assert found["Subject"] == _t(lang, subject) % values
    return str(found.get_content())


def _h1(page: Any) -> str:
    return str(page.locator("h1").first.inner_text())


def _flash(page: Any) -> str:
    return str(page.locator(".flash").first.inner_text())


def _share_and_verify_on_a_phone(phone: Any, url: str, share: str, lang: str) -> None:
    """The employer's two pages at 390 px: nothing wider than the screen, axe-core clean."""
    phone.goto(f"{share}?lang={lang}")
    verdict = phone.locator(".verdict").first.inner_text()
    assert _t(lang, "Valid: this credential is genuine and in force") in verdict
    assert_fits(phone)
    assert_accessible(phone)
    phone.goto(f"{url}/?lang={lang}")
    phone.locator("#link").fill(share)
    phone.get_by_role("button", name=_t(lang, "Verify"), exact=True).click()
    phone.locator(".verdict").first.wait_for()
    assert (
        _t(lang, "Valid: this credential is genuine and in force")
        in phone.locator(".verdict").first.inner_text()
    )
    assert_fits(phone)
    assert_accessible(phone)


@pytest.mark.parametrize("lang", ["en", "lv"])
def test_each_role_does_its_whole_job_by_clicking(job_site, browser, phone, tmp_path, lang):
    site, inbox = job_site, job_site.inbox
    issuer_email = f"ieva.{lang}@rtk.example.lv"
    learner_email = f"anna.{lang}@example.lv"
    learner_name = {"en": "Anna Bērziņa", "lv": "Līga Kalniņa"}[lang]
    title = {"en": "Open data for newsrooms", "lv": "Atvērtie dati redakcijām"}[lang]
    title_lv = {"en": "Atvērtie dati ziņu redakcijām", "lv": "Atvērtie dati redakcijām"}[lang]

    # 1. The administrator signs in and invites an issuer, who accepts from the e-mail.
    admin = _person(browser, lang, site.url + "/console/login")
    _console_sign_in(admin, lang, ADMIN)
    admin.get_by_role("link", name=_t(lang, "Members")).click()
    assert _h1(admin) == _t(lang, "Members")
    admin.locator("#email").fill(issuer_email)
    admin.select_option("#role", "issuer")
    admin.get_by_role("button", name=_t(lang, "Send the invitation")).click()
    assert admin.locator(".flash").count() == 1
    admin.context.close()
    _mail(inbox, issuer_email, lang, "You are invited to %(org)s on microcred", org=COLLEGE)
    issuer = _person(browser, lang, inbox.link(issuer_email, "/console/invitation/"))
    assert _h1(issuer) == _t(lang, "Join %(org)s") % {"org": COLLEGE}
    issuer.locator("#name").fill("Ieva Kalniņa")
    issuer.locator("#password").fill(PASSWORD)
    issuer.locator("#confirm").fill(PASSWORD)
    issuer.get_by_role("button", name=_t(lang, "Set my password")).click()
    issuer.wait_for_url("**/console/login")
    _console_sign_in(issuer, lang, issuer_email)
    issuer.wait_for_url(site.url + "/console")

    # 2. The issuer writes a specification in the form and publishes it.
    issuer.get_by_role("link", name=_t(lang, "Specifications")).click()
    issuer.get_by_role("link", name=_t(lang, "New specification")).click()
    assert issuer.locator("h1").inner_text() == _t(lang, "Specification editor")
    for selector, value in {
        "#f-title-en": title if lang == "en" else "Open data for editorial offices",
        "#f-title-lv": title_lv,
        "#f-learning_outcomes-0-text-en": "Finds, cleans and cites open data sets in a story.",
        "#f-learning_outcomes-0-text-lv": "Atrod, sakārto un citē atvērto datu kopas rakstā.",
        "#f-learning_outcomes-0-esco_skill": ESCO,
        "#f-workload-ects": "3",
        "#f-workload-hours": "75",
    }.items():
        issuer.fill(selector, value)
    issuer.select_option("#f-eqf_level", "5")
    issuer.select_option("#f-assessment-type", "project")
    issuer.select_option("#f-participation", "online")
    issuer.select_option("#f-quality_assurance-type", "institutional_qa")
    issuer.locator(".sticky-actions button[value=publish]").click()
    published = _t(lang, "Published version %(v)s of %(title)s.")
    assert published % {"v": 1, "title": title} in _flash(issuer)
    spec_label = f"{title} (v1)"

    # ... issues to one learner from the form and e-mails the claim link,
    issuer.get_by_role("link", name=_t(lang, "Issue"), exact=True).click()
    assert _h1(issuer) == _t(lang, "Issue a credential")
    issuer.select_option("#spec", label=spec_label)
    issuer.fill("#learner_name", learner_name)
    issuer.fill("#learner_id", learner_email)
    issuer.get_by_role("button", name=_t(lang, "Issue and sign")).click()
    issuer.wait_for_url("**/console/credentials/*")
    assert title in issuer.locator("dl.facts").inner_text()
    assert issuer.locator("#deliver-lang").input_value() == lang
    issuer.get_by_role("button", name=_t(lang, "E-mail a claim link")).click()
    assert issuer.locator("[data-delivery]").get_attribute("data-delivery") == "sent"
    claim_subject = "Your credential from %(issuer)s: %(title)s"
    _mail(inbox, learner_email, lang, claim_subject, issuer=COLLEGE, title=title)
    # ... and to a CSV of three learners (the file chooser), e-mailing every row's claim link.
    bulk = [f"bulk{n}.{lang}@example.lv" for n in range(3)]
    csv = tmp_path / "learners.csv"
    csv.write_text(
        "learner_name,learner_id,issued_on\n"
        + "".join(f"Learner {n},{email},2026-06-0{n + 1}\n" for n, email in enumerate(bulk)),
        encoding="utf-8",
    )
    issuer.get_by_role("link", name=_t(lang, "Bulk upload")).click()
    assert _h1(issuer) == _t(lang, "Issue from a CSV file")
    issuer.select_option("#spec", label=spec_label)
    with issuer.expect_file_chooser() as chooser:
        issuer.locator("#file").click()
    chooser.value.set_files(str(csv))
    issuer.get_by_role("button", name=_t(lang, "Upload and issue")).click()
    issuer.get_by_text(_t(lang, "Finished"), exact=True).wait_for(timeout=60_000)
    issuer.select_option("#bulk-lang", lang)
    issuer.get_by_role("button", name=_t(lang, "E-mail every learner a claim link")).click()
    assert _h1(issuer) == _t(lang, "Issuing from your CSV file")
    for email in bulk:
        assert "/claim/" in _mail(inbox, email, lang, claim_subject, issuer=COLLEGE, title=title)
    with issuer.expect_download() as got:
        issuer.get_by_role("link", name=_t(lang, "Download every file (zip)")).click()
    with zipfile.ZipFile(got.value.path()) as files:
        names = files.namelist()
    assert "summary.json" in names and len([n for n in names if n.endswith(".json")]) == 4, names
    issuer.context.close()

    # 3. The learner reads the mail, claims the credential into a new wallet and shares it.
    learner = _person(browser, lang, inbox.link(learner_email, "/claim/"))
    assert _h1(learner) == _t(lang, "Your credential from %(issuer)s") % {"issuer": COLLEGE}
    assert title in learner.locator("main").inner_text()
    learner.get_by_role("button", name=_t(lang, "Add to my microcred wallet")).click()
    learner.wait_for_url("**/wallet/signup?next=**")
    assert _h1(learner) == _t(lang, "Create your wallet")
    learner.locator("#name").fill(learner_name)
    learner.locator("#handle").fill(f"anna-{lang}")
    learner.locator("#email").fill(learner_email)
    learner.locator("#password").fill(PASSWORD)
    learner.locator("#confirm").fill(PASSWORD)
    learner.get_by_role("button", name=_t(lang, "Create my wallet")).click()
    learner.wait_for_url("**/wallet/credentials/*")
    assert _h1(learner) == title
    learner.get_by_role("button", name=_t(lang, "Create a share link")).click()
    share = learner.locator("#share-url").input_value()
    assert share.startswith(site.url + "/s/")

    # 4. An employer, with no session, opens the share page and reads the verdict.
    employer = _person(browser, lang, share)
    assert employer.locator("h1").inner_text() == _t(lang, "Shared micro-credentials")
    verdict = employer.locator(".verdict").first.inner_text()
    assert _t(lang, "Valid: this credential is genuine and in force") in verdict
    lead = employer.locator("p.lead").inner_text()
    assert lead == f"{_t(lang, 'Shared by')}: {learner_name}"
    assert title in employer.locator("main").inner_text()  # the course, in the reader's language
    employer.context.close()
    _share_and_verify_on_a_phone(phone, site.url, share, lang)

    # 5. The officer publishes a pathway in the form; the learner applies; the officer decides.
    pathway_en, pathway_lv = {
        "en": ("Data journalism (3 ECTS)", "Datu žurnālistika (3 ECTS)"),
        "lv": ("Data stories (3 ECTS)", "Datu stāsti (3 ECTS)"),
    }[lang]
    pathway = pathway_lv if lang == "lv" else pathway_en
    officer = _person(browser, lang, site.url + "/authority/login")
    _console_sign_in(officer, lang, OFFICER)
    officer.wait_for_url(site.url + "/authority")
    assert _h1(officer) == f"{_t(lang, 'Authority desk')}: {AUTHORITY}"
    officer.get_by_role("link", name=_t(lang, "New pathway")).click()
    assert _h1(officer) == _t(lang, "Pathway editor")
    for selector, value in {
        "#f-id": f"https://aic.example.lv/pathways/data-journalism-{lang}",
        "#f-title-en": pathway_en,
        "#f-title-lv": pathway_lv,
        "#f-target-title-en": "Data journalism",
        "#f-target-title-lv": "Datu žurnālistika",
        "#f-target-learning_outcomes-0-text-en": "Tells stories with open data.",
        "#f-target-workload-ects": "3",
        "#f-rules-0-id": "volume",
        "#f-rules-0-title-en": "Enough ECTS",
        "#f-rules-0-title-lv": "Pietiekami ECTS",
        "#f-rules-0-ects": "3",
    }.items():
        officer.fill(selector, value)
    officer.select_option("#f-target-eqf_level", "5")
    officer.select_option("#f-target-assessment-type", "portfolio")
    officer.select_option("#f-target-participation", "online")
    officer.select_option("#f-target-quality_assurance-type", "institutional_qa")
    officer.get_by_role("button", name=_t(lang, "Publish"), exact=True).click()
    assert published % {"v": 1, "title": pathway} in _flash(officer)

    learner.get_by_role("link", name=_t(lang, "Pathways")).click()
    assert _h1(learner) == _t(lang, "Progress towards pathways")
    card = learner.locator(
        "section.card", has=learner.get_by_role("heading", name=pathway, exact=True)
    )
    assert _t(lang, "All rules met") in card.inner_text()
    assert _t(lang, "%(have)s of %(need)s ECTS") % {"have": 3, "need": 3} in card.inner_text()
    assert f"✓ {title}" in card.inner_text()  # the counted credential, named in this language
    card.get_by_role("button", name=_t(lang, "Apply for recognition")).click()
    assert learner.locator(".flash").count() == 1

    officer.goto(site.url + "/authority")
    officer.get_by_role("link", name=learner_name).click()
    assert _h1(officer) == pathway
    assert f"✓ {title}" in officer.locator("ul.checks").inner_text()
    officer.get_by_label(_t(lang, "Recognised"), exact=True).check()
    reason = {
        "en": "The open data course meets the 3 ECTS rule.",
        "lv": "Atvērto datu kurss atbilst 3 ECTS noteikumam.",
    }[lang]
    officer.fill("#reason", reason)
    officer.get_by_role("button", name=_t(lang, "Record the decision")).click()
    assert _t(lang, "It is in the learner's wallet.") in officer.locator("#decision").inner_text()
    officer.context.close()

    # The stacked credential is in the learner's wallet, and in the mail with a claim link.
    learner.get_by_role("link", name=_t(lang, "Pathways")).click()
    learner.get_by_role("link", name=pathway).first.click()
    outcome = learner.locator("#outcome").inner_text()
    assert _t(lang, "Recognised") in outcome and reason in outcome
    learner.get_by_role("link", name=_t(lang, "View your new credential")).click()
    assert {"en": "Data journalism", "lv": "Datu žurnālistika"}[lang] in learner.locator(
        "main"
    ).inner_text()
    recognised = "Your application to %(authority)s: recognised"
    mail = _mail(inbox, learner_email, lang, recognised, authority=AUTHORITY)
    assert reason in mail and "/claim/" in mail
    learner.context.close()
