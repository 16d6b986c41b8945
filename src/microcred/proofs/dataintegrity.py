"""W3C Data Integrity ``DataIntegrityProof``: ``eddsa-rdfc-2022`` and ``ecdsa-rdfc-2019`` (P-256).

Both suites follow vc-di-eddsa / vc-di-ecdsa: the proof configuration takes the document's
``@context``; hashData = SHA-256(canonical proof config) || SHA-256(canonical document
without proof); ``proofValue`` is the base58btc multibase of the signature (Ed25519, or
ECDSA P-256/SHA-256 in IEEE P1363 ``r || s`` form).

``canonicalize`` is a seam: any ``dict -> canonical N-Quads`` callable can be injected.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The compiled fast path for documents over the bundled contexts; it falls back to
# the general pyld path for anything it does not compile, and differential tests
# (tests/jsonld/test_fast_rdf.py) prove both give the same bytes.
from microcred.jsonld.fast_rdf import canonicalize_fast as _default_canonicalize
from microcred.proofs.errors import (
    MalformedProof,
    MultibaseError,
    ProofPurposeMismatch,
    UnsupportedCryptosuite,
    VerificationMethodError,
)
from microcred.proofs.jcs import JCS_SUITES, canonicalize_jcs
from microcred.proofs.keys import KeyPair
from microcred.proofs.multibase import decode_base58btc, encode_base58btc

__all__ = [
    "DEFAULT_SUITES",
    "SUITE_KEY_TYPES",
    "KeyResolver",
    "ProofResult",
    "add_proof",
    "create_verify_data",
    "previous_proofs",
    "verify_one_proof",
    "verify_proof",
    "verify_proofs",
]

Canonicalize = Callable[[dict[str, Any]], str]
KeyResolver = Callable[[str, str], KeyPair]
"""``(verification method URL, proof purpose) -> public key``; raise to refuse."""

SUITE_KEY_TYPES: dict[str, str] = {
    "eddsa-rdfc-2022": "Ed25519",
    "ecdsa-rdfc-2019": "P-256",
    "eddsa-jcs-2022": "Ed25519",
    "ecdsa-jcs-2019": "P-256",
}
DEFAULT_SUITES: frozenset[str] = frozenset(SUITE_KEY_TYPES)
# The suite a key signs with when none is asked for: the RDFC one of its key type.
_SUITE_FOR_KEY = {"Ed25519": "eddsa-rdfc-2022", "P-256": "ecdsa-rdfc-2019"}


def _transform(suite: str, document: Mapping[str, Any], canonicalize: Canonicalize) -> Canonicalize:
    """The suite's transformation: JCS for the -jcs- suites. Their document is still checked
    as JSON-LD first (``canonicalize`` must accept it, or raises): a credential is JSON-LD
    whatever secures it, and an undefined term fails under JCS as it does under RDFC."""
    if suite not in JCS_SUITES:
        return canonicalize
    canonicalize({k: v for k, v in document.items() if k != "proof"})
    return canonicalize_jcs


_DATETIME = re.compile(
    r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$"
)


@dataclass(frozen=True)
class ProofResult:
    """A verified proof."""

    cryptosuite: str
    verification_method: str
    created: str | None
    proof_purpose: str


def _format_created(created: datetime | str) -> str:
    if isinstance(created, datetime):
        if created.tzinfo is None:
            raise ValueError("created must be timezone-aware")
        return created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if not _DATETIME.match(created):
        raise ValueError(f"created is not an XML Schema dateTime: {created!r}")
    return created


_CONFIGS: dict[str, str] = {}
_CONFIGS_LIMIT = 1024


def _canonical_config(config: dict[str, Any], canonicalize: Canonicalize) -> str:
    """The canonical proof config, computed once per distinct config for the default
    canonicalizer (a bulk run signs thousands of documents with one config)."""
    if canonicalize is not _default_canonicalize:
        return canonicalize(config)
    try:
        key = json.dumps(config, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return canonicalize(config)
    found = _CONFIGS.get(key)
    if found is None:
        found = canonicalize(config)
        if len(_CONFIGS) >= _CONFIGS_LIMIT:
            _CONFIGS.clear()
        _CONFIGS[key] = found
    return found


def create_verify_data(
    document: Mapping[str, Any],
    proof_options: Mapping[str, Any],
    *,
    canonicalize: Canonicalize = _default_canonicalize,
    previous: list[Mapping[str, Any]] | None = None,
) -> tuple[str, bytes]:
    """Canonical proof config and hashData for ``document`` (without its proof, or with
    only the ``previous`` proofs a chained proof names as its ``proof``).

    Returns ``(canonical proof config N-Quads, hashData)`` where hashData is
    SHA-256(proof config) || SHA-256(document).
    """
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if previous:
        unsecured["proof"] = list(previous)
    config = {k: v for k, v in proof_options.items() if k != "proofValue"}
    if "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    canonical_config = _canonical_config(config, canonicalize)
    canonical_document = canonicalize(unsecured)
    hash_data = (
        hashlib.sha256(canonical_config.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )
    return canonical_config, hash_data


def add_proof(
    document: Mapping[str, Any],
    keypair: KeyPair,
    *,
    verification_method: str,
    created: datetime | str,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    canonicalize: Canonicalize = _default_canonicalize,
    cryptosuite: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> dict[str, Any]:
    """A new document with a ``DataIntegrityProof`` added (the suite follows the key type
    unless ``cryptosuite`` names one for it, such as ``eddsa-jcs-2022``).

    An existing proof is kept: the result then carries a proof set (a list), and the new
    proof signs the document without any proof; with ``previous_proof`` (ids of proofs the
    document carries) it is a chained proof and signs the document with those proofs.
    """
    suite = cryptosuite or _SUITE_FOR_KEY.get(keypair.key_type)
    if suite is None:
        raise UnsupportedCryptosuite(f"no cryptosuite for key type {keypair.key_type!r}")
    if SUITE_KEY_TYPES.get(suite) != keypair.key_type:
        raise UnsupportedCryptosuite(f"a {keypair.key_type} key cannot sign {suite}")
    if "@context" not in document:
        raise MalformedProof("@context", "the document to sign has no @context")
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "created": _format_created(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    if proof_id is not None:
        proof["id"] = proof_id
    if previous_proof is not None:
        proof["previousProof"] = previous_proof
    if suite in JCS_SUITES:
        # vc-di-eddsa / vc-di-ecdsa 3.3 Create Proof (JCS): proof.@context is the document's
        # (the hash is the same either way: the proof configuration takes it in both suites)
        proof["@context"] = document["@context"]
    _, hash_data = create_verify_data(
        document,
        proof,
        canonicalize=_transform(suite, document, canonicalize),
        previous=previous_proofs(document, proof),
    )
    proof["proofValue"] = encode_base58btc(keypair.sign(hash_data))
    out = dict(document)
    existing = out.get("proof")
    if existing is None:
        out["proof"] = proof
    else:
        previous = existing if isinstance(existing, list) else [existing]
        out["proof"] = [*previous, proof]
    return out


def previous_proofs(
    document: Mapping[str, Any], proof: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """The proofs of ``document`` that ``proof`` names in ``previousProof`` (a proof chain,
    VC Data Integrity 1.0 §4.5: they are part of what the chained proof signs); raises
    MalformedProof when it names a proof the document does not carry."""
    named = proof.get("previousProof")
    if named is None:
        return []
    ids = [named] if isinstance(named, str) else named
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise MalformedProof("previousProof", "must be a proof id or a list of proof ids")
    carried = document.get("proof")
    items = carried if isinstance(carried, list) else [carried]
    matching = [p for p in items if isinstance(p, Mapping) and p.get("id") in ids]
    missing = sorted(set(ids) - {p.get("id") for p in matching})
    if missing:
        raise MalformedProof(
            "previousProof", f"names {', '.join(missing)}, which the document does not carry"
        )
    return matching


def _string(proof: Mapping[str, Any], field: str, *, required: bool = True) -> str | None:
    value = proof.get(field)
    if value is None:
        if required:
            raise MalformedProof(field, "is missing")
        return None
    if not isinstance(value, str) or not value:
        raise MalformedProof(field, "must be a non-empty string")
    return value


def _verify_one(
    document: Mapping[str, Any],
    proof: Any,
    *,
    resolve_key: KeyResolver,
    canonicalize: Canonicalize,
    allowed_suites: Collection[str],
    expected_proof_purpose: str,
    challenge: str | None,
    domain: str | None,
) -> ProofResult:
    if not isinstance(proof, Mapping):
        raise MalformedProof("proof", "must be an object")
    proof_type = _string(proof, "type")
    if proof_type != "DataIntegrityProof":
        raise UnsupportedCryptosuite(f"unsupported proof type {proof_type!r}")
    suite = _string(proof, "cryptosuite")
    assert suite is not None
    if suite not in allowed_suites or suite not in SUITE_KEY_TYPES:
        raise UnsupportedCryptosuite(f"cryptosuite {suite!r} is not allowed")
    vm = _string(proof, "verificationMethod")
    purpose = _string(proof, "proofPurpose")
    assert vm is not None and purpose is not None
    created = _string(proof, "created", required=False)
    if created is not None and not _DATETIME.match(created):
        raise MalformedProof("created", "is not an XML Schema dateTime")
    encoded = _string(proof, "proofValue")
    assert encoded is not None
    signature = decode_signature(encoded)
    check_purpose(proof, purpose, expected_proof_purpose, challenge, domain)

    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        # vc-di: the document @context must start with the proof's @context
        proof_ctx = options["@context"]
        proof_ctx = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
        doc_ctx = unsecured.get("@context")
        doc_ctx = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        if doc_ctx[: len(proof_ctx)] != proof_ctx:
            raise MalformedProof("@context", "the proof @context does not prefix the document's")
        unsecured["@context"] = options["@context"]
        del options["@context"]

    key = resolve_key(vm, purpose)
    if key.key_type != SUITE_KEY_TYPES[suite]:
        raise VerificationMethodError(f"a {key.key_type} key cannot verify {suite}")
    _, hash_data = create_verify_data(
        unsecured,
        options,
        canonicalize=_transform(suite, unsecured, canonicalize),
        previous=previous_proofs(document, proof),
    )
    key.verify(signature, hash_data)
    return ProofResult(
        cryptosuite=suite, verification_method=vm, created=created, proof_purpose=purpose
    )


# One proof of a document's proof set or chain, verified against the whole document
verify_one_proof = _verify_one


def decode_signature(encoded: str) -> bytes:
    """A ``proofValue``'s 64 signature bytes (base58btc multibase), or :class:`MalformedProof`."""
    try:
        signature = decode_base58btc(encoded)
    except MultibaseError as cause:
        raise MalformedProof("proofValue", str(cause)) from None
    if len(signature) != 64:
        raise MalformedProof("proofValue", f"signature must be 64 bytes, got {len(signature)}")
    return signature


