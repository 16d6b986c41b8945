"""Every organisation route: no token (401), a foreign organisation's token (404, nothing
leaked), a token without the scope (403)."""

from __future__ import annotations

import pytest

from microcred.services import tokens
from tests.api.conftest import ALL_SCOPES, assert_error_shape, bearer

# method, path (with {org}, {cid}, {tid}), required scope (None: any token of the org), body
ORG_ROUTES = [
    ("GET", "/api/v1/orgs/{org}", None, None),
    ("GET", "/api/v1/orgs/{org}/audit", "read", None),
    ("POST", "/api/v1/orgs/{org}/specs", "issue", "SPEC"),
    ("GET", "/api/v1/orgs/{org}/specs", "read", None),
    ("POST", "/api/v1/orgs/{org}/credentials", "issue", "ISSUE"),
    ("GET", "/api/v1/orgs/{org}/credentials", "read", None),
    ("GET", "/api/v1/orgs/{org}/credentials/{cid}", "read", None),
    ("POST", "/api/v1/orgs/{org}/credentials/{cid}/revoke", "revoke", {"reason": "test"}),
    ("POST", "/api/v1/orgs/{org}/credentials/{cid}/suspend", "revoke", {}),
    ("POST", "/api/v1/orgs/{org}/credentials/{cid}/unsuspend", "revoke", None),
    ("GET", "/api/v1/orgs/{org}/tokens", "admin", None),
    ("POST", "/api/v1/orgs/{org}/tokens", "admin", {"name": "n", "scopes": ["read"]}),
    ("DELETE", "/api/v1/orgs/{org}/tokens/{tid}", "admin", None),
    ("GET", "/api/v1/orgs/{org}/jobs", "read", None),
    ("GET", "/api/v1/orgs/{org}/jobs/{jid}", "read", None),
]

# Routes whose token, scope and foreign-organisation refusals are tested in their own files
# (tests/security/test_accounts.py, tests/api/test_certificates.py,
# tests/api/test_presentation_requests.py, tests/services/openid4vci (offers:
# test_offer_management.py), tests/security/test_claims.py); listed here so that a new
# organisation route cannot go unlisted.
OWN_TESTED_ORG_ROUTES = [
    ("GET", "/api/v1/orgs/{org}/members", "admin", None),
    ("POST", "/api/v1/orgs/{org}/members", "admin", {"email": "m@example.lv", "role": "viewer"}),
    ("PATCH", "/api/v1/orgs/{org}/members/{mid}", "admin", {"role": "viewer"}),
    ("POST", "/api/v1/orgs/{org}/credentials/{cid}/delivery", "issue", {}),
    ("GET", "/api/v1/orgs/{org}/credentials/{cid}/delivery", "read", None),
    ("DELETE", "/api/v1/orgs/{org}/credentials/{cid}/delivery", "issue", None),
    ("POST", "/api/v1/orgs/{org}/jobs/{jid}/delivery", "issue", {}),
    ("POST", "/api/v1/orgs/{org}/presentation-requests", "read", {}),
    ("GET", "/api/v1/orgs/{org}/presentation-requests/{rid}", "read", None),
    ("POST", "/api/v1/orgs/{org}/presentation-requests/response-code", "read", {}),
    ("POST", "/api/v1/orgs/{org}/credentials/{cid}/offers", "issue", {}),
    ("GET", "/api/v1/orgs/{org}/credentials/{cid}/offers", "read", None),
    ("DELETE", "/api/v1/orgs/{org}/credentials/{cid}/offers/{offer_id}", "issue", None),
    ("POST", "/api/v1/orgs/{org}/jobs/{jid}/offers", "issue", {}),
    ("GET", "/api/v1/orgs/{org}/certificate", "admin", None),
    ("PUT", "/api/v1/orgs/{org}/certificate", "admin", {"pem": "not a certificate"}),
    ("POST", "/api/v1/orgs/{org}/certificate/test", "admin", None),
]


def test_the_route_table_covers_every_organisation_route(app):
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/v1/orgs/")
        for method in operations
    }
    listed = {
        (
            m,
            p.replace("{cid}", "{credential_id}")
            .replace("{tid}", "{token_id}")
            .replace("{jid}", "{job_id}")
            .replace("{mid}", "{member_id}")
            .replace("{rid}", "{request_id}"),
        )
        for m, p, _, _ in [*ORG_ROUTES, *OWN_TESTED_ORG_ROUTES]
    }
    assert served == listed


