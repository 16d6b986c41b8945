"""The authority desk and the wallet's pathway progress: publish a pathway, apply, decide."""

from __future__ import annotations

from pathlib import Path

from .conftest import assert_accessible, assert_fits, shot, wallet_sign_in

PATHWAYS = Path(__file__).resolve().parents[2] / "src/microcred/data/examples/pathways"


def test_pathway_progress_application_and_decision(site, page, browser):
    # The authority (this organisation) publishes a pathway, with inline validation.
    page.goto(site.url + "/console/login")
    page.get_by_label("API token").fill(site.token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Authority desk").click()
    assert_accessible(page)
    page.fill("#source", "id: https://example.org/p\ntitle: {en: Nothing else}\n")
    page.get_by_role("button", name="Validate and publish").click()
    assert page.locator("#source-error").count() == 1
    page.fill("#source", (PATHWAYS / "data-analysis.yaml").read_text(encoding="utf-8"))
    page.get_by_role("button", name="Validate and publish").click()
    assert "Published version 1" in page.locator(".flash").inner_text()
    # A learner sees their progress and applies.
    site.holder("pathway-learner", "Inese Kalna")
    site.give("pathway-learner", site.issue("Inese Kalna", "inese@example.lv"))
    learner = browser.new_context(viewport={"width": 390, "height": 844})
    wallet = learner.new_page()
    wallet_sign_in(wallet, site.url, "pathway-learner")
    wallet.get_by_role("link", name="Pathways").click()
    text = wallet.locator("main").inner_text()
    assert "Data analysis (15 ECTS)" in text and "Rules not met" in text
    assert_fits(wallet)
    assert_accessible(wallet)
    shot(wallet, "wallet-pathways-phone")
    wallet.get_by_role("button", name="Apply for recognition").click()
    assert "sent to the authority" in wallet.locator(".flash").inner_text()
    learner.close()
    # The authority reads the evaluation and decides.
    page.goto(site.url + "/authority")
    page.get_by_role("link", name="Inese Kalna").click()
    assert page.locator(".checks li").count() >= 1
    page.get_by_role("button", name="Record the decision").click()
    assert (
        page.locator("#outcome-error").count() == 1 and page.locator("#reason-error").count() == 1
    )
    page.get_by_label("Refused").check()
    page.fill("#reason", "Three of the four components are missing.")
    page.get_by_role("button", name="Record the decision").click()
    assert "decision was recorded" in page.locator(".flash").inner_text()
    assert "Refused" in page.locator("#decision").inner_text()
    assert_accessible(page)
    shot(page, "authority-decision")
