"""OpenID4VP end to end in two browsers (issue 16, points 2 to 4): an employer composes a
request in the console (QR code and link), the learner opens the link in the microcred web
wallet, which checks the signed request and the verifier's certificate, shares her SD-JWT
VC (family name and title disclosed, grade withheld) and her Open Badge, and the employer's
page (it polls) shows both verified with the disclosed claims, in English and Latvian. Also:
bad form input is refused next to the field with nothing lost, Refuse is one click and the
employer sees it, and the same-device redirect carries a response code the employer's page
checks (HAIP 1.0 §5.1).

Its own instance (module scope): the wallet fetches the request from its own server on
loopback, which the shared ``site`` does not allow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from microcred.api import create_app
from microcred.model.files import load_data
from microcred.services import (
    certificates,
    credentials,
    holders,
    organisations,
    presentation_requests,
    specifications,
    tokens,
    wallet,
)
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.services.openid4vci import offers
from microcred.services.presentation_requests.compose import compose
from microcred.services.wallet.openid4vci_receive import receive
from microcred.web import mount
from tests.live_server import own_wallet_settings, running_app

from .conftest import PASSWORD, SPECS, _free_port, assert_accessible, assert_fits, wallet_sign_in

WAIT = 15_000  # ms: the console polls every 3 s


@dataclass
class World:
    url: str
    instance: Instance
    org: str
    token: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("oid4vp-web")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = own_wallet_settings(home, port, "oid4vp-web-test")
    app = create_app(settings)
    if not any(getattr(route, "path", "") == "/wallet" for route in app.routes):
        mount(app)
    instance: Instance = app.state.instance
    org = organisations.create(instance, name="Datu Darbnīca SIA", country="LV")
    _, token = tokens.create(instance, org.slug, "console", ["issue", "read", "admin"])
    spec = specifications.publish(
        instance, org.slug, load_data(SPECS / "university-data-analysis.yaml")
    )
    certificates.make_test_chain(instance, org.slug)
    with running_app(app, port, what="the instance"):
        issued = credentials.issue(
            instance,
            org.slug,
            spec.id,
            IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade="9"),
        )
        holders.create(instance, name="Anna Bērziņa", handle="anna", password=PASSWORD)
        offer = offers.create(instance, org.slug, issued.id, pre_authorized=True)
        receive(instance, "anna", offer.offer)  # her SD-JWT VC, bound to a key of her wallet
        wallet.import_bytes(instance, "anna", issued.document.encode(), filename="badge.json")
        yield World(url, instance, org.slug, token)
    instance.close()


def _context(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")


def _employer(browser: Any, world: World, lang: str = "en") -> Any:
    page = _context(browser).new_page()
    page.goto(f"{world.url}/?lang={lang}")
    page.goto(world.url + "/console/login")
    page.locator("#token").fill(world.token)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(world.url + "/console**")
    return page


def _learner(browser: Any, world: World, lang: str = "en") -> Any:
    page = _context(browser).new_page()
    page.goto(f"{world.url}/?lang={lang}")
    wallet_sign_in(page, world.url, "anna")
    return page


SKILL = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"


def _compose(page: Any, world: World, *, issuer: str = "", skill: str = "") -> str:
    """The console form: both kinds, the default claims; the request's link."""
    page.goto(world.url + "/console/requests")
    page.locator("#k-ob").check()
    page.locator("#issuer").fill(issuer)
    page.locator("#skill").fill(skill)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(re.compile(r".*/console/requests/[0-9a-f-]{36}$"))
    assert page.locator("figure.qr svg").count() == 1
    link = page.locator("#request-link-text").inner_text().strip()
    assert link.startswith("openid4vp://?client_id=x509_hash%3A")
    return str(link)


