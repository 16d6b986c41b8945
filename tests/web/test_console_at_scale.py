"""The console at scale (issue 17, points 6 and 9), in a real browser: revoking and suspending
ask first, naming the learner and the course; the Latvian console's navigation fits at
1280 px with its sign-out visible; the audit log is filtered by clicking."""

from __future__ import annotations

from .conftest import assert_accessible, shot


def _sign_in(page, site, lang: str = "en") -> None:
    page.goto(site.url + f"/console/login?lang={lang}")
    page.locator("#token").fill(site.token)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/console")


def test_revoke_and_suspend_ask_first_in_latvian(site, page):
    issued = site.issue("Ilze Ozola", "ilze.ozola@example.lv")
    _sign_in(page, site, "lv")
    page.goto(site.url + f"/console/credentials/{issued.id}?lang=lv")
    page.locator("#a-suspend").check()
    page.fill("#reason", "pārbaude")
    page.locator("form[action$='/status'] button[type=submit]").click()
    assert page.locator("h1").inner_text() == "Apturēt “Datu analīze ar Python” (Ilze Ozola)?"
    page.get_by_role("button", name="Jā, apturēt").click()
    assert "Apturēts" in page.locator("dl.facts").inner_text()
    page.locator("#a-revoke").check()
    page.fill("#reason", "kļūdaini izsniegts")
    page.locator("form[action$='/status'] button[type=submit]").click()
    confirm = page.locator("section.confirm").inner_text()
    assert page.locator("h1").inner_text() == "Atsaukt “Datu analīze ar Python” (Ilze Ozola)?"
    assert "To nevar atsaukt." in confirm and "kļūdaini izsniegts" in confirm
    assert_accessible(page)
    shot(page, "console-revoke-confirm-desk-lv")
    page.get_by_role("link", name="Atcelt").click()  # cancel: nothing changes
    assert "Atsaukts" not in page.locator("dl.facts").inner_text()
    page.locator("#a-revoke").check()
    page.fill("#reason", "kļūdaini izsniegts")
    page.locator("form[action$='/status'] button[type=submit]").click()
    page.get_by_role("button", name="Jā, atsaukt").click()
    assert "Atsaukts" in page.locator("dl.facts").inner_text()


def test_the_latvian_console_navigation_fits_at_1280(site, page):
    _sign_in(page, site, "lv")
    for path in ("/console", "/console/audit"):
        page.goto(site.url + path + "?lang=lv")
        sign_out = page.locator(".sub .who button")
        box = sign_out.bounding_box()
        assert box is not None and sign_out.is_visible()
        nav = page.locator(".sub nav").bounding_box()
        assert nav is not None
        assert box["x"] >= nav["x"] and box["x"] + box["width"] <= nav["x"] + nav["width"] + 0.5
        assert box["x"] + box["width"] <= 1280
        scroll = page.evaluate("document.querySelector('.sub nav').scrollWidth")
        client = page.evaluate("document.querySelector('.sub nav').clientWidth")
        assert scroll <= client + 1, f"the navigation scrolls: {scroll} > {client}"


def test_the_audit_log_filters_by_clicking(site, page):
    site.issue("Pēteris Kļava", "peteris@example.lv")
    _sign_in(page, site)
    page.goto(site.url + "/console/audit?lang=en")
    page.select_option("#action", "credential.issue")
    page.fill("#q", "Kļava")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "issued “Data analysis with Python” to Pēteris Kļava." in rows.inner_text()
    assert_accessible(page)
    shot(page, "console-audit-filtered-desk-en")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert "Pēteris Kļava" in text and text.count("\n") == 2
