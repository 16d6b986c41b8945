"""A document's proofs, one by one: Data Integrity (``DataIntegrityProof``) and the legacy
``Ed25519Signature2020``, alone or as a proof set (W3C VC Data Integrity 1.0, proof sets).

Every proof of a set signs the document without any proof; a proof that names others in
``previousProof`` (a proof chain, Data Integrity 1.0 §4.5) signs it with those proofs. A credential is authentic when
the proofs it carries that this verifier supports verify and none of them fails; a proof of
a type or cryptosuite it does not support is reported as not checked, and is never enough
on its own (:func:`verify_all`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from microcred.jsonld.fast_rdf import canonicalize_fast
from microcred.proofs.dataintegrity import (
    DEFAULT_SUITES,
    SUITE_KEY_TYPES,
    KeyResolver,
    ProofResult,
    verify_one_proof,
)
from microcred.proofs.ed25519_signature_2020 import PROOF_TYPE, verify_ed25519_signature_2020
from microcred.proofs.errors import MalformedProof, UnsupportedCryptosuite

__all__ = ["ProofOutcome", "describe", "verify_all", "verify_each"]

Canonicalize = Callable[[dict[str, Any]], str]
OutcomeStatus = Literal["verified", "failed", "unsupported"]


@dataclass(frozen=True)
class ProofOutcome:
    """What became of one proof: ``result`` when verified, ``error`` when failed or not
    supported."""

    index: int
    kind: str  # "DataIntegrityProof eddsa-rdfc-2022", "Ed25519Signature2020", "?"
    status: OutcomeStatus
    result: ProofResult | None = None
    error: Exception | None = None


def describe(proof: Any) -> str:
    """The proof's type (and cryptosuite) as the report names it."""
    if not isinstance(proof, Mapping):
        return "?"
    kind = proof.get("type")
    name = kind if isinstance(kind, str) else "?"
    suite = proof.get("cryptosuite")
    return f"{name} {suite}" if isinstance(suite, str) and name == "DataIntegrityProof" else name


def _supported(proof: Mapping[str, Any], allowed_suites: Collection[str]) -> bool:
    kind = proof.get("type")
    if kind == PROOF_TYPE:
        return True
    suite = proof.get("cryptosuite")
    return kind == "DataIntegrityProof" and suite in allowed_suites and suite in SUITE_KEY_TYPES


def verify_each(
    document: Mapping[str, Any],
    *,
    resolve_key: KeyResolver,
    canonicalize: Canonicalize = canonicalize_fast,
    allowed_suites: Collection[str] = DEFAULT_SUITES,
    expected_proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> tuple[ProofOutcome, ...]:
    """The outcome of every proof of ``document``; raises only when it has no proof at all.

    A proof that fails raises inside and is recorded as ``failed`` with its error (every
    error a proof check may meet on hostile input is recorded, so the caller can report each
    proof)."""
    if not isinstance(document, Mapping):
        raise MalformedProof("document", "must be an object")
    proofs = document.get("proof")
    if proofs is None:
        raise MalformedProof("proof", "is missing")
    items = proofs if isinstance(proofs, list) else [proofs]
    if not items:
        raise MalformedProof("proof", "is an empty list")
    outcomes: list[ProofOutcome] = []
    for index, proof in enumerate(items):
        kind = describe(proof)
        if not isinstance(proof, Mapping):
            error = MalformedProof("proof", "must be an object")
            outcomes.append(ProofOutcome(index, kind, "failed", error=error))
            continue
        if not _supported(proof, allowed_suites):
            suite = proof.get("cryptosuite")
            unsupported = UnsupportedCryptosuite(
                f"cryptosuite {suite!r} is not allowed"
                if proof.get("type") == "DataIntegrityProof"
                else f"unsupported proof type {proof.get('type')!r}"
            )
            outcomes.append(ProofOutcome(index, kind, "unsupported", error=unsupported))
            continue
        try:
            if proof.get("type") == PROOF_TYPE:
                result = verify_ed25519_signature_2020(
                    document,
                    proof,
                    resolve_key=resolve_key,
                    canonicalize=canonicalize,
                    expected_proof_purpose=expected_proof_purpose,
                    challenge=challenge,
                    domain=domain,
                )
            else:
                # one Data Integrity proof: it signs the document without any proof, or
                # with the proofs it names in previousProof (a chain)
                result = verify_one_proof(
                    document,
                    proof,
                    resolve_key=resolve_key,
                    canonicalize=canonicalize,
                    allowed_suites=allowed_suites,
                    expected_proof_purpose=expected_proof_purpose,
                    challenge=challenge,
                    domain=domain,
                )
        except Exception as exc:  # noqa: BLE001 - recorded per proof; the caller maps it
            outcomes.append(ProofOutcome(index, kind, "failed", error=exc))
            continue
        outcomes.append(ProofOutcome(index, kind, "verified", result=result))
    return tuple(outcomes)


def verify_all(
    document: Mapping[str, Any],
    *,
    resolve_key: KeyResolver,
    canonicalize: Canonicalize = canonicalize_fast,
    allowed_suites: Collection[str] = DEFAULT_SUITES,
    expected_proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> tuple[ProofResult, ...]:
    """The verified proofs of ``document``: raises the error of the first proof that failed,
    or, when none of its proofs is supported, :class:`UnsupportedCryptosuite`."""
    outcomes = verify_each(
        document,
        resolve_key=resolve_key,
        canonicalize=canonicalize,
        allowed_suites=allowed_suites,
        expected_proof_purpose=expected_proof_purpose,
        challenge=challenge,
        domain=domain,
    )
    for outcome in outcomes:
        if outcome.status == "failed" and outcome.error is not None:
            raise outcome.error
    verified = tuple(o.result for o in outcomes if o.result is not None)
    if not verified:
        if len(outcomes) == 1 and outcomes[0].error is not None:
            raise outcomes[0].error
        kinds = ", ".join(o.kind for o in outcomes)
        raise UnsupportedCryptosuite(f"none of its proofs is of a supported kind ({kinds})")
    return verified
