"""Sign-in throttling (issue 12, finding 5): failed attempts are counted per account and per
client address in the database (so every process of the instance sees them), a throttled
sign-in is refused with ``Retry-After`` (429 on the API, a page that says so on the web), and
password hashing never holds the database or the event loop: ``/healthz`` answers while many
sign-ins run."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.services import holders, organisations, tokens
from microcred.settings import Settings

PASSWORD = "correct horse battery"
WRONG = "wrong horse battery"


def _settings(tmp_path: Path, database_url: str, base_url: str = "http://testserver") -> Settings:
    return Settings(
        home=tmp_path / "home", database_url=database_url, secret_key="test", base_url=base_url
    )


@pytest.fixture()
def app(tmp_path: Path, database_url: str):
    return create_app(_settings(tmp_path, database_url))


@pytest.fixture()
def instance(app):
    return app.state.instance


def _client(app, address: str = "203.0.113.7") -> TestClient:
    return TestClient(app, client=(address, 50000), follow_redirects=False)


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _wallet_login(client: TestClient, handle: str, password: str, **headers: str):
    csrf = _csrf(client, "/wallet/login")
    return client.post(
        "/wallet/login",
        data={"csrf": csrf, "handle": handle, "password": password},
        headers=headers,
    )


def _assert_throttled_page(response, *, lang: str = "en") -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) > 0
    text = re.sub(r"\s+", " ", response.text)
    if lang == "en":
        assert "Too many failed sign-in attempts" in text, text
    else:
        assert "Pārāk daudz neveiksmīgu pieteikšanās mēģinājumu" in text, text


def test_wrong_passwords_then_the_right_one_is_refused_with_a_page(app, instance):
    holders.create(instance, name="Anna Bērziņa", handle="anna", password=PASSWORD)
    with _client(app) as client:
        statuses = [_wallet_login(client, "anna", WRONG).status_code for _ in range(30)]
        assert set(statuses) <= {422, 429} and statuses[0] == 422, statuses
        assert 429 in statuses, statuses
        right = _wallet_login(client, "anna", PASSWORD)
        _assert_throttled_page(right)
        assert right.headers["cache-control"] == "no-store"
        lv = _wallet_login(client, "anna", PASSWORD, **{"accept-language": "lv"})
        _assert_throttled_page(lv, lang="lv")
    # The account is throttled whatever the address: another client is refused as well...
    with _client(app, "198.51.100.20") as other:
        _assert_throttled_page(_wallet_login(other, "anna", PASSWORD))
        # ...but another account from that address signs in.
        holders.create(instance, name="Jānis Kalniņš", handle="janis", password=PASSWORD)
        assert _wallet_login(other, "janis", PASSWORD).status_code == 303


def test_a_throttle_recorded_by_one_process_holds_in_another(tmp_path, database_url):
    first = create_app(_settings(tmp_path, database_url))
    holders.create(first.state.instance, name="Anna Bērziņa", handle="anna", password=PASSWORD)
    with _client(first) as client:
        for _ in range(12):
            _wallet_login(client, "anna", WRONG)
    # A second app on the same database stands for another process of the instance.
    second = create_app(_settings(tmp_path, database_url))
    with _client(second, "198.51.100.30") as client:
        _assert_throttled_page(_wallet_login(client, "anna", PASSWORD))


def test_one_address_is_throttled_across_accounts(app, instance):
    holders.create(instance, name="Anna Bērziņa", handle="anna", password=PASSWORD)
    with _client(app) as client:
        statuses = [_wallet_login(client, f"guess-{n}", WRONG).status_code for n in range(30)]
        assert statuses[0] == 422 and set(statuses) <= {422, 429}, statuses
        _assert_throttled_page(_wallet_login(client, "anna", PASSWORD))
    with _client(app, "198.51.100.40") as elsewhere:  # the account itself is not throttled
        assert _wallet_login(elsewhere, "anna", PASSWORD).status_code == 303


def test_console_token_sign_in_is_throttled_per_address(app, instance):
    org = organisations.create(instance, name="Rīgas Tehniskā koledža", country="LV")
    _, secret = tokens.create(instance, org.slug, "console", ["read"])
    with _client(app) as client:
        for n in range(30):
            csrf = _csrf(client, "/console/login")
            client.post("/console/login", data={"csrf": csrf, "token": f"mc_guess{n}"})
        csrf = _csrf(client, "/console/login")
        response = client.post("/console/login", data={"csrf": csrf, "token": secret})
        _assert_throttled_page(response)


@pytest.mark.parametrize("kind", ["organisation", "wallet"])
def test_api_tokens_wrong_then_right_is_429_with_retry_after(app, instance, kind):
    if kind == "organisation":
        org = organisations.create(instance, name="Rīgas Tehniskā koledža", country="LV")
        _, secret = tokens.create(instance, org.slug, "api", ["read"])
        path, guess = f"/api/v1/orgs/{org.slug}/specs", "mc_"
    else:
        holders.create(instance, name="Anna Bērziņa", handle="anna")
        _, secret = holders.create_token(instance, "anna")
        path, guess = "/api/v1/wallet", "mcw_"
    with _client(app) as client:
        assert client.get(path, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        statuses = [
            client.get(path, headers={"Authorization": f"Bearer {guess}x{n}"}).status_code
            for n in range(30)
        ]
        assert statuses[0] == 401 and set(statuses) <= {401, 429}, statuses
        response = client.get(path, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 429, response.text
        assert int(response.headers["retry-after"]) > 0
        error = response.json()["error"]
        assert error["code"] == "too_many_attempts"
        assert "try again in" in error["message"] and error["field"] == "Authorization"
    with _client(app, "198.51.100.50") as other:  # another address is not affected
        assert other.get(path, headers={"Authorization": f"Bearer {secret}"}).status_code == 200


# ---------------------------------------------------------------- responsiveness


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def server(tmp_path: Path, database_url: str) -> Iterator[tuple[str, object]]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(_settings(tmp_path, database_url, url))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield url, app.state.instance
    running.should_exit = True
    thread.join(10)


def test_healthz_answers_while_sixteen_sign_ins_run(server):
    url, instance = server
    for n in range(16):
        holders.create(instance, name=f"Learner {n}", handle=f"learner-{n}", password=PASSWORD)

    async def scenario() -> tuple[float, float, list[float]]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            page = await client.get("/wallet/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf
            # Every sign-in posts the same anonymous session (the explicit header wins over
            # the cookies a finished sign-in sets).
            cookie = {"Cookie": f"mc_web={page.cookies['mc_web']}"}
            start = time.monotonic()

            async def sign_in(n: int) -> float:
                response = await client.post(
                    "/wallet/login",
                    data={"csrf": csrf.group(1), "handle": f"learner-{n}", "password": PASSWORD},
                    headers=cookie,
                )
                assert response.status_code in (200, 303), response.text
                return time.monotonic() - start

            async def health() -> tuple[float, float]:
                await asyncio.sleep(0.2)  # the sign-ins are under way
                asked = time.monotonic() - start
                response = await client.get("/healthz")
                assert response.status_code == 200
                return asked, time.monotonic() - start

            results = await asyncio.gather(health(), *(sign_in(n) for n in range(16)))
            (asked, answered), done = results[0], list(results[1:])
            return asked, answered, done  # type: ignore[return-value]

    asked, answered, done = asyncio.run(scenario())
    assert answered < max(done), (asked, answered, sorted(done))
    assert answered - asked < 1.0, (asked, answered, sorted(done))
