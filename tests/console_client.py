"""Signing a FastAPI TestClient in to the console with an API token, as the sign-in form does
(GET the form for its CSRF token, POST it), for the tests that drive console pages without a
browser."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def token_sign_in(client: TestClient, secret: str) -> TestClient:
    """``client`` signed in with the console token ``secret`` (the answer must be the 303)."""
    login = client.get("/console/login")
    found = CSRF.search(login.text)
    assert found, login.text
    answer = client.post(
        "/console/login",
        data={"csrf": found.group(1), "token": secret},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client
