"""The one mapping from what a proof check raised to the failed (or unverifiable) ``proof``
check that says so, for credentials and presentations, Data Integrity and JOSE alike.

The wording names what was signed (:class:`Signed`); the codes are the same everywhere:
``proof.unknown_context``, ``proof.jsonld``, ``proof.key_unavailable``, ``proof.bad_key``,
``proof.invalid_signature``, ``proof.purpose``, ``proof.claims_mismatch``, ``proof.unsupported``,
``proof.malformed``, ``proof.rejected``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from microcred.jsonld.errors import JsonLdError, UnknownContextError
from microcred.proofs.errors import (
    ClaimsMismatch,
    InvalidSignature,
    MalformedProof,
    ProofError,
    ProofPurposeMismatch,
    UnsupportedCryptosuite,
    VerificationMethodError,
)
from microcred.proofs.proof_set import ProofOutcome
from microcred.verify.report import Check
from microcred.verify.resolution import DocumentFinder

__all__ = [
    "CREDENTIAL",
    "CREDENTIAL_JWT",
    "PRESENTATION",
    "PRESENTATION_JWT",
    "Signed",
    "did_key_vm",
    "proof_failure",
    "proof_set_check",
]


@dataclass(frozen=True)
class Signed:
    """How the messages name what was signed, and whose key signed it."""

    document: str  # "document", "presentation"
    key: str  # "the signing key", "the holder's key"
    key_document: str  # "the signing key's document", "the holder's key document"
    mismatch: str  # the sentence for a signature that does not match
    proof: str = "proof"  # "proof", "JWT": what was rejected
    purpose: str = "the proof is not made for asserting this credential"  # wrong proofPurpose


CREDENTIAL = Signed(
    "document",
    "the signing key",
    "the signing key's document",
    "the signature does not match: the credential was changed after it was signed, or signed "
    "with another key",
)
CREDENTIAL_JWT = Signed(
    "document",
    "the signing key",
    "the signing key's document",
    "the JWT signature does not match: the credential was changed or signed with another key",
    "JWT",
)
PRESENTATION = Signed(
    "presentation",
    "the holder's key",
    "the holder's key document",
    "the holder's signature does not match: the presentation was changed after it was signed, "
    "or signed with another key than the one it names",
    purpose="not bound to this request",
)
PRESENTATION_JWT = PRESENTATION


def did_key_vm(kid: str) -> str:
    """A JOSE ``kid`` as a verification method URL: a bare did:key names its only key."""
    if "#" not in kid and kid.startswith("did:key:"):
        return f"{kid}#{kid.removeprefix('did:key:')}"
    return kid


def proof_failure(exc: Exception, finder: DocumentFinder, signed: Signed) -> Check:
    """The ``proof`` check for ``exc``, raised while checking the proof of ``signed``.

    A key whose document could not be found is a warning (it could not be checked), never
    a pass; anything that is not a proof or JSON-LD error comes from hostile JSON-LD that made
    the JSON-LD processor itself fail."""
    if isinstance(exc, UnknownContextError):
        return Check("proof", "fail", f"cannot be checked: {exc}", "proof.unknown_context")
    if isinstance(exc, JsonLdError):
        return Check(
            "proof",
            "fail",
            f"cannot be checked, the {signed.document} is not valid JSON-LD: {exc}",
            "proof.jsonld",
        )
    if isinstance(exc, VerificationMethodError):
        if finder.unavailable:
            missing = finder.unavailable[-1]
            return Check(
                "proof",
                "warn",
                f"could not be checked: {signed.key_document} {missing} is not available offline",
                "proof.key_unavailable",
                document=missing,
            )
        return Check("proof", "fail", f"{signed.key} cannot be used: {exc}", "proof.bad_key")
    if isinstance(exc, InvalidSignature):
        return Check("proof", "fail", signed.mismatch, "proof.invalid_signature")
    if isinstance(exc, ProofPurposeMismatch):
        return Check("proof", "fail", f"{signed.purpose}: {exc}", "proof.purpose")
    if isinstance(exc, UnsupportedCryptosuite):
        return Check("proof", "fail", f"unsupported proof: {exc}", "proof.unsupported")
    if isinstance(exc, ClaimsMismatch):
        return Check(
            "proof",
            "fail",
            f"the JWT's claims do not agree with the credential it carries: {exc}",
            "proof.claims_mismatch",
        )
    if isinstance(exc, MalformedProof):
        return Check("proof", "fail", f"malformed proof: {exc}", "proof.malformed")
    if isinstance(exc, ProofError):
        return Check("proof", "fail", f"{signed.proof} rejected: {exc}", "proof.rejected")
    return Check(
        "proof",
        "fail",
        f"cannot be checked, the {signed.document} is not valid JSON-LD ({type(exc).__name__})",
        "proof.jsonld",
    )


def proof_set_check(
    outcomes: Sequence[ProofOutcome],
    finder: DocumentFinder,
    signed: Signed,
    expected_signer: str | None = None,
) -> tuple[Check, str | None]:
    """The one ``proof`` check of a document's proofs, listing each (one proof or a set), and
    the signer: the controller of the key of the first verified proof made by
    ``expected_signer`` (a credential's issuer) if there is one, else of the first verified
    proof. Other parties may add proofs to a credential (VC DM 2.0 proof sets and chains,
    e.g. a witness's proof before the issuer's); the issuer check asks whether the issuer
    signed, not whether it signed first.

    Passes when the proofs this verifier supports verify and none fails; a proof of a kind
    it does not support is named as not checked and is never enough alone."""
    total = len(outcomes)

    def label(outcome: ProofOutcome) -> str:
        return f"proof {outcome.index + 1} of {total} ({outcome.kind})"

    failed = next((o for o in outcomes if o.status == "failed"), None)
    verified = [o for o in outcomes if o.result is not None]
    if failed is not None or not verified:
        first = failed or outcomes[0]
        assert first.error is not None
        check = proof_failure(first.error, finder, signed)
        if total == 1:
            return check, None
        return replace(check, message=f"{label(first)}: {check.message}"), None
    parts: list[str] = []
    for outcome in outcomes:
        if outcome.result is not None:
            parts.append(f"{label(outcome)} verified with key {outcome.result.verification_method}")
        else:
            parts.append(f"{label(outcome)} not checked: this verifier does not support it")
    lead = verified[0].result
    for outcome in verified:
        assert outcome.result is not None
        if outcome.result.verification_method.split("#", 1)[0] == expected_signer:
            lead = outcome.result
            break
    assert lead is not None
    message = (
        f"signature verified ({lead.cryptosuite}) with key {lead.verification_method}"
        if total == 1
        else f"{len(verified)} of {total} proofs verified: " + "; ".join(parts)
    )
    return Check("proof", "pass", message, "proof.ok"), lead.verification_method.split("#", 1)[0]
