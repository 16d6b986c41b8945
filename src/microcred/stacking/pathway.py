"""A stacking pathway: what an authority accepts towards a larger credential or a qualification.

A pathway names a **target** (with its own EU elements: title, learning outcomes,
EQF level, total ECTS, assessment, participation, quality assurance; the
awarding body is the authority that publishes the pathway) and **rules** that
a holder's credentials must meet. Every rule is one of:

- `require`: each listed credential must be present (matched by specification id,
  or by title / issuer / skill);
- `choose`: at least N of the listed credentials;
- `total`: a minimum total of ECTS credits and / or hours;
- `cover`: a set of ESCO skills and / or learning outcomes that the credentials cover.

`accept` (on the pathway, and optionally overridden on a rule) says which
credentials may count at all: minimum EQF level, recency, accepted issuers
(named, or any issuer on the trust list), assessment types and supervision.
A credential that is not valid (revoked, suspended, expired, not verified)
never counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from microcred.model.multilingual import LangMap, pick
from microcred.model.spec import (
    AwardingBody,
    EscoSkillUri,
    Specification,
    Uri,
)
from microcred.model.validation import (
    MISSING_HINTS,
    Problem,
    SpecificationError,
    problems_from,
)
from microcred.model.vocabulary import AssessmentType, Supervision, codes

# The Open Badges 3.0 `achievementType` values that suit a stacked target.
ACHIEVEMENT_TYPES = (
    "MicroCredential",
    "Certificate",
    "Certification",
    "Diploma",
    "LearningProgram",
    "Award",
    "Achievement",
)


class PathwayError(SpecificationError):
    """A pathway failed validation; `problems` lists every one of them (path, message)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Matcher(_Strict):
    """Which credential a `require` / `choose` entry means. Every field given must hold."""

    spec: Uri | None = Field(default=None, description="the specification id (exact)")
    title: str | None = Field(
        default=None, description="words in the title, any language, case-insensitive"
    )
    issuer: str | None = Field(
        default=None, description="the issuer's DID / id (exact) or words in its name"
    )
    skill: EscoSkillUri | None = Field(default=None, description="an ESCO skill it must cover")
    label: LangMap | None = Field(default=None, description="how to name it to a person")

    @model_validator(mode="after")
    def _something(self) -> Matcher:
        if not (self.spec or self.title or self.issuer or self.skill):
            raise ValueError(
                "say which credential: give `spec` (its specification id), `title`, "
                "`issuer` and / or `skill`"
            )
        return self

    def describe(self, lang: tuple[str, ...] = ("en",)) -> str:
        if self.label:
            return pick(self.label, lang)
        parts: list[str] = []
        if self.title:
            parts.append(f"“{self.title}”")
        if self.spec:
            parts.append(f"specification {self.spec}")
        if self.issuer:
            parts.append(f"from {self.issuer}")
        if self.skill:
            parts.append(f"covering skill {self.skill.rsplit('/', 1)[-1]}")
        return "a credential " + " ".join(parts)


class Accept(_Strict):
    """Which credentials may count at all (on top of being valid at evaluation time)."""

    min_eqf_level: Annotated[int, Field(ge=1, le=8, strict=True)] | None = None
    issued_within_years: Annotated[int, Field(gt=0, le=100, strict=True)] | None = None
    issuers: tuple[str, ...] = Field(
        default=(), description="accepted issuers by DID / id; empty means any"
    )
    trusted_issuers: bool = Field(
        default=False, description="accept any issuer on the verifier's trust list"
    )
    assessment_types: tuple[AssessmentType, ...] = ()
    supervision: tuple[Supervision, ...] = ()

    def merged(self, override: Accept | None) -> Accept:
        """The pathway's conditions with the fields a rule sets replaced."""
        if override is None:
            return self
        return self.model_copy(update=dict(override.model_dump(exclude_unset=True)))


