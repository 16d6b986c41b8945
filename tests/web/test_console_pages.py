"""The issuer console, as an organisation's member uses it."""

from __future__ import annotations

import httpx
import yaml

from microcred.model.files import load_data

from .conftest import SPECS, assert_accessible, assert_fits, shot


def _sign_in(page, site) -> None:
    page.goto(site.url + "/console")
    assert "/console/login" in page.url
    page.get_by_label("API token").fill(site.token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Latvijas Universitāte").wait_for()


def test_sign_in_with_a_bad_token(site, page):
    page.goto(site.url + "/console/login")
    assert_accessible(page)
    page.get_by_label("API token").fill("mc_not-a-real-token")
    page.get_by_role("button", name="Sign in").click()
    assert "not valid" in page.locator("#token-error").inner_text()


def test_specs_issue_revoke_tokens_audit(site, page):
    _sign_in(page, site)
    assert page.locator("svg[role=img]").count() == 1
    assert_accessible(page)
    # A specification missing its learning outcomes: the standard's message, next to the field.
    page.get_by_role("link", name="Specifications").click()
    data = load_data(SPECS / "online-cybersecurity-basics.yaml")
    # Published in the signed-in organisation's own name (another awarding body is refused).
    data["awarding_body"] = {"name": {"lv": "Latvijas Universitāte"}, "country": "LV"}
    broken = {k: v for k, v in data.items() if k != "learning_outcomes"}
    page.fill("#source", yaml.safe_dump(broken, allow_unicode=True))
    page.get_by_role("button", name="Validate and publish").click()
    error = page.locator("#source-error").inner_text()
    assert "learning_outcomes" in error
    assert page.locator("#source").get_attribute("aria-invalid") == "true"
    page.fill("#source", "title: [unclosed")
    page.get_by_role("button", name="Validate and publish").click()
    assert "not valid YAML" in page.locator("#source-error").inner_text()
    page.fill("#source", yaml.safe_dump(data, allow_unicode=True))
    page.get_by_role("button", name="Validate and publish").click()
    assert "Published version 1" in page.locator(".flash").inner_text()
    data["workload"] = {"ects": 4, "hours": 100}
    page.fill("#source", yaml.safe_dump(data, allow_unicode=True))
    page.get_by_role("button", name="Validate and publish").click()
    assert "Published version 2" in page.locator(".flash").inner_text()
    assert_accessible(page)
    # Issue to one learner: bad input is refused next to the field.
    page.get_by_role("link", name="Issue", exact=True).click()
    page.get_by_role("button", name="Issue and sign").click()
    assert page.locator("#spec-error").count() == 1
    assert page.locator("#learner_name-error").count() == 1
    page.select_option("#spec", label="Data analysis with Python (v1)")
    page.fill("#learner_name", "Kārlis Liepa")
    page.fill("#learner_id", "not an address")
    page.get_by_role("button", name="Issue and sign").click()
    assert "not an e-mail address" in page.locator("#learner_id-error").inner_text()
    assert_accessible(page)  # the issue form, with its errors shown
    page.fill("#learner_id", "karlis@example.lv")
    page.get_by_role("button", name="Issue and sign").click()
    assert "Issued to Kārlis Liepa" in page.locator(".flash").inner_text()
    # Revoke with a reason.
    page.get_by_role("button", name="Apply").click()
    assert page.locator("#action-error").count() == 1
    page.get_by_label("Revoke").check()
    page.get_by_role("button", name="Apply").click()
    assert "Give a reason" in page.locator("#reason-error").inner_text()
    page.get_by_label("Revoke").check()
    page.fill("#reason", "assessment annulled")
    page.get_by_role("button", name="Apply").click()
    # A confirmation step names the learner and the course; Cancel changes nothing.
    heading = page.locator("h1").inner_text()
    assert heading == "Revoke “Data analysis with Python” of Kārlis Liepa?", heading
    assert "cannot be undone" in page.locator("section.confirm").inner_text()
    assert_accessible(page)  # the confirmation step
    page.get_by_role("link", name="Cancel").click()
    assert "Active" in page.locator("dl.facts").inner_text()
    page.get_by_label("Revoke").check()
    page.fill("#reason", "assessment annulled")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("button", name="Yes, revoke it").click()
    assert "was revoked" in page.locator(".flash").inner_text()
    assert "assessment annulled" in page.locator("dl.facts").inner_text()
    assert_accessible(page)  # a credential's page
    # Search.
    page.get_by_role("link", name="Issued credentials").first.click()
    page.fill("#q", "Kārlis")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=*")
    assert page.locator("tbody tr").count() == 1
    assert "Revoked" in page.locator("tbody tr").inner_text()
    assert_accessible(page)  # the issued credentials, searched
    # Tokens: create one, shown once.
    page.get_by_role("link", name="API tokens").click()
    page.get_by_role("button", name="Create the token").click()
    assert page.locator("#name-error").count() == 1 and page.locator("#scope-error").count() == 1
    page.fill("#name", "registry sync")
    page.get_by_label("read").check()
    page.get_by_role("button", name="Create the token").click()
    assert page.locator("#new-token").inner_text().startswith("mc_")
    assert_accessible(page)
    # The audit log has all of it.
    page.get_by_role("link", name="Audit log").click()
    log = page.locator("table").inner_text()
    for sentence in (
        "published version 2 of the specification “Cyber hygiene for small businesses”",
        "issued “Data analysis with Python” to Kārlis Liepa.",
        "revoked “Data analysis with Python” of Kārlis Liepa. Reason: assessment annulled",
        "created the API token “registry sync” with the scopes read.",
    ):
        assert sentence in log, log
    assert_accessible(page)  # the audit log


def test_bulk_upload_with_progress_and_error_report(site, page, tmp_path):
    lines = ["learner_name,learner_id,issued_on,grade,row_key"]
    for n in range(60):
        lines.append(f"Learner {n},learner{n}@example.lv,2026-02-{1 + n % 27:02d},8,web-bulk-{n}")
    lines.insert(8, "No Identifier,,2026-02-03,7,web-bulk-bad-1")
    lines.insert(20, "Bad Date,bad@example.lv,3rd of May,7,web-bulk-bad-2")
    path = tmp_path / "learners.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _sign_in(page, site)
    page.get_by_role("link", name="Bulk upload").click()
    page.get_by_role("button", name="Upload and issue").click()
    assert page.locator("#spec-error").count() == 1 and page.locator("#file-error").count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nA,a@example.lv\n", encoding="utf-8")
    page.select_option("#spec", label="Data analysis with Python (v1)")
    page.set_input_files("#file", str(bad))
    page.get_by_role("button", name="Upload and issue").click()
    assert "learner_id" in page.locator("#file-error").inner_text()
    page.select_option("#spec", label="Data analysis with Python (v1)")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Upload and issue").click()
    page.locator("#bulk-bar").wait_for()
    page.get_by_text("Finished", exact=True).wait_for(timeout=120_000)
    stats = page.locator("#progress .stats").inner_text()
    assert "60" in stats and "2" in stats
    assert page.locator("#bulk-bar").get_attribute("value") == "62"
    assert_accessible(page)
    shot(page, "console-bulk-progress")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report (CSV)").click()
    report = open(download.value.path(), encoding="utf-8").read()
    assert report.startswith("Line,Row key,Learner,What to fix")
    assert "Bad Date,issued_on '3rd of May' is not an ISO date" in report
    # The failed rows are on the page too, with the learner's name and the fix.
    assert page.locator("#progress tr[data-line]").count() == 2
    assert "Bad Date" in page.locator("#progress tr[data-line='21']").inner_text()
    assert "web-bulk-bad-1" in report and "web-bulk-bad-2" in report
    # The overview's chart now has this month's issued and revoked credentials.
    for n in range(3):
        page.goto(site.url + "/console/credentials?q=learner" + str(n) + "@")
        page.locator("tbody a").first.click()
        page.get_by_label("Revoke").check()
        page.fill("#reason", "issued in error")
        page.get_by_role("button", name="Apply").click()
        page.get_by_role("button", name="Yes, revoke it").click()
    page.get_by_role("link", name="Overview").click()
    assert page.locator("svg[role=img] rect[fill='#a3211a']").count() >= 2
    shot(page, "console-overview")


def test_console_on_a_phone(site, phone):
    _sign_in(phone, site)
    assert_fits(phone)
    for path in ("/console/specs", "/console/issue", "/console/bulk", "/console/audit",
                 "/console/credentials", "/console/tokens"):  # fmt: skip
        phone.goto(site.url + path)
        assert_fits(phone)
        assert_accessible(phone)


def test_console_pages_need_sign_in_and_csrf(site):
    for path in ("/console", "/console/specs", "/console/audit", "/console/bulk/abc"):
        response = httpx.get(site.url + path, follow_redirects=False)
        assert response.status_code == 303 and "/console/login" in response.headers["location"]
    response = httpx.post(site.url + "/console/login", data={"token": site.token})
    assert response.status_code == 403