@pytest.mark.parametrize("lang", ["en", "lv"])
def test_the_employer_asks_and_sees_both_credentials_verified(browser, world, lang):
    employer = _employer(browser, world, lang)
    learner = _learner(browser, world, lang)
    try:
        # in Latvian, also by issuer and skill (one of the specification's ESCO skills)
        by = {"issuer": "Datu Darbnīca SIA", "skill": SKILL} if lang == "lv" else {}
        link = _compose(employer, world, **by)
        assert employer.locator("#request-status").get_attribute("data-status") == "pending"
        assert_accessible(employer)
        learner.goto(world.url + "/wallet/present")
        learner.locator("#link").fill(link)
        learner.locator("form[action='/wallet/present'] button[type=submit]").click()
        verifier = learner.locator("#present-verifier")
        assert verifier.get_attribute("data-verified") == "yes"
        assert "Datu Darbnīca SIA" in verifier.inner_text()
        sd = learner.locator("[data-query=micro_credential] li.choice")
        badge = learner.locator("[data-query=open_badge] li.choice")
        assert sd.count() == 1 and badge.count() == 1
        assert sd.locator("input[name=credential]").is_checked()
        disclosed = {
            e.get_attribute("data-claim") for e in sd.locator(".disclosed").element_handles()
        }
        assert {"family_name", "achievement_title"} <= disclosed
        assert "assessment_grade" not in disclosed
        grade = sd.locator("input[name=disclose][data-claim=assessment_grade]")
        assert grade.count() == 1 and not grade.is_checked()  # offered, left withheld
        badge.locator("input[name=credential]").check()
        assert_fits(learner)
        assert_accessible(learner)
        learner.set_viewport_size({"width": 390, "height": 844})  # and on a phone
        assert_fits(learner)
        learner.locator("#present-share").click()
        done = learner.locator("#present-done")
        assert done.get_attribute("data-accepted") == "yes", done.inner_text()
        assert_accessible(learner)
        # the employer's page polls and shows both, verified, with what was disclosed
        employer.locator("#request-status[data-status=answered]").wait_for(timeout=WAIT)
        answers = employer.locator("section.answer")
        assert answers.count() == 2
        assert employer.locator("section.answer article.report.valid").count() == 2
        sd_answer = employer.locator("section.answer[data-query=micro_credential]")
        text = sd_answer.locator("dl.elements").inner_text()
        assert "Bērziņa" in text and "Anna" in text
        assert "Data analysis" in text
        grade_label = "Grade" if lang == "en" else "Vērtējums"
        assert grade_label not in text
        assert "9" not in text.split()
        assert_fits(employer)
        assert_accessible(employer)
        employer.set_viewport_size({"width": 390, "height": 844})
        assert_fits(employer)
    finally:
        employer.context.close()
        learner.context.close()


def test_bad_form_input_is_refused_next_to_the_field_and_nothing_is_lost(browser, world):
    employer = _employer(browser, world)
    try:
        employer.goto(world.url + "/console/requests")
        employer.locator("#k-ob").check()
        employer.locator("#c-credit_points").check()
        employer.locator("#min_ects").fill("a lot")
        employer.locator("#skill").fill("programming")
        employer.locator("form button[type=submit].primary").click()
        error = employer.locator("#min_ects-error")
        assert "0 to 60" in error.inner_text()
        assert employer.locator("#min_ects").get_attribute("aria-invalid") == "true"
        assert employer.locator("#min_ects").input_value() == "a lot"
        assert employer.locator("#skill").input_value() == "programming"
        employer.locator("#min_ects").fill("")
        employer.locator("form button[type=submit].primary").click()
        assert "data.europa.eu/esco/skill" in employer.locator("#skill-error").inner_text()
        employer.locator("#skill").fill("")
        assert employer.locator("#k-ob").is_checked() and employer.locator("#k-sd").is_checked()
        assert employer.locator("#c-credit_points").is_checked()
        assert employer.locator("#c-family_name").is_checked()
        employer.locator("#min_ects").fill("")
        employer.locator("#min_eqf").fill("9")
        employer.locator("form button[type=submit].primary").click()
        assert "1 to 8" in employer.locator("#min_eqf-error").inner_text()
        employer.locator("#k-sd").uncheck()
        employer.locator("#min_eqf").fill("")
        employer.locator("form button[type=submit].primary").click()
        assert employer.locator("#kinds-error").count() == 1
        employer.locator("#k-sd").check()
        employer.locator("#keep_days").fill("365")
        employer.locator("form button[type=submit].primary").click()
        assert "1 to 90" in employer.locator("#keep_days-error").inner_text()
        assert_accessible(employer)
    finally:
        employer.context.close()