def check_purpose(
    proof: Mapping[str, Any],
    purpose: str,
    expected_proof_purpose: str,
    challenge: str | None,
    domain: str | None,
) -> None:
    """The proof's purpose, and for a presentation its ``challenge`` and ``domain``, are the
    ones the verifier expects (Data Integrity and Ed25519Signature2020 alike)."""
    if purpose != expected_proof_purpose:
        raise ProofPurposeMismatch(
            f"proofPurpose is {purpose!r}, expected {expected_proof_purpose!r}"
        )
    if challenge is not None and proof.get("challenge") != challenge:
        raise ProofPurposeMismatch("challenge does not match")
    if domain is not None:
        got = proof.get("domain")
        if domain not in (got if isinstance(got, list) else [got]):
            raise ProofPurposeMismatch("domain does not match")


def verify_proofs(
    document: Mapping[str, Any],
    *,
    resolve_key: KeyResolver,
    canonicalize: Canonicalize = _default_canonicalize,
    allowed_suites: Collection[str] = DEFAULT_SUITES,
    expected_proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> tuple[ProofResult, ...]:
    """Verify every proof of ``document`` (a proof or a proof set); raise on the first failure."""
    if not isinstance(document, Mapping):
        raise MalformedProof("document", "must be an object")
    proofs = document.get("proof")
    if proofs is None:
        raise MalformedProof("proof", "is missing")
    items = proofs if isinstance(proofs, list) else [proofs]
    if not items:
        raise MalformedProof("proof", "is an empty list")
    return tuple(
        _verify_one(
            document,
            proof,
            resolve_key=resolve_key,
            canonicalize=canonicalize,
            allowed_suites=allowed_suites,
            expected_proof_purpose=expected_proof_purpose,
            challenge=challenge,
            domain=domain,
        )
        for proof in items
    )


def verify_proof(
    document: Mapping[str, Any],
    *,
    resolve_key: KeyResolver,
    canonicalize: Canonicalize = _default_canonicalize,
    allowed_suites: Collection[str] = DEFAULT_SUITES,
    expected_proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> ProofResult:
    """Verify the proof(s) of ``document`` and return the (first) proof's result.

    Every proof of a proof set is verified (see :func:`verify_proofs`). Raises
    :class:`InvalidSignature`, :class:`UnsupportedCryptosuite`, :class:`MalformedProof`,
    :class:`ProofPurposeMismatch` or :class:`VerificationMethodError`.
    """
    return verify_proofs(
        document,
        resolve_key=resolve_key,
        canonicalize=canonicalize,
        allowed_suites=allowed_suites,
        expected_proof_purpose=expected_proof_purpose,
        challenge=challenge,
        domain=domain,
    )[0]
