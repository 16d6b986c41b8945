"""European Learning Model v3 (Europass Digital Credentials) to and from the model.

`award_to_elm` writes an ELM v3 `EuropeanDigitalCredential` in the structure of the
European Commission's samples: the learner is the `credentialSubject` Person, the
micro-credential is a `LearningAchievement` in `hasClaim`, awarded by an
`AwardingProcess`, specified by a `Qualification` (the Annex I sample's type) and
proven by a `LearningAssessment`. Every EU element sits in the ELM property that
carries it; quality assurance is always an `accreditation`. The few elements ELM
has no property for travel as ELM `Note`s in `additionalNote`, each tagged by a
`subject` concept of the project's vocabulary, so the JSON-LD has no undefined
term. `read_elm` (in `elm_read`) reads ours and EDC's. The mapping table is in
docs/elm-mapping.md.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from microcred.formats.elm_read import ElmReading, read_elm
from microcred.formats.elm_vocab import (
    ECTS_LABEL,
    EDC_SHACL,
    ELM_CONTEXT,
    ESCO_SKILL_SCHEME,
    GENERIC_PROFILE,
    ISCED_F_PREFIX,
    LEARNING_SETTING,
    MACHINE_LANG,
    concept,
    country_concept,
    language_concept,
    language_tag,
    note_subject,
)
from microcred.formats.ob3 import MANDATORY_ELEMENTS
from microcred.formats.vocab_uris import concept_uri
from microcred.model.award import Award
from microcred.model.spec import AwardingBody, Specification
from microcred.model.vocabulary import (
    ASSESSMENT_CONCEPTS,
    ECTS_FRAMEWORK_URI,
    PARTICIPATION_CONCEPTS,
    QUALITY_ASSURANCE_CONCEPTS,
    SUPERVISION_CONCEPTS,
    Concept,
    eqf_uri,
)

__all__ = [
    "ELM_CONTEXT",
    "MANDATORY_ELEMENTS",
    "ElmReading",
    "award_to_elm",
    "hours_to_duration",
    "read_elm",
]


class _Ids:
    """Mints `urn:epass:<kind>:<n>` node ids, as EDC does, unique within one document."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def __call__(self, kind: str) -> str:
        self._counts[kind] = self._counts.get(kind, 0) + 1
        return f"urn:epass:{kind}:{self._counts[kind]}"