def test_the_learner_refuses_in_one_click_and_the_employer_sees_it(browser, world):
    employer = _employer(browser, world)
    learner = _context(browser).new_page()
    try:
        link = _compose(employer, world)
        # the same device: the link's parameters on the wallet's own address; signing in
        # first comes back to it
        wallet_link = employer.locator("#request-wallet-link").get_attribute("href")
        assert wallet_link == "/wallet/present?" + link.split("?", 1)[1]
        learner.goto(world.url + wallet_link)
        learner.locator("#handle").fill("anna")
        learner.locator("#password").fill(PASSWORD)
        learner.locator("form button[type=submit]").first.click()
        learner.wait_for_url(world.url + wallet_link)
        assert learner.locator("#present-verifier").get_attribute("data-verified") == "yes"
        learner.locator("#present-refuse").click()
        done = learner.locator("#present-done")
        assert done.get_attribute("data-refused") == "yes"
        assert done.get_attribute("data-accepted") == "yes"
        employer.locator("#request-status[data-status=refused]").wait_for(timeout=WAIT)
        assert "Refused by the learner" in employer.locator("#request-status").inner_text()
    finally:
        employer.context.close()
        learner.context.close()


def test_a_request_that_cannot_be_checked_sends_nothing(browser, world):
    learner = _learner(browser, world)
    try:
        learner.goto(world.url + "/wallet/present")
        learner.locator("#link").fill("openid4vp://?client_id=x509_hash%3Aabc&request_uri=nope")
        learner.locator("form[action='/wallet/present'] button[type=submit]").click()
        assert "could not be checked" in learner.locator("#link-error").inner_text()
        assert learner.locator("#present-share").count() == 0
        # choosing nothing to share: said next to the choices, the request still open
        query = compose(world.url, ["sd_jwt_vc"], ["achievement_title"]).dcql
        created = presentation_requests.create(world.instance, world.org, query)
        learner.goto(world.url + "/wallet/present?link=" + _quote(created.link))
        learner.locator("input[name=credential]").first.uncheck()
        learner.locator("#present-share").click()
        assert "at least one" in learner.locator("#credential-error").inner_text()
        view = presentation_requests.get(world.instance, world.org, created.id)
        assert view.status == "pending"
        # an unsigned request (client id redirect_uri): who asks cannot be checked, and the
        # page says so, with the name it gives itself and where the answer would go
        unsigned = presentation_requests.create(
            world.instance, world.org, query, client_id_prefix="redirect_uri"
        )
        learner.goto(world.url + "/wallet/present?link=" + _quote(unsigned.link))
        who = learner.locator("#present-verifier")
        assert who.get_attribute("data-verified") == "no"
        assert "Could not check" in who.inner_text() and "Datu Darbnīca SIA" in who.inner_text()
        assert "127.0.0.1" in learner.locator("section[aria-labelledby=who]").inner_text()
    finally:
        learner.context.close()


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def test_same_device_the_answer_shows_once_the_response_code_comes_back(browser, world):
    """HAIP 1.0 §5.1: a same-device request's answer is shown on the employer's page only
    once the wallet's redirect brought its one-time response code back. (A wallet app would
    share the device with the employer's browser; the web wallet here is another browser
    context, so the test follows the wallet's "Continue" link in the employer's.)"""
    employer = _employer(browser, world)
    learner = _learner(browser, world)
    try:
        employer.goto(world.url + "/console/requests")
        employer.locator("#same_device").check()
        employer.locator("#keep_days").fill("2")
        employer.locator("form button[type=submit].primary").click()
        employer.wait_for_url(re.compile(r".*/console/requests/[0-9a-f-]{36}$"))
        request_url = employer.url
        link = employer.locator("#request-link-text").inner_text().strip()
        learner.goto(world.url + "/wallet/present?link=" + _quote(link))
        learner.locator("#present-share").click()
        back = learner.locator("#present-continue").get_attribute("href") or ""
        assert back.startswith(world.url + "/console/requests/returned#response_code=")
        # answered, but withheld until the code comes back
        employer.locator("#request-status[data-status=answered]").wait_for(timeout=WAIT)
        assert employer.locator("#request-withheld").count() == 1
        assert employer.locator("section.answer").count() == 0
        # a wrong code is refused next to the field
        employer.goto(world.url + "/console/requests/returned#response_code=not-the-code")
        assert "not valid" in employer.locator("#response_code-error").inner_text()
        assert_accessible(employer)
        employer.goto(back)  # the script posts the code from the fragment
        employer.wait_for_url(request_url)
        assert "response code is checked" in employer.locator(".flash").inner_text()
        assert employer.locator("section.answer article.report.valid").count() == 1
        # used once: the same code again is refused
        employer.goto(back)
        assert employer.locator("#response_code-error").count() == 1
        view = presentation_requests.get(world.instance, world.org, request_url.rsplit("/", 1)[1])
        assert (view.delete_after - view.expires_at).days == 2  # kept as long as asked
    finally:
        employer.context.close()
        learner.context.close()
