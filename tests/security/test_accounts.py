"""People sign in to the console (issue 17): an administrator invites an issuer by e-mail (read
from a real SMTP server on loopback), the invitee sets a password from the link and signs in;
next= returns to a page of this site only; signing out ends the session (a copy of the cookie
no longer works); wrong passwords, used links, and roles without the scope are refused."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.services import members, organisations
from microcred.settings import Settings
from tests.smtp_inbox import Inbox, smtp_server

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture()
def inbox():
    with smtp_server() as found:
        yield found


@pytest.fixture()
def app(tmp_path: Path, inbox: Inbox):
    settings = Settings(
        home=tmp_path / "home",
        database_url=f"sqlite:///{tmp_path / 'accounts.db'}",
        secret_key="accounts",
        base_url="http://testserver",
        smtp=inbox.smtp,
        mail_from="console@issuer.example",
    )
    app = create_app(settings)
    yield app
    app.state.instance.close()


@pytest.fixture()
def org(app):
    return organisations.create(app.state.instance, name="Rīgas koledža", country="LV")


def _member(app, org, email: str, role: str) -> None:
    _, secret = members.invite(app.state.instance, org.slug, email, role)
    members.accept(app.state.instance, secret, PASSWORD)


def _csrf(client: TestClient, path: str = "/console/login") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, path
    return found.group(1)


def _sign_in(app, email: str, password: str = PASSWORD, next: str = "") -> TestClient:
    client = TestClient(app, follow_redirects=False)
    answer = client.post(
        "/console/login",
        data={"csrf": _csrf(client), "email": email, "password": password, "next": next},
    )
    assert answer.status_code == 303, answer.text
    return client


def _path(url: str) -> str:
    return urlsplit(url).path


def test_invite_set_password_sign_in_sign_out(app, org, inbox):
    _member(app, org, "boss@koledza.lv", "administrator")
    admin = _sign_in(app, "Boss@Koledza.lv")
    page = admin.get("/console/members")
    assert page.status_code == 200 and "boss@koledza.lv" in page.text
    answer = admin.post(
        "/console/members",
        data={"csrf": _csrf(admin, "/console/members"), "email": "ieva@koledza.lv",
              "role": "issuer", "lang": "lv"},
    )  # fmt: skip
    assert answer.status_code == 303
    mail = inbox.to("ieva@koledza.lv")
    assert mail["From"] == "console@issuer.example" and mail["Content-Language"] == "lv"
    link = _path(inbox.link("ieva@koledza.lv", "/console/invitation/"))
    invitee = TestClient(app, follow_redirects=False)
    assert "ieva@koledza.lv" in invitee.get(link).text
    short = invitee.post(link, data={"csrf": _csrf(invitee, link), "password": "short",
                                     "confirm": "short"})  # fmt: skip
    assert short.status_code == 422 and 'id="password-error"' in short.text
    done = invitee.post(link, data={"csrf": _csrf(invitee, link), "password": PASSWORD,
                                    "confirm": PASSWORD, "name": "Ieva Kalniņa"})  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/console/login"
    assert invitee.get(link).status_code == 410  # single use
    issuer = _sign_in(app, "ieva@koledza.lv", next="/console/issue")
    assert issuer.get("/console/issue").status_code == 200
    assert issuer.get("/console/members").status_code == 403  # not an administrator
    assert "Signed in as ieva@koledza.lv" in issuer.get("/console").text
    cookie = issuer.cookies.get("mc_web")
    out = issuer.post("/console/logout", data={"csrf": _csrf(issuer, "/console")})
    assert out.status_code == 303
    copy = TestClient(app, follow_redirects=False, cookies={"mc_web": cookie})
    assert copy.get("/console/issue").status_code == 303  # the old session is over


def test_next_only_to_this_site(app, org):
    _member(app, org, "boss@koledza.lv", "administrator")
    for target, expected in (
        ("/console/credentials?q=x", "/console/credentials?q=x"),
        ("//evil.example/console", "/console"),
        ("https://evil.example/", "/console"),
        ("/\\evil.example", "/console"),
    ):
        client = TestClient(app, follow_redirects=False)
        answer = client.post(
            "/console/login",
            data={"csrf": _csrf(client), "email": "boss@koledza.lv", "password": PASSWORD,
                  "next": target},
        )  # fmt: skip
        assert answer.headers["location"] == expected, target
    # a page asked for before signing in comes back after it
    client = TestClient(app, follow_redirects=False)
    first = client.get("/console/credentials?q=ann")
    assert first.headers["location"] == "/console/login?next=%2Fconsole%2Fcredentials%3Fq%3Dann"
    assert (
        'name="next" value="/console/credentials?q=ann"'
        in client.get(first.headers["location"]).text
    )


def test_wrong_password_and_unknown_address(app, org):
    _member(app, org, "boss@koledza.lv", "administrator")
    client = TestClient(app, follow_redirects=False)
    for email, password in (("boss@koledza.lv", "not the password"), ("who@x.lv", PASSWORD)):
        answer = client.post(
            "/console/login",
            data={"csrf": _csrf(client), "email": email, "password": password},
        )
        assert answer.status_code == 422
        assert "The e-mail address or the password is not right." in answer.text
    assert client.get("/console").status_code == 303


def test_roles_are_the_scopes(app, org):
    _member(app, org, "viewer@koledza.lv", "viewer")
    _member(app, org, "revoker@koledza.lv", "revoker")
    viewer = _sign_in(app, "viewer@koledza.lv")
    assert viewer.get("/console/credentials").status_code == 200
    refused = viewer.post("/console/issue", data={"csrf": _csrf(viewer, "/console")})
    assert refused.status_code == 403 and "issue" in refused.text
    revoker = _sign_in(app, "revoker@koledza.lv")
    refused = revoker.post(
        "/console/specs", data={"csrf": _csrf(revoker, "/console"), "source": "title: x"}
    )
    assert refused.status_code == 403
    assert revoker.get("/console/specs").status_code == 200  # reading them is fine


def test_disabled_member_is_signed_out_at_once(app, org):
    _member(app, org, "boss@koledza.lv", "administrator")
    _member(app, org, "ieva@koledza.lv", "issuer")
    ieva = _sign_in(app, "ieva@koledza.lv")
    admin = _sign_in(app, "boss@koledza.lv")
    ieva_id = next(
        m.id for m in members.list_for(app.state.instance, org.slug) if m.role == "issuer"
    )
    answer = admin.post(
        f"/console/members/{ieva_id}",
        data={"csrf": _csrf(admin, "/console/members"), "action": "disable"},
    )
    assert answer.status_code == 303
    assert ieva.get("/console/issue").status_code == 303


def test_password_reset_same_answer_and_single_use(app, org, inbox):
    _member(app, org, "boss@koledza.lv", "administrator")
    client = TestClient(app, follow_redirects=False)
    answers = []
    for email in ("boss@koledza.lv", "nobody@koledza.lv"):
        answer = client.post(
            "/console/forgot", data={"csrf": _csrf(client, "/console/forgot"), "email": email}
        )
        answers.append((answer.status_code, answer.text.replace(email, "")))
    assert answers[0] == answers[1]  # no account enumeration
    link = _path(inbox.link("boss@koledza.lv", "/console/reset/"))
    assert not [m for m in inbox.messages if "nobody" in str(m["To"])]
    new = "a brand new password"
    done = client.post(link, data={"csrf": _csrf(client, link), "password": new, "confirm": new})
    assert done.status_code == 303
    again = client.post(link, data={"csrf": _csrf(client), "password": new, "confirm": new})
    assert again.status_code == 410  # a reused reset link
    _sign_in(app, "boss@koledza.lv", new)
