"""Data Integrity 1.0 proof chains: a proof naming others in previousProof signs them too."""

from __future__ import annotations

from typing import Any

import pytest

from microcred.proofs import (
    Ed25519KeyPair,
    InvalidSignature,
    MalformedProof,
    P256KeyPair,
    add_proof,
    verify_proofs,
)
from microcred.proofs.proof_set import verify_each

from .conftest import canon
from .test_dataintegrity import unsigned_alumni

CREATED = "2024-01-01T00:00:00Z"


def _chain() -> tuple[dict[str, Any], Any]:
    ed, p256 = Ed25519KeyPair.generate(), P256KeyPair.generate()
    keys = {"did:example:a#ed": ed, "did:example:b#p": p256}
    first = add_proof(
        unsigned_alumni(),
        ed,
        verification_method="did:example:a#ed",
        created=CREATED,
        canonicalize=canon,
        proof_id="urn:uuid:first",
    )
    chained = add_proof(
        first,
        p256,
        verification_method="did:example:b#p",
        created=CREATED,
        canonicalize=canon,
        proof_id="urn:uuid:second",
        previous_proof="urn:uuid:first",
    )
    return chained, lambda vm, _: keys[vm]


def test_a_proof_chain_verifies() -> None:
    doc, resolve = _chain()
    assert doc["proof"][1]["previousProof"] == "urn:uuid:first"
    results = verify_proofs(doc, resolve_key=resolve, canonicalize=canon)
    assert [r.cryptosuite for r in results] == ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"]
    outcomes = verify_each(doc, resolve_key=resolve, canonicalize=canon)
    assert [o.status for o in outcomes] == ["verified", "verified"]


def test_the_chained_proof_signs_the_proof_it_names() -> None:
    doc, resolve = _chain()
    ed = resolve("did:example:a#ed", "assertionMethod")
    # the first proof replaced by another genuine one of the same key (a later date): it
    # verifies on its own, but the chained proof signed the original, so it fails
    other = add_proof(
        unsigned_alumni(),
        ed,
        verification_method="did:example:a#ed",
        created="2025-01-01T00:00:00Z",
        canonicalize=canon,
        proof_id="urn:uuid:first",
    )
    doc["proof"][0] = other["proof"]
    outcomes = verify_each(doc, resolve_key=resolve, canonicalize=canon)
    assert outcomes[0].status == "verified"
    assert outcomes[1].status == "failed" and isinstance(outcomes[1].error, InvalidSignature)


def test_a_chain_naming_a_proof_not_carried_is_malformed() -> None:
    doc, resolve = _chain()
    doc["proof"] = [doc["proof"][1]]
    outcomes = verify_each(doc, resolve_key=resolve, canonicalize=canon)
    assert outcomes[0].status == "failed" and isinstance(outcomes[0].error, MalformedProof)
    assert "urn:uuid:first" in str(outcomes[0].error)
    with pytest.raises(MalformedProof, match="previousProof"):
        verify_proofs(doc, resolve_key=resolve, canonicalize=canon)
