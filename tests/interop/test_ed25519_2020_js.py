"""Ed25519Signature2020 against Digital Bazaar's own suite (npm
@digitalbazaar/ed25519-signature-2020 5.4.0, interop/js/ed25519-2020.mjs): a credential the
JS suite signs verifies in microcred, and the same credential changed by one character, or
carrying another key's signature, does not. microcred only verifies this legacy suite (it
signs with eddsa-rdfc-2022), so the direction that must hold is JS-signed -> microcred."""

from __future__ import annotations

import copy
import json
import subprocess
from typing import Any

import pytest

from microcred.verify import VerifierContext, verify_credential
from tests.interop.jsref import JS_DIR, check_js_stack, contexts_dir, node_binary
from tests.verify.conftest import NOW

SCRIPT = JS_DIR / "ed25519-2020.mjs"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"


def _node(command: str, document: dict[str, Any], *extra: str) -> dict[str, Any]:
    check_js_stack()
    args = [node_binary(), str(SCRIPT), command, "--contexts", str(contexts_dir()), *extra]
    # our own Node script with its fixed arguments (no shell)
    done = subprocess.run(
        args, input=json.dumps(document), capture_output=True, text=True, timeout=120, check=False
    )
    out: dict[str, Any] = json.loads(done.stdout)
    return out


@pytest.fixture(scope="module")
def js_signed() -> dict[str, Any]:
    credential = {
        "@context": [VC_V1, ED25519_2020],
        "id": "urn:uuid:0b7e1f3a-9c1d-4e2f-8a6b-5d4c3b2a1f00",
        "type": ["VerifiableCredential"],
        "issuanceDate": "2026-01-10T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    out = _node("sign", credential, "--seed", "42" * 32)
    assert out["verified"], out  # the JS suite accepts what it signed
    signed: dict[str, Any] = out["signed"]
    assert signed["proof"]["type"] == "Ed25519Signature2020"
    return signed


def test_a_credential_signed_by_the_js_ed25519_2020_suite_verifies_in_microcred(
    js_signed: dict[str, Any],
) -> None:
    report = verify_credential(json.dumps(js_signed), VerifierContext(now=NOW))
    assert report.valid, report.to_json()
    assert report.check("proof").code == "proof.ok"
    assert report.check("issuer").status == "pass"


def test_a_changed_js_signed_credential_or_another_keys_signature_fails_in_both(
    js_signed: dict[str, Any],
) -> None:
    changed = copy.deepcopy(js_signed)
    changed["credentialSubject"]["id"] = "did:example:mallory"
    report = verify_credential(json.dumps(changed), VerifierContext(now=NOW))
    assert not report.valid and report.check("proof").code == "proof.invalid_signature"
    assert not _node("verify", changed)["verified"]
    # the proof of another key's signature over the same credential, under this issuer's key
    other = _node("sign", {k: v for k, v in js_signed.items() if k != "proof"}, "--seed", "07" * 32)
    swapped = copy.deepcopy(js_signed)
    swapped["proof"]["proofValue"] = other["signed"]["proof"]["proofValue"]
    report = verify_credential(json.dumps(swapped), VerifierContext(now=NOW))
    assert not report.valid and report.check("proof").code == "proof.invalid_signature"
    assert not _node("verify", swapped)["verified"]
