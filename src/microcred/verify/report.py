"""The verification report: named checks, each pass / fail / warn / skip with a sentence and a
machine code.

The checks of a pipeline are :class:`CheckKind` objects in an ordered tuple
(:data:`CREDENTIAL_CHECKS`, and ``PRESENTATION_CHECKS`` in :mod:`microcred.verify.presentation`).
Each says what its failure means for the whole, so the overall status follows from the tuple
(:func:`overall`): adding a check is one entry there, one function that makes its
:class:`Check`, and the plain-language texts of its codes on the web page.

The overall statuses, from the best to the worst: ``valid``; ``unchecked`` (authentic, but
something that must be checked, such as its revocation, could not be: not valid either, as
the reader cannot know it was not withdrawn); ``expired``; ``suspended``; ``revoked``;
``invalid``. Of several findings the worst is the verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from microcred.verify.summary import EMPTY_SUMMARY, CredentialSummary

CheckStatus = Literal["pass", "fail", "warn", "skip"]
OverallStatus = Literal["valid", "unchecked", "invalid", "revoked", "suspended", "expired"]

__all__ = [
    "CHECK_IDS",
    "CREDENTIAL_CHECKS",
    "Check",
    "CheckKind",
    "CheckList",
    "CheckStatus",
    "CredentialSummary",
    "OverallStatus",
    "VerificationReport",
    "overall",
    "worst",
]

_NONE: Mapping[str, OverallStatus] = MappingProxyType({})


@dataclass(frozen=True)
class CheckKind:
    """One check of a pipeline, and what its result means for the overall status.

    ``invalidates``: a failure of this check makes the whole invalid (``fail_status`` names
    the failure codes that mean something more precise: revoked, suspended, expired).
    ``required``: the whole is valid only when this check passed (or warned with one of
    ``passing_codes``): a signature that was not checked is never reported valid.
    ``must_check``: the whole is valid only when this check was made; when it could not be
    (it warned, was skipped or is absent, with a code not in ``settled_codes``) the whole is
    ``unchecked``. Fail-closed: a new "could not check" code needs no entry here.
    """

    id: str
    invalidates: bool = True
    fail_status: Mapping[str, OverallStatus] = field(default_factory=lambda: _NONE)
    required: bool = False
    passing_codes: frozenset[str] = frozenset()
    must_check: bool = False
    settled_codes: frozenset[str] = frozenset()
    # the check applies only to some inputs (an x5c chain): absent or skipped, it says nothing
    may_be_absent: bool = False

    def outcome(self, check: Check) -> OverallStatus:
        """What ``check`` (a result of this kind) makes of the whole, taken alone."""
        if check.status == "fail" and self.invalidates:
            return self.fail_status.get(check.code, "invalid")
        if self.required and not (check.status == "pass" or check.code in self.passing_codes):
            return "invalid"
        if self.may_be_absent and check.status == "skip":
            return "valid"  # skipped (not applicable to this input) is as if absent
        if self.must_check and check.status != "pass" and check.code not in self.settled_codes:
            return "unchecked"
        return "valid"

    def absent(self) -> OverallStatus:
        """What the whole is when no check of this kind was made at all."""
        if self.required:
            return "invalid"
        return "unchecked" if self.must_check and not self.may_be_absent else "valid"


CREDENTIAL_CHECKS: tuple[CheckKind, ...] = (
    CheckKind("parse"),
    CheckKind("schema"),
    CheckKind("eu_standard", invalidates=False),  # missing EU elements warn, never invalidate
    CheckKind("proof", required=True),
    CheckKind("issuer"),
    # an x5c chain that does not lead to a configured anchor is invalid; with no anchor
    # configured the whole is "could not check" (verify/x509_trust.py)
    CheckKind("issuer_certificate", must_check=True, may_be_absent=True),
    CheckKind("trust", invalidates=False),  # an unknown issuer warns: the reader decides
    CheckKind("validity", fail_status=MappingProxyType({"validity.expired": "expired"})),
    CheckKind(
        "status",
        fail_status=MappingProxyType(
            {"status.revoked": "revoked", "status.suspended": "suspended"}
        ),
        # A status that could not be checked (the list unavailable, refused, expired, of a
        # kind not supported, ...) leaves the credential unchecked, never valid. Settled: it
        # has no status entry (it cannot be revoked), or a status other than revocation and
        # suspension is set (a message the list was read for).
        must_check=True,
        settled_codes=frozenset({"status.none", "status.other"}),
    ),
)
CHECK_IDS = tuple(kind.id for kind in CREDENTIAL_CHECKS)

# How bad an overall status is: of several, the report shows the worst.
# "unchecked" is the mildest of the statuses that are not valid: any finding for certain
# (expired, withdrawn, not genuine) says more than "could not check".
_SEVERITY: dict[str, int] = {
    "valid": 0,
    "unchecked": 1,
    "expired": 2,
    "suspended": 3,
    "revoked": 4,
    "invalid": 5,
}


def worst(statuses: Iterable[str]) -> OverallStatus:
    """The worst of several overall statuses (an unknown one counts as invalid)."""
    result: OverallStatus = "valid"
    for status in statuses:
        if status not in _SEVERITY:
            return "invalid"
        if _SEVERITY[status] > _SEVERITY[result]:
            result = status  # type: ignore[assignment]
    return result


@dataclass(frozen=True)
class Check:
    id: str
    status: CheckStatus
    message: str
    code: str = ""
    document: str = ""
    """The address of a document the check needed and could not get offline (a DID document,
    a controller document, a status list): an adapter may offer its own way to supply it."""

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "code": self.code, "message": self.message}


def overall(
    checks: Iterable[Check], kinds: tuple[CheckKind, ...] = CREDENTIAL_CHECKS
) -> OverallStatus:
    """The overall status of ``checks`` as their kinds declare it (a required check that is
    absent counts as not passed, a check that must be made as not made)."""
    by_id = {kind.id: kind for kind in kinds}
    seen: set[str] = set()
    outcomes: list[OverallStatus] = []
    for check in checks:
        kind = by_id.get(check.id)
        if kind is not None:
            seen.add(check.id)
            outcomes.append(kind.outcome(check))
    outcomes.extend(kind.absent() for kind in kinds if kind.id not in seen)
    return worst(outcomes)


class CheckList:
    """The checks of one run, set in any order and read in the order of their kinds."""

    def __init__(self, kinds: tuple[CheckKind, ...] = CREDENTIAL_CHECKS) -> None:
        self.kinds = kinds
        self._by_id: dict[str, Check] = {}

    def add(self, check: Check) -> Check:
        """Add ``check``, or replace the check of the same id (a later finding overrides)."""
        self._by_id[check.id] = check
        return check

    def get(self, check_id: str) -> Check | None:
        return self._by_id.get(check_id)

    def done(self) -> set[str]:
        return set(self._by_id)

    def skip_rest(self, reason: str) -> None:
        """Every check not made yet is skipped, for ``reason``."""
        for kind in self.kinds:
            if kind.id not in self._by_id:
                self._by_id[kind.id] = Check(kind.id, "skip", reason, "skipped")

    def ordered(self) -> tuple[Check, ...]:
        return tuple(self._by_id[k.id] for k in self.kinds if k.id in self._by_id)

    def overall(self) -> OverallStatus:
        return overall(self._by_id.values(), self.kinds)


@dataclass(frozen=True)
class VerificationReport:
    valid: bool
    status: OverallStatus
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None = field(default=None, compare=False)
    summary: CredentialSummary = field(default=EMPTY_SUMMARY, compare=False)

    @classmethod
    def of(
        cls,
        checks: CheckList,
        credential: dict[str, Any] | None = None,
        summary: CredentialSummary = EMPTY_SUMMARY,
    ) -> VerificationReport:
        status = checks.overall()
        return cls(status == "valid", status, checks.ordered(), credential, summary)

    def check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.id == check_id)

    def to_json(self) -> dict[str, Any]:
        """Exactly the shape the CLI's --json and the API return."""
        return {
            "valid": self.valid,
            "status": self.status,
            "checks": [c.to_json() for c in self.checks],
        }
