"""API test fixtures: an app per test on its own database (SQLite and PostgreSQL), organisations
and tokens made through the services, and a client that checks every response for key material."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.jsonld.contexts import BUNDLED_CONTEXT_URLS, context_bytes
from microcred.model.files import load_data
from microcred.services import organisations, tokens
from microcred.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "specs"
ALL_SCOPES = ["issue", "revoke", "read", "admin"]
BUNDLED_CONTEXT_BYTES = frozenset(context_bytes(url) for url in BUNDLED_CONTEXT_URLS)
# JSON member names that would carry private key material.
PRIVATE_NAMES = {"privateKey", "privateKeyMultibase", "encryptedPrivateKey", "privateKeyJwk", "d"}


def private_members(value: Any, path: str = "$") -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PRIVATE_NAMES:
                found.append(f"{path}.{key}")
            found.extend(private_members(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            found.extend(private_members(item, f"{path}[{number}]"))
    return found


def assert_error_shape(response: Any, status: int | None = None) -> dict[str, Any]:
    assert response.status_code < 500, response.text
    if status is not None:
        assert response.status_code == status, response.text
    assert response.status_code >= 400
    body = response.json()
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert "field" in error
    return error


class CheckingClient(TestClient):
    """Every response: never a 500, never a private key."""

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().request(*args, **kwargs)
        assert response.status_code < 500, response.text
        text = response.text
        # a bundled JSON-LD context served byte for byte only defines terms (the JWS 2020
        # suite context defines privateKeyJwk): it carries no key
        if response.content in BUNDLED_CONTEXT_BYTES:
            return response
        assert "privateKey" not in text and "encryptedPrivateKey" not in text, text[:500]
        if "json" in response.headers.get("content-type", ""):
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            assert not private_members(data), private_members(data)
        return response


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        secret_key="test",
        base_url="http://testserver",
    )


@pytest.fixture()
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture()
def instance(app):
    return app.state.instance


@pytest.fixture()
def client(app):
    with CheckingClient(app) as c:
        yield c


@pytest.fixture()
def org(instance):
    return organisations.create(
        instance, name="Rīgas Tehniskā koledža", country="LV", url="https://rtk.example.lv"
    )


@pytest.fixture()
def other_org(instance):
    return organisations.create(instance, name="Tallinn Training Centre", country="EE")


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture()
def admin(instance, org) -> dict[str, str]:
    """Headers with a token of ``org`` holding every scope."""
    _, secret = tokens.create(instance, org.slug, "test admin", ALL_SCOPES)
    return bearer(secret)


@pytest.fixture()
def spec_data() -> dict[str, Any]:
    return load_data(EXAMPLES / "university-data-analysis.yaml")


@pytest.fixture()
def published(client, org, admin, spec_data) -> dict[str, Any]:
    response = client.post(f"/api/v1/orgs/{org.slug}/specs", json=spec_data, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()
