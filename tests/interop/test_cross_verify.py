"""Cross-verification: microcred (Python) <-> the JavaScript reference stack.

Credentials signed by ``microcred.proofs.dataintegrity.add_proof`` (``eddsa-rdfc-2022``
and ``ecdsa-rdfc-2019``, did:key issuers) verify with ``@digitalbazaar/vc``; credentials
signed by ``vc.issue`` verify with ``microcred.proofs.dataintegrity.verify_proof``;
tampered ones (a changed field, a flipped ``proofValue`` character, signed with a
foreign key) fail in both.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from microcred.jsonld.canonical import canonicalize as general_canonicalize
from microcred.jsonld.loader import make_loader
from microcred.proofs import (
    Ed25519KeyPair,
    P256KeyPair,
    ProofError,
    StaticDidResolver,
    add_proof,
    dataintegrity,
    did_key_for,
    key_resolver,
    keypair_from_multibase,
    verify_proof,
)
from microcred.proofs.multibase import decode_base58btc, encode_base58btc

from .jsref import (
    EXAMPLES_V2_CONTEXT,
    EXAMPLES_V2_URL,
    REPO_ROOT,
    SUITES,
    js_sign,
    js_sign_presentation,
    js_verify,
)
from .test_js_reference import TAMPERS, flip_proof_value, make_shape

pytestmark = pytest.mark.interop

CREATED = "2025-02-03T04:05:06Z"
FIXED_NOW = "2025-06-01T00:00:00Z"
BENCH_CREDENTIAL = REPO_ROOT / "bench" / "data" / "ob3_microcredential.json"
ED25519_PRIV_HEADER = b"\x80\x26"  # multicodec ed25519-priv (0x1300)
KEY_CLASSES = {"eddsa-rdfc-2022": Ed25519KeyPair, "ecdsa-rdfc-2019": P256KeyPair}

Loader = Callable[[str], dict[str, Any]]


# ------------------------------------------------------------------- helpers


class PyKey:
    """A microcred key pair plus its did:key names and its JS key file."""

    def __init__(self, pair: Any) -> None:
        self.pair = pair
        self.controller = did_key_for(pair)
        self.vm = f"{self.controller}#{pair.public_multibase}"

    def keyfile(self, *, vm: str | None = None, controller: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = self.pair.export_private(
            None,
            allow_unencrypted=True,
            controller=controller or self.controller,
            id=vm or self.vm,
        )
        return data


def py_key(suite: str) -> PyKey:
    return PyKey(KEY_CLASSES[suite].generate())


def seed_only(private_multibase: str) -> str:
    """@digitalbazaar/ed25519-multikey exports ed25519-priv as seed || public key (64 bytes);
    microcred (like the W3C test vectors) reads the 32-byte seed form only."""
    raw = decode_base58btc(private_multibase)
    if raw[:2] == ED25519_PRIV_HEADER and len(raw) == 2 + 64:
        return encode_base58btc(raw[: 2 + 32])
    return private_multibase


# The canonicalizer microcred signs and verifies with by default (the same object
# add_proof / verify_proof use when no ``canonicalize`` is passed).
DEFAULT_CANONICALIZE = dataintegrity.add_proof.__kwdefaults__["canonicalize"]
CANONICALIZERS: dict[str, Callable[..., str]] = {
    "default": DEFAULT_CANONICALIZE,
    "general": general_canonicalize,  # microcred.jsonld.canonical (pyld + pyoxigraph)
}
EXTRA_CONTEXTS = {EXAMPLES_V2_URL: EXAMPLES_V2_CONTEXT}
EXTRA_LOADER = make_loader(EXTRA_CONTEXTS)


def canonicalizer_for(doc: Mapping[str, Any], name: str = "default") -> dict[str, Any]:
    """``canonicalize=`` keyword for add_proof / verify_proof.

    Empty (pure library default) unless the document needs the examples/v2 context,
    which microcred does not bundle, or another implementation is asked for.
    """
    context = doc.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if EXAMPLES_V2_URL not in contexts and name == "default":
        return {}
    function = CANONICALIZERS[name]
    return {"canonicalize": lambda d: function(d, loader=EXTRA_LOADER)}


def py_sign(
    doc: dict[str, Any],
    key: PyKey,
    *,
    vm: str | None = None,
    canonicalizer: str = "default",
    **kw: Any,
) -> dict[str, Any]:
    return add_proof(
        doc,
        key.pair,
        verification_method=vm or key.vm,
        created=CREATED,
        **canonicalizer_for(doc, canonicalizer),
        **kw,
    )


def py_verify(doc: dict[str, Any], docs: Mapping[str, Any] | None = None, **kw: Any) -> str | None:
    """None when the proof verifies in microcred, else the error text."""
    try:
        verify_proof(
            doc,
            resolve_key=key_resolver(StaticDidResolver(docs)),
            **canonicalizer_for(doc),
            **kw,
        )
    except ProofError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def bench_shape(issuer: str) -> dict[str, Any]:
    credential: dict[str, Any] = json.loads(Path(BENCH_CREDENTIAL).read_text(encoding="utf-8"))
    credential["issuer"]["id"] = issuer
    return credential


def award_shape(issuer: str) -> dict[str, Any]:
    """microcred's own OB 3.0 output for an EU micro-credential (microcred v1 context)."""
    from microcred.formats.ob3 import award_to_ob3
    from microcred.model import parse_award
    from microcred.model.files import load_data

    spec = load_data(REPO_ROOT / "examples" / "specs" / "university-data-analysis.yaml")
    award = parse_award(
        {
            "spec": spec,
            "learner": {"name": "Anna Bērziņa", "identifier": "anna@example.lv"},
            "issued_on": "2025-01-30",
            "grade": "9",
        }
    )
    credential: dict[str, Any] = award_to_ob3(award, issuer_id=issuer)
    return credential


