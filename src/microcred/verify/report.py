"""The verification report: named checks, each pass / fail / warn / skip with a sentence and a
machine code.

The checks of a pipeline are :class:`CheckKind` objects in an ordered tuple
(:data:`CREDENTIAL_CHECKS`, and ``PRESENTATION_CHECKS`` in :mod:`microcred.verify.presentation`).
Each says what its failure means for the whole, so the overall status follows from the tuple
(:func:`overall`): adding a check is one entry there, one function that makes its
:class:`Check`, and the plain-language texts of its codes on the web page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from microcred.verify.summary import EMPTY_SUMMARY, CredentialSummary

CheckStatus = Literal["pass", "fail", "warn", "skip"]
OverallStatus = Literal["valid", "invalid", "revoked", "suspended", "expired"]

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
    """

    id: str
    invalidates: bool = True
    fail_status: Mapping[str, OverallStatus] = field(default_factory=lambda: _NONE)
    required: bool = False
    passing_codes: frozenset[str] = frozenset()

    def outcome(self, check: Check) -> OverallStatus:
        """What ``check`` (a result of this kind) makes of the whole, taken alone."""
        if check.status == "fail" and self.invalidates:
            return self.fail_status.get(check.code, "invalid")
        if self.required and not (check.status == "pass" or check.code in self.passing_codes):
            return "invalid"
        return "valid"


CREDENTIAL_CHECKS: tuple[CheckKind, ...] = (
    CheckKind("parse"),
    CheckKind("schema"),
    CheckKind("eu_standard", invalidates=False),  # missing EU elements warn, never invalidate
    CheckKind("proof", required=True),
    CheckKind("issuer"),
    CheckKind("trust", invalidates=False),  # an unknown issuer warns: the reader decides
    CheckKind("validity", fail_status=MappingProxyType({"validity.expired": "expired"})),
    CheckKind(
        "status",
        fail_status=MappingProxyType(
            {"status.revoked": "revoked", "status.suspended": "suspended"}
        ),
    ),
)
CHECK_IDS = tuple(kind.id for kind in CREDENTIAL_CHECKS)

# How bad an overall status is: of several, the report shows the worst.
_SEVERITY: dict[str, int] = {"valid": 0, "expired": 1, "suspended": 2, "revoked": 3, "invalid": 4}


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
    absent counts as not passed)."""
    by_id = {kind.id: kind for kind in kinds}
    seen: set[str] = set()
    outcomes: list[OverallStatus] = []
    for check in checks:
        kind = by_id.get(check.id)
        if kind is not None:
            seen.add(check.id)
            outcomes.append(kind.outcome(check))
    if any(kind.required and kind.id not in seen for kind in kinds):
        outcomes.append("invalid")
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
