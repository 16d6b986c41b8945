"""Malformed input never gets a 500, always the error shape; no response carries a key."""

from __future__ import annotations

import copy
import json

from fastapi.testclient import TestClient

from microcred.api import create_app
from tests.api.conftest import assert_error_shape, private_members


def test_malformed_bodies_on_organisation_routes(client, org, admin, published, spec_data):
    base = f"/api/v1/orgs/{org.slug}"
    json_headers = {**admin, "content-type": "application/json"}
    cases = [
        # (method, path, kwargs, status, field)
        ("POST", "/specs", {"content": b"{not json"}, 400, None),
        ("POST", "/specs", {"content": b"[" * 100_000}, 400, None),
        ("POST", "/specs", {"content": b"\xff\xfe\x00"}, 400, None),
        ("POST", "/specs", {"content": b'{"a": ' + b"9" * 10_000 + b"}"}, 400, None),
        ("POST", "/specs", {"content": b""}, None, None),
        ("POST", "/specs", {"json": [1, 2, 3]}, 422, None),
        ("POST", "/specs", {"json": "a string"}, 422, None),
        ("POST", "/credentials", {"content": b'{"spec_id": '}, 400, None),
        ("POST", "/credentials", {"json": {}}, 422, "spec_id"),
        (
            "POST",
            "/credentials",
            {"json": {"spec_id": published["id"], "learner_name": "A"}},
            422,
            "learner_id",
        ),
        (
            "POST",
            "/credentials",
            {
                "json": {
                    "spec_id": published["id"],
                    "learner_name": 5,
                    "learner_id": "mailto:a@b.lv",
                }
            },
            422,
            "learner_name",
        ),
        (
            "POST",
            "/credentials",
            {
                "json": {
                    "spec_id": published["id"],
                    "learner_name": "A",
                    "learner_id": "mailto:a@b.lv",
                    "issued_on": "yesterday",
                }
            },
            422,
            "issued_on",
        ),
        (
            "POST",
            "/credentials",
            {
                "json": {
                    "spec_id": published["id"],
                    "learner_name": "A",
                    "learner_id": "mailto:a@b.lv",
                    "format": "pdf",
                }
            },
            422,
            "format",
        ),
        (
            "POST",
            "/credentials",
            {
                "json": {
                    "spec_id": published["id"],
                    "learner_name": "A",
                    "learner_id": "mailto:a@b.lv",
                    "surprise": 1,
                }
            },
            422,
            "surprise",
        ),
        (
            "POST",
            "/credentials",
            {"json": {"spec_id": "nope", "learner_name": "A", "learner_id": "mailto:a@b.lv"}},
            404,
            "spec",
        ),
        ("POST", "/credentials/x/revoke", {"json": {}}, 422, "reason"),
        ("POST", "/credentials/x/revoke", {"json": {"reason": ["a"]}}, 422, "reason"),
        ("POST", "/credentials/x/revoke", {"content": b"reason=x"}, 400, None),
        ("POST", "/credentials/x/suspend", {"json": {"reason": 3}}, 422, "reason"),
        ("GET", "/credentials?limit=-1", {}, 422, "limit"),
        ("GET", "/credentials?limit=abc", {}, 422, "limit"),
        ("GET", "/credentials?offset=1e99", {}, 422, "offset"),
        ("GET", "/credentials/" + "z" * 5000, {}, 404, None),
        ("GET", "/credentials/%00%ff", {}, 400, None),
        ("GET", "/credentials?search=a%00b", {}, 400, None),
        (
            "POST",
            "/credentials",
            {
                "json": {
                    "spec_id": published["id"],
                    "learner_name": "A\u0000B",
                    "learner_id": "mailto:a@b.lv",
                }
            },
            422,
            "learner_name",
        ),
        ("POST", "/specs", {"json": {**spec_data, "title": {"en": "A\u0000"}}}, 422, "title.en"),
        ("POST", "/credentials/x/revoke", {"json": {"reason": "\u0000"}}, 422, "reason"),
        ("POST", "/tokens", {"json": {"name": "\u0000", "scopes": ["read"]}}, 422, "name"),
        ("GET", "/audit?limit=0", {}, 422, "limit"),
        ("POST", "/tokens", {"json": {"name": "", "scopes": ["read"]}}, 422, "name"),
        ("POST", "/tokens", {"json": {"name": "x", "scopes": []}}, 422, "scopes"),
        ("POST", "/tokens", {"json": {"name": "x", "scopes": "read"}}, 422, "scopes"),
        ("PUT", "/specs", {"json": {}}, 405, None),
    ]
    for method, path, kwargs, status, field in cases:
        headers = json_headers if "content" in kwargs else admin
        response = client.request(method, base + path, headers=headers, **kwargs)
        error = assert_error_shape(response, status)
        if field is not None:
            assert error["field"] == field or (error["field"] or "").startswith(field), (
                path,
                kwargs,
                error,
            )
        if status == 400 and "content" in kwargs:
            assert "JSON" in error["message"] or "json" in error["code"], error


