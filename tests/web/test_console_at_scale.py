"""The console at scale (issue 17, points 6 and 9), in a real browser: revoking and suspending
ask first, naming the learner and the course; the Latvian console's navigation fits at
1280 px with its sign-out visible; the audit log is filtered by clicking."""

from __future__ import annotations

from .conftest import assert_accessible, console_sign_in, shot


def test_revoke_and_suspend_ask_first_in_latvian(site, page):
    issued = site.issue("Ilze Ozola", "ilze.ozola@example.lv")
    console_sign_in(page, site, "lv")
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


def _assert_nav_fits(page) -> None:
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


def test_the_latvian_console_and_wallet_navigation_fit_at_1280(site, page):
    from .conftest import PASSWORD

    console_sign_in(page, site, "lv")
    for path in ("/console", "/console/audit"):
        page.goto(site.url + path + "?lang=lv")
        _assert_nav_fits(page)
    site.holder("navigation", name="Ilze Ozola-Bērziņa")
    page.goto(site.url + "/wallet/login?lang=lv")
    page.locator("#handle").fill("navigation")
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    for path in ("/wallet", "/wallet/shares"):
        page.goto(site.url + path + "?lang=lv")
        _assert_nav_fits(page)


def test_the_audit_log_filters_by_clicking(site, page):
    site.issue("Pēteris Kļava", "peteris@example.lv")
    console_sign_in(page, site)
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


def test_the_overview_counts_by_date_of_issue(site, page):
    from datetime import UTC, datetime, timedelta

    from babel.dates import format_date

    earlier = (datetime.now(UTC).replace(day=1) - timedelta(days=70)).date()
    for n in range(3):
        site.issue(f"Early {n}", f"early{n}@example.lv", day=earlier.isoformat())
    console_sign_in(page, site)
    page.goto(site.url + "/console?lang=en")
    month = format_date(earlier.replace(day=1), format="MMM yy", locale="en")
    row = page.locator("tbody tr", has_text=month)
    assert int(row.locator("td").nth(1).text_content() or "0") >= 3  # in the table


def test_the_bar_chart_leaves_room_for_four_digits_and_shows_small_counts():
    import re

    from microcred.web import charts

    svg = str(
        charts.bars(
            ["Oct 26", "Nov 26"],
            [
                charts.Series("Issued", charts.BLUE, [3000, 10]),
                charts.Series("Revoked", charts.RED, [2, 0]),
            ],
            title="t",
            desc="d",
            ident="x",
        )
    )
    axis = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end"', svg)]
    assert axis and min(axis) >= 9 * 4  # "4000" ends at x, right-aligned: its 4 digits fit
    heights = [float(h) for h in re.findall(r'height="([\d.]+)" fill="#a3211a"', svg)]
    assert heights[0] >= 3  # 2 revocations next to 3,000 issued: still a visible bar


def test_failed_bulk_rows_are_on_the_page_in_latvian(site, page, tmp_path):
    lines = ["learner_name,learner_id,issued_on,row_key"]
    lines += [f"Rinda {n},rinda{n}@example.lv,2026-02-03,scale-{n}" for n in range(3)]
    lines += [
        "Jānis Bērziņš,janis@example.lv,2026-13-01,scale-bad-1",
        "Zane Liepa,zane at example,2026-02-03,scale-bad-2",
        ",nobody@example.lv,2026-02-03,scale-bad-3",
    ]
    path = tmp_path / "scale.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    console_sign_in(page, site, "lv")
    page.goto(site.url + "/console/bulk?lang=lv")
    page.select_option("#spec", index=1)
    page.set_input_files("#file", str(path))
    page.locator("form[action='/console/bulk'] button[type=submit]").click()
    page.get_by_text("Pabeigts", exact=True).wait_for(timeout=60_000)
    rows = page.locator("#progress tr[data-line]")
    assert rows.count() == 3
    first = rows.nth(0).inner_text()
    assert "Jānis Bērziņš" in first and "mēnesim jābūt no 1 līdz 12" in first
    assert "Zane Liepa" in rows.nth(1).inner_text()
    assert "nav e-pasta adrese" in rows.nth(1).inner_text()
    assert "(nav vārda)" in rows.nth(2).inner_text()
    assert_accessible(page)
    shot(page, "console-bulk-failed-rows-desk-lv")
    with page.expect_download() as download:
        page.locator("a[href$='/errors.csv']").click()
    report = open(download.value.path(), encoding="utf-8").read()
    assert report.startswith("Rinda,Rindas atslēga,Izglītojamais,Kas jālabo")
    assert "learner_name ir tukšs" in report