def _timestamp(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def hours_to_duration(hours: Any) -> str:
    """An xsd:duration for a number of hours (only seconds may carry a fraction there)."""
    seconds = round(hours * 3600)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    text = "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s else "")
    return text if text != "PT" else "PT0S"


def _vocab_concept(scheme: str, code: Any, table: dict[Any, Concept]) -> dict[str, Any]:
    entry = table[code]
    return concept(concept_uri(scheme, code), labels={"en": entry.label_en, "lv": entry.label_lv})


def _labels(table: dict[Any, Concept], code: Any) -> dict[str, str]:
    return {"en": table[code].label_en, "lv": table[code].label_lv}


def _note(ids: _Ids, key: str, literal: dict[str, str], *extra: dict[str, Any]) -> dict[str, Any]:
    subject: Any = [note_subject(key), *extra] if extra else note_subject(key)
    return {"id": ids("note"), "type": "Note", "subject": subject, "noteLiteral": dict(literal)}


def _web(ids: _Ids, url: str) -> dict[str, Any]:
    return {"id": ids("webResource"), "type": "WebResource", "contentURL": url}


def _organisation(ids: _Ids, body: AwardingBody, org_id: str, lang: str) -> dict[str, Any]:
    location: dict[str, Any] = {
        "id": ids("location"),
        "type": "Location",
        "address": {
            "id": ids("address"),
            "type": "Address",
            "countryCode": country_concept(body.country),
        },
    }
    if body.region:
        location["geographicName"] = {lang: body.region}
    org: dict[str, Any] = {
        "id": org_id,
        "type": "Organisation",
        "legalName": dict(body.name),
        "location": location,
    }
    if body.legal_identifier:
        org["registration"] = {
            "id": ids("legalIdentifier"),
            "type": "LegalIdentifier",
            "notation": body.legal_identifier,
            "spatial": country_concept(body.country),
        }
    if body.url:
        org["homepage"] = _web(ids, body.url)
    if body.email:
        mailbox = body.email if body.email.startswith("mailto:") else f"mailto:{body.email}"
        org["contactPoint"] = {
            "id": ids("contactPoint"),
            "type": "ContactPoint",
            "emailAddress": {"id": mailbox, "type": "Mailbox"},
        }
    return org


def _primary_language(spec: Specification) -> str:
    return spec.languages[0] if spec.languages else next(iter(spec.title))


def _languages(ids: _Ids, spec: Specification) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Language concepts, plus a note with the exact tags when the EU codes lose detail."""
    concepts, tags_back = [], []
    for tag in spec.languages:
        node = language_concept(tag)
        if node is not None and node not in concepts:
            concepts.append(node)
        tags_back.append(language_tag(node["id"]) if node else None)
    if tags_back == list(spec.languages):
        return concepts, []
    return concepts, [_note(ids, "languages", {MACHINE_LANG: " ".join(spec.languages)})]


def _outcomes(ids: _Ids, spec: Specification) -> list[dict[str, Any]]:
    skill_names = {s.esco_uri: dict(s.name) for s in spec.skills if s.esco_uri}
    outcomes = []
    for outcome in spec.learning_outcomes:
        node: dict[str, Any] = {
            "id": ids("learningOutcome"),
            "type": "LearningOutcome",
            "title": dict(outcome.text),
        }
        if outcome.esco_skill:
            node["relatedESCOSkill"] = [
                concept(outcome.esco_skill, ESCO_SKILL_SCHEME, skill_names.get(outcome.esco_skill))
            ]
        outcomes.append(node)
    return outcomes


def _accreditation(ids: _Ids, spec: Specification, org: dict[str, Any]) -> dict[str, Any]:
    qa = spec.quality_assurance
    node: dict[str, Any] = {
        "id": ids("accreditation"),
        "type": "Accreditation",
        "dcType": _vocab_concept("quality-assurance", qa.type, QUALITY_ASSURANCE_CONCEPTS),
        "title": _labels(QUALITY_ASSURANCE_CONCEPTS, qa.type),
        "organisation": org,
    }
    if qa.description:
        node["description"] = dict(qa.description)
    if qa.body:
        node["accreditingAgent"] = {
            "id": ids("org"),
            "type": "Organisation",
            "legalName": {_primary_language(spec): qa.body},
        }
    if qa.url:
        node["homepage"] = _web(ids, qa.url)
    return node


def _notes(ids: _Ids, spec: Specification) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    if spec.further_information:
        notes.append(_note(ids, "further_information", spec.further_information))
    if spec.qf_ehea_cycle:
        notes.append(_note(ids, "qf_ehea_cycle", {MACHINE_LANG: spec.qf_ehea_cycle}))
    if spec.stackability:
        kind = "stand-alone" if spec.stackability.standalone else "integrated"
        notes.append(_note(ids, "stackability", {MACHINE_LANG: kind}))
    if spec.validity and spec.validity.months is not None:
        notes.append(_note(ids, "validity_months", {MACHINE_LANG: str(spec.validity.months)}))
    if spec.validity and spec.validity.until is not None:
        until = spec.validity.until.isoformat()
        notes.append(_note(ids, "validity_until", {MACHINE_LANG: until}))
    for skill in spec.skills:
        extra = [concept(skill.esco_uri, ESCO_SKILL_SCHEME, skill.name)] if skill.esco_uri else []
        notes.append(_note(ids, "skill", skill.name, *extra))
    return notes


def _specification(
    ids: _Ids, spec: Specification, org: dict[str, Any], learning_setting: str | None
) -> dict[str, Any]:
    lang = _primary_language(spec)
    node: dict[str, Any] = {
        "id": spec.id or ids("qualification"),
        "type": "Qualification",
        "title": dict(spec.title),
    }
    if spec.description:
        node["description"] = dict(spec.description)
    node["learningOutcome"] = _outcomes(ids, spec)
    if spec.workload.ects is not None:
        node["creditPoint"] = [
            {
                "id": ids("creditPoint"),
                "type": "CreditPoint",
                "framework": concept(ECTS_FRAMEWORK_URI, labels={"en": ECTS_LABEL}),
                "point": format(spec.workload.ects, "f"),
            }
        ]
    if spec.workload.hours is not None:
        node["volumeOfLearning"] = hours_to_duration(spec.workload.hours)
    if spec.eqf_level is not None:
        node["eqfLevel"] = concept(
            eqf_uri(spec.eqf_level), labels={"en": f"Level {spec.eqf_level}"}
        )
    if spec.nqf_level:
        if re.match(r"^https?://\S+$", spec.nqf_level):
            node["nqfLevel"] = concept(spec.nqf_level)
        else:
            digest = hashlib.sha256(spec.nqf_level.encode()).hexdigest()[:16]
            node["nqfLevel"] = {
                "id": f"urn:epass:concept:nqf-{digest}",
                "type": "Concept",
                "prefLabel": {lang: spec.nqf_level},
            }
    node["mode"] = _vocab_concept("participation", spec.participation, PARTICIPATION_CONCEPTS)
    if learning_setting is not None:
        uri, label = LEARNING_SETTING[learning_setting]
        node["learningSetting"] = concept(uri, labels={"en": label})
    if spec.prerequisites:
        node["entryRequirement"] = {
            "id": ids("note"),
            "type": "Note",
            "noteLiteral": dict(spec.prerequisites),
        }
    languages, language_notes = _languages(ids, spec)
    if languages:
        node["language"] = languages
    notes = _notes(ids, spec) + language_notes
    if spec.field_of_study:
        if re.fullmatch(r"\d{2,4}", spec.field_of_study):
            node["thematicArea"] = [concept(f"{ISCED_F_PREFIX}{spec.field_of_study}")]
        else:
            notes.append(_note(ids, "field_of_study", {MACHINE_LANG: spec.field_of_study}))
    if spec.url:
        node["homepage"] = _web(ids, spec.url)
    node["accreditation"] = [_accreditation(ids, spec, org)]
    if spec.stackability and spec.stackability.stackable_towards:
        node["isPartOf"] = [
            {
                "id": target.url or ids("learningAchievementSpec"),
                "type": "LearningAchievementSpecification",
                "title": dict(target.title),
            }
            for target in spec.stackability.stackable_towards
        ]
    if notes:
        node["additionalNote"] = notes
    return node


def _person(ids: _Ids, award: Award, lang: str) -> dict[str, Any]:
    learner = award.learner
    mailto = learner.identifier.startswith("mailto:")
    person: dict[str, Any] = {
        "id": ids("person") if mailto else learner.identifier,
        "type": "Person",
        "fullName": {lang: learner.name},
    }
    if learner.given_name:
        person["givenName"] = {lang: learner.given_name}
    if learner.family_name:
        person["familyName"] = {lang: learner.family_name}
    if learner.national_id:
        person["nationalID"] = {
            "id": ids("legalIdentifier"),
            "type": "LegalIdentifier",
            "notation": learner.national_id,
        }
    if learner.date_of_birth:
        person["dateOfBirth"] = f"{learner.date_of_birth.isoformat()}T00:00:00Z"
    if mailto:
        person["contactPoint"] = {
            "id": ids("contactPoint"),
            "type": "ContactPoint",
            "emailAddress": {"id": learner.identifier, "type": "Mailbox"},
        }
    return person


def award_to_elm(
    award: Award,
    *,
    issuer_id: str,
    credential_id: str | None = None,
    learning_setting: str | None = None,
) -> dict[str, Any]:
    """The unsigned ELM v3 `EuropeanDigitalCredential` for an award, issued by `issuer_id`.

    `learning_setting` (`"formal"` or `"non_formal"`) adds ELM's `learningSetting`,
    which the model does not record.
    """
    if learning_setting is not None and learning_setting not in LEARNING_SETTING:
        raise ValueError(f"learning_setting must be one of {sorted(LEARNING_SETTING)}")
    spec = award.spec
    ids = _Ids()
    lang = _primary_language(spec)
    issued = _timestamp(award.issued_on)
    issuer = _organisation(ids, spec.awarding_body, issuer_id, lang)
    bodies = [
        _organisation(ids, body, body.id or ids("org"), lang)
        for body in (spec.awarding_body, *spec.co_awarding_bodies)
    ]
    process = {
        "id": ids("awardingProcess"),
        "type": "AwardingProcess",
        "awardingBody": bodies,
        "awardingDate": issued,
    }
    assessment_spec: dict[str, Any] = {
        "id": ids("learningAssessmentSpec"),
        "type": "LearningAssessmentSpecification",
        "title": _labels(ASSESSMENT_CONCEPTS, spec.assessment.type),
        "dcType": _vocab_concept("assessment", spec.assessment.type, ASSESSMENT_CONCEPTS),
    }
    if spec.assessment.description:
        assessment_spec["description"] = dict(spec.assessment.description)
    assessment: dict[str, Any] = {
        "id": ids("learningAssessment"),
        "type": "LearningAssessment",
        "title": _labels(ASSESSMENT_CONCEPTS, spec.assessment.type),
        "awardedBy": process,
        "specifiedBy": assessment_spec,
    }
    if spec.supervision:
        assessment["idVerification"] = _vocab_concept(
            "supervision", spec.supervision, SUPERVISION_CONCEPTS
        )
    if award.grade:
        assessment["grade"] = {
            "id": ids("note"),
            "type": "Note",
            "noteLiteral": {lang: award.grade},
        }
    achievement: dict[str, Any] = {
        "id": ids("learningAchievement"),
        "type": "LearningAchievement",
        "title": dict(spec.title),
    }
    if award.narrative:
        achievement["description"] = {lang: award.narrative}
    achievement["awardedBy"] = process
    achievement["provenBy"] = [assessment]
    achievement["specifiedBy"] = _specification(ids, spec, bodies[0], learning_setting)
    person = _person(ids, award, lang)
    person["hasClaim"] = [achievement]
    primary = language_concept(lang)
    display: dict[str, Any] = {
        "id": ids("displayParameter"),
        "type": "DisplayParameter",
        "title": dict(spec.title),
    }
    if spec.description:
        display["description"] = dict(spec.description)
    if primary:
        display["primaryLanguage"] = primary
    display_languages = [n for n in (language_concept(t) for t in spec.title) if n]
    if display_languages:
        display["language"] = [
            n for i, n in enumerate(display_languages) if n not in display_languages[:i]
        ]
    credential: dict[str, Any] = {
        "@context": list(ELM_CONTEXT),
        "id": credential_id or award.id,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialProfiles": [concept(GENERIC_PROFILE, labels={"en": "Generic"})],
        "credentialSchema": {"id": EDC_SHACL, "type": "ShaclValidator2017"},
        "displayParameter": display,
        "issuer": issuer,
        "issuanceDate": issued,
        "issued": issued,
        "validFrom": issued,
    }
    expires = award.expires_on()
    if expires is not None:
        credential["validUntil"] = _timestamp(expires)
        credential["expirationDate"] = _timestamp(expires)
    credential["credentialSubject"] = person
    if award.evidence_url:
        credential["evidence"] = [
            {
                "id": ids("evidence"),
                "type": "Evidence",
                "evidenceTarget": achievement["id"],
                "supplementaryDocument": [_web(ids, award.evidence_url)],
            }
        ]
    return credential
