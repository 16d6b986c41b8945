"""The public share page ``/s/{token}`` and share links: HTML and JSON, Latvian labels,
404 for unknown, expired and revoked links, no caching, escaping; baked badge uploads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from sqlalchemy import update

from microcred.documents.qr import qr_png
from microcred.formats.baked import bake_png, bake_svg
from microcred.store.db import transaction
from microcred.store.tables import Share
from tests.api import test_wallet
from tests.api.conftest import assert_error_shape
from tests.api.test_wallet import holder_headers, issue

# the wallet tests' fixtures: settings with an allow-listed host, a client that also looks
# for tokens in every response, and Anna's wallet token
settings = test_wallet.settings
client = test_wallet.client
anna = test_wallet.anna


class Outline(HTMLParser):
    """The tags and attributes of a page, to check its structure."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def share(client, headers, ids, days=30):
    response = client.post(
        "/api/v1/wallet/shares",
        json={"credential_ids": ids, "expires_in_days": days},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def import_one(client, headers, credential):
    response = client.post("/api/v1/wallet/credentials", json=credential, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_the_page_is_accessible_html_in_english_and_latvian(client, org, admin, published, anna):
    item = import_one(client, anna, issue(client, org, admin, published, 1)["credential"])
    path = share(client, anna, [item])["url"].removeprefix("http://testserver")

    page = client.get(path)
    assert page.status_code == 200
    page_outline = outline(page.text)
    assert page_outline.find("html") == [{"lang": "en"}]
    assert len(page_outline.find("main")) == 1 and len(page_outline.find("h1")) == 1
    assert page_outline.find("h2")
    assert any(
        a.get("name") == "viewport" and "width=device-width" in (a.get("content") or "")
        for a in page_outline.find("meta")
    )
    # the verify page's report: readable country and date, the EU elements, plain checks
    text = " ".join(page.text.split())
    assert "Rīgas Tehniskā koledža" in text and "Latvia" in text and ">LV<" not in text
    assert "Data analysis with Python" in text and "April 15, 2026" in text
    assert "5 ECTS credits" in text and "EQF level" in text
    assert "Digital signature" in text and "Revocation and suspension" in text
    assert 'data-check="proof"' in text and "Shared by" in text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-robots-tag"].startswith("noindex")
    assert page.headers["referrer-policy"] == "no-referrer"

    latvian = client.get(path, params={"lang": "lv"})
    assert outline(latvian.text).find("html") == [{"lang": "lv"}]
    assert "Derīgs" in latvian.text and "Izdevējs" in latvian.text and "Pārbaudes" in latvian.text
    assert "Izpildīts" in latvian.text
    gone = client.get("/s/" + "x" * 43, params={"lang": "lv"})
    assert gone.status_code == 404 and "Saite nav atrasta" in gone.text


def test_json_view_and_the_view_counter(client, org, admin, published, anna):
    ids = [
        import_one(client, anna, issue(client, org, admin, published, n)["credential"])
        for n in (1, 2)
    ]
    created = share(client, anna, list(reversed(ids)))
    path = created["url"].removeprefix("http://testserver")
    for n in range(3):
        shown = client.get(path, headers={"Accept": "application/json"})
        assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
        body = shown.json()
        assert [c["id"] for c in body["credentials"]] == list(reversed(ids))  # as chosen
        first = body["credentials"][0]
        assert first["headline"] == "Valid" and first["valid"] is True
        assert first["issuer"]["country"] == "LV" and first["ects"] == "5"
        assert first["credential"]["type"][-1] == "OpenBadgeCredential"
        assert {c["id"] for c in first["report"]["checks"]} >= {"proof", "status"}
        listed = client.get("/api/v1/wallet/shares", headers=anna).json()
        assert listed[0]["view_count"] == n + 1
    # a browser's Accept header gets HTML
    browser = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.headers["content-type"].startswith("text/html")


def test_unknown_expired_and_revoked_links_are_404(client, instance, org, admin, published, anna):
    item = import_one(client, anna, issue(client, org, admin, published, 1)["credential"])
    expired = share(client, anna, [item])
    revoked = share(client, anna, [item])
    with transaction(instance.sessions) as session:
        session.execute(
            update(Share)
            .where(Share.id == expired["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert client.delete(f"/api/v1/wallet/shares/{revoked['id']}", headers=anna).status_code == 204
    again = client.delete(f"/api/v1/wallet/shares/{revoked['id']}", headers=anna)
    assert again.status_code == 204  # revoking twice is harmless
    paths = [
        expired["url"].removeprefix("http://testserver"),
        revoked["url"].removeprefix("http://testserver"),
        "/s/" + "A" * 43,
        "/s/short",
        "/s/" + "x" * 5000,
        "/s/%2e%2e",
        f"/s/{expired['id']}",
    ]
    for path in paths:
        html = client.get(path)
        assert html.status_code == 404, path
        assert html.headers["content-type"].startswith("text/html")
        assert html.headers["cache-control"] == "no-store"
        assert "Anna" not in html.text and "Data analysis" not in html.text
        error = assert_error_shape(client.get(path, headers={"Accept": "application/json"}), 404)
        assert error["code"] == "not_found"


def test_names_and_titles_are_escaped(client, instance, org, admin, published):
    evil = holder_headers(client, instance, '<script>alert("x")</script> Ēvil', "evil")
    item = import_one(client, evil, issue(client, org, admin, published, 1)["credential"])
    path = share(client, evil, [item])["url"].removeprefix("http://testserver")
    page = client.get(path)
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text


def test_a_deleted_credential_leaves_the_page(client, org, admin, published, anna):
    ids = [
        import_one(client, anna, issue(client, org, admin, published, n)["credential"])
        for n in (1, 2)
    ]
    path = share(client, anna, ids)["url"].removeprefix("http://testserver")
    assert client.delete(f"/api/v1/wallet/credentials/{ids[0]}", headers=anna).status_code == 204
    shown = client.get(path, headers={"Accept": "application/json"}).json()
    assert [c["id"] for c in shown["credentials"]] == [ids[1]]


def test_baked_png_and_svg_badges_upload(client, org, admin, published, anna):
    credentials = [issue(client, org, admin, published, n)["credential"] for n in (1, 2)]
    png = bake_png(qr_png("https://example.org/badge"), credentials[0])
    svg = bake_svg(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>', credentials[1]
    )
    for name, content, media in (
        ("badge.png", png, "image/png"),
        ("badge.svg", svg.encode(), "image/svg+xml"),
    ):
        response = client.post(
            "/api/v1/wallet/credentials",
            files={"file": (name, content, media)},
            headers=anna,
        )
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "valid" and response.json()["source"] == "upload"
    listed = client.get("/api/v1/wallet/credentials", headers=anna).json()["credentials"]
    assert len(listed) == 2
    # the same badge as raw bytes (no multipart) is the same credential
    raw = client.post(
        "/api/v1/wallet/credentials", content=png, headers={**anna, "content-type": "image/png"}
    )
    assert raw.status_code == 200 and raw.json()["created"] is False
    assert json.loads(json.dumps(raw.json()["report"]))["valid"] is True
