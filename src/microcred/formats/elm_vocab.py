"""Contexts, concept schemes and small helpers shared by the ELM v3 export and import."""

from __future__ import annotations

from typing import Any

import pycountry

from microcred.formats.vocab_uris import MICROCRED_VOCAB

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
ELM_CONTEXT_URL = "http://data.europa.eu/snb/model/context/edc-ap"
ELM_CONTEXT = [VC_V1, ELM_CONTEXT_URL]
"""The `@context` EDC issues ELM v3 credentials with (see docs/elm-mapping.md for why not VC 2.0)."""

SNB = "http://data.europa.eu/snb"
COUNTRY_PREFIX = "http://publications.europa.eu/resource/authority/country/"
COUNTRY_SCHEME = "http://publications.europa.eu/resource/authority/country"
LANGUAGE_PREFIX = "http://publications.europa.eu/resource/authority/language/"
LANGUAGE_SCHEME = "http://publications.europa.eu/resource/authority/language"
ESCO_SKILL_SCHEME = "http://data.europa.eu/esco/concept-scheme/skills"
ISCED_F_PREFIX = f"{SNB}/isced-f/"
EQF_PREFIX = f"{SNB}/eqf/"
ISSUER_ID_SCHEME = "issuer identifier (DID), not a registration number"
"""`schemeName` of the issuer's eIDAS identifier when the model has no legal identifier."""
QDR_PREFIX = f"{SNB}/qdr/"
"""The EU qualification-level scheme the shapes take NQF levels from."""
LEARNING_SETTING = {
    "formal": (f"{SNB}/learning-setting/6fd4685715", "formal learning"),
    "non_formal": (f"{SNB}/learning-setting/e207a81fc7", "non-formal learning"),
}
ECTS_LABEL = "European Credit Transfer System"
GENERIC_PROFILE = f"{SNB}/credential/e34929035b"
"""EDC's credential profile "Generic": the one the EC's micro-credential (Annex I) sample uses."""
EDC_SHACL = f"{SNB}/model/ap/edc-generic-full"

NOTE_SCHEME = f"{MICROCRED_VOCAB}/elm-note"
"""Concept scheme of the `subject` of the ELM `Note`s that carry elements ELM has no property for."""
NOTE_SUBJECTS: dict[str, str] = {
    "qf_ehea_cycle": "QF-EHEA cycle",
    "stackability": "Integration / stackability (stand-alone or integrated)",
    "validity_months": "Validity after issue, in months",
    "validity_until": "Valid until (date)",
    "skill": "Skill",
    "further_information": "Further information",
    "languages": "Languages of instruction (BCP 47 tags)",
    "field_of_study": "Field of study",
    "nqf_level": "National qualifications framework level",
    "supervision": "Supervision and identity verification (code)",
    "quality_assurance": "Quality assurance type (code)",
    "quality_assurance_description": "Quality assurance",
    "quality_assurance_body": "Quality assurance body",
    "quality_assurance_url": "Quality assurance web page",
}
MACHINE_LANG = "en"
LOCAL_ID_PREFIX = "urn:epass:"
"""Node ids EDC (and this exporter) mint for nodes without an identity of their own."""


def scheme_of(uri: str) -> str:
    """The concept scheme of an EU (`.../25831c2`) or own-vocabulary concept URI."""
    if "#" in uri:
        return uri.split("#", 1)[0]
    return uri.rsplit("/", 1)[0] + "/25831c2"


def concept(
    uri: str, scheme: str | None = None, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": uri,
        "type": "Concept",
        "inScheme": {"id": scheme or scheme_of(uri), "type": "ConceptScheme"},
    }
    if labels:
        node["prefLabel"] = dict(labels)
    return node


def note_subject(key: str) -> dict[str, Any]:
    return concept(f"{NOTE_SCHEME}#{key}", NOTE_SCHEME, {"en": NOTE_SUBJECTS[key]})


def country_concept(alpha_2: str) -> dict[str, Any]:
    country = pycountry.countries.get(alpha_2=alpha_2)
    alpha_3 = country.alpha_3 if country else alpha_2
    labels = {"en": country.name} if country else None
    return concept(f"{COUNTRY_PREFIX}{alpha_3}", COUNTRY_SCHEME, labels)


def country_code(uri: Any) -> str | None:
    """ISO alpha-2 for an EU country authority URI (alpha-3), else None."""
    if not isinstance(uri, str) or not uri.startswith(COUNTRY_PREFIX):
        return None
    country = pycountry.countries.get(alpha_3=uri[len(COUNTRY_PREFIX) :].upper())
    return country.alpha_2 if country else None


def language_concept(tag: str) -> dict[str, Any] | None:
    primary = tag.split("-")[0].lower()
    language = pycountry.languages.get(alpha_2=primary) if len(primary) == 2 else None
    if language is None and len(primary) == 3:
        language = pycountry.languages.get(alpha_3=primary)
    if language is None:
        return None
    return concept(
        f"{LANGUAGE_PREFIX}{language.alpha_3.upper()}", LANGUAGE_SCHEME, {"en": language.name}
    )


def language_tag(uri: Any) -> str | None:
    """BCP 47 tag (two letters where ISO 639-1 has one) for an EU language authority URI."""
    if not isinstance(uri, str) or not uri.startswith(LANGUAGE_PREFIX):
        return None
    code = uri[len(LANGUAGE_PREFIX) :].lower()
    language = pycountry.languages.get(alpha_3=code)
    if language is None:
        return None
    return getattr(language, "alpha_2", None) or code
