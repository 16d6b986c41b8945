"""Offering a credential to any wallet from the console (issue 15, point 3; issue 17, point 2):
on the credential's page an offer with a PIN, its QR code, the link copied, the PIN shown
once, the list with states, revoking; on a bulk run's page the CSV of every row's offer.
Also in Latvian on a phone (fits, axe)."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import httpx

from microcred.services import audit, bulk_jobs

from .conftest import assert_accessible, assert_fits, console_sign_in


def _offer_uri(link: str) -> str:
    return parse_qs(urlsplit(link).query)["credential_offer_uri"][0]


def test_offer_a_credential_on_its_page_then_revoke_it(site, browser, tmp_path):
    issued = site.issue("Marta Kļaviņa", "marta.klavina@example.lv")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page = context.new_page()
    console_sign_in(page, site)
    page.goto(f"{site.url}/console/credentials/{issued.id}")
    section = page.locator("#offers")
    assert "Offer to a wallet" in section.inner_text()
    section.get_by_label("Protect the offer with a PIN").check()
    section.get_by_label("Valid for").select_option(label="1 hour")
    section.get_by_role("button", name="Create an offer").click()
    page.locator("[data-new-offer]").wait_for()
    qr = page.locator("[data-offer-qr] svg")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 100
    link = page.locator("#offer-link").input_value()
    assert link.startswith("openid-credential-offer://?credential_offer_uri=")
    page.get_by_role("button", name="Copy the offer link").click()
    page.get_by_text("The offer link is copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link
    pin = page.locator("#offer-pin").inner_text()
    assert re.fullmatch(r"\d{6}", pin)
    assert "Valid until" in page.locator("[data-offer-expires]").inner_text()
    assert_accessible(page)
    served = httpx.get(_offer_uri(link))
    assert served.status_code == 200 and served.json()["credential_issuer"] == site.url
    # the PIN is shown once: the page itself, reloaded, lists the offer without it
    page.goto(f"{site.url}/console/credentials/{issued.id}")
    assert page.locator("[data-new-offer]").count() == 0 and pin not in page.content()
    row = page.locator("tr[data-offer]")
    assert row.count() == 1 and row.get_attribute("data-state") == "open"
    assert "Open, not used yet" in row.inner_text() and "with a PIN" in row.inner_text()
    row.get_by_role("button", name="Revoke").click()
    page.get_by_text("The offer was revoked").wait_for()
    row = page.locator("tr[data-offer]")
    assert row.get_attribute("data-state") == "revoked" and "Revoked" in row.inner_text()
    assert row.get_by_role("button", name="Revoke").count() == 0
    gone = httpx.get(_offer_uri(link))
    assert gone.status_code == 410 and "revoked" in gone.json()["error_description"]
    actions = [e.action for e in audit.entries(site.instance, site.org_slug)[:5]]
    assert actions[:2] == ["oid4vci.offer_revoke", "oid4vci.offer"]
    page.goto(f"{site.url}/console/audit?lang=en")
    assert "revoked a wallet offer of" in page.locator("main").inner_text()
    context.close()


def test_offers_for_a_bulk_run_as_csv_and_the_section_in_latvian_on_a_phone(
    site, page, phone, tmp_path
):
    rows = tmp_path / "offers.csv"
    rows.write_text(
        "learner_name,learner_id,issued_on\n"
        "Pēteris Zariņš,mailto:peteris.zarins@example.lv,2026-03-03\n"
        "Bez Datuma,bez.datuma@example.lv,vakar\n",
        encoding="utf-8",
    )
    started = bulk_jobs.start(site.instance, site.org_slug, site.spec_id, rows, enqueue=None)
    bulk_jobs.run_in_process(site.instance, started.job_id, workers=1)
    console_sign_in(page, site)
    page.goto(f"{site.url}/console/bulk/{started.job_id}")
    page.get_by_label("Protect each offer with a PIN").check()
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Create wallet offers (CSV)").click()
    download = waiting.value
    assert download.suggested_filename.startswith("wallet-offers-")
    table = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert [r["line"] for r in table] == ["2", "3"]
    good, bad = table
    assert good["learner_name"] == "Pēteris Zariņš"
    assert good["learner_email"] == "peteris.zarins@example.lv"
    assert re.fullmatch(r"\d{6}", good["tx_code"]) and good["offer_link"].startswith(
        "openid-credential-offer://"
    )
    assert httpx.get(_offer_uri(good["offer_link"])).status_code == 200
    assert bad["learner_name"] == "Bez Datuma" and not bad["offer"]
    assert bad["problem"].startswith("not issued: issued_on")
    # the credential page's offer section in Latvian, 390 px wide
    console_sign_in(phone, site)
    issued = site.issue("Līga Ērgle", "liga.ergle@example.lv")
    phone.goto(f"{site.url}/console/credentials/{issued.id}?lang=lv")
    phone.locator("#offers button[type=submit]").click()
    phone.locator("[data-new-offer]").wait_for()
    assert "Piedāvāt maciņam" in phone.locator("#offers h2").inner_text()
    assert_fits(phone)
    assert_accessible(phone)
