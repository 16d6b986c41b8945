"""The wallet, as a learner uses it: sign in, import, portfolio, detail and PDF, share links."""

from __future__ import annotations

import json

import httpx

from .conftest import PASSWORD, assert_accessible, assert_fits, shot


def _sign_in(page, site, handle: str, password: str = PASSWORD) -> None:
    page.goto(site.url + "/wallet")
    assert "/wallet/login" in page.url
    page.get_by_label("User name").fill(handle)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_rejects_a_wrong_password_next_to_the_field(site, page):
    site.holder("wrong-pass", "Ilze Ozola")
    page.goto(site.url + "/wallet/login")
    assert_accessible(page)
    page.get_by_role("button", name="Sign in").click()
    assert "Enter your user name." in page.locator("#handle-error").inner_text()
    _sign_in(page, site, "wrong-pass", "not the password")
    assert "is not right" in page.locator("#password-error").inner_text()
    assert page.locator("#password").get_attribute("aria-invalid") == "true"


def test_portfolio_import_detail_pdf_and_sharing(site, page, tmp_path):
    site.holder("anna-wallet", "Anna Bērziņa")
    for day in ("2025-10-01", "2026-01-15"):
        site.give("anna-wallet", site.issue("Anna Bērziņa", "anna-w@example.lv", day=day))
    _sign_in(page, site, "anna-wallet")
    assert page.url.endswith("/wallet")
    # Import by upload, then by pasting: verified on import.
    third = site.issue("Anna Bērziņa", "anna-w@example.lv", day="2026-04-20").credential()
    path = tmp_path / "third.json"
    path.write_text(json.dumps(third), encoding="utf-8")
    page.get_by_role("link", name="Import").click()
    assert_accessible(page)
    page.get_by_role("button", name="Import", exact=True).click()
    assert "Choose a file" in page.locator("#text-error").inner_text()
    page.fill("#text", "this is not a credential")
    page.get_by_role("button", name="Import", exact=True).click()
    assert page.locator("#text-error").count() == 1
    page.fill("#text", "")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    assert "Imported: Data analysis with Python" in page.locator(".flash").inner_text()
    assert "Valid" in page.locator("article.report .verdict").inner_text()
    # The portfolio: totals, charts (server-rendered SVG) and filters.
    page.get_by_role("link", name="Portfolio").first.click()
    stats = page.locator(".stats").inner_text()
    assert "5" in stats and "ECTS" in stats  # one course, three credentials: counted once
    assert page.locator("[data-duplicates]").get_attribute("data-duplicates") == "2"
    assert page.locator("svg[role=img]").count() == 2
    assert page.locator(".items .item").count() == 3
    assert_accessible(page)
    shot(page, "wallet-portfolio")
    page.fill("#eqf", "12")
    page.get_by_role("button", name="Apply").click()
    page.locator("#eqf-error").wait_for()
    assert "from 1 to 8" in page.locator("#eqf-error").inner_text()
    page.goto(site.url + "/wallet?from=2026-01-01")
    assert page.locator(".items .item").count() == 2
    # Detail and PDF certificate.
    page.locator(".items .item a").first.click()
    assert page.locator("article.report").count() == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF certificate").click()
    pdf = download.value.path()
    assert open(pdf, "rb").read(5) == b"%PDF-"
    # Share: the link and its QR code, then it opens on the verify page, then revoke it.
    page.get_by_role("button", name="Create a share link").click()
    url = page.locator("#share-url").input_value().strip()
    assert url.startswith(site.url + "/s/")
    assert page.locator(".qr img").count() == 1
    assert_accessible(page)
    shot(page, "wallet-share-link")
    assert httpx.get(url, headers={"Accept": "application/json"}).status_code == 200
    page.get_by_role("button", name="Revoke").first.click()
    assert "revoked" in page.locator(".flash").inner_text()
    assert httpx.get(url, headers={"Accept": "application/json"}).status_code == 404


def test_wallet_on_a_phone(site, phone):
    site.holder("phone-wallet", "Jānis Zariņš")
    site.give("phone-wallet", site.issue("Jānis Zariņš", "janis-p@example.lv"))
    _sign_in(phone, site, "phone-wallet")
    assert_fits(phone)
    assert_accessible(phone)
    shot(phone, "wallet-portfolio-phone")
    with phone.expect_navigation():
        phone.locator(".items .item a").first.click()
    assert_fits(phone)


def test_someone_elses_credential_is_not_found(site, page):
    site.holder("owner-a", "A")
    item = site.give("owner-a", site.issue("A Person", "a@example.lv"))
    site.holder("owner-b", "B")
    _sign_in(page, site, "owner-b")
    response = page.goto(site.url + f"/wallet/credentials/{item.id}")
    assert response.status == 404
    response = page.goto(site.url + f"/wallet/credentials/{item.id}/certificate.pdf")
    assert response.status == 404
