"""Revocable web sessions (issue 12, finding 10): signing out ends the session on the server,
so a copy of the old cookie is refused; a password change ends the holder's other sessions;
deleting the account ends them all; the console's sessions end at sign-out too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.services import holders, organisations, privacy, tokens
from microcred.settings import Settings

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple battery horse"


@pytest.fixture()
def app(tmp_path: Path, database_url: str):
    return create_app(
        Settings(
            home=tmp_path / "home",
            database_url=database_url,
            secret_key="test",
            base_url="http://testserver",
        )
    )


@pytest.fixture()
def instance(app):
    return app.state.instance


@pytest.fixture()
def anna(instance):
    return holders.create(instance, name="Anna Bērziņa", handle="anna", password=PASSWORD)


def _csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def _signed_in(app, handle: str = "anna", password: str = PASSWORD) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    response = client.post(
        "/wallet/login",
        data={"csrf": _csrf(client, "/wallet/login"), "handle": handle, "password": password},
    )
    assert response.status_code == 303, response.text
    assert _wallet_status(client) == 200
    return client


def _wallet_status(client: TestClient, cookie: str | None = None) -> int:
    headers = {"Cookie": f"mc_web={cookie}"} if cookie else None
    return client.get("/wallet", headers=headers).status_code


def _fresh(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def test_after_sign_out_the_old_cookie_is_refused(app, anna):
    client = _signed_in(app)
    stolen = client.cookies["mc_web"]
    csrf = _csrf(client, "/wallet")
    assert client.post("/wallet/logout", data={"csrf": csrf}).status_code == 303
    assert _wallet_status(client) == 303  # this browser is signed out
    assert _wallet_status(_fresh(app), stolen) == 303  # and so is a copy of its cookie


def test_a_password_change_ends_the_other_sessions(app, instance, anna):
    phone = _signed_in(app)
    laptop = _signed_in(app)
    holders.change_password(instance, "anna", PASSWORD, NEW_PASSWORD)
    assert _wallet_status(phone) == 303
    assert _wallet_status(laptop) == 303
    assert _signed_in(app, password=NEW_PASSWORD)
    with pytest.raises(holders.HolderError) as wrong:
        holders.change_password(instance, "anna", "not the password", "something else long")
    assert wrong.value.field == "current_password"


def test_a_password_change_on_the_web_keeps_this_session_and_ends_the_others(app, anna):
    phone = _signed_in(app)
    laptop = _signed_in(app)
    page = laptop.get("/wallet/password")
    assert page.status_code == 200 and 'name="new_password"' in page.text
    form = {"csrf": _csrf(laptop, "/wallet/password"), "current_password": PASSWORD}
    short = laptop.post("/wallet/password", data={**form, "new_password": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    changed = laptop.post("/wallet/password", data={**form, "new_password": NEW_PASSWORD})
    assert changed.status_code == 303, changed.text
    assert _wallet_status(laptop) == 200
    assert _wallet_status(phone) == 303


def test_after_account_deletion_the_cookie_is_refused(app, instance, anna):
    client = _signed_in(app)
    cookie = client.cookies["mc_web"]
    privacy.delete_holder(instance, "anna")
    # A new account with the same handle is not the deleted one's session either.
    holders.create(instance, name="Anna Bērziņa", handle="anna", password=PASSWORD)
    assert _wallet_status(_fresh(app), cookie) == 303


def test_after_console_sign_out_the_old_cookie_is_refused(app, instance):
    org = organisations.create(instance, name="Rīgas Tehniskā koledža", country="LV")
    _, secret = tokens.create(instance, org.slug, "console", ["read"])
    client = TestClient(app, follow_redirects=False)
    csrf = _csrf(client, "/console/login")
    assert client.post("/console/login", data={"csrf": csrf, "token": secret}).status_code == 303
    assert client.get("/console").status_code == 200
    stolen = client.cookies["mc_web"]
    assert (
        client.post("/console/logout", data={"csrf": _csrf(client, "/console")}).status_code == 303
    )
    assert _fresh(app).get("/console", headers={"Cookie": f"mc_web={stolen}"}).status_code == 303


def test_a_cookie_without_a_server_side_session_is_refused(app, instance, anna):
    """A cookie signed with the instance secret but naming no live session (as forged with a
    leaked secret, or made before sessions were recorded) does not sign anyone in."""
    from microcred.web.core import WebSession, encode_session

    forged = encode_session(instance, WebSession(csrf="x", holder=anna.id, issued=2**31 - 1))
    assert _wallet_status(_fresh(app), forged) == 303


def test_the_cli_sets_a_password_and_signs_the_holder_out(
    app, tmp_path, database_url, anna, monkeypatch
):
    from typer.testing import CliRunner

    from microcred.cli.main import app as cli_app

    client = _signed_in(app)
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", database_url)
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "test")
    monkeypatch.setenv("ANNA_PASSWORD", NEW_PASSWORD)
    args = ["holder", "password", "--holder", "anna", "--password-env", "ANNA_PASSWORD"]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert "1 signed-in session(s) ended" in result.output
    assert _wallet_status(client) == 303
    assert _signed_in(app, password=NEW_PASSWORD)
    monkeypatch.setenv("ANNA_PASSWORD", "short")
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 2 and "new_password" in result.output, result.output
