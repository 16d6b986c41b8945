"""The public verify page, driven as a person would: upload, paste, share link, QR photo."""

from __future__ import annotations

import json

from microcred.documents.qr import qr_png
from microcred.services import credentials, sharing

from .conftest import assert_accessible, assert_fits, shot


def _json(view) -> str:
    document = view.credential()
    return document if isinstance(document, str) else json.dumps(document, indent=2)


def test_upload_a_valid_credential(site, page, tmp_path):
    view = site.issue("Anna Bērziņa", "anna@example.lv")
    path = tmp_path / "credential.json"
    path.write_text(_json(view), encoding="utf-8")
    page.goto(site.url + "/")
    assert page.title().startswith("Verify a micro-credential")
    assert_accessible(page)
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Verify", exact=True).click()
    report = page.locator("article.report")
    report.wait_for()
    text = report.inner_text()
    assert "Valid: this credential is genuine and in force" in text
    assert "Data analysis with Python" in text
    assert "Latvijas Universitāte" in text and "Latvia" in text and "Trusted" in text
    assert "Anna Bērziņa" in text and "anna@example.lv" in text
    for element in (
        "5 ECTS credits",
        "EQF level",
        "Written examination",
        "Blended",
        "Institutional quality assurance",
        "Learning outcomes",
    ):
        assert element in text, element
    assert page.locator("li.check .mark.red").count() == 0
    assert page.locator("li[data-check=proof] .mark.green").count() == 1
    assert_accessible(page)
    shot(page, "verify-valid")


def test_paste_a_revoked_credential(site, page):
    view = site.issue("Jānis Zariņš", "janis@example.lv")
    credentials.revoke(site.instance, view.id, reason="issued in error")
    page.goto(site.url + "/")
    page.fill("#text", _json(view))
    page.get_by_role("button", name="Verify", exact=True).click()
    page.locator("article.report").wait_for()
    text = page.locator("article.report").inner_text()
    assert "Revoked by its issuer" in text
    assert "This credential was revoked by its issuer on" in text
    assert page.locator("li[data-check=status] .mark.red").count() == 1
    assert page.locator("li[data-check=proof] .mark.green").count() == 1
    shot(page, "verify-revoked")


def test_paste_a_tampered_credential(site, page):
    view = site.issue("Līga Krūmiņa", "liga@example.lv")
    document = view.credential()
    assert isinstance(document, dict)
    document["credentialSubject"]["name"] = "Someone Else"
    page.goto(site.url + "/")
    page.fill("#text", json.dumps(document, indent=2))
    page.get_by_role("button", name="Verify", exact=True).click()
    page.locator("article.report").wait_for()
    text = page.locator("article.report").inner_text()
    assert "Not valid: do not rely on this credential" in text
    assert "changed after it was signed" in text
    assert page.locator("li[data-check=proof] .mark.red").count() == 1
    assert_accessible(page)
    shot(page, "verify-tampered")


def test_bad_input_gets_a_message_next_to_the_field(site, page):
    page.goto(site.url + "/")
    page.get_by_role("button", name="Verify", exact=True).click()
    page.locator(".field-error").first.wait_for()
    assert "Choose a file, paste a credential" in page.locator(".field-error").first.inner_text()
    for junk in ("hello", "{", "[1, 2]", '{"@context": 5}', "a.b.c", "\u0000" * 10):
        page.fill("#text", junk)
        page.get_by_role("button", name="Verify", exact=True).click()
        page.wait_for_load_state("networkidle")
        assert page.locator("text=Internal Server Error").count() == 0
        assert page.locator(".field-error, article.report").count() >= 1, junk
    page.fill("#text", "")
    page.fill("#link", "https://elsewhere.example/s/" + "x" * 30)
    page.get_by_role("button", name="Verify", exact=True).click()
    page.locator(".field-error").first.wait_for()


def test_without_javascript_the_form_still_works(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url + "/")
    page.fill("#text", "not a credential")
    page.get_by_role("button", name="Verify", exact=True).click()
    error = page.locator("#text-error")
    assert "This is not a credential" in error.inner_text()
    assert page.locator("#text").get_attribute("aria-invalid") == "true"
    context.close()


def test_post_without_csrf_token_is_refused(site):
    import httpx

    response = httpx.post(site.url + "/verify", data={"text": "{}"})
    assert response.status_code == 403


def test_open_a_share_link_and_scan_its_qr_code(site, page, tmp_path):
    site.holder("share-owner", "Mārtiņš Kalniņš")
    item = site.give("share-owner", site.issue("Mārtiņš Kalniņš", "martins@example.lv"))
    share = sharing.create_share(site.instance, "share-owner", [item.id])
    page.goto(site.url + "/")
    page.fill("#link", share.url)
    page.get_by_role("button", name="Verify", exact=True).click()
    page.locator("article.report").wait_for()
    assert "Shared by Mārtiņš Kalniņš" in page.locator(".results").inner_text()
    assert "Valid" in page.locator("article.report").inner_text()
    # The QR code of the link, read from a photo (the camera path uses the same decoder).
    picture = tmp_path / "qr.png"
    picture.write_bytes(qr_png(share.url))
    page.goto(site.url + "/")
    page.set_input_files("#qrimage", str(picture))
    page.locator("article.report").wait_for()
    assert page.locator("#link").input_value() == share.url


def test_phone_width_and_latvian(site, phone):
    view = site.issue("Anna Bērziņa", "anna2@example.lv")
    phone.goto(site.url + "/")
    assert_fits(phone)
    phone.get_by_role("link", name="Latviešu").click()
    assert phone.locator("html").get_attribute("lang") == "lv"
    assert "Pārbaudīt" in phone.locator("h1").inner_text()
    phone.fill("#text", _json(view))
    phone.locator("form.verify-form button[type=submit]").click()
    phone.locator("article.report").wait_for()
    assert "Derīgs" in phone.locator("article.report").inner_text()
    assert_fits(phone)
    assert_accessible(phone)
    shot(phone, "verify-valid-phone-lv")
