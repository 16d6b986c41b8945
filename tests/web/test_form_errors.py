"""Bad input on a form (issue 17, acceptance): the page's own message next to the field, in the
page's language, and what was typed is still there. Chromium's own validation bubble (in the
browser's language, gone on the next click) must not stand in for it."""

from __future__ import annotations

from .conftest import PASSWORD


def test_forgot_password_says_a_mistyped_address_next_to_the_field(site, page):
    page.goto(site.url + "/console/forgot?lang=lv")
    page.fill("#email", "ilze.example.lv")
    page.get_by_role("button", name="Sūtīt man saiti").click()
    assert page.locator("#email-error").inner_text() == "Šī nav e-pasta adrese (vards@piemers.lv)."
    assert page.locator("#email").get_attribute("aria-describedby") == "email-error"
    assert page.locator("#email").input_value() == "ilze.example.lv"


def test_wallet_import_of_a_bad_address_is_answered_by_the_page(site, page):
    site.holder("form-errors")
    page.goto(site.url + "/wallet/login?lang=lv")
    page.fill("#handle", "form-errors")
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(site.url + "/wallet")
    page.goto(site.url + "/wallet/import")
    page.fill("#url", "nav adrese")
    page.locator("form:has(#url) button[type=submit]").click()
    page.locator("#url-error").wait_for()  # a server's answer: the form has novalidate
    assert page.locator("#url-error").inner_text().strip()
    assert page.locator("#url").input_value() == "nav adrese"


def test_wallet_sign_up_names_every_mistake_at_once_and_keeps_what_was_typed(site, page):
    page.goto(site.url + "/wallet/signup?lang=lv")
    page.fill("#name", "Zane Kļaviņa")
    page.fill("#handle", "zane kļaviņa")
    page.fill("#email", "zane.example.lv")
    page.fill("#password", "īsa")
    page.locator("form button[type=submit]").first.click()
    page.locator("#password-error").wait_for()
    assert page.locator("#handle-error").inner_text().startswith("Lietotājvārdā")
    assert page.locator("#email-error").inner_text() == "Šī nav e-pasta adrese (vards@piemers.lv)."
    assert page.locator("#name").input_value() == "Zane Kļaviņa"
    assert page.locator("#handle").input_value() == "zane kļaviņa"
    assert page.locator("#email").input_value() == "zane.example.lv"


def test_an_invitation_names_the_address_and_the_role_at_once(site, page):
    page.goto(site.url + "/console/login?lang=lv")
    page.locator("#token").fill(site.token)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/console")
    page.goto(site.url + "/console/members")
    page.fill("#email", "janis-at-example.lv")
    page.locator("form:has(#email) button[type=submit]").click()
    page.locator("#role-error").wait_for()
    assert page.locator("#email-error").inner_text() == "Šī nav e-pasta adrese (vards@piemers.lv)."
    assert page.locator("#email").input_value() == "janis-at-example.lv"
