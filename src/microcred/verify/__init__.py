"""Verification: a pipeline of named checks that explains itself (DESIGN.md)."""

from microcred.verify.credential import VerifierContext, verify_credential
from microcred.verify.presentation import PresentationReport, is_presentation, verify_presentation
from microcred.verify.report import CHECK_IDS, Check, VerificationReport
from microcred.verify.trust import TrustedIssuer, TrustList, load_trust_list

__all__ = [
    "CHECK_IDS",
    "Check",
    "PresentationReport",
    "TrustList",
    "TrustedIssuer",
    "VerificationReport",
    "VerifierContext",
    "is_presentation",
    "load_trust_list",
    "verify_credential",
    "verify_presentation",
]
