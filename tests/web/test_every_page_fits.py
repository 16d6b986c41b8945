"""Every page of each role, in English and Latvian, on a desktop (1280 px) and a phone
(390 px): no page is wider than the viewport and axe-core finds no serious or critical
violation (issue 17, points 6, 7 and the acceptance)."""

from __future__ import annotations

import pytest

from microcred.services import sharing

from .conftest import PASSWORD, assert_accessible, assert_fits

PUBLIC = (
    "/",
    "/wallet/login",
    "/wallet/signup",
    "/console/login",
    "/console/forgot",
    "/authority/login",
)
WALLET = (
    "/wallet",
    "/wallet/import",
    "/wallet/receive",
    "/wallet/shares",
    "/wallet/pathways",
    "/wallet/password",
)
CONSOLE = (
    "/console",
    "/console/specs",
    "/console/issue",
    "/console/bulk",
    "/console/credentials",
    "/console/tokens",
    "/console/members",
    "/console/audit",
)


@pytest.fixture(scope="module")
def filled(site):
    """A learner with credentials and share links, so the tables have rows."""
    handle = "every-page"
    site.holder(handle, "Ilze Bērziņa-Ozoliņa")
    items = [
        site.give(handle, site.issue("Ilze Bērziņa-Ozoliņa", "ilze@example.lv", day=day))
        for day in ("2025-10-01", "2026-01-15")
    ]
    share = sharing.create_share(site.instance, handle, [i.id for i in items])
    return handle, "/s/" + share.url.rsplit("/s/", 1)[1]


def _wallet_sign_in(page, site, handle: str) -> None:
    page.goto(site.url + "/wallet/login")
    page.locator("#handle").fill(handle)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(site.url + "/wallet**")


def _console_sign_in(page, site) -> None:
    page.goto(site.url + "/console/login")
    page.locator("#token").fill(site.token)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(site.url + "/console**")


def _check(page, url: str) -> None:
    page.goto(url)
    assert page.locator("html").get_attribute("lang") in ("en", "lv"), url
    assert_fits(page)
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["en", "lv"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_page_fits_and_is_accessible(site, filled, browser, lang, device):
    viewport = (
        {"width": 1280, "height": 900} if device == "desktop" else {"width": 390, "height": 844}
    )
    context = browser.new_context(viewport=viewport, is_mobile=device == "phone", locale="en-GB")
    page = context.new_page()
    handle, share_path = filled
    try:
        page.goto(f"{site.url}/?lang={lang}")  # the language cookie, for every page after
        for path in (*PUBLIC, share_path):
            _check(page, site.url + path)
        _wallet_sign_in(page, site, handle)
        for path in WALLET:
            _check(page, site.url + path)
        _console_sign_in(page, site)
        for path in CONSOLE:
            _check(page, site.url + path)
    finally:
        context.close()
