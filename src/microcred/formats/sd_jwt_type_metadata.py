"""The SD-JWT VC Type Metadata of microcred's EU micro-credential type (SD-JWT VC draft -13
section 6, as HAIP 1.0 pins; ``locale`` of later drafts given together with ``lang``).

One document per instance, served at the ``vct`` URL (`api/routes/vct.py`) and pinned in every
credential by ``vct#integrity`` = ``sha256-<base64 of SHA-256 of exactly the served bytes>``
(W3C Subresource Integrity, as the draft's section 7 says). It ``extends`` the EUDI reference
type ``urn:eu.europa.ec.eudi:learning:credential:1`` (its claim names are reused) and says,
for each claim, its ``path``, ``sd`` rule, whether it is ``mandatory``, and its label in every
language of the catalogues (en and lv at least; `i18n.languages`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from typing import Any

from microcred.formats.sd_jwt_vc import ALWAYS_SD, EUDI_LEARNING_VCT, vct_url
from microcred.i18n import N_, languages, translations

__all__ = ["CLAIMS", "integrity", "type_metadata", "type_metadata_bytes", "vct_integrity"]

Path = tuple[str | None, ...]

# (path, label, mandatory); ``sd`` follows `formats.sd_jwt_vc.ALWAYS_SD` for the top-level
# claim, "never" for the rest and for array elements (an array is disclosed whole).
CLAIMS: tuple[tuple[Path, str, bool], ...] = (
    (("iss",), N_("Issuer"), True),
    (("iat",), N_("Issued at"), True),
    (("exp",), N_("Expires at"), False),
    (("vct",), N_("Credential type"), True),
    (("jti",), N_("Credential identifier"), True),
    (("issuing_authority",), N_("Issuing authority"), True),
    (("issuing_country",), N_("Issuing country"), True),
    (("date_of_issuance",), N_("Date of issuance"), True),
    (("date_time_of_issuance",), N_("Date and time of issuance"), False),
    (("date_of_expiry",), N_("Date of expiry"), False),
    (("learner_name",), N_("Learner's name"), True),
    (("family_name",), N_("Family name"), True),
    (("given_name",), N_("Given name"), False),
    (("learner_identification",), N_("Learner identification"), True),
    (("achievement_title",), N_("Title of the micro-credential"), True),
    (("achievement_description",), N_("Description"), False),
    (("achievement_id",), N_("Specification identifier"), False),
    (("achievement_url",), N_("More information"), False),
    (("learning_outcomes",), N_("Learning outcomes"), True),
    (("learning_outcome_refs",), N_("Learning outcomes (ESCO skills)"), False),
    (("expected_study_time",), N_("Notional workload"), True),
    (("workload_hours",), N_("Workload in hours"), False),
    (("credit_points",), N_("Credit points"), False),
    (("credit_points", "value"), N_("Credit points"), False),
    (("credit_points", "system"), N_("Credit system"), False),
    (("level_of_learning_experience",), N_("EQF level"), False),
    (("types_of_quality_assurance",), N_("Type of quality assurance"), True),
    (("quality_assurance_body",), N_("Quality assurance body"), False),
    (("quality_assurance_url",), N_("Quality assurance information"), False),
    (("quality_assurance_description",), N_("Quality assurance"), False),
    (("language_of_classes",), N_("Language of the classes"), False),
    (("assessment_grade",), N_("Grade"), False),
    (("assessment_type",), N_("Type of assessment"), True),
    (("assessment_description",), N_("Assessment"), False),
    (("form_of_participation",), N_("Form of participation"), True),
    (
        ("supervision_and_identity_verification",),
        N_("Supervision and identity verification"),
        False,
    ),
    (("prerequisites_to_enroll",), N_("Prerequisites"), False),
    (
        ("integration_stackability_options",),
        N_("Can be stacked towards a larger credential"),
        False,
    ),
    (("awarding_body",), N_("Awarding body"), False),
    (("awarding_body", "name"), N_("Name of the awarding body"), False),
    (("awarding_body", "identifier"), N_("Identifier of the awarding body"), False),
    (("awarding_body", "country"), N_("Country of the awarding body"), False),
    (("co_awarding_bodies",), N_("Co-awarding bodies"), False),
    (("nqf_level",), N_("National qualifications framework level"), False),
    (("qf_ehea_cycle",), N_("QF-EHEA cycle"), False),
    (("field_of_study",), N_("Field of study"), False),
    (("further_information",), N_("Further information"), False),
    (("validity",), N_("Validity"), False),
    (("skills",), N_("Skills"), False),
    (("stackability",), N_("Integration and stackability"), False),
    (("narrative",), N_("What the learner did"), False),
    (("evidence_url",), N_("Evidence"), False),
    (("birthdate",), N_("Date of birth"), False),
    (("personal_administrative_number",), N_("National identifier"), False),
    (("translations",), N_("Texts in other languages"), False),
)
_ARRAYS = (
    "learning_outcomes",
    "learning_outcome_refs",
    "types_of_quality_assurance",
    "language_of_classes",
    "prerequisites_to_enroll",
    "co_awarding_bodies",
    "skills",
)
_NAME = N_("EU micro-credential")
_DESCRIPTION = N_(
    "A micro-credential following the Council Recommendation of 16 June 2022 on a European "
    "approach to micro-credentials (Annex I elements)"
)


def _display(lang_labels: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    return [{"locale": lang, "lang": lang, **labels} for lang, labels in lang_labels.items()]


def type_metadata(base_url: str) -> dict[str, Any]:
    """The Type Metadata document of the type ``vct_url(base_url)``."""
    langs = languages()
    gettext = {lang: translations(lang).gettext for lang in langs}
    claims: list[dict[str, Any]] = []
    for path, label, mandatory in CLAIMS:
        top = path[0]
        claims.append(
            {
                "path": list(path),
                "display": _display({lang: {"label": gettext[lang](label)} for lang in langs}),
                "sd": "always" if len(path) == 1 and top in ALWAYS_SD else "never",
                "mandatory": mandatory,
            }
        )
        if len(path) == 1 and top in _ARRAYS:
            claims.append({"path": [top, None], "sd": "never"})
    return {
        "vct": vct_url(base_url),
        "name": "microcred EU micro-credential",
        "description": _DESCRIPTION,
        "extends": EUDI_LEARNING_VCT,
        "display": _display(
            {
                lang: {"name": gettext[lang](_NAME), "description": gettext[lang](_DESCRIPTION)}
                for lang in langs
            }
        ),
        "claims": claims,
    }


def type_metadata_bytes(base_url: str) -> bytes:
    """Exactly the bytes served at the ``vct`` URL (and hashed into ``vct#integrity``)."""
    return _rendered(base_url, languages())


@lru_cache(maxsize=8)
def _rendered(base_url: str, langs: tuple[str, ...]) -> bytes:
    # keyed by the catalogues' languages too: the same bytes for as long as they are the same
    return json.dumps(type_metadata(base_url), ensure_ascii=False, indent=2).encode("utf-8")


def vct_integrity(base_url: str) -> str:
    """``vct#integrity`` of the type at ``base_url`` (the hash of `type_metadata_bytes`)."""
    return _integrity_of(base_url, languages())


@lru_cache(maxsize=8)
def _integrity_of(base_url: str, langs: tuple[str, ...]) -> str:
    return integrity(_rendered(base_url, langs))


def integrity(data: bytes) -> str:
    """The integrity metadata string of ``data`` (``sha256-`` and standard base64, SRI)."""
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