def test_specification_problems_are_422_with_their_path(client, org, admin, spec_data):
    base = f"/api/v1/orgs/{org.slug}/specs"
    broken = copy.deepcopy(spec_data)
    broken["workload"] = {"ects": 5.123}
    error = assert_error_shape(client.post(base, json=broken, headers=admin), 422)
    assert error["field"] == "workload.ects"
    assert error["problems"][0]["field"] == "workload.ects"
    del broken["title"]
    error = assert_error_shape(client.post(base, json=broken, headers=admin), 422)
    assert {p["field"] for p in error["problems"]} >= {"title", "workload.ects"}
    error = assert_error_shape(client.post(base, json={}, headers=admin), 422)
    assert error["problems"]


def test_award_problems_name_the_request_field(client, org, admin, published):
    body = {"spec_id": published["id"], "learner_name": "A B", "learner_id": "not an identifier"}
    response = client.post(f"/api/v1/orgs/{org.slug}/credentials", json=body, headers=admin)
    error = assert_error_shape(response, 422)
    assert error["field"] == "learner_id", error
    body = {**body, "learner_id": "mailto:a@b.lv", "evidence_url": "ftp:/nope"}
    response = client.post(f"/api/v1/orgs/{org.slug}/credentials", json=body, headers=admin)
    assert_error_shape(response, 422)


def test_bodies_over_the_limit_are_413_before_parsing(client, org, admin):
    big = b'{"a": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    for path, headers in (
        (f"/api/v1/orgs/{org.slug}/specs", admin),
        ("/api/v1/verify", {}),
        ("/credentials/verify", {}),
    ):
        response = client.post(
            path, content=big, headers={**headers, "content-type": "application/json"}
        )
        assert_error_shape(response, 413)

    def chunks():  # no Content-Length: the limit still holds
        for _ in range(6):
            yield b"x" * (1024 * 1024)

    response = client.post(
        "/api/v1/verify", content=chunks(), headers={"content-type": "text/plain"}
    )
    assert_error_shape(response, 413)


def test_small_limit_is_configurable(settings):
    with TestClient(create_app(settings, max_body_bytes=100)) as small:
        assert_error_shape(small.post("/api/v1/verify", json={"x": "y" * 200}), 413)
        assert small.post("/api/v1/verify", json={"x": 1}).status_code == 200


