"""The verification report: named checks, each pass / fail / warn / skip with a sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CheckStatus = Literal["pass", "fail", "warn", "skip"]
OverallStatus = Literal["valid", "invalid", "revoked", "suspended", "expired"]

CHECK_IDS = ("parse", "schema", "eu_standard", "proof", "issuer", "trust", "validity", "status")


@dataclass(frozen=True)
class Check:
    id: str
    status: CheckStatus
    message: str
    code: str = ""

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "message": self.message}


@dataclass(frozen=True)
class VerificationReport:
    valid: bool
    status: OverallStatus
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None = field(default=None, compare=False)
    summary: dict[str, Any] = field(default_factory=dict, compare=False)

    def check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.id == check_id)

    def to_json(self) -> dict[str, Any]:
        """Exactly the shape the CLI's --json and the API return."""
        return {
            "valid": self.valid,
            "status": self.status,
            "checks": [c.to_json() for c in self.checks],
        }
