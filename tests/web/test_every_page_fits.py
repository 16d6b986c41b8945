"""Every page of each role, in English and Latvian, on a desktop (1280 px) and a phone
(390 px): no page is wider than the viewport and axe-core finds no serious or critical
violation (issue 17, points 6, 7 and the acceptance).

Each page is also photographed into ``docs/screenshots/pages/`` (issue 17, point 10: the tour),
one JPEG per page, language and device, and ``docs/screenshots/pages.md`` indexes them."""

from __future__ import annotations

import re

import pytest

from microcred.model.files import load_data
from microcred.services import public_portfolios, recognition, sharing

from .conftest import PASSWORD, ROOT, SCREENSHOTS, assert_accessible, assert_fits

TOUR = SCREENSHOTS / "pages"

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
    "/wallet/present",
    "/wallet/shares",
    "/wallet/pathways",
    "/wallet/password",
    "/wallet/public",
)
CONSOLE = (
    "/console",
    "/console/specs",
    "/console/specs/editor",
    "/console/specs/versions?key=https://www.lu.example.lv/microcredentials/data-analysis-python",
    "/console/issue",
    "/console/bulk",
    "/console/credentials",
    "/console/requests",
    "/console/requests/returned",
    "/console/tokens",
    "/console/members",
    "/console/audit",
)
# The authority desk, reached from the console session (an organisation that recognises).
AUTHORITY = ("/authority",)
PATHWAY = ROOT / "src/microcred/data/examples/pathways/data-analysis.yaml"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


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
    public = public_portfolios.switch_on(site.instance, handle, [items[0].id])
    assert public.url is not None
    own = ("/p/" + public.url.rsplit("/p/", 1)[1], f"/wallet/credentials/{items[0].id}/remove")
    return handle, "/s/" + share.url.rsplit("/s/", 1)[1], own


@pytest.fixture(scope="module")
def applied(site, filled):
    """That learner's application to a pathway of the site's organisation: the wallet's and the
    authority's application pages, a shared credential's report and the pathway form."""
    pathway = recognition.publish_pathway(site.instance, site.org_slug, load_data(PATHWAY))
    application = recognition.apply(site.instance, pathway.id, filled[0])
    wallet = (f"/wallet/applications/{application.id}",)
    desk = (
        f"/authority/applications/{application.id}",
        f"/authority/applications/{application.id}/components/0",
        "/authority/pathways/form",
        f"/authority/pathways/form?from={pathway.id}",
    )
    return wallet, desk


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


def _slug(path: str) -> str:
    """``/wallet/receive`` -> ``wallet-receive``; the front page is the verify page."""
    if path.startswith("/s/"):
        return "share"
    if path.startswith("/p/"):
        return "public-page"
    if path.endswith("/remove"):
        return "wallet-remove"
    path = UUID.sub("id", path)  # one picture per page, whichever record it shows
    return re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()) or "verify"


def _check(page, url: str, path: str, lang: str, device: str) -> None:
    page.goto(url + path)
    assert page.locator("html").get_attribute("lang") in ("en", "lv"), path
    assert_fits(page)
    assert_accessible(page)
    TOUR.mkdir(parents=True, exist_ok=True)
    # JPEG at a modest quality: about 100 pictures live in the repository.
    page.screenshot(
        path=str(TOUR / f"{_slug(path)}-{lang}-{device}.jpg"), full_page=True, quality=55
    )


def _write_index(paths: list[str]) -> None:
    rows = ["| Page | English | Latvian | Phone (en) | Phone (lv) |", "|---|---|---|---|---|"]
    for path in paths:
        slug = _slug(path)
        cells = [
            f"![{slug} {lang} {device}](pages/{slug}-{lang}-{device}.jpg)"
            for device in ("desktop", "phone")
            for lang in ("en", "lv")
        ]
        shown = {"share": "/s/TOKEN", "public-page": "/p/TOKEN"}.get(slug, path)
        shown = "/wallet/credentials/ID/remove" if slug == "wallet-remove" else shown
        shown = UUID.sub("ID", shown)
        rows.append(f"| `{shown}` | " + " | ".join(cells) + " |")
    (SCREENSHOTS / "pages.md").write_text(
        "# Every page, in English and Latvian, on a desktop (1280 px) and a phone (390 px)\n\n"
        "Written by `tests/web/test_every_page_fits.py` on every `make test`.\n\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("lang", ["en", "lv"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_page_fits_and_is_accessible(site, filled, applied, browser, lang, device):
    viewport = (
        {"width": 1280, "height": 900} if device == "desktop" else {"width": 390, "height": 844}
    )
    context = browser.new_context(viewport=viewport, is_mobile=device == "phone", locale="en-GB")
    page = context.new_page()
    handle, share_path, (public_path, remove_path) = filled
    try:
        page.goto(f"{site.url}/?lang={lang}")  # the language cookie, for every page after
        for path in (*PUBLIC, share_path, public_path):
            _check(page, site.url, path, lang, device)
        _wallet_sign_in(page, site, handle)
        for path in (*WALLET, remove_path, *applied[0]):
            _check(page, site.url, path, lang, device)
        _console_sign_in(page, site)
        for path in (*CONSOLE, *AUTHORITY, *applied[1]):
            _check(page, site.url, path, lang, device)
    finally:
        context.close()
    pages = [*PUBLIC, share_path, public_path, *WALLET, remove_path, *applied[0]]
    _write_index([*pages, *CONSOLE, *AUTHORITY, *applied[1]])
