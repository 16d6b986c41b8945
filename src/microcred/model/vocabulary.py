"""Controlled vocabularies of the EU micro-credential model.

Each value is a short code used in spec files; where the EU publishes a
concept for it (Europass / ELM controlled lists, `data.europa.eu/snb/...`),
the concept URI is recorded so that the formats layer can emit it. Codes
without a published concept are exported as free text only: inventing a URI
would make a credential claim something the EU vocabulary does not say.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Concept:
    code: str
    label_en: str
    label_lv: str
    uri: str | None = None


SNB = "http://data.europa.eu/snb"


class Participation(StrEnum):
    """Form of participation in the learning activity (Annex I, element 10)."""

    ONLINE = "online"
    ONSITE = "onsite"
    BLENDED = "blended"


PARTICIPATION_CONCEPTS: dict[Participation, Concept] = {
    Participation.ONLINE: Concept(
        "online", "Online", "Tiešsaistē", f"{SNB}/learning-assessment/920fbb3cbe"
    ),
    Participation.ONSITE: Concept(
        "onsite", "On site (in person)", "Klātienē", f"{SNB}/learning-assessment/9191af2ed9"
    ),
    Participation.BLENDED: Concept(
        "blended", "Blended", "Jaukta", f"{SNB}/learning-assessment/e92d221e4d"
    ),
}


class AssessmentType(StrEnum):
    """Type of assessment (Annex I, element 9). `other` needs a description."""

    WRITTEN_EXAMINATION = "written_examination"
    ORAL_EXAMINATION = "oral_examination"
    PRACTICAL_DEMONSTRATION = "practical_demonstration"
    ARTEFACT_ASSESSMENT = "artefact_assessment"
    PORTFOLIO = "portfolio"
    PROJECT = "project"
    CONTINUOUS_ASSESSMENT = "continuous_assessment"
    OTHER = "other"


ASSESSMENT_CONCEPTS: dict[AssessmentType, Concept] = {
    AssessmentType.WRITTEN_EXAMINATION: Concept(
        "written_examination",
        "Written examination",
        "Rakstisks eksāmens",
        f"{SNB}/assessment/6e6cb2cc78",
    ),
    AssessmentType.ORAL_EXAMINATION: Concept(
        "oral_examination", "Oral examination", "Mutisks eksāmens"
    ),
    AssessmentType.PRACTICAL_DEMONSTRATION: Concept(
        "practical_demonstration", "Practical demonstration", "Praktisks demonstrējums"
    ),
    AssessmentType.ARTEFACT_ASSESSMENT: Concept(
        "artefact_assessment",
        "Artefact assessment",
        "Darba rezultāta vērtēšana",
        f"{SNB}/assessment/de4d165a6c",
    ),
    AssessmentType.PORTFOLIO: Concept(
        "portfolio", "Portfolio assessment", "Portfolio vērtēšana", f"{SNB}/assessment/4f03b91c0e"
    ),
    AssessmentType.PROJECT: Concept("project", "Project work", "Projekta darbs"),
    AssessmentType.CONTINUOUS_ASSESSMENT: Concept(
        "continuous_assessment", "Continuous assessment", "Pastāvīgā vērtēšana"
    ),
    AssessmentType.OTHER: Concept("other", "Other (see description)", "Cits (skat. aprakstu)"),
}


class QualityAssuranceType(StrEnum):
    """Type of quality assurance underpinning the credential (Annex I, element 11)."""

    INSTITUTIONAL_QA = "institutional_qa"
    PROGRAMME_QA = "programme_qa"
    INSTITUTIONAL_LICENCE = "institutional_licence"
    PROGRAMME_LICENCE = "programme_licence"
    INTERNAL_QA = "internal_qa"
    OTHER = "other"


QUALITY_ASSURANCE_CONCEPTS: dict[QualityAssuranceType, Concept] = {
    QualityAssuranceType.INSTITUTIONAL_QA: Concept(
        "institutional_qa",
        "Institutional quality assurance",
        "Institucionālā kvalitātes nodrošināšana",
        f"{SNB}/accreditation/bb4618238e",
    ),
    QualityAssuranceType.PROGRAMME_QA: Concept(
        "programme_qa",
        "Programme quality assurance",
        "Programmas kvalitātes nodrošināšana",
        f"{SNB}/accreditation/820101cba6",
    ),
    QualityAssuranceType.INSTITUTIONAL_LICENCE: Concept(
        "institutional_licence",
        "Institutional licence",
        "Institūcijas licence",
        f"{SNB}/accreditation/003293d2ce",
    ),
    QualityAssuranceType.PROGRAMME_LICENCE: Concept(
        "programme_licence",
        "Programme licence",
        "Programmas licence",
        f"{SNB}/accreditation/e57dddfcf3",
    ),
    QualityAssuranceType.INTERNAL_QA: Concept(
        "internal_qa",
        "Internal quality assurance of the provider",
        "Pakalpojuma sniedzēja iekšējā kvalitātes nodrošināšana",
    ),
    QualityAssuranceType.OTHER: Concept(
        "other", "Other (see description)", "Cits (skat. aprakstu)"
    ),
}


class Supervision(StrEnum):
    """Supervision and identity verification during assessment (optional element)."""

    UNSUPERVISED_NO_ID = "unsupervised_no_id_verification"
    SUPERVISED_NO_ID = "supervised_no_id_verification"
    SUPERVISED_ONLINE_WITH_ID = "supervised_online_with_id_verification"
    SUPERVISED_ONSITE_WITH_ID = "supervised_onsite_with_id_verification"


SUPERVISION_CONCEPTS: dict[Supervision, Concept] = {
    Supervision.UNSUPERVISED_NO_ID: Concept(
        Supervision.UNSUPERVISED_NO_ID.value,
        "Unsupervised, no identity verification",
        "Bez uzraudzības, bez identitātes pārbaudes",
        f"{SNB}/supervision-verification/c598449d64",
    ),
    Supervision.SUPERVISED_NO_ID: Concept(
        Supervision.SUPERVISED_NO_ID.value,
        "Supervised, no identity verification",
        "Uzraudzīts, bez identitātes pārbaudes",
    ),
    Supervision.SUPERVISED_ONLINE_WITH_ID: Concept(
        Supervision.SUPERVISED_ONLINE_WITH_ID.value,
        "Supervised online with identity verification",
        "Uzraudzīts tiešsaistē ar identitātes pārbaudi",
    ),
    Supervision.SUPERVISED_ONSITE_WITH_ID: Concept(
        Supervision.SUPERVISED_ONSITE_WITH_ID.value,
        "Supervised on site with identity verification",
        "Uzraudzīts klātienē ar identitātes pārbaudi",
    ),
}

EQF_LEVEL_URI = f"{SNB}/eqf/{{level}}"
ECTS_FRAMEWORK_URI = f"{SNB}/education-credit/6fcec5c5af"
ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"


def eqf_uri(level: int) -> str:
    return EQF_LEVEL_URI.format(level=level)


def codes(enum: type[StrEnum]) -> str:
    """The allowed codes of a vocabulary, for error messages."""
    return ", ".join(member.value for member in enum)