SHAPES = ("vc2-alumni", "ob3-basic", "ob3-complete", "bench-microcredential", "microcred-award")


def shape(name: str, load_vector: Loader, issuer: str) -> dict[str, Any]:
    if name == "bench-microcredential":
        return bench_shape(issuer)
    if name == "microcred-award":
        return award_shape(issuer)
    return make_shape(name, load_vector, issuer)


def js_ok(doc: dict[str, Any]) -> Any:
    # proof + dates + issuer check; the complete OB3 example's 1EdTech status is ignored
    return js_verify(doc, docs=EXTRA_CONTEXTS, now=FIXED_NOW, ignore_status=True)


# ------------------------------------------------------- Python -> JavaScript


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("name", SHAPES)
def test_python_signed_verifies_in_js(load_vector: Loader, name: str, suite: str) -> None:
    key = py_key(suite)
    signed = py_sign(shape(name, load_vector, key.controller), key)
    assert signed["proof"]["cryptosuite"] == suite
    result = js_ok(signed)
    assert result.verified, result.error
    # and microcred agrees with itself
    assert py_verify(signed) is None


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("name", SHAPES)
def test_js_signed_verifies_in_python(load_vector: Loader, name: str, suite: str) -> None:
    key = py_key(suite)  # the same kind of key, signed with by the JS stack
    signed = js_sign(
        shape(name, load_vector, key.controller),
        key.keyfile(),
        suite,
        created=CREATED,
        docs=EXTRA_CONTEXTS,
    )
    assert signed["proof"]["verificationMethod"] == key.vm
    assert py_verify(signed) is None, py_verify(signed)


@pytest.mark.parametrize("suite", SUITES)
def test_js_generated_key_signs_for_python(load_vector: Loader, suite: str) -> None:
    from .jsref import js_keygen

    keyfile = js_keygen(suite)
    pair = keypair_from_multibase(
        keyfile["publicKeyMultibase"], seed_only(keyfile["privateKeyMultibase"])
    )
    assert did_key_for(pair) == keyfile["controller"]
    signed = js_sign(shape("ob3-basic", load_vector, keyfile["controller"]), keyfile, suite)
    assert py_verify(signed) is None


@pytest.mark.parametrize("canonicalizer", sorted(CANONICALIZERS))
def test_eddsa_signatures_are_identical(load_vector: Loader, canonicalizer: str) -> None:
    """Ed25519 is deterministic: same key, document and proof options -> same proofValue.

    Checked for every Python canonicalizer, so each one matches the JS stack's RDFC-1.0.
    """
    key = py_key("eddsa-rdfc-2022")
    for name in SHAPES:
        credential = shape(name, load_vector, key.controller)
        ours = py_sign(copy.deepcopy(credential), key, canonicalizer=canonicalizer)
        theirs = js_sign(credential, key.keyfile(), created=CREATED, docs=EXTRA_CONTEXTS)
        assert ours["proof"] == theirs["proof"], name


def test_w3c_vector_python_and_js_agree(load_vector: Loader) -> None:
    key = load_vector("w3c-eddsa-rdfc-2022/keyPair.json")
    signed = load_vector("w3c-eddsa-rdfc-2022/signedDataInt.json")
    proof = signed.pop("proof")
    pair = keypair_from_multibase(key["publicKeyMultibase"], key["privateKeyMultibase"])
    ours = add_proof(
        signed,
        pair,
        verification_method=proof["verificationMethod"],
        created=proof["created"],
        **canonicalizer_for(signed),
    )
    assert ours["proof"] == proof


