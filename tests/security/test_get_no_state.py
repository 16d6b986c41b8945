"""Finding 12: a GET never creates a share link.

Downloading a PDF certificate or portfolio (web and API) and asking for the LinkedIn link,
however often, leaves the number of share links as it was; the PDF then points to the public
verify page, or to a share link the learner made and chose. A share is created by an explicit
POST only (with the CSRF token in the web wallet): the LinkedIn button is such a form.
"""

from __future__ import annotations

import html
import json
import re
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from microcred.api import create_app
from microcred.model.files import load_data
from microcred.services import credentials, holders, organisations, specifications
from microcred.services import wallet as wallets
from microcred.services.credentials import IssueRequest
from microcred.settings import Settings
from microcred.store.db import transaction
from microcred.store.tables import Share

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "src" / "microcred" / "data" / "examples" / "specs" / "university-data-analysis.yaml"
BASE = "http://testserver"
PASSWORD = "correct horse battery"


@pytest.fixture()
def app(tmp_path, database_url):
    return create_app(
        Settings(home=tmp_path / "home", database_url=database_url, secret_key="t", base_url=BASE)
    )


@pytest.fixture()
def wallet(app):
    """Anna's wallet with two credentials, her API token, and a browser signed in as her."""
    instance = app.state.instance
    org = organisations.create(instance, name="Latvijas Universitāte", country="LV")
    spec = specifications.publish(instance, org.slug, load_data(SPEC))
    holders.create(instance, name="Anna Bērziņa", handle="anna", password=PASSWORD)
    items = []
    for day in ("2026-03-02", "2026-03-09"):
        issued = credentials.issue(
            instance,
            org.slug,
            spec.id,
            IssueRequest(learner_name="Anna Bērziņa", learner_id="anna@example.lv", issued_on=day),
        )
        document = issued.credential()
        raw = document if isinstance(document, str) else json.dumps(document)
        items.append(wallets.import_bytes(instance, "anna", raw.encode())[0].id)
    _, secret = holders.create_token(instance, "anna", "test")
    with TestClient(app, follow_redirects=False) as browser:
        signed_in = browser.post(
            "/wallet/login",
            data={"handle": "anna", "password": PASSWORD, "csrf": _csrf(browser, "/wallet/login")},
        )
        assert signed_in.status_code == 303, signed_in.text
        yield {
            "browser": browser,
            "api": {"Authorization": f"Bearer {secret}"},
            "items": items,
            "instance": instance,
        }


def _csrf(browser: TestClient, path: str) -> str:
    page = browser.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _shares(instance) -> int:
    with transaction(instance.sessions) as session:
        return int(session.scalar(select(func.count()).select_from(Share)) or 0)


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    reader = PdfReader(BytesIO(content))
    return re.sub(r"\s", "", "".join(page.extract_text() for page in reader.pages))


def test_downloads_and_the_linkedin_link_create_no_share(wallet):
    browser, api, (first, second) = wallet["browser"], wallet["api"], wallet["items"]
    before = _shares(wallet["instance"])
    for _ in range(2):
        web_pdf = browser.get(f"/wallet/credentials/{first}/certificate.pdf")
        assert web_pdf.status_code == 200 and web_pdf.headers["content-type"] == "application/pdf"
        api_pdf = browser.get(f"/api/v1/wallet/credentials/{first}/certificate.pdf", headers=api)
        assert api_pdf.status_code == 200, api_pdf.text
        portfolio = browser.get(
            "/api/v1/wallet/portfolio.pdf", params={"ids": f"{first},{second}"}, headers=api
        )
        assert portfolio.status_code == 200, portfolio.text
        linkedin = browser.get(f"/api/v1/wallet/credentials/{first}/linkedin", headers=api)
        assert linkedin.status_code == 200, linkedin.text
        assert browser.get(f"/wallet/credentials/{first}").status_code == 200
    assert _shares(wallet["instance"]) == before
    # without a share link of the learner's, the documents point to the public verify page
    for content in (web_pdf.content, api_pdf.content):
        text = _pdf_text(content)
        assert f"{BASE}/verify" in text and "/s/" not in text
    assert "microcred-share-id" not in api_pdf.headers
    assert linkedin.json()["cert_url"] == f"{BASE}/verify"
    # a QR code on the portfolio needs a share link the learner chose: it is not made here
    qr = browser.get("/api/v1/wallet/portfolio.pdf", params={"qr": "true"}, headers=api)
    assert qr.status_code == 422 and qr.json()["error"]["field"] == "share_url", qr.text
    assert _shares(wallet["instance"]) == before


