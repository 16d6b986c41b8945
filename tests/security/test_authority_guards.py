"""The authority desk takes its member like the console (``requires`` / ``posts``): no member,
the sign-in page; a form post needs the 'issue' scope and a CSRF token, and says which scope
is missing; the holder's side of recognition needs a signed-in holder and a CSRF token."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.services import holders, organisations, tokens
from microcred.settings import Settings
from tests.console_client import token_sign_in

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PATHWAY = (
    Path(__file__).resolve().parents[2] / "src/microcred/data/examples/pathways/data-analysis.yaml"
)


@pytest.fixture()
def app(tmp_path: Path):
    settings = Settings(
        home=tmp_path / "home",
        database_url=f"sqlite:///{tmp_path / 'authority.db'}",
        secret_key="authority",
        base_url="http://testserver",
    )
    app = create_app(settings)
    yield app
    app.state.instance.close()


def _member(app, scopes: tuple[str, ...]) -> TestClient:
    instance = app.state.instance
    org = next(iter(organisations.list_all(instance)), None) or organisations.create(
        instance, name="Recognition Office", country="LV"
    )
    _, secret = tokens.create(instance, org.slug, "+".join(scopes), scopes)
    client = TestClient(app)
    token_sign_in(client, secret)
    return client


def _csrf(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found, path
    return found.group(1)


def test_no_member_gets_the_sign_in_page(app):
    client = TestClient(app)
    for method, path in (
        ("GET", "/authority"),
        ("GET", "/authority/applications/x"),
        ("GET", "/authority/applications/x/components/0"),
        ("GET", "/authority/applications/x/credential.json"),
        ("GET", "/authority/applications/x/credential.pdf"),
        ("POST", "/authority/pathways"),
        ("POST", "/authority/applications/x/decide"),
    ):
        answer = client.request(method, path, follow_redirects=False)
        assert answer.status_code == 303, (method, path, answer.status_code)
        # the desk's own sign-in page, which brings a GET back to the page asked for
        location = answer.headers["location"]
        assert location.split("?")[0].endswith("/authority/login"), (method, path)
        if method == "GET" and path != "/authority":
            assert location.endswith("?next=" + quote(path, safe="")), location


def test_publishing_needs_the_issue_scope_and_a_csrf_token(app):
    source = PATHWAY.read_text(encoding="utf-8")
    reader = _member(app, ("read",))
    refused = reader.post(
        "/authority/pathways", data={"csrf": _csrf(reader, "/authority"), "source": source}
    )
    assert refused.status_code == 403 and "'issue' scope" in html.unescape(refused.text)
    issuer = _member(app, ("issue",))
    forged = issuer.post("/authority/pathways", data={"csrf": "forged", "source": source})
    assert forged.status_code == 403
    assert "Data analysis" not in issuer.get("/authority").text  # nothing was published
    done = issuer.post(
        "/authority/pathways",
        data={"csrf": _csrf(issuer, "/authority"), "source": source},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Data analysis" in issuer.get("/authority").text


def test_applying_needs_a_holder_and_a_csrf_token(app):
    client = TestClient(app)
    answer = client.post("/wallet/pathways/x/apply", follow_redirects=False)
    assert answer.status_code == 303 and "/wallet/login" in answer.headers["location"]
    holders.create(app.state.instance, name="Inese", handle="inese", password="correct horse 1")
    login = client.get("/wallet/login")
    signed = client.post(
        "/wallet/login",
        data={
            "csrf": CSRF.search(login.text).group(1),
            "handle": "inese",
            "password": "correct horse 1",
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    assert client.post("/wallet/pathways/x/apply", data={"csrf": "forged"}).status_code == 403
    unknown = client.post(
        "/wallet/pathways/x/apply", data={"csrf": _csrf(client, "/wallet/pathways")}
    )
    # signed in and checked: the pathway does not exist, and the page says so as the API would
    assert unknown.status_code == 404
    # an application page is the holder's own only (a wrong id is the same answer)
    assert client.get("/wallet/applications/x").status_code == 404
    assert TestClient(app).get("/wallet/applications/x", follow_redirects=False).status_code == 303


def test_a_console_page_answers_a_domain_error_with_the_apis_status(app):
    """Lifting the suspension of a revoked credential is a Conflict: the console answers it
    with the status the API's table (microcred.http_status) gives it, not one of its own."""
    from microcred.errors import Conflict
    from microcred.http_status import status_for
    from microcred.model.files import load_data
    from microcred.services import credentials, specifications
    from microcred.services.credentials import IssueRequest

    client = _member(app, ("revoke",))  # without read: the refusal page says what happened
    instance = app.state.instance
    org = organisations.list_all(instance)[0]
    spec = specifications.publish(
        instance,
        org.slug,
        load_data(
            Path(__file__).resolve().parents[2] / "examples/specs/university-data-analysis.yaml"
        ),
    )
    issued = credentials.issue(
        instance, org.slug, spec.id, IssueRequest("Zelma", "zelma@example.lv", "2026-03-02")
    )
    credentials.revoke(instance, issued.id, reason="issued in error", org_ref=org.slug)
    page = f"/console/credentials/{issued.id}"
    answer = client.post(
        f"{page}/status", data={"csrf": _csrf(client, "/console"), "action": "unsuspend"}
    )
    expected = status_for(Conflict("revoked"))[0]
    assert expected != 422  # the form's own status would hide the meaning
    assert answer.status_code == expected
    assert "revocation cannot be undone" in answer.text
