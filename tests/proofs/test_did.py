from __future__ import annotations

import pytest

from microcred.proofs import (
    DidError,
    Ed25519KeyPair,
    P256KeyPair,
    StaticDidResolver,
    VerificationMethodError,
    did_key_for,
    did_web_document,
    did_web_to_url,
    resolve_did_key,
    resolve_verification_method,
)

W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_PRIVATE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
DID = f"did:key:{W3C_PUBLIC}"


def test_did_key_vector() -> None:
    pair = Ed25519KeyPair.from_multibase(W3C_PUBLIC, W3C_PRIVATE)
    assert did_key_for(pair) == DID
    doc = resolve_did_key(DID)
    vm_id = f"{DID}#{W3C_PUBLIC}"
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert doc["id"] == DID
    assert doc["verificationMethod"] == [
        {"id": vm_id, "type": "Multikey", "controller": DID, "publicKeyMultibase": W3C_PUBLIC}
    ]
    assert doc["assertionMethod"] == [vm_id] and doc["authentication"] == [vm_id]
    key, controller = resolve_verification_method(vm_id, StaticDidResolver())
    assert key == pair and controller == DID


def test_did_key_p256_round_trip() -> None:
    pair = P256KeyPair.generate()
    did = did_key_for(pair)
    assert did.startswith("did:key:zDn")
    key, _ = resolve_verification_method(f"{did}#{pair.public_multibase}", StaticDidResolver())
    key.verify(pair.sign(b"x"), b"x")


@pytest.mark.parametrize("bad", ["did:key:", "did:key:zzzz", "did:key:abc", "did:web:x", 42])
def test_did_key_invalid(bad: object) -> None:
    with pytest.raises(DidError):
        resolve_did_key(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000", "https://example.com:3000/.well-known/did.json"),
        ("did:web:example.com%3A3000:u:bob", "https://example.com:3000/u/bob/did.json"),
    ],
)
def test_did_web_to_url(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web:example.com:",
        "did:web:example.com::a",
        "did:web:example.com/evil",
        "did:web:user%40example.com",
        "did:web:example.com:..",
        "did:web:example.com:a%2Fb",
        "did:web:example.com%3A99999",
        "did:web:exa mple.com",
        "did:key:z6Mk",
    ],
)
def test_did_web_invalid(did: str) -> None:
    with pytest.raises(DidError):
        did_web_to_url(did)


def test_did_web_document_and_purposes() -> None:
    did = "did:web:issuer.example"
    ed, p256 = Ed25519KeyPair.generate(), P256KeyPair.generate()
    doc = did_web_document(did, [("key-1", ed), ("key-2", p256)])
    assert [vm["id"] for vm in doc["verificationMethod"]] == [f"{did}#key-1", f"{did}#key-2"]
    resolver = StaticDidResolver({did: doc})
    assert resolve_verification_method(f"{did}#key-2", resolver)[0] == p256
    # not listed under the purpose
    restricted = {**doc, "assertionMethod": [f"{did}#key-1"]}
    with pytest.raises(VerificationMethodError, match="not authorised"):
        resolve_verification_method(f"{did}#key-2", StaticDidResolver({did: restricted}))
    # relative references are resolved against the controller
    relative = {**doc, "assertionMethod": ["#key-1"]}
    assert resolve_verification_method(f"{did}#key-1", StaticDidResolver({did: relative}))[0] == ed
    with pytest.raises(VerificationMethodError, match="not found"):
        resolve_verification_method(f"{did}#key-9", resolver)
    with pytest.raises(VerificationMethodError):
        resolve_verification_method("did:web:unknown.example#k", resolver)
    wrong_controller = {
        **doc,
        "verificationMethod": [{**doc["verificationMethod"][0], "controller": "did:web:evil"}],
    }
    with pytest.raises(VerificationMethodError, match="controller"):
        resolve_verification_method(f"{did}#key-1", StaticDidResolver({did: wrong_controller}))
