"""microcred: European micro-credentials, issued and verified to the open standards.

The public API, re-exported here; everything else is implementation.
"""

from microcred.formats.ob3 import award_to_ob3
from microcred.formats.ob3_read import read_ob3
from microcred.model import (
    Award,
    Learner,
    Problem,
    Specification,
    SpecificationError,
    parse_award,
    parse_specification,
    validate_specification,
)
from microcred.proofs.did import did_key_for, resolve_did_key
from microcred.proofs.keys import Ed25519KeyPair, P256KeyPair
from microcred.services.issuing import IssuingError, issue_award
from microcred.verify import (
    Check,
    TrustedIssuer,
    TrustList,
    VerificationReport,
    VerifierContext,
    verify_credential,
)

__version__ = "0.1.0"

__all__ = [
    "Award",
    "Check",
    "Ed25519KeyPair",
    "IssuingError",
    "Learner",
    "P256KeyPair",
    "Problem",
    "Specification",
    "SpecificationError",
    "TrustList",
    "TrustedIssuer",
    "VerificationReport",
    "VerifierContext",
    "__version__",
    "award_to_ob3",
    "did_key_for",
    "issue_award",
    "parse_award",
    "parse_specification",
    "read_ob3",
    "resolve_did_key",
    "validate_specification",
    "verify_credential",
]
