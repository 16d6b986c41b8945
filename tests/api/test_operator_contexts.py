"""The API with the operator's context files (MICROCRED_EXTRA_CONTEXTS): a credential that
uses such a context verifies, offline; a bad file stops the app at start (issue 14, point 7).

A registration lasts for the process, so each test uses its own context URL."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from microcred.api import create_app
from microcred.jsonld.contexts import ContextFileError
from microcred.jsonld.fast_rdf import canonicalize_fast
from microcred.jsonld.loader import make_loader
from microcred.proofs import Ed25519KeyPair, add_proof, did_key_for
from microcred.settings import Settings

from .conftest import CheckingClient


def _context(url: str) -> dict[str, Any]:
    return {"@context": {"@protected": True, "shoeSize": f"{url}#shoeSize"}}


def _signed(url: str) -> dict[str, Any]:
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", url],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "shoeSize": "42"},
    }
    loader = make_loader({url: _context(url)})
    return add_proof(
        credential,
        key,
        verification_method=f"{did}#{did.removeprefix('did:key:')}",
        created=datetime(2025, 1, 1, tzinfo=UTC),
        canonicalize=lambda d: canonicalize_fast(d, loader=loader),
    )


def _checks(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {c["id"]: c["status"] for c in response.json()["checks"]}


def test_a_credential_using_an_operator_context_verifies(
    settings: Settings, tmp_path: Path
) -> None:
    url = f"https://contexts.test/api-setting/{tmp_path.name}/v1"  # one per database run
    credential = _signed(url)
    with CheckingClient(create_app(settings)) as client:
        before = _checks(client.post("/api/v1/verify", json=credential))
    assert before["schema"] == "fail"
    file = tmp_path / "shoes.jsonld"
    file.write_text(json.dumps(_context(url)), encoding="utf-8")
    configured = dataclasses.replace(settings, extra_contexts=(f"{url}={file}",))
    with CheckingClient(create_app(configured)) as client:
        after = _checks(client.post("/api/v1/verify", json=credential))
    assert after["schema"] == "pass" and after["proof"] == "pass"


def test_a_bad_context_file_stops_the_app(settings: Settings, tmp_path: Path) -> None:
    file = tmp_path / "not-a-context.json"
    file.write_text('["a list"]', encoding="utf-8")
    configured = dataclasses.replace(
        settings, extra_contexts=(f"https://contexts.test/api-bad/v1={file}",)
    )
    with pytest.raises(ContextFileError, match="is not a JSON-LD context"):
        create_app(configured)