@pytest.fixture()
def world(client, instance, org, other_org, admin, published):
    """Two organisations, each with a credential and a token; tokens of ``org`` per scope."""
    _, other_secret = tokens.create(instance, other_org.slug, "other", ALL_SCOPES)
    other = bearer(other_secret)
    other_spec = client.post(
        f"/api/v1/orgs/{other_org.slug}/specs",
        json=published_spec(client, org, admin),
        headers=other,
    )
    assert other_spec.status_code == 201

    def issue(slug, headers, spec_id):
        body = {"spec_id": spec_id, "learner_name": "A B", "learner_id": "mailto:a@b.example"}
        response = client.post(f"/api/v1/orgs/{slug}/credentials", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    own_tid = tokens.create(instance, org.slug, "victim", ["read"])[0].id
    other_tid = tokens.create(instance, other_org.slug, "victim", ["read"])[0].id
    return {
        "cid": issue(org.slug, admin, published["id"]),
        "other_cid": issue(other_org.slug, other, other_spec.json()["id"]),
        "tid": own_tid,
        "other_tid": other_tid,
        "other": other,
        "spec_id": published["id"],
    }


def published_spec(client, org, admin):
    from microcred.model.files import load_data
    from tests.api.conftest import EXAMPLES

    return load_data(EXAMPLES / "online-cybersecurity-basics.yaml")


def _call(client, method, path, body, headers, world, spec_data, org_slug):
    if body == "SPEC":
        body = spec_data
    elif body == "ISSUE":
        body = {
            "spec_id": world["spec_id"],
            "learner_name": "C D",
            "learner_id": "mailto:c@d.example",
        }
    url = path.format(
        org=org_slug,
        cid=world["cid"],
        tid=world["tid"],
        jid="00000000-0000-0000-0000-000000000000",
        mid="00000000-0000-0000-0000-000000000000",
        rid="00000000-0000-0000-0000-000000000000",
    )
    kwargs = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return client.request(method, url, **kwargs)


def test_no_token_or_a_bad_token_is_401(client, world, org, spec_data):
    for method, path, _, body in ORG_ROUTES:
        for headers in (
            {},
            {"Authorization": "Bearer mc_not-a-real-token"},
            {"Authorization": "Bearer "},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": "Bearer " + "x" * 5000},
        ):
            response = _call(client, method, path, body, headers, world, spec_data, org.slug)
            error = assert_error_shape(response, 401)
            assert error["code"] == "unauthorized", (method, path)
            assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_foreign_token_gets_404_and_learns_nothing(client, world, org, spec_data):
    for method, path, _, body in ORG_ROUTES:
        existing = _call(client, method, path, body, world["other"], world, spec_data, org.slug)
        missing = _call(client, method, path, body, world["other"], world, spec_data, "no-such-org")
        assert_error_shape(existing, 404)
        assert_error_shape(missing, 404)
        assert existing.json()["error"]["message"].replace(org.slug, "X") == missing.json()[
            "error"
        ]["message"].replace("no-such-org", "X"), (method, path)
        assert "Rīgas" not in existing.text and world["cid"] not in existing.text


def test_another_orgs_objects_are_not_found_through_ones_own_org(client, world, org, admin):
    base = f"/api/v1/orgs/{org.slug}"
    for method, suffix, body in (
        ("GET", "/credentials/{cid}", None),
        ("POST", "/credentials/{cid}/revoke", {"reason": "x"}),
        ("POST", "/credentials/{cid}/suspend", {}),
        ("POST", "/credentials/{cid}/unsuspend", None),
        ("DELETE", "/tokens/{tid}", None),
    ):
        foreign = base + suffix.format(cid=world["other_cid"], tid=world["other_tid"])
        nothing = base + suffix.format(
            cid="urn:uuid:00000000-0000-0000-0000-000000000000", tid="0" * 36
        )
        a = client.request(method, foreign, headers=admin, json=body)
        b = client.request(method, nothing, headers=admin, json=body)
        assert_error_shape(a, 404)
        assert_error_shape(b, 404)
        assert a.json()["error"]["code"] == b.json()["error"]["code"]
    foreign_spec = client.post(
        f"{base}/credentials",
        headers=admin,
        json={"spec_id": "spec-of-other", "learner_name": "A", "learner_id": "mailto:a@b.example"},
    )
    assert_error_shape(foreign_spec, 404)
    listed = client.get(f"{base}/credentials", headers=admin).json()["items"]
    assert world["other_cid"] not in {i["id"] for i in listed}
    other = client.get(
        f"/api/v1/orgs/{org.slug}/credentials/{world['other_cid']}", headers=world["other"]
    )
    assert other.status_code == 404


def test_a_token_without_the_scope_is_403(client, instance, world, org, spec_data):
    for method, path, scope, body in ORG_ROUTES:
        if scope is None:
            continue
        others = [s for s in ALL_SCOPES if s != scope]
        _, secret = tokens.create(instance, org.slug, f"no {scope}", others)
        response = _call(client, method, path, body, bearer(secret), world, spec_data, org.slug)
        error = assert_error_shape(response, 403)
        assert error["code"] == "forbidden" and scope in error["message"], (method, path)
    # the VC-API issue route, which takes the organisation from the token
    _, secret = tokens.create(instance, org.slug, "reader", ["read"])
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:1"},
    }
    response = client.post(
        "/credentials/issue", json={"credential": credential}, headers=bearer(secret)
    )
    assert_error_shape(response, 403)
    assert_error_shape(client.post("/credentials/issue", json={"credential": credential}), 401)


def test_every_scope_alone_reaches_its_own_routes(client, instance, world, org, spec_data):
    for method, path, scope, body in ORG_ROUTES:
        if scope is None or method == "DELETE" or "revoke" in path or "{jid}" in path:
            continue
        _, secret = tokens.create(instance, org.slug, f"only {scope}", [scope])
        response = _call(client, method, path, body, bearer(secret), world, spec_data, org.slug)
        assert response.status_code in (200, 201), (method, path, response.text)
