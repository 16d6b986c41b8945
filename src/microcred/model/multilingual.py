"""Multilingual text: a map of BCP 47 language tag to text."""

from __future__ import annotations

from typing import Annotated

import langcodes
from pydantic import AfterValidator


def _check_language_map(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("needs at least one language entry, for example {en: '...', lv: '...'}")
    problems = []
    for tag, text in value.items():
        if not langcodes.tag_is_valid(tag):
            problems.append(
                f"'{tag}' is not a BCP 47 language tag; use a code such as 'en', 'lv' or 'de-AT'"
            )
        if not isinstance(text, str) or not text.strip():
            problems.append(f"the '{tag}' text is empty; write the text or remove the entry")
    if problems:
        raise ValueError("; ".join(problems))
    return value


LangMap = Annotated[dict[str, str], AfterValidator(_check_language_map)]
"""Text in one or more languages, keyed by BCP 47 tag. At least one entry."""


def pick(text: dict[str, str], preferred: tuple[str, ...] = ("en",)) -> str:
    """The text in the first preferred language present, else the first entry."""
    for lang in preferred:
        if lang in text:
            return text[lang]
        for tag, value in text.items():
            if tag.split("-")[0] == lang:
                return value
    return next(iter(text.values()))