# ------------------------------------------------------------------ tampering


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("signer", ["python", "js"])
@pytest.mark.parametrize("tamper", ["field", "subject", "proof-value", "proof-created"])
def test_tampered_fails_in_both(load_vector: Loader, suite: str, signer: str, tamper: str) -> None:
    key = py_key(suite)
    credential = shape("bench-microcredential", load_vector, key.controller)
    if signer == "python":
        signed = py_sign(credential, key)
    else:
        signed = js_sign(credential, key.keyfile(), suite, created=CREATED)
    assert py_verify(signed) is None
    assert js_ok(signed).verified

    TAMPERS[tamper](signed)
    assert py_verify(signed) is not None, "microcred accepted a tampered credential"
    result = js_ok(signed)
    assert not result.verified, "JS accepted a tampered credential"


@pytest.mark.parametrize("suite", SUITES)
def test_nested_change_fails_in_both(load_vector: Loader, suite: str) -> None:
    key = py_key(suite)
    signed = py_sign(shape("microcred-award", load_vector, key.controller), key)
    achievement = signed["credentialSubject"]["achievement"]
    achievement["creditsAvailable"] = achievement.get("creditsAvailable", 0) + 1
    assert py_verify(signed) is not None
    assert not js_ok(signed).verified


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("signer", ["python", "js"])
def test_foreign_key_fails_in_both(load_vector: Loader, suite: str, signer: str) -> None:
    """Signed with another key that claims to be the issuer's verification method."""
    issuer = py_key(suite)
    foreign = py_key(suite)
    credential = shape("ob3-basic", load_vector, issuer.controller)
    if signer == "python":
        forged = py_sign(credential, foreign, vm=issuer.vm)
    else:
        forged = js_sign(
            credential,
            foreign.keyfile(vm=issuer.vm, controller=issuer.controller),
            suite,
            created=CREATED,
        )
    assert forged["proof"]["verificationMethod"] == issuer.vm
    assert py_verify(forged) is not None
    assert not js_ok(forged).verified


@pytest.mark.parametrize("signer", ["python", "js"])
def test_wrong_suite_key_fails_in_both(load_vector: Loader, signer: str) -> None:
    """An ecdsa-rdfc-2019 proof naming an Ed25519 did:key (and vice versa) must fail."""
    ed = py_key("eddsa-rdfc-2022")
    p256 = py_key("ecdsa-rdfc-2019")
    credential = shape("ob3-basic", load_vector, ed.controller)
    if signer == "python":
        forged = py_sign(credential, p256, vm=ed.vm)
    else:
        forged = js_sign(
            credential,
            p256.keyfile(vm=ed.vm, controller=ed.controller),
            "ecdsa-rdfc-2019",
            created=CREATED,
        )
    assert py_verify(forged) is not None
    assert not js_ok(forged).verified


# -------------------------------------------------------------- presentations


@pytest.mark.parametrize("suite", SUITES)
def test_python_presentation_verifies_in_js(load_vector: Loader, suite: str) -> None:
    issuer = py_key("eddsa-rdfc-2022")
    holder = py_key(suite)
    vc = py_sign(shape("ob3-basic", load_vector, issuer.controller), issuer)
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.controller,
        "verifiableCredential": [vc],
    }
    vp = py_sign(
        presentation,
        holder,
        proof_purpose="authentication",
        challenge="nonce-42",
        domain="https://verifier.example",
    )
    ok = js_verify(vp, presentation=True, challenge="nonce-42", domain="https://verifier.example")
    assert ok.verified, ok.error
    replay = js_verify(
        vp, presentation=True, challenge="nonce-43", domain="https://verifier.example"
    )
    assert not replay.verified
    flip_proof_value(vp)
    assert not js_verify(
        vp, presentation=True, challenge="nonce-42", domain="https://verifier.example"
    ).verified


@pytest.mark.parametrize("suite", SUITES)
def test_js_presentation_verifies_in_python(load_vector: Loader, suite: str) -> None:
    issuer = py_key("ecdsa-rdfc-2019")
    holder = py_key(suite)
    vc = js_sign(shape("ob3-basic", load_vector, issuer.controller), issuer.keyfile())
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.controller,
        "verifiableCredential": [vc],
    }
    vp = js_sign_presentation(
        presentation, holder.keyfile(), challenge="nonce-42", domain="https://verifier.example"
    )
    kw = {
        "expected_proof_purpose": "authentication",
        "challenge": "nonce-42",
        "domain": "https://verifier.example",
    }
    assert py_verify(vp, **kw) is None
    assert py_verify(vc) is None
    assert py_verify(vp, **{**kw, "challenge": "nonce-43"}) is not None
    flip_proof_value(vp)
    assert py_verify(vp, **kw) is not None