def test_the_linkedin_button_is_a_post_that_creates_exactly_one_share(wallet):
    browser, first = wallet["browser"], wallet["items"][0]
    before = _shares(wallet["instance"])
    page = browser.get(f"/wallet/credentials/{first}")
    assert f'action="/wallet/credentials/{first}/linkedin"' in page.text
    assert 'method="post"' in page.text

    refused = browser.post(f"/wallet/credentials/{first}/linkedin", data={"csrf": "wrong"})
    assert refused.status_code == 403
    assert _shares(wallet["instance"]) == before

    csrf = _csrf(browser, f"/wallet/credentials/{first}")
    made = browser.post(f"/wallet/credentials/{first}/linkedin", data={"csrf": csrf})
    assert made.status_code == 200, made.text
    assert _shares(wallet["instance"]) == before + 1
    # the new link is shown once, with the way on to LinkedIn carrying it (a link: the
    # pages' CSP, form-action 'self', rightly stops a form from redirecting to another site)
    url = _new_link(made.text)
    target = urlsplit(_linkedin_href(made.text))
    assert (target.scheme, target.netloc, target.path) == (
        "https",
        "www.linkedin.com",
        "/profile/add",
    )
    assert parse_qs(target.query)["certUrl"] == [url] and url.startswith(f"{BASE}/s/")
    shown = browser.get(url.removeprefix(BASE), headers={"Accept": "application/json"})
    assert [c["id"] for c in shown.json()["credentials"]] == [first]
    # opening the page again, downloading again: still one
    browser.get(f"/wallet/credentials/{first}")
    browser.get(f"/wallet/credentials/{first}/certificate.pdf")
    assert _shares(wallet["instance"]) == before + 1


def _new_link(page: str) -> str:
    found = re.search(r'id="share-url" value="([^"]+)"', page)
    assert found, page
    return html.unescape(found.group(1))


def _linkedin_href(page: str) -> str:
    found = re.search(r'href="(https://www\.linkedin\.com/[^"]+)"', page)
    assert found, page
    return html.unescape(found.group(1))


def test_a_pdf_embeds_a_share_link_the_learner_made_and_chose(wallet):
    browser, api, (first, second) = wallet["browser"], wallet["api"], wallet["items"]
    before = _shares(wallet["instance"])
    created = browser.post(
        "/wallet/shares",
        data={"credential": first, "days": "30", "csrf": _csrf(browser, "/wallet/shares")},
    )
    assert created.status_code == 200, created.text
    url = _new_link(created.text)
    assert _shares(wallet["instance"]) == before + 1
    # the page that shows the new link offers the certificate with it, as a form
    assert f'action="/wallet/credentials/{first}/certificate.pdf"' in created.text
    csrf = _csrf(browser, "/wallet/shares")

    web_pdf = browser.post(
        f"/wallet/credentials/{first}/certificate.pdf", data={"csrf": csrf, "share_url": url}
    )
    assert web_pdf.status_code == 200, web_pdf.text
    assert url in _pdf_text(web_pdf.content)
    api_pdf = browser.get(
        f"/api/v1/wallet/credentials/{first}/certificate.pdf",
        params={"share_url": url},
        headers=api,
    )
    assert api_pdf.status_code == 200 and url in _pdf_text(api_pdf.content)
    assert parse_qs(urlsplit(_linkedin_href(created.text)).query)["certUrl"] == [url]
    assert _shares(wallet["instance"]) == before + 1  # the chosen link, no new one

    # a link that does not show this credential, or no CSRF token: refused, nothing made
    wrong = browser.post(
        f"/wallet/credentials/{second}/certificate.pdf", data={"csrf": csrf, "share_url": url}
    )
    assert wrong.status_code == 422 and "share" in wrong.text.lower()
    forged = browser.post(f"/wallet/credentials/{first}/certificate.pdf", data={"share_url": url})
    assert forged.status_code == 403
    assert _shares(wallet["instance"]) == before + 1
