"""Turn validation failures into problems a person can act on: a path, what is wrong, the fix."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from microcred.errors import InvalidInput
from microcred.model.award import Award
from microcred.model.spec import Specification
from microcred.model.vocabulary import (
    AssessmentType,
    Participation,
    QualityAssuranceType,
    Supervision,
    codes,
)


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class SpecificationError(InvalidInput, ValueError):
    """A specification or award failed validation; `problems` lists every one of them (and
    ``field`` is the path of the first)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(f"{p.path}: {p.message}" for p in problems),
            problems[0].path if problems else None,
        )


# What to write when a mandatory element is missing, keyed by its path.
MISSING_HINTS: dict[str, str] = {
    "title": "the title (Annex I element 2), e.g. `title: {en: Data analysis, lv: Datu analīze}`",
    "awarding_body": "the awarding body (element 4) with `name` and `country`",
    "awarding_body.name": "the organisation's name, e.g. `name: {en: Riga Technical College}`",
    "awarding_body.country": "the country of the awarding body (element 3), e.g. `country: LV`",
    "learning_outcomes": "the learning outcomes (element 6): a list of `- text: {en: ...}`",
    "workload": "the notional workload (element 7), e.g. `workload: {ects: 5}` or `{hours: 40}`",
    "assessment": "the type of assessment (element 9), e.g. `assessment: {type: written_examination}`",
    "assessment.type": f"one of: {codes(AssessmentType)}",
    "participation": f"the form of participation (element 10): one of {codes(Participation)}",
    "quality_assurance": (
        "the type of quality assurance (element 11), e.g. `quality_assurance: {type: institutional_qa}`"
    ),
    "quality_assurance.type": f"one of: {codes(QualityAssuranceType)}",
    "learner": "the learner (element 1) with `name` and `identifier`",
    "learner.name": "the learner's full name",
    "learner.identifier": "a DID, mailto:e-mail or other URI identifying the learner",
    "issued_on": "the date of issue (element 5), e.g. `issued_on: 2026-06-30`",
    "spec": "the specification the award is issued from",
}

_ENUM_HINTS: dict[str, str] = {
    "participation": codes(Participation),
    "assessment.type": codes(AssessmentType),
    "quality_assurance.type": codes(QualityAssuranceType),
    "supervision": codes(Supervision),
}


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "constrained-")) or "[" in part:
            continue
        else:
            out += f".{part}" if out else part
    return out


def _generic_path(path: str) -> str:
    """`learning_outcomes[2].text` -> `learning_outcomes.text`, for hint lookup."""
    import re

    return re.sub(r"\[\d+\]", "", path)


def _fields_at(model: type[BaseModel], path: str) -> list[str]:
    """The field names allowed at a dotted path of a model, for 'did you mean'."""
    current: Any = model
    for part in _generic_path(path).split(".")[:-1] if path else []:
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        current = _inner_model(field.annotation)
        if current is None:
            return []
    return list(current.model_fields) if hasattr(current, "model_fields") else []


def _inner_model(annotation: Any) -> Any:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# Pydantic's type errors in the words of a specification's author (pydantic's own sentences,
# "Input should be a valid dictionary or instance of Skill", name classes, and the console
# translates ours: services/validation_texts.py)
_TYPE_MESSAGES: dict[str, str] = {
    **dict.fromkeys(
        ("dict_type", "model_type", "model_attributes_type", "mapping_type"),
        "must be a mapping (`key: value` entries)",
    ),
    **dict.fromkeys(("list_type", "tuple_type", "set_type"), "must be a list (`- ...` entries)"),
    "string_type": "must be text",
    **dict.fromkeys(
        ("int_parsing", "int_type", "int_from_float"), "'{value}' is not a whole number"
    ),
    **dict.fromkeys(
        ("float_parsing", "float_type", "decimal_parsing"), "'{value}' is not a number"
    ),
    **dict.fromkeys(("bool_parsing", "bool_type"), "must be true or false"),
    **dict.fromkeys(
        (
            "date_parsing",
            "date_type",
            "date_from_datetime_parsing",
            "date_from_datetime_inexact",
            "datetime_parsing",
            "datetime_type",
            "datetime_from_date_parsing",
        ),
        "'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-06-30",
    ),
}


def problems_from(error: ValidationError, model: type[BaseModel]) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        path = _path(tuple(item["loc"]))
        kind = item["type"]
        generic = _generic_path(path)
        if kind == "missing":
            hint = MISSING_HINTS.get(generic, "add this element")
            message = (
                f"is required: add {hint}"
                if not hint.startswith("one of")
                else f"is required: {hint}"
            )
        elif kind == "extra_forbidden":
            name = generic.rsplit(".", 1)[-1]
            allowed = _fields_at(model, generic)
            close = difflib.get_close_matches(name, allowed, n=1)
            message = f"'{name}' is not an element of the standard"
            message += (
                f"; did you mean '{close[0]}'?" if close else "; remove it or check the spelling"
            )
        elif kind == "enum":
            allowed_codes = _ENUM_HINTS.get(generic, "")
            message = f"'{item.get('input')}' is not allowed; use one of: {allowed_codes}"
        elif kind in {"greater_than_equal", "less_than_equal"} and generic == "eqf_level":
            message = f"{item.get('input')} is not an EQF level; use a whole number from 1 to 8"
        elif kind == "int_type" and generic == "eqf_level":
            message = f"'{item.get('input')}' is not an EQF level; use a whole number from 1 to 8"
        elif kind == "too_short" and generic == "learning_outcomes":
            message = "needs at least one learning outcome: `- text: {en: ...}`"
        elif kind in _TYPE_MESSAGES:
            message = _TYPE_MESSAGES[kind].replace("{value}", str(item.get("input")))
        else:
            message = str(item["msg"])
            for prefix in ("Value error, ", "Assertion failed, "):
                message = message.removeprefix(prefix)
        problems.append(Problem(path or "(document)", message))
    return problems


def parse_specification(data: object) -> Specification:
    """Validate raw data as a Specification or raise SpecificationError with every problem."""
    if not isinstance(data, Mapping):
        raise SpecificationError(
            [Problem("(document)", "a specification must be a mapping of elements (YAML keys)")]
        )
    try:
        return Specification.model_validate(dict(data))
    except ValidationError as exc:
        raise SpecificationError(problems_from(exc, Specification)) from None


def parse_award(data: object) -> Award:
    if not isinstance(data, Mapping):
        raise SpecificationError([Problem("(document)", "an award must be a mapping of elements")])
    try:
        return Award.model_validate(dict(data))
    except ValidationError as exc:
        raise SpecificationError(problems_from(exc, Award)) from None


def validate_specification(data: object) -> list[Problem]:
    try:
        parse_specification(data)
    except SpecificationError as exc:
        return exc.problems
    return []
