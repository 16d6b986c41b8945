"""``Ed25519Signature2020`` (W3C CCG Data Integrity EdDSA Cryptosuites v1.0, the 2020 suite):
verification only.

Still used by the DCC Learner Credential Wallet and many university credentials. The suite's
rules, as in its reference implementation (@digitalbazaar/ed25519-signature-2020 on
jsonld-signatures):

- the document's ``@context`` includes the suite context
  ``https://w3id.org/security/suites/ed25519-2020/v1`` (which defines the proof terms);
- the proof options are the proof without ``proofValue`` (and the older ``jws`` /
  ``signatureValue``), under the document's ``@context`` unless the proof carries its own;
- verify data = SHA-256(URDNA2015 canonical proof options) || SHA-256(URDNA2015 canonical
  document without ``proof``); URDNA2015 gives the same N-Quads as RDFC-1.0;
- ``proofValue`` is the base58btc multibase (``z``) of the 64-byte Ed25519 signature over
  the verify data, made with the Ed25519 key of ``verificationMethod``.

The canonicalizer is the same seam as the Data Integrity suites'.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from microcred.proofs.dataintegrity import KeyResolver, ProofResult, check_purpose, decode_signature
from microcred.proofs.errors import (
    MalformedProof,
    VerificationMethodError,
)

__all__ = ["PROOF_TYPE", "SUITE_CONTEXT", "verify_ed25519_signature_2020"]

PROOF_TYPE = "Ed25519Signature2020"
SUITE_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
# the fields that carry a signature in the jsonld-signatures suites: never signed over
_SIGNATURE_FIELDS = frozenset({"proofValue", "jws", "signatureValue"})
_DATETIME = re.compile(
    r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$"
)


def _text(proof: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = proof.get(name)
    if value is None:
        if required:
            raise MalformedProof(name, "is missing")
        return None
    if not isinstance(value, str) or not value:
        raise MalformedProof(name, "must be a non-empty string")
    return value


def _contexts(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def verify_data(
    unsecured: Mapping[str, Any],
    proof: Mapping[str, Any],
    canonicalize: Callable[[dict[str, Any]], str],
) -> bytes:
    """SHA-256(canonical proof options) || SHA-256(canonical document without proof)."""
    options = {k: v for k, v in proof.items() if k not in _SIGNATURE_FIELDS}
    if "@context" not in options and "@context" in unsecured:
        options = {"@context": unsecured["@context"], **options}
    canonical_options = canonicalize(options)
    canonical_document = canonicalize(dict(unsecured))
    return (
        hashlib.sha256(canonical_options.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )


def verify_ed25519_signature_2020(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    *,
    resolve_key: KeyResolver,
    canonicalize: Callable[[dict[str, Any]], str],
    expected_proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> ProofResult:
    """Verify one ``Ed25519Signature2020`` ``proof`` of ``document``.

    ``document`` may still carry its ``proof`` (a single proof or a proof set): what is signed
    is the document without any proof, as for every member of a proof set. Raises
    :class:`InvalidSignature`, :class:`MalformedProof`, :class:`ProofPurposeMismatch` or
    :class:`VerificationMethodError`."""
    if _text(proof, "type") != PROOF_TYPE:
        raise MalformedProof("type", f"is not {PROOF_TYPE}")
    if SUITE_CONTEXT not in _contexts(document.get("@context")):
        raise MalformedProof(
            "@context", f"an {PROOF_TYPE} proof needs the suite context {SUITE_CONTEXT}"
        )
    vm = _text(proof, "verificationMethod")
    purpose = _text(proof, "proofPurpose")
    created = _text(proof, "created")
    assert vm is not None and purpose is not None and created is not None
    if not _DATETIME.match(created):
        raise MalformedProof("created", "is not an XML Schema dateTime")
    encoded = _text(proof, "proofValue")
    assert encoded is not None
    signature = decode_signature(encoded)
    check_purpose(proof, purpose, expected_proof_purpose, challenge, domain)
    key = resolve_key(vm, purpose)
    if key.key_type != "Ed25519":
        raise VerificationMethodError(f"a {key.key_type} key cannot verify {PROOF_TYPE}")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    key.verify(signature, verify_data(unsecured, proof, canonicalize))
    return ProofResult(
        cryptosuite=PROOF_TYPE, verification_method=vm, created=created, proof_purpose=purpose
    )
