"""The JCS Data Integrity suites (eddsa-jcs-2022, ecdsa-jcs-2019): signed here, checked by an
independent implementation (the npm ``canonicalize`` package, RFC 8785's reference
JavaScript, and Node's own Ed25519 / P-256 verification), and the other way round; tampering,
a wrong key type and what JCS cannot serialize are refused."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from microcred.jsonld.errors import JsonLdError
from microcred.proofs.dataintegrity import add_proof, verify_proof
from microcred.proofs.did import did_key_for
from microcred.proofs.errors import InvalidSignature, MalformedProof, UnsupportedCryptosuite
from microcred.proofs.jcs import canonicalize_jcs
from microcred.proofs.keys import Ed25519KeyPair, KeyPair, P256KeyPair
from microcred.proofs.multibase import decode_base58btc

CANONICALIZE = Path(__file__).resolve().parents[2] / "interop/js/node_modules/canonicalize"
VC2 = "https://www.w3.org/ns/credentials/v2"
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

# Node: RFC 8785 by the npm reference package, hashData as vc-di-eddsa / vc-di-ecdsa 3.3
# say (SHA-256 of the proof configuration with the document's @context, then of the
# document), the signature checked with Node's crypto against the public JWK.
NODE_CHECK = r"""
const canonicalize = require(process.argv[1]);
const crypto = require('node:crypto');
const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const {document, jwk, signature, samples} = input;
const {proof, ...unsecured} = document;
const {proofValue, ...config} = proof;
config['@context'] = unsecured['@context'];
const sha = text => crypto.createHash('sha256').update(Buffer.from(text, 'utf8')).digest();
const hashData = Buffer.concat([sha(canonicalize(config)), sha(canonicalize(unsecured))]);
const key = crypto.createPublicKey({key: jwk, format: 'jwk'});
const sig = Buffer.from(signature, 'hex');
const ok = jwk.kty === 'OKP'
  ? crypto.verify(null, hashData, key, sig)
  : crypto.verify('sha256', hashData, {key, dsaEncoding: 'ieee-p1363'}, sig);
process.stdout.write(JSON.stringify({ok, samples: samples.map(s => canonicalize(s))}));
"""

SAMPLES: list[Any] = [
    {"b": [1, 1.5, -0.0, 1e21, 1e-7, 1.2345678901234568e20, 2**53 - 1], "a": "é\u2028\u0007"},
    {"\u20ac": 1, "\r": 2, "1": 3, "\U0001f600": 4, "ö": 5},
    {"nested": {"z": None, "y": True, "x": [{}, []]}, "num": 5e-324},
]


def _node_check(document: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    node = shutil.which("node")
    assert node is not None, "node is needed for the JCS cross-check (interop/js)"
    assert CANONICALIZE.is_dir(), "npm canonicalize missing: run make interop-deps"
    signature = decode_base58btc(document["proof"]["proofValue"]).hex()
    payload = {
        "document": document,
        "jwk": key.to_public_jwk(),
        "signature": signature,
        "samples": SAMPLES,
    }
    done = subprocess.run(
        [node, "-e", NODE_CHECK, str(CANONICALIZE)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _credential(did: str) -> dict[str, Any]:
    return {
        "@context": [VC2],
        "id": "urn:uuid:6f1c1e1a-2b7d-4c1b-9a43-0d6f2b1d9e11",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Anna Bērziņa"},
    }


def _sign(key: KeyPair, suite: str) -> dict[str, Any]:
    did = did_key_for(key)
    return add_proof(
        _credential(did),
        key,
        verification_method=f"{did}#{key.public_multibase}",
        created=CREATED,
        cryptosuite=suite,
    )


@pytest.mark.parametrize(
    ("suite", "make"),
    [("eddsa-jcs-2022", Ed25519KeyPair.generate), ("ecdsa-jcs-2019", P256KeyPair.generate)],
)
def test_jcs_suites_agree_with_an_independent_implementation(suite, make) -> None:
    key = make()
    signed = _sign(key, suite)
    assert signed["proof"]["cryptosuite"] == suite
    assert signed["proof"]["@context"] == signed["@context"]  # 3.3 Create Proof (JCS)
    result = verify_proof(signed, resolve_key=lambda vm, purpose: key)
    assert result.cryptosuite == suite
    checked = _node_check(signed, key)
    assert checked["ok"] is True
    # the same RFC 8785 bytes as the npm reference package, numbers and key order included
    assert checked["samples"] == [canonicalize_jcs(s) for s in SAMPLES]

    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["name"] = "Mallory"
    with pytest.raises(InvalidSignature):
        verify_proof(tampered, resolve_key=lambda vm, purpose: key)
    assert _node_check(tampered, key)["ok"] is False
    # JCS signs the JSON as written: a reordering is the same document, an added field is not
    reordered = dict(reversed(list(signed.items())))
    verify_proof(reordered, resolve_key=lambda vm, purpose: key)
    moved = copy.deepcopy(signed)
    moved["proof"]["created"] = "2026-01-02T03:04:06Z"
    with pytest.raises(InvalidSignature):
        verify_proof(moved, resolve_key=lambda vm, purpose: key)


def test_jcs_proof_is_not_an_rdfc_proof() -> None:
    key = Ed25519KeyPair.generate()
    signed = _sign(key, "eddsa-jcs-2022")
    relabelled = copy.deepcopy(signed)
    relabelled["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    with pytest.raises(InvalidSignature):
        verify_proof(relabelled, resolve_key=lambda vm, purpose: key)


def test_jcs_refuses_what_it_cannot_sign() -> None:
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    with pytest.raises(UnsupportedCryptosuite, match="Ed25519 key cannot sign ecdsa-jcs-2019"):
        add_proof(
            _credential(did),
            key,
            verification_method=did,
            created=CREATED,
            cryptosuite="ecdsa-jcs-2019",
        )
    # a credential under JCS is still JSON-LD: an undefined term fails as under RDFC
    with pytest.raises(JsonLdError):
        add_proof(
            {**_credential(did), "undefinedTerm": 1},
            key,
            verification_method=did,
            created=CREATED,
            cryptosuite="eddsa-jcs-2022",
        )
    # beyond the IEEE 754 range JSON interoperability needs (RFC 8785 3.2.2.3)
    with pytest.raises(MalformedProof, match="JCS"):
        canonicalize_jcs({"n": 2**60})