class Choose(_Strict):
    at_least: Annotated[int, Field(ge=1, strict=True)]
    of: Annotated[tuple[Matcher, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _reachable(self) -> Choose:
        if self.at_least > len(self.of):
            raise ValueError(
                f"at_least is {self.at_least} but only {len(self.of)} credentials are listed"
            )
        return self


class Total(_Strict):
    ects: Annotated[int | float, Field(gt=0)] | None = None
    hours: Annotated[int | float, Field(gt=0)] | None = None
    only: tuple[Matcher, ...] = Field(
        default=(), description="count only credentials matching one of these"
    )

    @model_validator(mode="after")
    def _one(self) -> Total:
        if self.ects is None and self.hours is None:
            raise ValueError("give the minimum total as `ects` and / or `hours`")
        return self


class Cover(_Strict):
    skills: tuple[EscoSkillUri, ...] = ()
    outcomes: tuple[str, ...] = Field(
        default=(), description="words that must appear in a learning outcome"
    )

    @model_validator(mode="after")
    def _one(self) -> Cover:
        if not self.skills and not self.outcomes:
            raise ValueError("list the ESCO `skills` and / or learning `outcomes` to cover")
        return self


RuleKind = Literal["require", "choose", "total", "cover"]


class Rule(_Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    title: LangMap | None = None
    require: Annotated[tuple[Matcher, ...], Field(min_length=1)] | None = None
    choose: Choose | None = None
    total: Total | None = None
    cover: Cover | None = None
    accept: Accept | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Rule:
        given = [k for k in ("require", "choose", "total", "cover") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a rule has exactly one of `require`, `choose`, `total` or `cover`"
                + (f" (this one has {', '.join(given)})" if given else "")
            )
        return self

    @property
    def kind(self) -> RuleKind:
        for kind in ("require", "choose", "total", "cover"):
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError("unreachable: validated")  # pragma: no cover


class Target(Specification):
    """The larger credential or qualification: a specification whose awarding body is the
    authority (filled in from the organisation that publishes the pathway)."""

    awarding_body: AwardingBody | None = None  # type: ignore[assignment]
    achievement_type: Literal[
        "MicroCredential",
        "Certificate",
        "Certification",
        "Diploma",
        "LearningProgram",
        "Award",
        "Achievement",
    ] = "MicroCredential"
    kind: Literal["micro_credential", "larger_credential", "qualification"] = "micro_credential"

    def specification(self, awarding_body: AwardingBody | None = None) -> Specification:
        """The target as a Specification of the authority (the stacked credential's achievement)."""
        data = self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        data.pop("achievement_type", None)
        data.pop("kind", None)
        body = awarding_body or self.awarding_body
        if body is None:
            raise ValueError("the target needs an awarding body: the authority")
        data["awarding_body"] = body.model_dump(mode="json", exclude_none=True)
        return Specification.model_validate(data)


class Pathway(_Strict):
    id: Uri = Field(description="the pathway's stable identifier (its key across versions)")
    title: LangMap
    description: LangMap | None = None
    target: Target
    accept: Accept = Accept()
    rules: Annotated[tuple[Rule, ...], Field(min_length=1)]
    languages: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _unique_rules(self) -> Pathway:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"two rules have the id '{rule.id}'; give each rule its own id")
            seen.add(rule.id)
        return self

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


_TARGET_HINTS = {
    "target": "the target credential: `target: {title: ..., learning_outcomes: ..., workload: "
    "{ects: 15}, eqf_level: 6, assessment: ..., participation: ..., quality_assurance: ...}`",
    "rules": "the rules: a list of `- id: ...` with `require`, `choose`, `total` or `cover`",
    "id": "the pathway's identifier, e.g. `id: https://authority.example/pathways/data-analysis`",
    "title": "the pathway's title, e.g. `title: {en: Data analysis, lv: Datu analīze}`",
    "rules.choose.at_least": "how many are needed, e.g. `at_least: 3`",
    "rules.choose.of": "the credentials to choose from: `of: [{spec: ...}, ...]`",
}


def _problems(error: ValidationError) -> list[Problem]:
    out: list[Problem] = []
    found = problems_from(error, Pathway)
    for problem in found:
        generic = re.sub(r"\[\d+\]", "", problem.path)
        message = problem.message
        if "after validation" in message and any(
            p.path.startswith(problem.path + "[") for p in found
        ):
            continue  # a consequence of the problems of its items, already listed
        if message.startswith("is required") and message.endswith("this element"):
            hint = _TARGET_HINTS.get(generic) or MISSING_HINTS.get(generic.removeprefix("target."))
            if hint:
                message = f"is required: {'add ' if not hint.startswith('one of') else ''}{hint}"
        if generic.endswith("assessment_types") and "not allowed" in message:
            message = message.split("; use")[0] + f"; use one of: {codes(AssessmentType)}"
        if generic.endswith("supervision") and "not allowed" in message:
            message = message.split("; use")[0] + f"; use one of: {codes(Supervision)}"
        out.append(Problem(problem.path, message))
    return out


def parse_pathway(data: object) -> Pathway:
    """Validate raw data (parsed YAML / JSON) as a Pathway or raise PathwayError with every problem."""
    if not isinstance(data, Mapping):
        raise PathwayError(
            [Problem("(document)", "a pathway must be a mapping (id:, title:, target:, rules:)")]
        )
    try:
        return Pathway.model_validate(dict(data))
    except ValidationError as exc:
        raise PathwayError(_problems(exc)) from None


def validate_pathway(data: object) -> list[Problem]:
    try:
        parse_pathway(data)
    except PathwayError as exc:
        return exc.problems
    return []


__all__ = [
    "ACHIEVEMENT_TYPES",
    "Accept",
    "Choose",
    "Cover",
    "Matcher",
    "Pathway",
    "PathwayError",
    "Rule",
    "RuleKind",
    "Target",
    "Total",
    "parse_pathway",
    "validate_pathway",
]
