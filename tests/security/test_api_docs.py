"""Issue 12, finding 14: the API documentation pages carry the app's security headers, the
OpenAPI document lists every answer a route gives (the app's error shape, with the real
codes), and query parameters are validated (a date is an ISO date, never ``0``)."""

# ruff: noqa: F811 - the API fixtures are imported, and requested by the same names
from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest

from microcred.services import holders
from tests.api.conftest import (  # noqa: F401 - shared fixtures
    admin,
    app,
    assert_error_shape,
    client,
    instance,
    org,
    published,
    settings,
    spec_data,
)

DOC_PAGES = ("/docs", "/redoc", "/docs/oauth2-redirect")


def _csp(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("content-security-policy")
    assert header, f"{response.request.url.path}: no Content-Security-Policy"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S | re.I)


@pytest.mark.parametrize("path", [*DOC_PAGES, "/openapi.json"])
def test_documentation_cannot_be_framed_or_sniffed(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text
    csp = _csp(response)
    assert csp.get("frame-ancestors") == ["'none'"]
    assert response.headers.get("x-frame-options") == "DENY"
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert csp.get("object-src") == ["'none'"] or csp.get("default-src") == ["'none'"]
    assert csp.get("base-uri") == ["'none'"]


@pytest.mark.parametrize("path", DOC_PAGES)
def test_documentation_pages_run_only_their_own_scripts(client, path):
    response = client.get(path)
    csp = _csp(response)
    scripts = csp.get("script-src", csp.get("default-src", []))
    assert "'self'" in scripts  # the bundles, once they are served from this instance
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert "*" not in scripts and "https:" not in scripts
    for body in _inline_scripts(response.text):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in scripts, f"{path}: inline script not allowed by hash"
    # an external script is allowed by its exact address only
    for src in re.findall(r"<script[^>]*\bsrc=[\"']([^\"']+)", response.text):
        if src.startswith(("http://", "https://")):
            assert src in scripts
    assert "connect-src" in csp and "'self'" in csp["connect-src"]


def test_every_other_answer_has_the_headers_too(client, org):
    for response in (
        client.get("/healthz"),
        client.get("/api/v1/orgs/x/credentials"),  # 401, an error answer
        client.get("/no/such/path"),
        client.post("/api/v1/verify", content=b"\x00", headers={"content-type": "text/plain"}),
    ):
        assert _csp(response).get("frame-ancestors") == ["'none'"], response.request.url
        assert response.headers.get("x-content-type-options") == "nosniff"
        assert response.headers.get("x-frame-options") == "DENY"
    # a page that sets its own policy keeps it
    page = client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]


# ---------------------------------------------------------------- the OpenAPI document

ERROR_REF = "#/components/schemas/ErrorBody"


def _error_schema_of(schema: dict[str, Any], operation: dict[str, Any], code: str) -> Any:
    answer = operation["responses"].get(code)
    assert answer is not None, f"{code} is not documented"
    found = answer["content"]["application/json"]["schema"]
    return found


def _refs(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        found = {schema["$ref"]} if "$ref" in schema else set()
        for value in schema.values():
            found |= _refs(value)
        return found
    if isinstance(schema, list):
        return set().union(*(_refs(v) for v in schema)) if schema else set()
    return set()


def _operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_openapi_documents_every_error_answer(client):
    document = client.get("/openapi.json").json()
    error = document["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, method, operation in _operations(document):
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        # app-wide: a NUL character in the URL, a malformed body (400); a body over the limit
        assert "400" in responses, where
        if method in ("post", "put", "patch", "delete"):
            assert "413" in responses, where
        for code, answer in responses.items():
            if code.startswith("4") and "application/json" in answer.get("content", {}):
                assert ERROR_REF in _refs(answer["content"]["application/json"]["schema"]), (
                    f"{where} {code} does not document the error shape"
                )
        if operation.get("security"):
            assert {"401", "429"} <= set(responses), where
            assert "WWW-Authenticate" in responses["401"].get("headers", {}), where
            assert "Retry-After" in responses["429"].get("headers", {}), where
        if path.startswith("/api/v1/orgs/{org}"):
            assert {"403", "404", "422"} <= set(responses), where
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in responses, where


def test_public_routes_document_their_404(client):
    document = client.get("/openapi.json").json()
    for path in ("/orgs/{slug}/did.json", "/status/{slug}/{list_id}/{purpose}", "/contexts/{path}"):
        assert "404" in document["paths"][path]["get"]["responses"], path
    assert "400" in document["paths"]["/credentials/issue"]["post"]["responses"]
    assert "403" in document["paths"]["/credentials/issue"]["post"]["responses"]


# ---------------------------------------------------------------- parameters


@pytest.fixture()
def wallet(client, instance):
    holders.create(instance, name="Anna Bērziņa", handle="anna")
    _, secret = holders.create_token(instance, "anna", "test")
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("to", "0"),
        ("from", "0"),
        ("to", "1700000000"),
        ("from", "2026-13-01"),
        ("to", "2026-02-30"),
        ("to", "26-01-01"),
        ("from", "2026-01-01T00:00:00"),
        ("to", "yesterday"),
    ],
)
def test_a_date_parameter_is_an_iso_date(client, wallet, name, value):
    response = client.get("/api/v1/wallet/credentials", params={name: value}, headers=wallet)
    error = assert_error_shape(response, 422)
    assert error["field"] == name
    assert name in error["message"] and "YYYY-MM-DD" in error["message"]


def test_a_real_date_is_accepted(client, wallet):
    response = client.get(
        "/api/v1/wallet/credentials",
        params={"from": "2025-01-01", "to": "2026-12-31"},
        headers=wallet,
    )
    assert response.status_code == 200, response.text


def test_issued_on_is_an_iso_date(client, org, admin, published):
    url = f"/api/v1/orgs/{org.slug}/credentials"
    base = {"spec_id": published["id"], "learner_name": "Anna", "learner_id": "mailto:a@x.lv"}
    for bad in (0, 1700000000, "0", "2026-02-30", "2026-01-01T10:00:00"):
        error = assert_error_shape(
            client.post(url, json={**base, "issued_on": bad}, headers=admin), 422
        )
        assert error["field"] == "issued_on" and "YYYY-MM-DD" in error["message"], error
    good = client.post(url, json={**base, "issued_on": "2026-01-15"}, headers=admin)
    assert good.status_code == 201, good.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"include_document": "maybe"}, "include_document"),
    ],
)
def test_range_and_type_errors_name_the_parameter(client, org, admin, params, field):
    response = client.get(f"/api/v1/orgs/{org.slug}/credentials", params=params, headers=admin)
    error = assert_error_shape(response, 422)
    assert error["field"] == field and field in error["message"]


def test_an_enum_parameter_names_its_values(client, wallet):
    response = client.get("/api/v1/wallet/credentials", params={"status": "ok"}, headers=wallet)
    error = assert_error_shape(response, 422)
    assert error["field"] == "status" and "valid" in error["message"]
