"""Phones, 390 px (issue 17, point 7), in a real mobile Chromium context: nothing scrolls the page
sideways, tables become cards, Sign out is on screen in the wallet and the console, the verdict
comes into view after Verify.

A mobile context widens ``window.innerWidth`` to the widest content, so "fits" is measured
against the viewport the context was opened with (``assert_fits``); the first test keeps that
measure honest."""

from __future__ import annotations

import json

import pytest

from microcred.services import sharing

from .conftest import PASSWORD, assert_accessible, assert_fits

WIDTH = 390


def test_assert_fits_sees_a_page_wider_than_a_phone(phone):
    phone.set_content(
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<div style="width: 500px">wide</div>'  # and the body's 8 px margin: 508
    )
    with pytest.raises(AssertionError, match="508px wide in a 390px viewport"):
        assert_fits(phone)


def _on_screen(page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and page.locator(selector).first.is_visible(), selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 0.5, (selector, box)


def test_wallet_shares_are_cards_and_sign_out_is_on_screen_in_latvian(site, phone):
    handle = "phone-layout"
    site.holder(handle, "Kristīne Vītoliņa-Bērziņa")
    item = site.give(handle, site.issue("Kristīne Vītoliņa-Bērziņa", "kristine@example.lv"))
    sharing.create_share(site.instance, handle, [item.id])
    phone.goto(site.url + "/wallet/login?lang=lv")
    phone.locator("#handle").fill(handle)
    phone.locator("#password").fill(PASSWORD)
    phone.locator("form button[type=submit]").first.click()
    phone.wait_for_url(site.url + "/wallet")
    _on_screen(phone, ".sub .who button")  # "Iziet"
    phone.goto(site.url + "/wallet/shares")
    assert_fits(phone)  # was 490 px: a hidden column heading escaped the table's scroller
    _on_screen(phone, "tbody tr button")  # "Atsaukt" in the share's card
    labels = phone.locator("tbody tr td[data-label]")
    assert labels.count() == 5
    assert phone.locator("thead").bounding_box()["height"] <= 1  # headings live in the cards
    _on_screen(phone, ".sub .who button")


def test_console_pages_fit_and_sign_out_is_on_screen(site, phone):
    issued = site.issue("Jānis Ozoliņš-Kalniņš", "janis.ozolins@example.lv")
    phone.goto(site.url + "/console/login?lang=lv")
    phone.locator("#token").fill(site.token)
    phone.locator("form button[type=submit]").first.click()
    phone.wait_for_url("**/console")
    for path in ("/console", f"/console/credentials/{issued.id}", "/console/members"):
        phone.goto(site.url + path)
        assert_fits(phone)
        _on_screen(phone, ".sub .who button")
    phone.goto(site.url + "/console/tokens")
    assert_fits(phone)
    _on_screen(phone, "tbody tr button")  # the token's Revoke, in its card


def test_the_verdict_comes_into_view_after_verify(site, phone):
    document = site.issue("Anna Bērziņa", "anna@example.lv").credential()
    phone.goto(site.url + "/?lang=lv")
    phone.fill("#text", document if isinstance(document, str) else json.dumps(document))
    phone.locator("form.verify-form button[type=submit]").click()
    verdict = phone.locator("article.report")
    verdict.wait_for()
    phone.wait_for_function("document.activeElement.id === 'result'")
    box = verdict.bounding_box()
    assert box is not None and 0 <= box["y"] < 844 / 2, box  # its top in the upper half
    assert "Derīgs" in verdict.inner_text()


@pytest.mark.parametrize("lang", ["en", "lv"])
@pytest.mark.parametrize("width", [1280, WIDTH])
def test_a_credential_s_page_fits_in_the_wallet_and_the_console(site, browser, lang, width):
    """Two pages test_every_page_fits does not open: the wallet's and the console's page of one
    credential (they were 466 px wide on a phone), in both languages, with axe-core."""
    handle = f"credential-page-{lang}-{width}"
    site.holder(handle, "Kristīne Vītoliņa-Bērziņa")
    issued = site.issue("Kristīne Vītoliņa-Bērziņa", f"{handle}@example.lv")
    item = site.give(handle, issued)
    context = browser.new_context(
        viewport={"width": width, "height": 900}, is_mobile=width == WIDTH, locale="en-GB"
    )
    page = context.new_page()
    try:
        page.goto(site.url + f"/wallet/login?lang={lang}")
        page.locator("#handle").fill(handle)
        page.locator("#password").fill(PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(site.url + "/wallet")
        page.goto(site.url + f"/wallet/credentials/{item.id}")
        assert_fits(page)
        assert_accessible(page)
        page.goto(site.url + "/console/login")
        page.locator("#token").fill(site.token)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url("**/console")
        page.goto(site.url + f"/console/credentials/{issued.id}")
        assert_fits(page)
        assert_accessible(page)
    finally:
        context.close()


def test_charts_stay_readable_on_a_phone(site, phone):
    """A chart's labels are at least 9 px high at 390 px (they were 5 px: the SVG shrank to the
    screen); the chart scrolls inside its own focusable region, the page does not."""
    from .conftest import console_sign_in, wallet_sign_in

    handle = "phone-charts"
    site.holder(handle, "Rūta Kalniņa")
    site.give(handle, site.issue("Rūta Kalniņa", "ruta@example.lv"))
    console_sign_in(phone, site, "lv")
    phone.goto(site.url + "/console")
    _readable_charts(phone)
    wallet_sign_in(phone, site.url, handle)  # the wallet's portfolio has two charts
    _readable_charts(phone)


def _readable_charts(page) -> None:
    labels = page.locator(".chart svg text")
    assert labels.count() > 3
    heights = [labels.nth(i).bounding_box()["height"] for i in range(labels.count())]
    assert min(heights) >= 9, heights
    assert page.locator(".chart-scroll[tabindex='0'][role=region]").count() >= 1
    assert_fits(page)
    assert_accessible(page)
