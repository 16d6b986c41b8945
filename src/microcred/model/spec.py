"""The micro-credential specification: what a provider defines once and issues many times.

Field names follow the EU Council Recommendation of 16 June 2022, Annex I.
The mandatory elements that belong to the offer are required fields here;
learner identification and date of issue belong to the award.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

from microcred.model.multilingual import LangMap
from microcred.model.vocabulary import (
    ESCO_SKILL_PREFIX,
    AssessmentType,
    Participation,
    QualityAssuranceType,
    Supervision,
)

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")


def _check_uri(value: str) -> str:
    if not _URI.match(value):
        raise ValueError(
            f"'{value}' is not an absolute URI; write it as https://..., did:... or urn:..."
        )
    return value


def _check_http_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+[^\s]*$", value):
        raise ValueError(f"'{value}' is not a web address; write it as https://example.org/...")
    return value


def _check_esco(value: str) -> str:
    _check_uri(value)
    if not value.startswith(ESCO_SKILL_PREFIX):
        raise ValueError(
            f"'{value}' is not an ESCO skill URI; ESCO skills look like "
            f"{ESCO_SKILL_PREFIX}<uuid> (find them at esco.ec.europa.eu)"
        )
    return value


def check_country(value: str) -> str:
    code = value.strip().upper() if isinstance(value, str) else value
    if not isinstance(code, str) or len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(
            f"'{value}' is not an ISO 3166-1 alpha-2 country code; use two letters such as "
            "LV, EE, LT, DE (Greece is GR)"
        )
    return code


def _check_language(value: str) -> str:
    import langcodes

    if not langcodes.tag_is_valid(value):
        raise ValueError(f"'{value}' is not a BCP 47 language tag; use e.g. 'lv', 'en'")
    return value


def _to_decimal(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except ArithmeticError:
            raise ValueError(f"'{value}' is not a number") from None
    return value


def _check_amount(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if value < 0:
        raise ValueError(f"{value} is negative; the workload cannot be below 0")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError(f"{value} has more than 2 decimals; round it, e.g. {round(value, 2)}")
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _serialize_amount(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


Amount = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    AfterValidator(_check_amount),
    PlainSerializer(_serialize_amount, return_type=int | float),
]
Uri = Annotated[str, AfterValidator(_check_uri)]
HttpUrl = Annotated[str, AfterValidator(_check_http_url)]
EscoSkillUri = Annotated[str, AfterValidator(_check_esco)]
CountryCode = Annotated[str, AfterValidator(check_country)]
LanguageTag = Annotated[str, AfterValidator(_check_language)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AwardingBody(_Strict):
    """Element 4 (awarding body) with element 3 (its country and region)."""

    name: LangMap
    country: CountryCode
    region: str | None = None
    id: Uri | None = Field(default=None, description="DID or URL identifying the organisation")
    url: HttpUrl | None = None
    legal_identifier: str | None = Field(
        default=None, description="registration number, VAT or other legal identifier"
    )
    email: str | None = None


class LearningOutcome(_Strict):
    """Element 6: one learning outcome, optionally linked to an ESCO skill."""

    text: LangMap
    esco_skill: EscoSkillUri | None = None


class Workload(_Strict):
    """Element 7: notional workload, in ECTS wherever possible, and/or hours."""

    ects: Amount | None = None
    hours: Amount | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Workload:
        if self.ects is None and self.hours is None:
            raise ValueError("give the notional workload as `ects` and/or `hours`")
        return self


class Assessment(_Strict):
    """Element 9: type of assessment."""

    type: AssessmentType
    description: LangMap | None = None

    @model_validator(mode="after")
    def _other_needs_text(self) -> Assessment:
        if self.type is AssessmentType.OTHER and not self.description:
            raise ValueError("type `other` needs a `description` saying how learners are assessed")
        return self


class QualityAssurance(_Strict):
    """Element 11: type of quality assurance underpinning the micro-credential."""

    type: QualityAssuranceType
    body: str | None = Field(default=None, description="the QA agency or authority")
    url: HttpUrl | None = None
    description: LangMap | None = None

    @model_validator(mode="after")
    def _other_needs_text(self) -> QualityAssurance:
        if self.type is QualityAssuranceType.OTHER and not self.description:
            raise ValueError("type `other` needs a `description` of the quality assurance")
        return self


class StackTarget(_Strict):
    title: LangMap
    url: Uri | None = None


class Stackability(_Strict):
    """Optional element: integration / stackability options."""

    standalone: bool = True
    stackable_towards: tuple[StackTarget, ...] = ()


class Validity(_Strict):
    """Optional element: how long an award stays valid."""

    months: Annotated[int, Field(gt=0, le=1200)] | None = None
    until: date | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Validity:
        if self.months is None and self.until is None:
            raise ValueError("give `months` (validity after issue) or `until` (a fixed date)")
        return self


class Skill(_Strict):
    name: LangMap
    esco_uri: EscoSkillUri | None = None


class Specification(_Strict):
    """A micro-credential as offered by a provider (EU Annex I elements 2-4, 6-11 and options)."""

    id: Uri | None = Field(default=None, description="stable identifier of this specification")
    title: LangMap
    description: LangMap | None = None
    awarding_body: AwardingBody
    co_awarding_bodies: tuple[AwardingBody, ...] = ()
    learning_outcomes: Annotated[tuple[LearningOutcome, ...], Field(min_length=1)]
    workload: Workload
    eqf_level: Annotated[int, Field(ge=1, le=8, strict=True)] | None = None
    nqf_level: str | None = None
    qf_ehea_cycle: Literal["short", "first", "second", "third"] | None = None
    assessment: Assessment
    participation: Participation
    quality_assurance: QualityAssurance
    prerequisites: LangMap | None = None
    supervision: Supervision | None = None
    stackability: Stackability | None = None
    further_information: LangMap | None = None
    validity: Validity | None = None
    languages: tuple[LanguageTag, ...] = ()
    skills: tuple[Skill, ...] = ()
    field_of_study: str | None = Field(default=None, description="ISCED-F code or thematic area")
    url: HttpUrl | None = None

    def to_data(self) -> dict[str, object]:
        """A plain JSON/YAML-able dict with only the elements that are set."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