def test_verify_endpoint_bad_input(client):
    cases = [
        ({"content": b"{oops", "headers": {"content-type": "application/json"}}, 400),
        ({"content": b"", "headers": {"content-type": "application/json"}}, 400),
        ({"json": 42}, 400),
        ({"json": [{"a": 1}]}, 400),
        ({"json": {"verifiableCredential": 3}}, 400),
        ({"content": b"", "headers": {"content-type": "text/plain"}}, 400),
        ({"content": b"[" * 100_000, "headers": {"content-type": "application/json"}}, 400),
        ({"content": b"1" * 10_000, "headers": {"content-type": "application/json"}}, 400),
        (
            {
                "content": b'{"a": ' + b"9" * 10_000 + b"}",
                "headers": {"content-type": "application/json"},
            },
            400,
        ),
    ]
    for kwargs, status in cases:
        assert_error_shape(client.post("/api/v1/verify", **kwargs), status)
    # Inputs that are not credentials are reported, not refused.
    for kwargs in (
        {"content": b"hello", "headers": {"content-type": "text/plain"}},
        {"content": b"a.b.c", "headers": {"content-type": "text/plain"}},
        {"json": {}},
        {"json": {"@context": ["https://evil.example/context"], "type": "VerifiableCredential"}},
        {"json": {"@context": "https://www.w3.org/ns/credentials/v2", "credentialSubject": []}},
        {"json": json.loads("[" * 60 + "{}" + "]" * 60)[0] if False else {"a": {"b": {}}}},
    ):
        response = client.post("/api/v1/verify", **kwargs)
        assert response.status_code == 200, response.text
        assert response.json()["valid"] is False
    unknown = client.post(
        "/api/v1/verify",
        json={
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:1",
            "credentialSubject": {"id": "did:example:2"},
        },
    ).json()
    schema = next(c for c in unknown["checks"] if c["id"] == "schema")
    assert schema["status"] == "fail" and "evil.example" in schema["message"]
    deep = "{" + '"a":{' * 200 + "}" * 201
    response = client.post("/api/v1/verify", content=deep, headers={"content-type": "text/plain"})
    assert response.status_code == 200 and response.json()["valid"] is False


def test_unknown_routes_and_methods_have_the_error_shape(client, org):
    assert_error_shape(client.get("/nothing/here"), 404)
    assert_error_shape(client.delete("/healthz"), 405)
    assert_error_shape(client.get("/status/x/1/revocation"), 404)
    assert_error_shape(client.get(f"/status/{org.slug}/1/revocation"), 404)
    assert_error_shape(client.get(f"/status/{org.slug}/abc/revocation"), 404)
    assert_error_shape(client.get(f"/status/{org.slug}/99999999999999/revocation"), 404)
    assert_error_shape(client.get(f"/status/{org.slug}/1/other"), 404)
    assert_error_shape(client.get("/orgs/UPPER/did.json"), 404)
    assert_error_shape(client.get(f"/orgs/{org.id}/did.json"), 404)


def test_an_unexpected_error_is_a_500_with_the_shape(settings):
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal_error", "message": "an internal error occurred", "field": None}
    }


def test_the_openapi_document_has_no_key_fields(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    text = json.dumps(document)
    assert "privateKey" not in text and "encryptedPrivateKey" not in text
    for name, schema in document["components"]["schemas"].items():
        properties = set(schema.get("properties", {}))
        assert not properties & {"d", "privateKey", "secret_key", "encrypted_private"}, name
    assert not private_members(document["components"]["schemas"])
    assert "/credentials/issue" in document["paths"] and "/api/v1/verify" in document["paths"]


ODD_BODIES = [
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
    {"@context": None},
    {"@context": {"@vocab": None}},
    {"spec_id": None, "learner_name": [], "learner_id": {}},
    {"reason": None},
    {"name": 1, "scopes": [None]},
    {"verifiableCredential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "proof": "x"}},
    {"verifiableCredential": {"@context": [], "type": [], "proof": [{}]}},
    {"verifiablePresentation": {"type": "VerifiablePresentation", "verifiableCredential": {}}},
    {"verifiablePresentation": {"@context": 1, "type": ["VerifiablePresentation"], "proof": {}}},
    {"credential": {"@context": {}}},
    {"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": 5}},
    {"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "issuer": []}},
    {"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"]}, "options": None},
]


def test_odd_json_bodies_never_break_a_route(client, org, admin, published):
    base = f"/api/v1/orgs/{org.slug}"
    routes = [
        f"{base}/specs",
        f"{base}/credentials",
        f"{base}/credentials/x/revoke",
        f"{base}/credentials/x/suspend",
        f"{base}/tokens",
        "/api/v1/verify",
        "/credentials/issue",
        "/credentials/verify",
        "/presentations/verify",
    ]
    for path in routes:
        for body in ODD_BODIES:
            response = client.post(path, json=body, headers=admin)
            assert response.status_code < 500, (path, body, response.text)
            if response.status_code >= 400:
                assert set(response.json()["error"]) >= {"code", "message", "field"}, (path, body)