def test_the_wallet_lists_titles_in_the_readers_language(site, page):
    from .conftest import PASSWORD

    site.holder("titles", name="Ilze Ozola")
    item = site.give("titles", site.issue("Ilze Ozola", "ilze.titles@example.lv"))
    page.goto(site.url + "/wallet/login?lang=lv")
    page.locator("#handle").fill("titles")
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.goto(site.url + "/wallet?lang=lv")
    assert "Datu analīze ar Python" in page.locator(".items").inner_text()
    page.goto(site.url + f"/wallet/credentials/{item.id}?lang=lv")
    assert page.locator("h1").inner_text() == "Datu analīze ar Python"
    page.goto(site.url + "/wallet/shares?lang=lv")
    assert "Datu analīze ar Python" in page.locator(f"label[for='c-{item.id}']").inner_text()
    page.goto(site.url + "/wallet?lang=en")
    assert "Data analysis with Python" in page.locator(".items").inner_text()


def test_the_issue_form_says_what_is_wrong_in_latvian(site, page):
    console_sign_in(page, site, "lv")
    page.goto(site.url + "/console/issue?lang=lv")
    page.select_option("#spec", index=1)
    page.fill("#learner_name", "Kārlis Liepa")
    page.fill("#learner_id", "karlis at example")
    page.locator("form[action='/console/issue'] button[type=submit]").click()
    said = page.locator("#learner_id-error").inner_text()
    assert "'karlis at example' nav e-pasta adrese, DID vai URI" in said, said


def test_the_issue_form_takes_given_and_family_names(site, page):
    from microcred.formats.ob3_read import read_ob3
    from microcred.services import credentials

    console_sign_in(page, site, "lv")
    page.goto(site.url + "/console/issue?lang=lv")
    page.select_option("#spec", index=1)
    page.fill("#learner_name", "Līga Kalniņa")
    page.fill("#given_name", "Līga")
    page.fill("#family_name", "K" * 201)
    page.fill("#learner_id", "liga.kalnina@example.lv")
    page.locator("form[action='/console/issue'] button[type=submit]").click()
    assert (
        page.locator("#family_name-error").inner_text() == "Rakstiet ne vairāk kā 200 rakstzīmes."
    )
    assert page.locator("#given_name").input_value() == "Līga"  # what was typed stays
    page.fill("#family_name", "Kalniņa")
    page.locator("form[action='/console/issue'] button[type=submit]").click()
    page.wait_for_url("**/console/credentials/**")
    [issued] = credentials.list_for(site.instance, site.org_slug, search="liga.kalnina")
    learner = read_ob3(issued.credential()).data["learner"]  # type: ignore[arg-type]
    assert (learner["given_name"], learner["family_name"]) == ("Līga", "Kalniņa")


def test_the_wallet_says_why_an_import_failed_in_latvian(site, page):
    from .conftest import PASSWORD

    site.holder("imports", name="Ilze Ozola")
    page.goto(site.url + "/wallet/login?lang=lv")
    page.locator("#handle").fill("imports")
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.goto(site.url + "/wallet/import?lang=lv")
    page.fill("#text", '{"type": ["VerifiablePresentation"]}')
    page.locator("form[action='/wallet/import'] button[type=submit]").click()
    said = page.locator("#text-error").inner_text()
    assert said.startswith("tā ir uzrādīšana, nevis apliecinājums"), said


def test_the_yaml_page_lists_the_problems_in_latvian(site, page):
    import yaml

    from microcred.model.files import load_data

    from .conftest import SPECS

    data = load_data(SPECS / "university-data-analysis.yaml")
    data["awarding_body"] = {"name": {"lv": "Latvijas Universitāte"}, "country": "LV"}
    data["eqf_level"] = 9
    console_sign_in(page, site, "lv")
    page.goto(site.url + "/console/specs?lang=lv")
    page.fill("#source", yaml.safe_dump(data, allow_unicode=True))
    page.locator("form[action='/console/specs'] button.primary").click()
    problems = page.locator("ul.problems").inner_text()
    assert "9 nav EKI līmenis; lietojiet veselu skaitli no 1 līdz 8" in problems, problems
