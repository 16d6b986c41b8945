"""What a credential is about, in one typed object: the summary the web page, the wallet and the
share page show (id, title, issuer, learner, validity), read once instead of re-walking the JSON.

:func:`summarize` takes the credential and, when the credential reads into the model, the
model data (``microcred.formats.reading.read_model``): the model's title and awarding body
win over the credential's own ``name`` and ``issuer`` where they say more (several languages,
a country). Texts that can come in several languages are language maps (language tag ->
text); :func:`in_language` picks one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from microcred.model.multilingual import pick

__all__ = ["EMPTY_SUMMARY", "CredentialSummary", "in_language", "parse_time", "summarize"]

LanguageMap = Mapping[str, str]
# The language tag of a text whose language the credential does not say.
UNDETERMINED = "und"
_EMPTY_TEXT: LanguageMap = MappingProxyType({})


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 date-time (or date) as an aware datetime (UTC when it names no zone)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def in_language(text: LanguageMap, lang: str | None = None) -> str | None:
    """The text in ``lang`` when it has it, else in English, else the first one."""
    if not text:
        return None
    if lang and lang in text:
        return text[lang]
    return pick(dict(text))


def _language_map(value: Any) -> LanguageMap:
    if isinstance(value, str):
        return MappingProxyType({UNDETERMINED: value}) if value else _EMPTY_TEXT
    if isinstance(value, dict):
        kept = {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
        return MappingProxyType(kept) if kept else _EMPTY_TEXT
    return _EMPTY_TEXT


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class CredentialSummary:
    """The credential's id, title, issuer, learner and period of validity."""

    id: str | None = None
    title: LanguageMap = field(default_factory=lambda: _EMPTY_TEXT)
    issuer_id: str | None = None
    issuer_name: LanguageMap = field(default_factory=lambda: _EMPTY_TEXT)
    issuer_country: str | None = None  # ISO 3166-1 alpha-2, as the credential gives it
    learner_name: str | None = None
    learner_id: str | None = None  # as the credential names the learner (mailto:, a DID…)
    issued_on: datetime | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    format: str | None = None  # the model reading's kind (ob3, elm, ob2, vc)
    missing: tuple[str, ...] = ()  # the EU mandatory elements it lacks

    def title_in(self, lang: str | None = None) -> str | None:
        return in_language(self.title, lang)

    def issuer_name_in(self, lang: str | None = None) -> str | None:
        return in_language(self.issuer_name, lang)

    def to_json(self) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "id": self.id,
            "title": self.title_in(),
            "issuer": {
                "id": self.issuer_id,
                "name": self.issuer_name_in(),
                "country": self.issuer_country,
            },
            "learner": {"name": self.learner_name, "id": self.learner_id},
            "issued_on": when(self.issued_on),
            "valid_from": when(self.valid_from),
            "valid_until": when(self.valid_until),
        }


EMPTY_SUMMARY = CredentialSummary()


def summarize(
    credential: dict[str, Any] | None,
    data: dict[str, Any] | None = None,
    *,
    format: str | None = None,
    missing: tuple[str, ...] | list[str] = (),
) -> CredentialSummary:
    """The summary of ``credential`` (its JSON, whatever it holds) and of its model ``data``."""
    credential = _dict(credential)
    data = _dict(data)
    spec = _dict(data.get("spec"))
    body = _dict(spec.get("awarding_body"))
    learner = _dict(data.get("learner"))
    issuer = credential.get("issuer")
    issuer_node = _dict(issuer)
    issuer_id = _str(issuer) or _str(issuer_node.get("id"))
    # The credential's own issuer name first, then the model's awarding body (in its languages).
    issuer_name = _language_map(_str(issuer_node.get("name"))) or _language_map(body.get("name"))
    country = _str(body.get("country")) or _str(
        _dict(issuer_node.get("address")).get("addressCountryCode")
    )
    valid_from = parse_time(credential.get("validFrom") or credential.get("issuanceDate"))
    return CredentialSummary(
        id=_str(credential.get("id")),
        title=_language_map(spec.get("title")) or _language_map(credential.get("name")),
        issuer_id=issuer_id,
        issuer_name=issuer_name,
        issuer_country=country,
        learner_name=_str(learner.get("name")),
        learner_id=_str(learner.get("identifier")),
        issued_on=parse_time(data.get("issued_on")) or valid_from,
        valid_from=valid_from,
        valid_until=parse_time(credential.get("validUntil") or credential.get("expirationDate")),
        format=format,
        missing=tuple(missing),
    )
