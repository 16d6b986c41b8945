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

import re
from typing import Any

from microcred.formats.elm_display import display_parameter
from microcred.formats.elm_read import ElmReading, read_elm
from microcred.formats.elm_vocab import (
    ECTS_LABEL,
    EDC_SHACL,
    ELM_CONTEXT,
    ESCO_SKILL_SCHEME,
    GENERIC_PROFILE,
    ISCED_F_PREFIX,
    ISSUER_ID_SCHEME,
    LEARNING_SETTING,
    MACHINE_LANG,
    QDR_PREFIX,
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


def _note(
    ids: _Ids, key: str, literal: dict[str, str], subject: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A tagged `Note`; the shapes allow one `subject`, our key's concept unless one is given."""
    return {
        "id": ids("note"),
        "type": "Note",
        "subject": subject or note_subject(key),
        "noteLiteral": dict(literal),
    }


def _web(ids: _Ids, url: str) -> dict[str, Any]:
    return {"id": ids("webResource"), "type": "WebResource", "contentURL": url}


def _location(ids: _Ids, country: str) -> dict[str, Any]:
    return {
        "id": ids("location"),
        "type": "Location",
        "address": {
            "id": ids("address"),
            "type": "Address",
            "countryCode": country_concept(country),
        },
    }


def _legal_identifier(ids: _Ids, body: AwardingBody) -> dict[str, Any]:
    return {
        "id": ids("legalIdentifier"),
        "type": "LegalIdentifier",
        "notation": body.legal_identifier,
        "spatial": country_concept(body.country),
    }


def _organisation(
    ids: _Ids, body: AwardingBody, org_id: str, lang: str, *, issuer: bool = False
) -> dict[str, Any]:
    location = _location(ids, body.country)
    if body.region:
        location["geographicName"] = {lang: body.region}
    org: dict[str, Any] = {
        "id": org_id,
        "type": "Organisation",
        "legalName": dict(body.name),
        "location": location,
    }
    if issuer:
        # The shapes' IssuerNodeShape: exactly one eIDAS legal identifier. Without a
        # registration number in the model, the issuer's own identifier (its DID) stands
        # there, its scheme named so that no one takes it for a registration number.
        identifier = _legal_identifier(ids, body)
        if not body.legal_identifier:
            identifier["notation"] = org_id
            identifier["schemeName"] = ISSUER_ID_SCHEME
        org["eIDASIdentifier"] = identifier
    elif body.legal_identifier:
        org["registration"] = _legal_identifier(ids, body)
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


def _skill_labels(spec: Specification) -> dict[str, dict[str, str]]:
    """One label set per ESCO skill URI, the first skill's: a concept node is one node, and
    the shapes allow one skos:prefLabel per language (two skills may name the same URI)."""
    labels: dict[str, dict[str, str]] = {}
    for skill in spec.skills:
        if skill.esco_uri and skill.esco_uri not in labels:
            labels[skill.esco_uri] = dict(skill.name)
    return labels


def _outcomes(ids: _Ids, spec: Specification) -> list[dict[str, Any]]:
    skill_names = _skill_labels(spec)
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


def _quality_assurance(
    ids: _Ids, spec: Specification, org: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Quality assurance as an `Accreditation`, or as tagged notes where it cannot be one.

    The shapes take an accreditation only with a type from the EU accreditation scheme
    and an accrediting agent (with a location); internal QA, `other`, and QA without a
    named body have neither, so they travel as notes instead of a made-up concept.
    """
    qa = spec.quality_assurance
    if QUALITY_ASSURANCE_CONCEPTS[qa.type].uri and qa.body:
        return [_accreditation(ids, spec, org)], []
    notes = [_note(ids, "quality_assurance", {MACHINE_LANG: qa.type.value})]
    if qa.description:
        notes.append(_note(ids, "quality_assurance_description", qa.description))
    if qa.body:
        notes.append(_note(ids, "quality_assurance_body", {MACHINE_LANG: qa.body}))
    if qa.url:
        notes.append(_note(ids, "quality_assurance_url", {MACHINE_LANG: qa.url}))
    return [], notes


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
        # The model names the QA body but records no address: it is located in the
        # awarding body's country, whose system the accreditation belongs to.
        node["accreditingAgent"] = {
            "id": ids("org"),
            "type": "Organisation",
            "legalName": {_primary_language(spec): qa.body},
            "location": _location(ids, spec.awarding_body.country),
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
    labels = _skill_labels(spec)
    for skill in spec.skills:
        # An ESCO skill is the note's one subject; a skill without one is tagged as a skill.
        esco = (
            concept(skill.esco_uri, ESCO_SKILL_SCHEME, labels[skill.esco_uri])
            if skill.esco_uri
            else None
        )
        notes.append(_note(ids, "skill", skill.name, esco))
    return notes


def _specification(
    ids: _Ids,
    spec: Specification,
    org: dict[str, Any],
    learning_setting: str | None,
    assessment_spec: dict[str, Any] | None = None,
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
    nqf_note = []
    if spec.nqf_level:
        # The shapes take an NQF level only from the EU qualification-level scheme (qdr);
        # any other level (a national code such as "LKI 4") is kept in a note.
        if re.match(rf"^{re.escape(QDR_PREFIX)}\S+$", spec.nqf_level):
            node["nqfLevel"] = concept(spec.nqf_level)
        else:
            nqf_note.append(_note(ids, "nqf_level", {lang: spec.nqf_level}))
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
    accreditations, qa_notes = _quality_assurance(ids, spec, org)
    notes = _notes(ids, spec) + language_notes + nqf_note + qa_notes
    if spec.field_of_study:
        if re.fullmatch(r"\d{2,4}", spec.field_of_study):
            node["thematicArea"] = [concept(f"{ISCED_F_PREFIX}{spec.field_of_study}")]
        else:
            notes.append(_note(ids, "field_of_study", {MACHINE_LANG: spec.field_of_study}))
    if spec.url:
        node["homepage"] = _web(ids, spec.url)
    if accreditations:
        node["accreditation"] = accreditations
    if assessment_spec is not None:
        node["provenBy"] = [assessment_spec]
    if spec.stackability and spec.stackability.stackable_towards:
        # The shapes want a Qualification as what a qualification is part of.
        node["isPartOf"] = [
            {
                "id": target.url or ids("qualification"),
                "type": "Qualification",
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
    issuer = _organisation(ids, spec.awarding_body, issuer_id, lang, issuer=True)
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
    # The shapes require a grade of every LearningAssessment: an award without one has no
    # assessment node, and its form of assessment is the specification's `provenBy` alone.
    assessments: list[dict[str, Any]] = []
    if award.grade:
        assessment: dict[str, Any] = {
            "id": ids("learningAssessment"),
            "type": "LearningAssessment",
            "title": _labels(ASSESSMENT_CONCEPTS, spec.assessment.type),
            "awardedBy": process,
            "specifiedBy": assessment_spec,
            "grade": {"id": ids("note"), "type": "Note", "noteLiteral": {lang: award.grade}},
        }
        if spec.supervision:
            assessment["idVerification"] = _vocab_concept(
                "supervision", spec.supervision, SUPERVISION_CONCEPTS
            )
        assessments.append(assessment)
    achievement: dict[str, Any] = {
        "id": ids("learningAchievement"),
        "type": "LearningAchievement",
        "title": dict(spec.title),
    }
    if award.narrative:
        achievement["description"] = {lang: award.narrative}
    achievement["awardedBy"] = process
    if assessments:
        achievement["provenBy"] = assessments
    if award.evidence_url:
        # An Evidence node needs a type from the EU evidence-type scheme, none of which
        # means "the learner's work": the link is a supplementary document of the claim.
        achievement["supplementaryDocument"] = [_web(ids, award.evidence_url)]
    qualification = _specification(ids, spec, bodies[0], learning_setting, assessment_spec)
    if spec.supervision and not assessments:
        code = spec.supervision.value
        qualification.setdefault("additionalNote", []).append(
            _note(ids, "supervision", {MACHINE_LANG: code})
        )
    achievement["specifiedBy"] = qualification
    person = _person(ids, award, lang)
    person["hasClaim"] = [achievement]
    display = display_parameter(award, lang, ids)
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
    return credential
