"""The award: what one learner receives (the specification plus Annex I elements 1 and 5)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from microcred.model.spec import HttpUrl, Specification, Uri

_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)+$"
)


def _learner_identifier(value: object) -> object:
    """Accept a bare e-mail address as a convenience and store it as a mailto: URI."""
    if isinstance(value, str):
        value = value.strip()
        if _EMAIL.match(value):
            return f"mailto:{value}"
    return value


_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")


def _check_identifier(value: str) -> str:
    if value.startswith("mailto:") and not _EMAIL.match(value[len("mailto:") :]):
        raise ValueError(
            f"'{value}' is not a valid e-mail address; write it as mailto:name@example.org"
        )
    if not _ABSOLUTE_URI.match(value):
        raise ValueError(
            f"'{value}' is not an e-mail address, a DID or a URI; write name@example.org, "
            "did:... or https://..."
        )
    return value


def _to_datetime(value: object) -> object:
    """A date alone means the start of that day in UTC; naive times are read as UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return datetime.combine(date.fromisoformat(value.strip()), time(0, 0), tzinfo=UTC)
    return value


def _require_timezone(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


Timestamp = Annotated[datetime, BeforeValidator(_to_datetime), AfterValidator(_require_timezone)]
LearnerId = Annotated[str, BeforeValidator(_learner_identifier), AfterValidator(_check_identifier)]


class Learner(BaseModel):
    """Element 1: identification of the learner."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1)]
    identifier: LearnerId = Field(
        description="DID, mailto: e-mail address or other URI identifying the learner"
    )
    given_name: str | None = None
    family_name: str | None = None
    national_id: str | None = None
    date_of_birth: date | None = None


def new_award_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


class Award(BaseModel):
    """One issued micro-credential: the specification, the learner and the date of issue."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: Uri = Field(default_factory=new_award_id)
    spec: Specification
    learner: Learner
    issued_on: Timestamp
    valid_until: Timestamp | None = None
    grade: str | None = None
    narrative: str | None = None
    evidence_url: HttpUrl | None = None

    def expires_on(self) -> datetime | None:
        """When this award stops being valid: explicit, else from the spec's validity."""
        if self.valid_until is not None:
            return self.valid_until
        validity = self.spec.validity
        if validity is None:
            return None
        candidates: list[datetime] = []
        if validity.months is not None:
            candidates.append(_add_months(self.issued_on, validity.months))
        if validity.until is not None:
            candidates.append(datetime.combine(validity.until, time(23, 59, 59), tzinfo=UTC))
        return min(candidates)

    def to_data(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment + timedelta(days=30 * months)  # unreachable: day 28 always exists
