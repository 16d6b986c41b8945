"""Concept URIs for the model's controlled values, in both directions.

Where the EU publishes a concept (data.europa.eu/snb), that URI is used; for
codes it has none for, a URI in the project's own vocabulary keeps the value
machine-readable without claiming an EU concept that does not exist.
"""

from __future__ import annotations

from enum import StrEnum

from microcred.model.vocabulary import (
    ASSESSMENT_CONCEPTS,
    PARTICIPATION_CONCEPTS,
    QUALITY_ASSURANCE_CONCEPTS,
    SUPERVISION_CONCEPTS,
    Concept,
)

MICROCRED_VOCAB = "https://w3id.org/microcred/vocab"

_TABLES: dict[str, dict[StrEnum, Concept]] = {
    "assessment": {k: v for k, v in ASSESSMENT_CONCEPTS.items()},
    "participation": {k: v for k, v in PARTICIPATION_CONCEPTS.items()},
    "quality-assurance": {k: v for k, v in QUALITY_ASSURANCE_CONCEPTS.items()},
    "supervision": {k: v for k, v in SUPERVISION_CONCEPTS.items()},
}


def concept_uri(scheme: str, code: StrEnum) -> str:
    concept = _TABLES[scheme][code]
    return concept.uri or f"{MICROCRED_VOCAB}/{scheme}#{code.value}"


def code_for(scheme: str, uri: str) -> str | None:
    """The model code for a concept URI (EU or own vocabulary), or None if unknown."""
    for code, concept in _TABLES[scheme].items():
        if uri in {concept.uri, f"{MICROCRED_VOCAB}/{scheme}#{code.value}"}:
            return code.value
    return None


def label(scheme: str, code: StrEnum, lang: str = "en") -> str:
    concept = _TABLES[scheme][code]
    return concept.label_lv if lang == "lv" else concept.label_en
