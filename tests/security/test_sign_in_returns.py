"""Signing in brings you back to the page you asked for, on this site only (issue 17,
point 1): the authority desk for a recognition officer (e-mail and password), kept through a
wrong password; an address elsewhere (``next=https://evil…``, ``//evil``) goes to the desk."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.testclient import TestClient

from microcred.services import members, organisations
from tests.security.test_authority_guards import app  # noqa: F401 - the fixture

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NEXT = re.compile(r'name="next" value="([^"]*)"')
PASSWORD = "correct horse battery"


def _officer(instance) -> str:
    org = organisations.create(instance, name="Akadēmiskās informācijas centrs", country="LV")
    _, secret = members.invite(instance, org.slug, "officer@aic.example.lv", "recognition_officer")
    members.accept(instance, secret, PASSWORD, name="Inese Kalniņa")
    return "officer@aic.example.lv"


def _sign_in(client: TestClient, login: str, email: str, password: str):
    page = client.get(login)
    return client.post(
        "/authority/login",
        data={
            "csrf": CSRF.search(page.text).group(1),
            "next": NEXT.search(page.text).group(1),
            "email": email,
            "password": password,
        },
        follow_redirects=False,
    )


def test_the_desk_returns_to_the_page_asked_for_and_only_on_this_site(app):  # noqa: F811
    email = _officer(app.state.instance)
    client = TestClient(app)
    asked = "/authority/applications/some-application"
    sent = client.get(asked, follow_redirects=False)
    login = sent.headers["location"]
    assert login.endswith("/authority/login?next=" + quote(asked, safe=""))
    wrong = _sign_in(client, login, email, "not the password")
    assert wrong.status_code == 422 and NEXT.search(wrong.text).group(1) == asked
    right = _sign_in(client, login, email, PASSWORD)
    assert right.status_code == 303 and right.headers["location"] == asked
    # never off the site (web/core.safe_next; more forms in tests/web/test_wallet_sharing.py)
    for evil in ("https://evil.example/x", "//evil.example"):
        client = TestClient(app)
        answer = _sign_in(client, "/authority/login?next=" + quote(evil, safe=""), email, PASSWORD)
        assert answer.status_code == 303 and answer.headers["location"] == "/authority", evil
