"""An employer's request, from the console form to a DCQL query (issue 16, point 2).

The form names which micro-credentials (the project's SD-JWT VC type, which extends the EUDI
learning-credential type, and/or Open Badges 3.0 credentials), an optional minimum ECTS or
EQF level, and which of the SD-JWT VC's claims to ask for. DCQL (OpenID4VP 1.0 §6) has no
"at least" operator, only ``values`` (any of these): a minimum is written as the list of the
values that reach it (EQF levels up to 8; whole ECTS up to ``MAX_ECTS``: DCQL values are
strings, integers or booleans, so a credential of 2.5 ECTS matches no ECTS minimum).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from microcred.formats.sd_jwt_vc import EUDI_LEARNING_VCT, vct_url
from microcred.services.presentation_requests.problems import Invalid

__all__ = ["CLAIMS", "DEFAULT_CLAIMS", "KINDS", "Composed", "compose"]

KINDS = ("sd_jwt_vc", "open_badge")
MAX_ECTS = 60
# The SD-JWT VC claims an employer may ask for (formats/sd_jwt_vc.py), in the form's order.
CLAIMS = (
    "family_name",
    "given_name",
    "learner_name",
    "achievement_title",
    "achievement_description",
    "issuing_authority",
    "issuing_country",
    "date_of_issuance",
    "credit_points",
    "level_of_learning_experience",
    "learning_outcomes",
    "assessment_grade",
    "types_of_quality_assurance",
)
# given_name is not among them: a credential whose learner's name is not split has none, and
# DCQL has no optional claim, so asking for it would make such credentials match nothing.
DEFAULT_CLAIMS = ("family_name", "achievement_title")
OPEN_BADGE_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


@dataclass(frozen=True)
class Composed:
    dcql: dict[str, Any]
    summary: list[str]  # what is asked, in plain words (English: the page translates kinds)


def _minimum(raw: str | None, field: str, low: int, high: int) -> Decimal | None:
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise Invalid(f"{field} is a number from {low} to {high}", field) from None
    if not value.is_finite() or not low <= value <= high:
        raise Invalid(f"{field} is a number from {low} to {high}", field)
    return value


def _ects_values(minimum: Decimal) -> list[int]:
    first = int(minimum.to_integral_value(rounding="ROUND_CEILING"))
    return list(range(max(first, 0), MAX_ECTS + 1))


def compose(
    base_url: str,
    kinds: Sequence[str],
    claims: Sequence[str],
    *,
    min_ects: str | None = None,
    min_eqf: str | None = None,
) -> Composed:
    """The DCQL query for the form's choices; Invalid names the field to fix."""
    chosen = [k for k in KINDS if k in kinds]
    if not chosen:
        raise Invalid("choose at least one kind of micro-credential", "kinds")
    unknown = [c for c in claims if c not in CLAIMS]
    if unknown:
        raise Invalid(f"unknown claim {unknown[0][:40]!r}", "claims")
    ects = _minimum(min_ects, "min_ects", 0, MAX_ECTS)
    eqf = _minimum(min_eqf, "min_eqf", 1, 8)
    if eqf is not None and eqf != eqf.to_integral_value():
        raise Invalid("min_eqf is a whole number from 1 to 8", "min_eqf")
    if (ects is not None or eqf is not None or claims) and "sd_jwt_vc" not in chosen:
        raise Invalid("claims and minimums are asked of the SD-JWT VC: choose it too", "kinds")
    queries: list[dict[str, Any]] = []
    summary: list[str] = []
    if "sd_jwt_vc" in chosen:
        wanted: list[dict[str, Any]] = [
            {"id": name, "path": [name]} for name in CLAIMS if name in claims
        ]
        if not wanted and ects is None and eqf is None:
            wanted = [{"id": "achievement_title", "path": ["achievement_title"]}]
        if ects is not None:
            wanted = [w for w in wanted if w["id"] != "credit_points"]
            wanted.append(
                {
                    "id": "credit_points",
                    "path": ["credit_points", "value"],
                    "values": _ects_values(ects),
                }
            )
            summary.append(f"at least {ects.normalize():f} ECTS")
        if eqf is not None:
            wanted = [w for w in wanted if w["id"] != "level_of_learning_experience"]
            wanted.append(
                {
                    "id": "level_of_learning_experience",
                    "path": ["level_of_learning_experience"],
                    "values": list(range(int(eqf), 9)),
                }
            )
            summary.append(f"EQF level {int(eqf)} or higher")
        queries.append(
            {
                "id": "micro_credential",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [vct_url(base_url), EUDI_LEARNING_VCT]},
                "claims": wanted,
            }
        )
    if "open_badge" in chosen:
        queries.append(
            {
                "id": "open_badge",
                "format": "ldp_vc",
                "meta": {"type_values": [OPEN_BADGE_TYPES]},
                "require_cryptographic_holder_binding": False,
                "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
            }
        )
    return Composed({"credentials": queries}, summary)
