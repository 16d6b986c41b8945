"""People's whole jobs by clicking, with e-mail read from a real SMTP server on loopback
(issue 17, points 1, 2 and 7): an administrator invites an issuer, the invitee sets a password
from the e-mail, signs in (back to the page asked for), signs out; the issuer e-mails a claim
link and the learner claims the credential into a new wallet; /docs and /redoc render with
every request outside this instance blocked."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from microcred.api import create_app
from microcred.model.files import load_data
from microcred.services import credentials, members, organisations, specifications
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.settings import Settings
from tests.live_server import running_app
from tests.smtp_inbox import Inbox, smtp_server

from .conftest import PASSWORD, SPECS, _free_port, assert_accessible, assert_fits

ADMIN = "admin@koledza.example.lv"


@dataclass
class MailSite:
    url: str
    instance: Instance
    org_slug: str
    spec_id: str
    inbox: Inbox


@pytest.fixture(scope="module")
def mail_site() -> Iterator[MailSite]:
    home = Path(tempfile.mkdtemp(prefix="microcred-accounts-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with smtp_server() as inbox:
        settings = Settings(
            home=home,
            database_url=f"sqlite:///{home / 'web.db'}",
            secret_key="accounts-web",
            base_url=url,
            smtp=inbox.smtp,
            mail_from="console@koledza.example.lv",
        )
        app = create_app(settings)
        instance: Instance = app.state.instance
        org = organisations.create(instance, name="Rīgas Tehniskā koledža", country="LV")
        spec = specifications.publish(
            instance, org.slug, load_data(SPECS / "university-data-analysis.yaml")
        )
        _, secret = members.invite(instance, org.slug, ADMIN, "administrator", name="Inga")
        members.accept(instance, secret, PASSWORD)
        with running_app(app, port):
            yield MailSite(url, instance, org.slug, spec.id, inbox)
    shutil.rmtree(home, ignore_errors=True)


def _sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_administrator_invites_an_issuer_who_signs_in_and_out(mail_site, browser):
    admin = browser.new_page()
    admin.goto(mail_site.url + "/console/credentials")
    assert "/console/login?next=" in admin.url
    assert_accessible(admin)
    _sign_in(admin, ADMIN, "not the password")
    assert "not right" in admin.locator("#password-error").inner_text()
    _sign_in(admin, ADMIN)
    admin.wait_for_url("**/console/credentials")  # back to the page asked for
    admin.get_by_role("link", name="Members").click()
    admin.get_by_role("button", name="Send the invitation").click()
    assert admin.locator("#email-error").count() == 1 and admin.locator("#role-error").count() == 1
    admin.fill("#email", "ieva@koledza.example.lv")
    admin.select_option("#role", "issuer")
    admin.get_by_role("button", name="Send the invitation").click()
    assert "invitation was sent" in admin.locator(".flash").inner_text()
    assert_accessible(admin)
    link = mail_site.inbox.link("ieva@koledza.example.lv", "/console/invitation/")
    invitee = browser.new_page()
    invitee.goto(link)
    assert_accessible(invitee)
    invitee.get_by_label("Your name").fill("Ieva Kalniņa")
    invitee.get_by_label("Choose a password").fill(PASSWORD)
    invitee.get_by_label("The same password again").fill(PASSWORD)
    invitee.get_by_role("button", name="Set my password").click()
    invitee.wait_for_url("**/console/login")
    _sign_in(invitee, "ieva@koledza.example.lv")
    invitee.get_by_text("Signed in as ieva@koledza.example.lv").wait_for()
    assert invitee.get_by_role("link", name="Members").count() == 0  # an issuer, not an admin
    assert invitee.get_by_role("link", name="Issue", exact=True).count() == 1
    invitee.get_by_role("button", name="Sign out").click()
    invitee.wait_for_url("**/console/login")
    invitee.goto(mail_site.url + "/console/issue")
    assert "/console/login" in invitee.url  # the session is over
    invitee.goto(link)  # the invitation was used
    assert "not valid any more" in invitee.content()
    admin.close()
    invitee.close()


def test_learner_claims_from_the_email_into_a_new_wallet(mail_site, browser):
    issued = credentials.issue(
        mail_site.instance, mail_site.org_slug, mail_site.spec_id,
        IssueRequest(learner_name="Kārlis Liepa", learner_id="karlis@example.lv",
                     issued_on="2026-03-02"),
    )  # fmt: skip
    issuer = browser.new_page()
    issuer.goto(mail_site.url + f"/console/credentials/{issued.id}")
    _sign_in(issuer, ADMIN)
    issuer.wait_for_url(f"**/console/credentials/{issued.id}")
    assert "Data analysis with Python" in issuer.locator("dl.facts").inner_text()
    assert "Not sent yet" in issuer.locator("[data-delivery]").inner_text()
    issuer.get_by_role("button", name="E-mail a claim link").click()
    assert "e-mailed to karlis@example.lv" in issuer.locator(".flash").inner_text()
    assert issuer.locator("[data-delivery]").get_attribute("data-delivery") == "sent"
    assert_accessible(issuer)
    link = mail_site.inbox.link("karlis@example.lv", "/claim/")
    learner = browser.new_page()
    learner.goto(link)
    learner.get_by_text("Valid").first.wait_for()
    assert_accessible(learner)
    with learner.expect_download() as pdf:
        learner.get_by_role("link", name="Download the PDF certificate").click()
    assert open(pdf.value.path(), "rb").read(4) == b"%PDF"
    learner.get_by_role("button", name="Add to my microcred wallet").click()
    learner.wait_for_url("**/wallet/signup?next=**")
    assert_accessible(learner)
    learner.get_by_label("Your name").fill("Kārlis Liepa")
    learner.get_by_label("User name").fill("karlis")
    learner.get_by_label("Choose a password").fill(PASSWORD)
    learner.get_by_label("The same password again").fill(PASSWORD)
    learner.get_by_role("button", name="Create my wallet").click()
    learner.wait_for_url("**/wallet/credentials/*")  # added at once: no second click on Add
    assert "in your wallet" in learner.locator(".flash").inner_text()
    issuer.reload()
    assert issuer.locator("[data-delivery]").get_attribute("data-delivery") == "claimed"
    issuer.close()
    learner.close()


def test_claim_page_on_a_phone(mail_site, phone):
    from microcred.services import delivery

    issued = credentials.issue(
        mail_site.instance, mail_site.org_slug, mail_site.spec_id,
        IssueRequest(learner_name="Līga Ozola", learner_id="liga@example.lv",
                     issued_on="2026-03-03"),
    )  # fmt: skip
    _, secret, _, _ = delivery.create(mail_site.instance, mail_site.org_slug, issued.id)
    for lang in ("en", "lv"):
        phone.goto(f"{mail_site.url}/claim/{secret}?lang={lang}")
        assert_fits(phone)
        assert_accessible(phone)
    assert "Pievienot manam microcred makam" in phone.content()


def test_api_docs_render_offline(mail_site, browser):
    page = browser.new_page()
    outside: list[str] = []

    def only_here(route: Any) -> None:
        if route.request.url.startswith(mail_site.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    page.goto(mail_site.url + "/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
    assert "microcred" in page.locator(".swagger-ui .info .title").inner_text()
    page.goto(mail_site.url + "/redoc")
    page.locator("h1").first.wait_for(timeout=30_000)
    assert "microcred" in page.locator("h1").first.inner_text()
    assert not outside, outside
    page.close()
