"""Finding 4 of issue 12: the issuer console checks the same token scopes as the API.

Every console page is found by walking the application's routes (a new page that is not in
``CONSOLE_TO_API`` fails the test until it says which API route it matches). For every
combination of scopes, a member signed in with such a token gets 403 on a page exactly when
the API answers 403 to the same token on the matching route(s); a 403 names the scope that
is needed and carries no learner data; a member without ``read`` never sees a learner's name
or e-mail; and no link the console shows leads to a 403.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.model.files import load_data
from microcred.services import bulk_jobs as jobs_bulk
from microcred.services import credentials, organisations, specifications, tokens
from microcred.services.credentials import IssueRequest
from microcred.settings import Settings
from tests.console_client import token_sign_in

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"
ORG_API = "/api/v1/orgs/{org}"
NO_TOKEN = "00000000-0000-4000-8000-000000000000"  # a token id that does not exist

# Console routes anyone may call (signing in and out): no token scope applies.
# A member's own account pages (an invitation, a password reset) are reached by their
# one-time link, not by a scope.
PUBLIC = {
    ("GET", "/console/login"),
    ("POST", "/console/login"),
    ("POST", "/console/logout"),
    ("GET", "/console/forgot"),
    ("POST", "/console/forgot"),
    ("GET", "/console/invitation/{secret}"),
    ("POST", "/console/invitation/{secret}"),
    ("GET", "/console/reset/{secret}"),
    ("POST", "/console/reset/{secret}"),
}

# Each console route and the API route(s) doing the same thing. A page that serves several
# (a list with a form on it) is refused only when the token may use none of them; what the
# token may not use is left out of the page.
CONSOLE_TO_API: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("GET", "/console"): [("GET", ORG_API)],
    ("GET", "/console/specs"): [("GET", f"{ORG_API}/specs"), ("POST", f"{ORG_API}/specs")],
    # An employer's OpenID4VP request: the API creates and reads them with scope read.
    ("GET", "/console/requests"): [("POST", f"{ORG_API}/presentation-requests")],
    ("POST", "/console/requests"): [("POST", f"{ORG_API}/presentation-requests")],
    ("GET", "/console/requests/{request_id}"): [
        ("GET", f"{ORG_API}/presentation-requests/{{request_id}}")
    ],
    # Same device: the wallet's redirect brings the response code back to show the answer.
    ("GET", "/console/requests/returned"): [
        ("GET", f"{ORG_API}/presentation-requests/{{request_id}}")
    ],
    ("POST", "/console/requests/returned"): [
        ("GET", f"{ORG_API}/presentation-requests/{{request_id}}")
    ],
    ("POST", "/console/specs"): [("POST", f"{ORG_API}/specs")],
    # The specification editor: writing and publishing is issue; versions and YAML are read.
    ("GET", "/console/specs/editor"): [("POST", f"{ORG_API}/specs")],
    ("POST", "/console/specs/editor"): [("POST", f"{ORG_API}/specs")],
    ("GET", "/console/specs/versions"): [("GET", f"{ORG_API}/specs")],
    ("GET", "/console/specs/export"): [("GET", f"{ORG_API}/specs")],
    ("GET", "/console/issue"): [("POST", f"{ORG_API}/credentials")],
    ("POST", "/console/issue"): [("POST", f"{ORG_API}/credentials")],
    ("GET", "/console/bulk"): [("POST", f"{ORG_API}/credentials")],
    ("POST", "/console/bulk"): [("POST", f"{ORG_API}/credentials")],
    ("GET", "/console/bulk/{job_id}"): [("GET", f"{ORG_API}/jobs/{{job_id}}")],
    ("GET", "/console/bulk/{job_id}/errors.csv"): [("GET", f"{ORG_API}/jobs/{{job_id}}")],
    ("GET", "/console/bulk/{job_id}/credentials.zip"): [("GET", f"{ORG_API}/jobs/{{job_id}}")],
    # Resuming an interrupted bulk job issues its remaining rows.
    ("POST", "/console/bulk/{job_id}/resume"): [("POST", f"{ORG_API}/credentials")],
    ("GET", "/console/credentials"): [("GET", f"{ORG_API}/credentials")],
    ("GET", "/console/credentials/{cid}"): [("GET", f"{ORG_API}/credentials/{{credential_id}}")],
    ("POST", "/console/credentials/{cid}/status"): [
        ("POST", f"{ORG_API}/credentials/{{credential_id}}/revoke")
    ],
    ("GET", "/console/tokens"): [("GET", f"{ORG_API}/tokens")],
    ("POST", "/console/tokens"): [("POST", f"{ORG_API}/tokens")],
    ("POST", "/console/tokens/{token_id}/revoke"): [("DELETE", f"{ORG_API}/tokens/{{token_id}}")],
    ("GET", "/console/audit"): [("GET", f"{ORG_API}/audit")],
    ("GET", "/console/audit.csv"): [("GET", f"{ORG_API}/audit")],
    ("GET", "/console/audit.json"): [("GET", f"{ORG_API}/audit")],
    ("GET", "/console/members"): [("GET", f"{ORG_API}/members"), ("POST", f"{ORG_API}/members")],
    ("POST", "/console/members"): [("POST", f"{ORG_API}/members")],
    ("POST", "/console/members/{member_id}"): [("PATCH", f"{ORG_API}/members/{{member_id}}")],
    ("POST", "/console/credentials/{cid}/deliver"): [
        ("POST", f"{ORG_API}/credentials/{{credential_id}}/delivery")
    ],
    ("POST", "/console/bulk/{job_id}/deliver"): [("POST", f"{ORG_API}/jobs/{{job_id}}/delivery")],
    ("POST", "/console/credentials/{cid}/delivery/revoke"): [
        ("DELETE", f"{ORG_API}/credentials/{{credential_id}}/delivery")
    ],
    # Wallet offers (OpenID4VCI): made and revoked with issue, like the API's.
    ("POST", "/console/credentials/{cid}/offers"): [
        ("POST", f"{ORG_API}/credentials/{{credential_id}}/offers")
    ],
    ("POST", "/console/credentials/{cid}/offers/{offer_id}/revoke"): [
        ("DELETE", f"{ORG_API}/credentials/{{credential_id}}/offers/{{offer_id}}")
    ],
    ("POST", "/console/bulk/{job_id}/offers"): [("POST", f"{ORG_API}/jobs/{{job_id}}/offers")],
}

SCOPE_SETS = [
    combo
    for size in range(1, len(tokens.SCOPES) + 1)
    for combo in combinations(tokens.SCOPES, size)
]
LEARNERS = [
    ("Zelma Ķirse-Testa", "zelma.kirse@example.lv"),
    ("Valdis Ozolkalns", "valdis.o@example.lv"),
]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CONSOLE_LINK = re.compile(r'href="(/console[^"#?]*)')


@dataclass
class Setup:
    app: Any
    org_slug: str
    secrets: dict[tuple[str, ...], str]
    values: dict[str, str]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    home = tmp_path_factory.mktemp("console-scopes")
    settings = Settings(
        home=home / "home",
        database_url=f"sqlite:///{home / 'scopes.db'}",
        secret_key="scopes",
        base_url="http://testserver",
    )
    app = create_app(settings)
    instance = app.state.instance
    org = organisations.create(instance, name="Scope Test College", country="LV")
    spec = specifications.publish(instance, org.slug, load_data(SPEC))
    name, email = LEARNERS[0]
    issued = credentials.issue(
        instance, org.slug, spec.id,
        IssueRequest(learner_name=name, learner_id=email, issued_on="2026-03-02"),
    )  # fmt: skip
    rows = home / "rows.csv"
    rows.write_text(
        "learner_name,learner_id,issued_on,row_key\n"
        f"{LEARNERS[1][0]},{LEARNERS[1][1]},2026-03-03,scopes-1\n"
        "Bad Date,bad.date@example.lv,yesterday,scopes-2\n",
        encoding="utf-8",
    )
    job_id, _ = jobs_bulk.submit(instance, org.slug, spec.id, rows, mode=jobs_bulk.MODE_IN_PROCESS)
    jobs_bulk.run_in_process(instance, job_id, workers=1)
    secrets = {
        combo: tokens.create(instance, org.slug, "+".join(combo), combo)[1] for combo in SCOPE_SETS
    }
    values = {
        "org": org.slug,
        "cid": issued.id,
        "credential_id": issued.id,
        "job_id": job_id,
        "token_id": NO_TOKEN,
        "request_id": NO_TOKEN,
        "member_id": NO_TOKEN,
        "offer_id": NO_TOKEN,
    }
    yield Setup(app, org.slug, secrets, values)
    instance.close()


def _routes(app: Any) -> Iterator[tuple[str, str]]:
    """(method, path) of every route of the app, through included routers too."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI >= 0.165 includes lazily
    except ImportError:  # older FastAPI: the routes are flat
        contexts: Any = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    for route in contexts:
        if isinstance(getattr(route, "original_route", route), APIRoute):
            for method in route.methods or ():
                if method != "HEAD":
                    yield method, route.path


