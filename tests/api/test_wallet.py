"""The wallet over HTTP, end to end: an organisation issues through the issuer API, a holder
imports (upload, URL, paste), shares, presents, exports, deletes; every wallet route refuses
a missing or bad token (401) and another holder's objects (404); no malformed body is a 500."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.services import holders
from microcred.settings import Settings
from microcred.verify.http_fetch import Network
from tests.api.conftest import CheckingClient, assert_error_shape, bearer

SOURCE_HOST = "rtk.example.lv"
LEARNER = "mailto:anna@example.lv"


@pytest.fixture()
def settings(tmp_path, database_url: str) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        secret_key="test",
        base_url="http://testserver",
        allowed_hosts=(SOURCE_HOST,),
    )


class SecretCheckingClient(CheckingClient):
    """Also: no response ever carries a wallet token or the hash of one."""

    forbidden: list[str]

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().request(*args, **kwargs)
        text = response.content.decode("utf-8", "replace")
        for secret in self.forbidden:
            assert secret not in text, (args, secret[:8])
        return response


@pytest.fixture()
def client(app):
    with SecretCheckingClient(app) as c:
        c.forbidden = []
        yield c


def holder_headers(client, instance, name: str, handle: str) -> dict[str, str]:
    holders.create(instance, name=name, handle=handle)
    _, secret = holders.create_token(instance, handle, "test")
    client.forbidden += [secret, hashlib.sha256(secret.encode()).hexdigest()]
    return bearer(secret)


@pytest.fixture()
def anna(client, instance) -> dict[str, str]:
    return holder_headers(client, instance, "Anna Bērziņa", "anna")


@pytest.fixture()
def bob(client, instance) -> dict[str, str]:
    return holder_headers(client, instance, "Bob Ozols", "bob")


def issue(client, org, admin, published, n: int, fmt: str = "ob3") -> dict[str, Any]:
    body = {
        "spec_id": published["id"],
        "learner_name": "Anna Bērziņa",
        "learner_id": LEARNER,
        "issued_on": f"2026-0{n + 3}-15",
        "row_key": f"anna/{n}",
        "format": fmt,
    }
    response = client.post(f"/api/v1/orgs/{org.slug}/credentials", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


def serve(documents: dict[str, bytes]) -> Network:
    """Offline: names resolve to a public address and the transport answers `documents`
    (the outbound fetcher's allow-list, address check and limits still apply)."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = documents.get(str(request.url))
        if body is None:
            return httpx.Response(404, text="no")
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return Network(
        resolve=lambda host, port: ["93.184.215.14"],
        transport=lambda pin: httpx.MockTransport(handler),
    )


@pytest.fixture()
def wallet_items(client, app, org, admin, published, anna) -> dict[str, Any]:
    """Three credentials issued over the issuer API, imported into Anna's wallet: one
    uploaded as a file, one downloaded from a URL, one pasted (a JWT)."""
    issued = [
        issue(client, org, admin, published, n, fmt)
        for n, fmt in ((1, "ob3"), (2, "ob3"), (3, "jwt"))
    ]
    upload = json.dumps(issued[0]["credential"]).encode()
    first = client.post(
        "/api/v1/wallet/credentials",
        files={"file": ("badge.json", upload, "application/json")},
        headers=anna,
    )
    url = f"https://{SOURCE_HOST}/badges/2.json"
    app.state.outbound_network = serve({url: json.dumps(issued[1]["credential"]).encode()})
    second = client.post("/api/v1/wallet/credentials", json={"url": url}, headers=anna)
    third = client.post(
        "/api/v1/wallet/credentials", json={"credential": issued[2]["credential"]}, headers=anna
    )
    items = []
    for response, source in ((first, "upload"), (second, "url"), (third, "paste")):
        assert response.status_code == 201, response.text
        item = response.json()
        assert item["created"] is True and item["source"] == source
        assert item["status"] == "valid" and item["report"]["valid"] is True, item["report"]
        items.append(item)
    assert items[2]["kind"] == "vc-jwt"
    return {"issued": issued, "items": items, "ids": [i["id"] for i in items]}


def test_wallet_acceptance_over_http(client, app, instance, org, admin, anna, wallet_items):
    issued, ids = wallet_items["issued"], wallet_items["ids"]

    # the same credential again: 200, the same item
    again = client.post(
        "/api/v1/wallet/credentials",
        json={"credential": issued[0]["credential"]},
        headers=anna,
    )
    assert again.status_code == 200 and again.json()["id"] == ids[0]
    assert again.json()["created"] is False

    profile = client.get("/api/v1/wallet", headers=anna).json()
    assert profile["holder"]["name"] == "Anna Bērziņa" and profile["holder"]["did"].startswith(
        "did:key:"
    )
    assert profile["totals"]["count"] == 3 and profile["totals"]["valid"] == 3
    # three credentials of one course: its 5 ECTS counted once
    assert profile["totals"]["ects"] == 5.0 and profile["totals"]["duplicates"] == 2

    listed = client.get("/api/v1/wallet/credentials", headers=anna).json()
    assert [c["id"] for c in listed["credentials"]] == ids
    assert [p["ects_total"] for p in listed["timeline"]] == [5.0, 5.0, 5.0]

    def query(**params: str | int) -> list[str]:
        found = client.get("/api/v1/wallet/credentials", params=params, headers=anna).json()
        return [c["id"] for c in found["credentials"]]

    assert query(eqf=6) == ids and query(eqf=7) == []
    assert query(issuer="koledža") == ids and query(issuer="nobody") == []
    assert query(**{"from": "2026-05-01"}) == ids[1:] and query(to="2026-04-30") == ids[:1]
    assert query(status="valid") == ids and query(status="revoked") == []

    one = client.get(f"/api/v1/wallet/credentials/{ids[0]}", headers=anna).json()
    assert one["credential"] == issued[0]["credential"] and one["report"]["status"] == "valid"
    assert (
        client.get(f"/api/v1/wallet/credentials/{ids[2]}", headers=anna).json()["credential"]
        == issued[2]["credential"]
    )

    # share two through a link
    created = client.post(
        "/api/v1/wallet/shares",
        json={"credential_ids": ids[:2], "expires_in_days": 7},
        headers=anna,
    )
    assert created.status_code == 201, created.text
    share = created.json()
    assert share["url"].startswith("http://testserver/s/") and share["credential_ids"] == ids[:2]
    assert share["qr_svg"].lstrip().startswith("<?xml") and "<svg" in share["qr_svg"]
    png = base64.b64decode(share["qr_png"].removeprefix("data:image/png;base64,"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    path = share["url"].removeprefix("http://testserver")
    token = path.removeprefix("/s/")
    client.forbidden.append(hashlib.sha256(token.encode()).hexdigest())

    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "Anna Bērziņa" in page.text and page.text.count('class="verdict valid"') == 2
    assert "Data analysis with Python" in page.text and "Revoked" not in page.text
    shown = client.get(path, headers={"Accept": "application/json"})
    assert shown.headers["cache-control"] == "no-store"
    assert [(c["id"], c["status"]) for c in shown.json()["credentials"]] == [
        (ids[0], "valid"),
        (ids[1], "valid"),
    ]
    assert shown.json()["holder"] == {"name": "Anna Bērziņa"}

    # the issuer revokes the first one: the page shows it at once
    revoked = client.post(
        f"/api/v1/orgs/{org.slug}/credentials/{issued[0]['id']}/revoke",
        json={"reason": "issued in error"},
        headers=admin,
    )
    assert revoked.status_code == 200
    page = client.get(path)
    assert (
        page.text.count("Revoked by its issuer") == 1
        and page.text.count('class="verdict valid"') == 1
    )
    assert [
        c["status"]
        for c in client.get(path, headers={"Accept": "application/json"}).json()["credentials"]
    ] == ["revoked", "valid"]

    # the wallet learns it when it verifies again
    changes = client.post("/api/v1/wallet/verify", headers=anna).json()
    assert changes["changed"] == 1
    assert {c["id"]: c["after"] for c in changes["results"]} == {
        ids[0]: "revoked",
        ids[1]: "valid",
        ids[2]: "valid",
    }
    only = client.post("/api/v1/wallet/verify", json={"ids": [ids[1]]}, headers=anna).json()
    assert [c["id"] for c in only["results"]] == [ids[1]] and only["changed"] == 0
    assert client.get("/api/v1/wallet", headers=anna).json()["totals"]["ects"] == 5.0

    shares = client.get("/api/v1/wallet/shares", headers=anna).json()
    assert [s["id"] for s in shares] == [share["id"]]
    assert shares[0]["view_count"] == 4 and "url" not in shares[0]

    # the holder revokes the link: 404 from now on, as HTML and as JSON
    assert client.delete(f"/api/v1/wallet/shares/{share['id']}", headers=anna).status_code == 204
    gone = client.get(path)
    assert gone.status_code == 404 and gone.headers["content-type"].startswith("text/html")
    assert gone.headers["cache-control"] == "no-store" and "Anna" not in gone.text
    assert_error_shape(client.get(path, headers={"Accept": "application/json"}), 404)
    assert client.get("/api/v1/wallet/shares", headers=anna).json()[0]["revoked"] is True

    # a presentation for a verifier, checked by the public VC-API route
    made = client.post(
        "/api/v1/wallet/presentations",
        json={
            "credential_ids": ids[1:],
            "challenge": "nonce-123",
            "domain": "employer.example",
        },
        headers=anna,
    )
    assert made.status_code == 200, made.text
    vp = made.json()["verifiablePresentation"]
    assert vp["holder"] == profile["holder"]["did"] and len(vp["verifiableCredential"]) == 2
    checked = client.post(
        "/presentations/verify",
        json={
            "verifiablePresentation": vp,
            "options": {"challenge": "nonce-123", "domain": "employer.example"},
        },
    )
    assert checked.status_code == 200 and checked.json()["verified"] is True, checked.text
    replay = client.post(
        "/presentations/verify",
        json={
            "verifiablePresentation": vp,
            "options": {"challenge": "other", "domain": "employer.example"},
        },
    )
    assert replay.json()["verified"] is False

    # export, and the bundle into a fresh wallet
    bundle = client.get("/api/v1/wallet/export", headers=anna)
    assert bundle.status_code == 200 and "attachment" in bundle.headers["content-disposition"]
    assert len(bundle.json()["credentials"]) == 3
    other = holder_headers(client, instance, "Anna B", "anna-2")
    counts = client.post("/api/v1/wallet/import-bundle", content=bundle.content, headers=other)
    assert counts.json() == {"added": 3, "already_there": 0}
    counts = client.post(
        "/api/v1/wallet/import-bundle",
        files={"file": ("bundle.json", bundle.content, "application/json")},
        headers=other,
    )
    assert counts.json() == {"added": 0, "already_there": 3}

    # delete one credential, then everything held about the holder, then the account
    assert client.delete(f"/api/v1/wallet/credentials/{ids[2]}", headers=anna).status_code == 204
    assert client.get(f"/api/v1/wallet/credentials/{ids[2]}", headers=anna).status_code == 404
    data = client.get("/api/v1/wallet/data", headers=anna).json()
    assert data["holder"]["handle"] == "anna" and len(data["credentials"]) == 2
    assert len(data["shares"]) == 1 and data["api_tokens"][0]["name"] == "test"
    refused = client.request("DELETE", "/api/v1/wallet", json={"confirm": False}, headers=anna)
    assert assert_error_shape(refused, 422)["field"] == "confirm"
    deleted = client.request("DELETE", "/api/v1/wallet", json={"confirm": True}, headers=anna)
    assert deleted.status_code == 200 and deleted.json()["credentials"] == 2
    assert_error_shape(client.get("/api/v1/wallet", headers=anna), 401)
    assert client.get("/api/v1/wallet", headers=other).status_code == 200


def test_jwt_presentation_verifies(client, instance, anna, wallet_items):
    verify_presentation = pytest.importorskip("microcred.verify.presentation").verify_presentation
    from microcred.services.verifying import verifier_context

    made = client.post(
        "/api/v1/wallet/presentations",
        json={
            "credential_ids": wallet_items["ids"][:1],
            "challenge": "n-1",
            "domain": "verifier.example",
            "format": "jwt",
        },
        headers=anna,
    )
    assert made.status_code == 200, made.text
    assert made.json()["format"] == "jwt"
    jwt = made.json()["verifiablePresentation"]
    assert isinstance(jwt, str) and jwt.count(".") == 2
    report = verify_presentation(
        jwt,
        verifier_context(instance, now=datetime.now(UTC)),
        challenge="n-1",
        domain="verifier.example",
    )
    assert report.valid and report.status == "valid", report.to_json()
    assert not verify_presentation(
        jwt,
        verifier_context(instance, now=datetime.now(UTC)),
        challenge="other",
        domain="verifier.example",
    ).valid


def test_documents_pdf_and_linkedin(client, anna, wallet_items):
    ids = wallet_items["ids"]
    # downloading makes no share link (a GET creates nothing): the verify page is on it
    pdf = client.get(f"/api/v1/wallet/credentials/{ids[0]}/certificate.pdf", headers=anna)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "microcred-share-id" not in pdf.headers
    assert client.get("/api/v1/wallet/shares", headers=anna).json() == []

    portfolio = client.get(
        "/api/v1/wallet/portfolio.pdf", params={"ids": f"{ids[0]},{ids[1]}"}, headers=anna
    )
    assert portfolio.status_code == 200 and portfolio.content.startswith(b"%PDF")
    # a QR code needs a share link the holder made
    every = client.get("/api/v1/wallet/portfolio.pdf", params={"qr": "true"}, headers=anna)
    assert assert_error_shape(every, 422)["field"] == "share_url"
    both = client.post("/api/v1/wallet/shares", json={"credential_ids": ids[:2]}, headers=anna)
    with_qr = client.get(
        "/api/v1/wallet/portfolio.pdf",
        params={"ids": f"{ids[0]},{ids[1]}", "qr": "true", "share_url": both.json()["url"]},
        headers=anna,
    )
    assert with_qr.status_code == 200 and with_qr.content.startswith(b"%PDF")

    created = client.post("/api/v1/wallet/shares", json={"credential_ids": ids[:1]}, headers=anna)
    url = created.json()["url"]
    chosen = client.get(
        f"/api/v1/wallet/credentials/{ids[0]}/certificate.pdf",
        params={"share_url": url},
        headers=anna,
    )
    assert chosen.status_code == 200 and chosen.content.startswith(b"%PDF")
    linked = client.get(
        f"/api/v1/wallet/credentials/{ids[0]}/linkedin", params={"share_url": url}, headers=anna
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["url"].startswith("https://www.linkedin.com/profile/add?")
    assert linked.json()["share_id"] == created.json()["id"] and linked.json()["cert_url"] == url
    # a share link that does not show this credential is refused
    wrong = client.get(
        f"/api/v1/wallet/credentials/{ids[1]}/linkedin", params={"share_url": url}, headers=anna
    )
    assert assert_error_shape(wrong, 422)["field"] == "share_url"
    plain = client.get(f"/api/v1/wallet/credentials/{ids[2]}/linkedin", headers=anna).json()
    assert plain["share_id"] is None and plain["cert_url"] == "http://testserver/verify"
    assert len(client.get("/api/v1/wallet/shares", headers=anna).json()) == 2  # the two made


# ---------------------------------------------------------------- every route: 401 and 404

# method, path ({id}: a credential, {sid}: a share), body
WALLET_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/v1/wallet", None),
    ("DELETE", "/api/v1/wallet", {"confirm": True}),
    ("GET", "/api/v1/wallet/data", None),
    ("POST", "/api/v1/wallet/credentials", {"credential": "x.y.z"}),
    ("GET", "/api/v1/wallet/credentials", None),
    ("GET", "/api/v1/wallet/credentials/{id}", None),
    ("DELETE", "/api/v1/wallet/credentials/{id}", None),
    ("GET", "/api/v1/wallet/credentials/{id}/certificate.pdf", None),
    ("GET", "/api/v1/wallet/credentials/{id}/linkedin", None),
    ("GET", "/api/v1/wallet/portfolio.pdf?ids={id}", None),
    ("POST", "/api/v1/wallet/verify", {"ids": ["{id}"]}),
    ("GET", "/api/v1/wallet/export", None),
    ("POST", "/api/v1/wallet/import-bundle", {"format": "x"}),
    ("POST", "/api/v1/wallet/shares", {"credential_ids": ["{id}"]}),
    ("GET", "/api/v1/wallet/shares", None),
    ("DELETE", "/api/v1/wallet/shares/{sid}", None),
    (
        "POST",
        "/api/v1/wallet/presentations",
        {"credential_ids": ["{id}"], "challenge": "c", "domain": "d"},
    ),
]

# the routes that name one of the holder's objects
OBJECT_ROUTES = [r for r in WALLET_ROUTES if "{id}" in json.dumps(r) or "{sid}" in r[1]]


def test_the_route_table_covers_every_wallet_route(app):
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/v1/wallet")
        for method in operations
    }
    listed = {
        (m, p.split("?")[0].replace("{id}", "{item_id}").replace("{sid}", "{share_id}"))
        for m, p, _ in WALLET_ROUTES
    }
    assert served == listed


def _fill(value: Any, ids: dict[str, str]) -> Any:
    text = json.dumps(value)
    for key, real in ids.items():
        text = text.replace("{" + key + "}", real)
    return json.loads(text)


def _call(client, method: str, path: str, body: Any, headers: dict[str, str], ids: dict[str, str]):
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = _fill(body, ids)
    return client.request(method, _fill(path, ids), **kwargs)


@pytest.fixture()
def two_wallets(client, instance, org, admin, published, anna, bob):
    """Anna and Bob, each with a credential and a share link."""
    ids: dict[str, dict[str, str]] = {}
    for n, headers in ((1, anna), (2, bob)):
        credential = issue(client, org, admin, published, n)["credential"]
        item = client.post("/api/v1/wallet/credentials", json=credential, headers=headers).json()
        share = client.post(
            "/api/v1/wallet/shares", json={"credential_ids": [item["id"]]}, headers=headers
        ).json()
        ids["anna" if n == 1 else "bob"] = {"id": item["id"], "sid": share["id"]}
    return ids


def test_no_token_or_a_bad_token_is_401(client, instance, two_wallets):
    token_id, revoked_secret = holders.create_token(instance, "anna", "old")
    assert client.get("/api/v1/wallet", headers=bearer(revoked_secret)).status_code == 200
    holders.revoke_token(instance, "anna", token_id)
    _, expired_secret = holders.create_token(instance, "anna", "expired", days=-1)
    org_like = "mc_" + revoked_secret[4:]
    for number, (method, path, body) in enumerate(WALLET_ROUTES):
        # Bad tokens are counted per client address (30 in 15 minutes, then 429: see
        # tests/security/test_sign_in.py): each route is tried from an address of its own.
        fresh = SecretCheckingClient(client.app, client=(f"198.51.100.{number + 1}", 50000))
        fresh.forbidden = client.forbidden
        for headers in (
            {},
            {"Authorization": "Bearer mcw_not-a-real-token"},
            {"Authorization": "Bearer "},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": "Bearer " + "x" * 5000},
            {"Authorization": f"Bearer {org_like}"},
            bearer(revoked_secret),
            bearer(expired_secret),
        ):
            response = _call(fresh, method, path, body, headers, two_wallets["anna"])
            error = assert_error_shape(response, 401)
            assert error["code"] == "unauthorized", (method, path)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert "Anna" not in response.text


def test_an_organisation_token_is_not_a_wallet_token(client, admin, two_wallets):
    assert_error_shape(client.get("/api/v1/wallet", headers=admin), 401)


def test_another_holders_objects_are_404_like_nothing(client, anna, bob, two_wallets):
    nothing = {"id": "00000000-0000-0000-0000-000000000000", "sid": "0" * 36}
    for method, path, body in OBJECT_ROUTES:
        foreign = _call(client, method, path, body, bob, two_wallets["anna"])
        missing = _call(client, method, path, body, bob, nothing)
        assert_error_shape(foreign, 404)
        assert_error_shape(missing, 404)
        a, b = foreign.json()["error"], missing.json()["error"]
        assert a["code"] == b["code"] and a["field"] == b["field"], (method, path, a, b)
        assert "Anna" not in foreign.text
    # Anna's objects are all still there, and her share link still opens
    assert (
        client.get(
            f"/api/v1/wallet/credentials/{two_wallets['anna']['id']}", headers=anna
        ).status_code
        == 200
    )
    assert [s["revoked"] for s in client.get("/api/v1/wallet/shares", headers=anna).json()] == [
        False
    ]
    listed = client.get("/api/v1/wallet/credentials", headers=bob).json()["credentials"]
    assert [c["id"] for c in listed] == [two_wallets["bob"]["id"]]


# ---------------------------------------------------------------- bad input


ODD_BODIES: list[Any] = [
    None,
    0,
    -1,
    1.5,
    True,
    "",
    "x.y.z",
    [],
    [None],
    {},
    {"a": None},
    {"credential": None},
    {"credential": 5},
    {"credential": []},
    {"credential": {}},
    {"credential": "x.y.z"},
    {"credential": "a\x00b"},
    {"credential": {"@context": None}},
    {"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": 5}},
    {"credential": {"a": "b"}, "url": "https://rtk.example.lv/x"},
    {"url": None},
    {"url": 5},
    {"url": ""},
    {"url": "ftp://rtk.example.lv/x"},
    {"url": "https://evil.example/x"},
    {"url": "http://rtk.example.lv/x"},
    {"url": "https://rtk.example.lv/missing"},
    {"url": "https://" + "a" * 3000},
    {"ids": None},
    {"ids": []},
    {"ids": [5]},
    {"ids": "x"},
    {"credential_ids": None},
    {"credential_ids": []},
    {"credential_ids": ["x" * 200]},
    {"credential_ids": ["x"], "expires_in_days": 0},
    {"credential_ids": ["x"], "expires_in_days": 366},
    {"credential_ids": ["x"], "expires_in_days": 10**40},
    {"credential_ids": ["x"], "challenge": "", "domain": "d"},
    {"credential_ids": ["x"], "challenge": "c", "domain": "d", "format": "xml"},
    {"format": "microcred-wallet-bundle/1", "credentials": None},
    {"format": "microcred-wallet-bundle/1", "credentials": [None]},
    {"format": "microcred-wallet-bundle/1", "credentials": [{"original": "x", "report": {}}]},
    {"confirm": "yes"},
    {"confirm": None},
]

POST_ROUTES = [
    "/api/v1/wallet/credentials",
    "/api/v1/wallet/verify",
    "/api/v1/wallet/shares",
    "/api/v1/wallet/presentations",
    "/api/v1/wallet/import-bundle",
]


def test_odd_json_bodies_never_break_a_route(client, app, anna, two_wallets):
    app.state.outbound_network = serve({})
    for path in POST_ROUTES:
        for body in ODD_BODIES:
            response = client.post(path, json=body, headers=anna)
            assert response.status_code < 500, (path, body, response.text)
            if response.status_code >= 400:
                assert response.status_code in (400, 404, 413, 422), (path, body)
                assert set(response.json()["error"]) >= {"code", "message", "field"}
    for body in ODD_BODIES:
        response = client.request("DELETE", "/api/v1/wallet", json=body, headers=anna)
        assert response.status_code in (400, 422), (body, response.text)
    # none of that changed Anna's wallet
    assert [
        c["id"]
        for c in client.get("/api/v1/wallet/credentials", headers=anna).json()["credentials"]
    ] == [two_wallets["anna"]["id"]]


def test_malformed_bodies_and_files(client, app, anna, two_wallets):
    app.state.outbound_network = serve({})
    for content in (
        b"{not json",
        b"[" * 100_000,
        b"\xff\xfe\x00",
        b'{"a": ' + b"9" * 10_000 + b"}",
    ):
        for path in ("/api/v1/wallet/credentials", "/api/v1/wallet/import-bundle"):
            response = client.post(
                path, content=content, headers={**anna, "content-type": "application/json"}
            )
            assert_error_shape(response, 400)
    for path in ("/api/v1/wallet/shares", "/api/v1/wallet/presentations", "/api/v1/wallet/verify"):
        response = client.post(
            path, content=b"{not json", headers={**anna, "content-type": "application/json"}
        )
        assert_error_shape(response, 400)

    def upload(content: bytes, name: str = "x.json", media: str = "application/json"):
        return client.post(
            "/api/v1/wallet/credentials", files={"file": (name, content, media)}, headers=anna
        )

    for content, name, media in (
        (b"hello", "x.txt", "text/plain"),
        (b"{}", "x.json", "application/json"),
        (b'{"a": 1}', "x.json", "application/json"),
        (b"[1]", "x.json", "application/json"),
        (b"\x89PNG\r\n\x1a\nnot really", "badge.png", "image/png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "badge.svg", "image/svg+xml"),
        (b"<svg><!DOCTYPE x [<!ENTITY a 'b'>]>", "badge.svg", "image/svg+xml"),
        (b"\xff\xfe\x00\x01", "x.bin", "application/octet-stream"),
    ):
        error = assert_error_shape(upload(content, name, media), 400)
        assert error["code"] == "not_a_credential" and error["field"] == "file"
        assert error["message"].startswith("not a credential: "), error
    assert assert_error_shape(upload(b""), 400)["field"] == "file"
    no_file = client.post(
        "/api/v1/wallet/credentials",
        files={"other": ("a.txt", b"x", "text/plain")},
        headers=anna,
    )
    assert no_file.status_code in (400, 422) and no_file.json()["error"]["field"] == "file"
    broken = client.post(
        "/api/v1/wallet/credentials",
        content=b"--b\r\nContent-Disposition: form-data; name=file\r\n\r\nx",
        headers={**anna, "content-type": "multipart/form-data; boundary=b"},
    )
    assert assert_error_shape(broken)["field"] == "file"
    no_boundary = client.post(
        "/api/v1/wallet/credentials",
        content=b"x",
        headers={**anna, "content-type": "multipart/form-data"},
    )
    assert assert_error_shape(no_boundary)["field"] == "file"
    empty = client.post("/api/v1/wallet/credentials", content=b"", headers=anna)
    assert_error_shape(empty, 400)
    raw = client.post(
        "/api/v1/wallet/credentials",
        content=b"not a credential",
        headers={**anna, "content-type": "application/vc+jwt"},
    )
    assert_error_shape(raw, 400)

    url = client.post(
        "/api/v1/wallet/credentials", json={"url": "https://evil.example/b.json"}, headers=anna
    )
    assert assert_error_shape(url, 422)["field"] == "url"
    for params in ({"eqf": "9"}, {"eqf": "x"}, {"from": "yesterday"}, {"status": "odd"}):
        assert_error_shape(
            client.get("/api/v1/wallet/credentials", params=params, headers=anna), 422
        )
    long_id = "x" * 5000
    assert_error_shape(client.get(f"/api/v1/wallet/credentials/{long_id}", headers=anna), 404)
    assert_error_shape(client.delete(f"/api/v1/wallet/shares/{long_id}", headers=anna), 404)


def test_oversized_uploads_are_413(settings):
    app = create_app(settings, max_body_bytes=10_000)
    holders.create(app.state.instance, name="Anna", handle="anna")
    _, secret = holders.create_token(app.state.instance, "anna")
    with TestClient(app) as c:
        big = b"{" + b" " * 20_000 + b"}"
        response = c.post(
            "/api/v1/wallet/credentials",
            files={"file": ("big.json", big, "application/json")},
            headers=bearer(secret),
        )
        assert_error_shape(response, 413)
        response = c.post("/api/v1/wallet/import-bundle", content=big, headers=bearer(secret))
        assert_error_shape(response, 413)
