"""The wallet's share sheet, public page, documents and hygiene, clicked in Chromium: the
copy field and button, QR downloads (the very bytes of the link's code), the e-mail and
LinkedIn links, the public portfolio page switched on and off, PDFs that create nothing, a
credential naming someone else, removing one (its share link ends), and the claim page
adding the credential right after sign-in, with ``next=`` kept and never leaving the site."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from sqlalchemy import func, select

from microcred.documents.qr import qr_png, qr_svg
from microcred.services import delivery
from microcred.store.db import transaction
from microcred.store.tables import Base
from microcred.web.core import safe_next

from .conftest import PASSWORD, assert_accessible, shot


def _sign_in(page, site, handle: str, password: str = PASSWORD) -> None:
    page.get_by_label("User name").fill(handle)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _rows(instance) -> dict[str, int]:
    """Rows of every table but the browser sessions (a page view may refresh its own)."""
    with transaction(instance.sessions) as session:
        return {
            t.name: int(session.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
            if t.name != "web_sessions"
        }


def test_share_sheet_public_page_pdfs_warning_and_removal(site, page, tmp_path):
    handle = "sheet-anna"
    site.holder(handle, "Anna Bērziņa")
    for day in ("2025-11-03", "2026-02-09"):  # the same course twice
        site.give(handle, site.issue("Anna Berzina", "anna-s@example.lv", day=day))
    page.goto(site.url + "/wallet/login")
    _sign_in(page, site, handle)
    page.wait_for_url(site.url + "/wallet")
    assert page.locator("[data-duplicates]").get_attribute("data-duplicates") == "1"
    assert "5" in page.locator(".stats .stat").first.inner_text()  # 5 ECTS, not 10

    # Someone else's credential: said on import and on its page.
    other = site.issue("Jānis Zariņš", "janis@example.lv", day="2026-03-01").credential()
    path = tmp_path / "janis.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    page.get_by_role("link", name="Import").click()
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    assert "names Jānis Zariņš, not you" in page.locator(".flash").inner_text()
    warning = page.locator(".warning-box[role=alert]")
    assert "Jānis Zariņš" in warning.inner_text() and "Anna Bērziņa" in warning.inner_text()
    foreign_page = page.url

    # Downloads create nothing: no share link, no row anywhere.
    before = _rows(site.instance)
    with page.expect_download() as certificate:
        page.get_by_role("link", name="Download the PDF certificate").click()
    assert open(certificate.value.path(), "rb").read(5) == b"%PDF-"
    page.get_by_role("link", name="Portfolio").first.click()
    with page.expect_download() as portfolio:
        page.get_by_role("link", name="Download the portfolio PDF").click()
    assert open(portfolio.value.path(), "rb").read(5) == b"%PDF-"
    assert _rows(site.instance) == before

    # A share link of the foreign credential, with its share sheet.
    page.goto(foreign_page)
    page.get_by_role("button", name="Create a share link").click()
    field = page.locator("#share-url")
    url = field.input_value()
    assert url.startswith(site.url + "/s/") and field.get_attribute("readonly") is not None
    assert_accessible(page)
    page.get_by_role("button", name="Copy the link").click()
    page.get_by_text("The link is copied.").wait_for()
    shot(page, "wallet-share-sheet")
    with page.expect_download() as png:
        page.get_by_role("link", name="Download the QR code (PNG)").click()
    assert open(png.value.path(), "rb").read() == qr_png(url, scale=8)
    with page.expect_download() as svg:
        page.get_by_role("link", name="Download the QR code (SVG)").click()
    svg_text = open(svg.value.path(), encoding="utf-8").read()
    assert svg_text == qr_svg(url, title="QR code of the link")
    mail = urlsplit(page.get_by_role("link", name="Send by e-mail").get_attribute("href"))
    assert mail.scheme == "mailto" and quote(url, safe="") in mail.query
    assert parse_qs(mail.query)["subject"] == ["My micro-credentials, verified"]
    linkedin = page.get_by_role("link", name="Add to your LinkedIn profile").get_attribute("href")
    assert parse_qs(urlsplit(linkedin).query)["certUrl"] == [url]
    assert httpx.get(url).status_code == 200

    # The public page: off until switched on, shows the chosen credential, off at once.
    page.goto(site.url + "/wallet/public")
    assert_accessible(page)
    for box in page.locator("input[name=credential]").all():
        box.uncheck()
    page.get_by_role("button", name="Switch the page on").click()
    assert page.locator("#credential-error").count() == 1  # none chosen: said at the field
    page.locator("input[name=credential]").first.check()
    page.get_by_role("button", name="Switch the page on").click()
    public_url = page.locator("#public-url").input_value()
    assert public_url.startswith(site.url + "/p/") and len(public_url.rsplit("/", 1)[1]) >= 43
    page.goto(site.url + "/wallet/public?lang=lv")
    lv_mail = page.locator("a[href^='mailto:']").get_attribute("href")
    assert parse_qs(urlsplit(lv_mail).query)["subject"] == [
        "Manas mikrokvalifikācijas, pārbaudītas"
    ]
    page.goto(site.url + "/wallet/public?lang=en")
    visitor = page.context.browser.new_page()
    visitor.goto(public_url)
    assert "Micro-credentials of Anna Bērziņa" in visitor.locator("h1").inner_text()
    assert visitor.locator("article.report").count() == 1
    assert "Valid" in visitor.locator("article.report .verdict").inner_text()
    assert_accessible(visitor)
    shot(visitor, "public-portfolio-page")
    visitor.close()
    page.get_by_role("button", name="Switch the page off").click()
    assert "no longer opens" in page.locator(".flash").inner_text()
    assert httpx.get(public_url).status_code == 410

    # Remove the foreign credential: a confirmation, then its only share link ends.
    page.goto(foreign_page)
    page.get_by_role("link", name="Remove from your wallet").click()
    assert "1 share link shows only this credential" in page.locator("main").inner_text()
    assert_accessible(page)
    shot(page, "wallet-remove-confirm")
    page.get_by_role("link", name="Keep it").click()
    assert page.url == foreign_page
    page.get_by_role("link", name="Remove from your wallet").click()
    page.get_by_role("button", name="Remove it").click()
    page.wait_for_url(site.url + "/wallet")
    assert "1 share link that showed only it was revoked" in page.locator(".flash").inner_text()
    assert page.locator(".items .item").count() == 2
    assert httpx.get(url).status_code == 404
    assert httpx.get(foreign_page, cookies={}).status_code in (200, 303)  # no 500, signed out


def test_claim_adds_after_sign_in_and_next_stays_on_the_site(site, browser):
    site.holder("claim-anna", "Anna Bērziņa")
    issued = site.issue("Anna Bērziņa", "anna-c@example.lv")
    _, secret, _, _ = delivery.create(site.instance, site.org_slug, issued.id)
    page = browser.new_page()
    page.goto(f"{site.url}/claim/{secret}")
    page.get_by_role("link", name="Sign in first").click()
    assert "Then the credential from your claim link is added" in page.locator("main").inner_text()
    _sign_in(page, site, "claim-anna", "not the password")
    assert "is not right" in page.locator("#password-error").inner_text()
    assert page.locator("input[name=next]").input_value() == f"/claim/{secret}"  # kept
    _sign_in(page, site, "claim-anna")
    page.wait_for_url("**/wallet/credentials/*")  # added: no second click on Add
    assert "in your wallet" in page.locator(".flash").inner_text()
    page.goto(f"{site.url}/claim/{secret}")
    assert "It is in your wallet." in page.locator("main").inner_text()
    page.close()

    evil = browser.new_page()
    evil.goto(site.url + "/wallet/login?next=https://evil.example/x")
    assert evil.locator("input[name=next]").input_value() == ""
    _sign_in(evil, site, "claim-anna", "not the password")
    assert evil.locator("input[name=next]").input_value() == ""
    _sign_in(evil, site, "claim-anna")
    evil.wait_for_url(site.url + "/wallet")
    evil.close()
    for bad in ("https://evil.example", "//evil.example", "/\\evil.example", "/\t/evil.example"):
        assert safe_next(bad, "/wallet") == "/wallet", bad
    assert safe_next("/claim/abc?x=1", "/wallet") == "/claim/abc?x=1"