def console_routes(app: Any) -> set[tuple[str, str]]:
    found = {(m, p) for m, p in _routes(app) if p.startswith("/console")}
    assert ("GET", "/console/audit") in found, f"the console's routes were not found: {found}"
    return found


def api_routes(app: Any) -> set[tuple[str, str]]:
    return {(m, p) for m, p in _routes(app) if p.startswith("/api/")}


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def sign_in(app: Any, secret: str) -> TestClient:
    client = TestClient(app)
    token_sign_in(client, secret)
    return client


def console_call(client: TestClient, method: str, path: str) -> Any:
    if method == "GET":
        return client.get(path, follow_redirects=False)
    csrf = CSRF.search(client.get("/console/login").text)
    # An empty form: refused for a missing scope, or for the empty fields (nothing changes).
    return client.post(path, data={"csrf": csrf.group(1) if csrf else ""}, follow_redirects=False)


def api_call(client: TestClient, method: str, path: str, secret: str) -> Any:
    # No body: a token with the scope gets a 422 on a POST, nothing is issued or revoked.
    return client.request(method, path, headers={"Authorization": f"Bearer {secret}"})


def needed_scope(answer: Any) -> str:
    found = re.search(r"'(\w+)' scope", answer.json()["error"]["message"])
    assert found, answer.text
    return found.group(1)


