"""An employer's request, from the console form to a DCQL query (issue 16, point 2).

The form names which micro-credentials (the project's SD-JWT VC type, which extends the EUDI
learning-credential type, and/or Open Badges 3.0 credentials), optionally their issuer (by
name) and an ESCO skill, an optional minimum ECTS or EQF level, and which of the SD-JWT VC's
claims to ask for. DCQL (OpenID4VP 1.0 §6) has no
"at least" operator, only ``values`` (any of these): a minimum is written as the list of the
values that reach it (EQF levels up to 8; whole ECTS up to ``MAX_ECTS``: DCQL values are
strings, integers or booleans, so a credential of 2.5 ECTS matches no ECTS minimum).
"""

from __future__ import annotations

import re
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
MAX_NAME = 200
ESCO_PREFIX = "http://data.europa.eu/esco/skill/"
ESCO_SKILL = re.compile(re.escape(ESCO_PREFIX) + r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")


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
    issuer: str | None = None,
    skill: str | None = None,
) -> Composed:
    """The DCQL query for the form's choices; Invalid names the field to fix. ``issuer``
    is the issuer's name as its credentials give it; ``skill`` an ESCO skill URI."""
    chosen = [k for k in KINDS if k in kinds]
    issuer = (issuer or "").strip() or None
    skill = (skill or "").strip() or None
    if not chosen:
        raise Invalid("choose at least one kind of micro-credential", "kinds")
    unknown = [c for c in claims if c not in CLAIMS]
    if unknown:
        raise Invalid(f"unknown claim {unknown[0][:40]!r}", "claims")
    ects = _minimum(min_ects, "min_ects", 0, MAX_ECTS)
    eqf = _minimum(min_eqf, "min_eqf", 1, 8)
    if eqf is not None and eqf != eqf.to_integral_value():
        raise Invalid("min_eqf is a whole number from 1 to 8", "min_eqf")
    if issuer is not None and len(issuer) > MAX_NAME:
        raise Invalid(f"issuer is at most {MAX_NAME} characters", "issuer")
    if skill is not None and not ESCO_SKILL.fullmatch(skill):
        raise Invalid(f"skill is an ESCO skill URI ({ESCO_PREFIX}…)", "skill")
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
        query: dict[str, Any] = {
            "id": "micro_credential",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [vct_url(base_url), EUDI_LEARNING_VCT]},
            "claims": wanted,
        }
        if issuer is not None:
            wanted = [w for w in wanted if w["id"] != "issuing_authority"]
            wanted.append(
                {"id": "issuing_authority", "path": ["issuing_authority"], "values": [issuer]}
            )
            summary.append(f"issued by {issuer}")
        if skill is not None:
            # a skill of the specification, or the ESCO skill of a learning outcome: DCQL
            # has no "or" between claims, only claim_sets (the first one answered is used)
            base = [w["id"] for w in wanted]
            wanted.append({"id": "skill", "path": ["skills", None, "esco_uri"], "values": [skill]})
            wanted.append(
                {"id": "outcome_skill", "path": ["learning_outcome_refs", None], "values": [skill]}
            )
            query["claim_sets"] = [[*base, "skill"], [*base, "outcome_skill"]]
            summary.append(f"with the skill {skill}")
        query["claims"] = wanted
        queries.append(query)
    if "open_badge" in chosen:
        badge: list[dict[str, Any]] = [{"path": ["credentialSubject", "achievement", "name"]}]
        if issuer is not None:
            badge.append({"path": ["issuer", "name"], "values": [issuer]})
        if skill is not None:
            alignment = ["credentialSubject", "achievement", "alignment", None, "targetUrl"]
            badge.append({"path": alignment, "values": [skill]})
        queries.append(
            {
                "id": "open_badge",
                "format": "ldp_vc",
                "meta": {"type_values": [OPEN_BADGE_TYPES]},
                "require_cryptographic_holder_binding": False,
                "claims": badge,
            }
        )
    return Composed({"credentials": queries}, summary)