def test_every_console_page_is_mapped_to_the_api(setup: Setup) -> None:
    routes = console_routes(setup.app) - PUBLIC
    unmapped = routes - set(CONSOLE_TO_API)
    assert not unmapped, f"say which API route each new console page matches: {unmapped}"
    known = api_routes(setup.app)
    for page in routes:
        missing = [r for r in CONSOLE_TO_API[page] if r not in known]
        assert not missing, f"{page}: no such API route {missing}"


@pytest.mark.parametrize("scopes", SCOPE_SETS, ids=["+".join(s) for s in SCOPE_SETS])
def test_console_pages_are_forbidden_exactly_when_the_api_is(
    setup: Setup, scopes: tuple[str, ...]
) -> None:
    secret = setup.secrets[scopes]
    console = sign_in(setup.app, secret)
    api = TestClient(setup.app)
    secrets_of_learners = [part for learner in LEARNERS for part in learner]
    pages = sorted((console_routes(setup.app) - PUBLIC) & set(CONSOLE_TO_API))
    links: set[str] = set()
    problems: list[str] = []
    for method, template in pages:
        path = fill(template, setup.values)
        answer = console_call(console, method, path)
        assert answer.status_code < 500, (method, path, answer.text)
        assert answer.status_code != 303 or "/console/login" not in answer.headers.get(
            "location", ""
        ), (method, path, "signed out?")
        api_answers = [
            api_call(api, m, fill(p, setup.values), secret)
            for m, p in CONSOLE_TO_API[(method, template)]
        ]
        api_forbids = all(a.status_code == 403 for a in api_answers)
        if (answer.status_code == 403) != api_forbids:
            problems.append(
                f"{method} {path}: console {answer.status_code}, API "
                f"{[a.status_code for a in api_answers]}"
            )
            continue
        body = html.unescape(answer.text)
        if answer.status_code == 403:
            needed = {needed_scope(a) for a in api_answers}
            assert any(f"'{s}'" in body for s in needed), (method, path, needed, body)
        if answer.status_code == 403 or "read" not in scopes:
            leaked = [s for s in secrets_of_learners if s in body]
            assert not leaked, f"{method} {path} with {scopes}: {leaked} in a {answer.status_code}"
        if (
            method == "GET"
            and answer.status_code == 200
            and "html" in answer.headers.get("content-type", "")
        ):
            links.update(CONSOLE_LINK.findall(body))
    assert not problems, "\n".join(problems)
    # Navigation and the pages' own links: none leads to a page the member may not use.
    for link in sorted(links - {"/console/login"}):
        answer = console.get(link, follow_redirects=False)
        assert answer.status_code != 403, f"{scopes}: the console links to {link}, which is 403"


def test_the_refusal_names_the_scope_in_latvian_too(setup: Setup) -> None:
    console = sign_in(setup.app, setup.secrets[("issue",)])
    answer = console.get("/console/audit?lang=lv")
    assert answer.status_code == 403
    assert "Jūsu pilnvarai nav tiesību jomas 'read'." in html.unescape(answer.text)
    assert 'href="/console/audit"' not in answer.text  # the navigation hides the audit log
    answer = console.get("/console/credentials?lang=en")
    assert answer.status_code == 403
    assert "Your token does not have the 'read' scope." in html.unescape(answer.text)
