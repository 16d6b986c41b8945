"""Writing the model as an Open Badges 3.0 `OpenBadgeCredential` (a W3C VC 2.0 document).

Where Open Badges 3.0 has a property for an EU element, that property carries
it (name, description, criteria, creditsAvailable, alignment, fieldOfStudy,
inLanguage, issuer address, awardedDate, validFrom/validUntil, result). The
elements it has no property for (workload hours, EQF level as data, assessment,
participation, quality assurance, supervision, ...) travel in the project's
small extension context `https://w3id.org/microcred/v1`, on the achievement.
The README has the full mapping table. Reading it back is `microcred.formats.ob3_read`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pycountry

from microcred.formats.vocab_uris import concept_uri
from microcred.model.award import Award
from microcred.model.multilingual import pick
from microcred.model.spec import AwardingBody, Specification
from microcred.model.vocabulary import (
    ECTS_FRAMEWORK_URI,
    eqf_uri,
)

__all__ = [
    "AWARDING_BODY_URN",
    "EQF_PREFIX",
    "ESCO_SKILL_PREFIX",
    "MANDATORY_ELEMENTS",
    "MICROCRED_V1",
    "OB3_CONTEXT",
    "OB_V3",
    "UNDETERMINED",
    "VC_V2",
    "achievement",
    "award_to_ob3",
    "body_id",
    "profile",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MICROCRED_V1 = "https://w3id.org/microcred/v1"
OB3_CONTEXT = [VC_V2, OB_V3, MICROCRED_V1]

EQF_PREFIX = "http://data.europa.eu/snb/eqf/"
ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"
UNDETERMINED = "und"

# The Annex I mandatory elements, with the words a report uses for them.
MANDATORY_ELEMENTS: dict[str, str] = {
    "learner": "identification of the learner",
    "title": "title",
    "awarding_body.country": "country of the awarding body",
    "awarding_body": "awarding body",
    "issued_on": "date of issuing",
    "learning_outcomes": "learning outcomes",
    "workload": "notional workload",
    "assessment": "type of assessment",
    "participation": "form of participation",
    "quality_assurance": "type of quality assurance",
}


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: Any) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _text(value: dict[str, str]) -> str:
    return pick(value, ("en",))


def profile(body: AwardingBody, profile_id: str | None = None) -> dict[str, Any]:
    """An OB3 `Profile` for an awarding body; `profile_id` overrides its id (the signer's DID)."""
    data: dict[str, Any] = {"type": ["Profile"], "name": _text(body.name)}
    if profile_id or body.id:
        data = {"id": profile_id or body.id, **data}
    if len(body.name) > 1 or UNDETERMINED not in body.name:
        data["nameLanguageMap"] = dict(body.name)
    if body.url:
        data["url"] = body.url
    if body.email:
        data["email"] = body.email
    country = pycountry.countries.get(alpha_2=body.country)
    address: dict[str, Any] = {
        "type": ["Address"],
        "addressCountry": country.name if country else body.country,
        "addressCountryCode": body.country,
    }
    if body.region:
        address["addressRegion"] = body.region
    data["address"] = address
    if body.legal_identifier:
        data["otherIdentifier"] = [
            {
                "type": "IdentifierEntry",
                "identifier": body.legal_identifier,
                "identifierType": "identifier",
            }
        ]
    return data


def _alignments(spec: Specification) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for outcome in spec.learning_outcomes:
        if outcome.esco_skill and outcome.esco_skill not in seen:
            seen.add(outcome.esco_skill)
            out.append(
                {
                    "type": ["Alignment"],
                    "targetName": _text(outcome.text),
                    "targetUrl": outcome.esco_skill,
                    "targetFramework": "ESCO",
                    "targetType": "ceasn:Competency",
                }
            )
    for skill in spec.skills:
        if skill.esco_uri and skill.esco_uri not in seen:
            seen.add(skill.esco_uri)
            out.append(
                {
                    "type": ["Alignment"],
                    "targetName": _text(skill.name),
                    "targetUrl": skill.esco_uri,
                    "targetFramework": "ESCO",
                    "targetType": "ceasn:Competency",
                }
            )
    if spec.eqf_level is not None:
        out.append(
            {
                "type": ["Alignment"],
                "targetName": f"EQF level {spec.eqf_level}",
                "targetUrl": eqf_uri(spec.eqf_level),
                "targetFramework": "European Qualifications Framework",
            }
        )
    if spec.workload.ects is not None:
        out.append(
            {
                "type": ["Alignment"],
                "targetName": f"{_number(spec.workload.ects)} ECTS credits",
                "targetUrl": ECTS_FRAMEWORK_URI,
                "targetFramework": "European Credit Transfer and Accumulation System",
            }
        )
    if spec.stackability:
        for target in spec.stackability.stackable_towards:
            if target.url:
                out.append(
                    {
                        "type": ["Alignment"],
                        "targetName": _text(target.title),
                        "targetUrl": target.url,
                        "targetType": "ceterms:Credential",
                    }
                )
    return out


def achievement(spec: Specification, achievement_id: str | None = None) -> dict[str, Any]:
    """The OB3 `Achievement` for a specification, with every EU element findable."""
    outcomes_text = "\n".join(f"- {_text(o.text)}" for o in spec.learning_outcomes)
    narrative = f"Learning outcomes:\n{outcomes_text}"
    if spec.prerequisites:
        narrative += f"\n\nPrerequisites: {_text(spec.prerequisites)}"
    ach: dict[str, Any] = {
        "id": achievement_id or spec.id or _spec_urn(spec),
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": _text(spec.title),
        "nameLanguageMap": dict(spec.title),
        "description": _text(spec.description) if spec.description else _text(spec.title),
        "criteria": {"narrative": narrative},
        "creator": profile(spec.awarding_body, body_id(spec.awarding_body)),
    }
    if spec.description:
        ach["descriptionLanguageMap"] = dict(spec.description)
    if spec.workload.ects is not None:
        ach["creditsAvailable"] = _number(spec.workload.ects)
        ach["ectsCredits"] = format(spec.workload.ects, "f")
    if spec.workload.hours is not None:
        ach["workloadHours"] = format(spec.workload.hours, "f")
    if spec.field_of_study:
        ach["fieldOfStudy"] = spec.field_of_study
    if spec.languages:
        ach["inLanguage"] = spec.languages[0]
        ach["languageOfInstruction"] = list(spec.languages)
    alignments = _alignments(spec)
    if alignments:
        ach["alignment"] = alignments
    if spec.id:
        ach["specificationId"] = spec.id
    ach["learningOutcome"] = [
        {"outcomeText": dict(o.text), **({"escoSkill": o.esco_skill} if o.esco_skill else {})}
        for o in spec.learning_outcomes
    ]
    if spec.eqf_level is not None:
        ach["eqfLevel"] = eqf_uri(spec.eqf_level)
    if spec.nqf_level:
        ach["nqfLevel"] = spec.nqf_level
    if spec.qf_ehea_cycle:
        ach["qfEheaCycle"] = spec.qf_ehea_cycle
    ach["assessmentType"] = concept_uri("assessment", spec.assessment.type)
    if spec.assessment.description:
        ach["assessmentDescription"] = dict(spec.assessment.description)
    ach["participationForm"] = concept_uri("participation", spec.participation)
    qa: dict[str, Any] = {
        "qualityAssuranceType": concept_uri("quality-assurance", spec.quality_assurance.type)
    }
    if spec.quality_assurance.body:
        qa["qualityAssuranceBody"] = spec.quality_assurance.body
    if spec.quality_assurance.url:
        qa["qualityAssuranceUrl"] = spec.quality_assurance.url
    if spec.quality_assurance.description:
        qa["qualityAssuranceDescription"] = dict(spec.quality_assurance.description)
    ach["qualityAssurance"] = qa
    if spec.supervision:
        ach["supervision"] = concept_uri("supervision", spec.supervision)
    if spec.prerequisites:
        ach["prerequisites"] = dict(spec.prerequisites)
    if spec.further_information:
        ach["furtherInformation"] = dict(spec.further_information)
    if spec.stackability:
        ach["stackability"] = {
            "standalone": spec.stackability.standalone,
            "stackableTowards": [
                {**({"id": t.url} if t.url else {}), "nameLanguageMap": dict(t.title)}
                for t in spec.stackability.stackable_towards
            ],
        }
    if spec.skills:
        ach["skill"] = [
            {"nameLanguageMap": dict(s.name), **({"escoSkill": s.esco_uri} if s.esco_uri else {})}
            for s in spec.skills
        ]
    if spec.validity:
        if spec.validity.months is not None:
            ach["validityMonths"] = spec.validity.months
        if spec.validity.until is not None:
            ach["validityUntil"] = spec.validity.until.isoformat()
    if spec.co_awarding_bodies:
        ach["coAwardingBody"] = [profile(b, body_id(b)) for b in spec.co_awarding_bodies]
    if spec.url:
        ach["informationUrl"] = spec.url
    return ach


AWARDING_BODY_URN = "urn:microcred:awarding-body:"


def body_id(body: AwardingBody) -> str:
    """The awarding body's own id, or a stable URN made from what describes it: the OB 3.0
    schema wants every `Profile` to have an `id`, and the same body gets the same one in
    every credential (readers drop the URN again: it is not an identifier the body chose)."""
    if body.id:
        return str(body.id)
    import hashlib
    import json

    data = body.model_dump(mode="json", exclude_none=True)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return f"{AWARDING_BODY_URN}{digest[:32]}"


def _spec_urn(spec: Specification) -> str:
    import hashlib
    import json

    digest = hashlib.sha256(json.dumps(spec.to_data(), sort_keys=True).encode()).hexdigest()
    return f"urn:microcred:achievement:{digest[:32]}"


def award_to_ob3(
    award: Award,
    *,
    issuer_id: str,
    achievement_id: str | None = None,
    credential_status: dict[str, Any] | list[dict[str, Any]] | None = None,
    issuer_profile: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The unsigned `OpenBadgeCredential` for an award, issued by `issuer_id` (a DID or URL).

    `issuer_profile` describes the signing organisation when it is not the awarding
    body itself (the awarding body is always `achievement.creator`).
    """
    spec = award.spec
    learner = award.learner
    identifiers: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "identityHash": learner.name,
            "identityType": "name",
            "hashed": False,
        }
    ]
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if learner.identifier.startswith("mailto:"):
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityHash": learner.identifier.removeprefix("mailto:"),
                "identityType": "emailAddress",
                "hashed": False,
            }
        )
    else:
        subject = {"id": learner.identifier, **subject}
    if learner.national_id:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityHash": learner.national_id,
                "identityType": "nationalIdentityNumber",
                "hashed": False,
            }
        )
    subject["identifier"] = identifiers
    if learner.given_name:
        subject["learnerGivenName"] = learner.given_name
    if learner.family_name:
        subject["learnerFamilyName"] = learner.family_name
    if learner.date_of_birth:
        subject["learnerDateOfBirth"] = learner.date_of_birth.isoformat()
    ach = achievement(spec, achievement_id)
    if award.grade:
        grade_id = f"{ach['id']}#grade" if ":" in ach["id"] else "urn:microcred:grade"
        ach["resultDescription"] = [
            {
                "id": grade_id,
                "type": ["ResultDescription"],
                "name": "Grade",
                "resultType": "LetterGrade",
            }
        ]
        subject["result"] = [
            {"type": ["Result"], "resultDescription": grade_id, "value": award.grade}
        ]
    subject["achievement"] = ach
    if spec.workload.ects is not None:
        subject["creditsEarned"] = _number(spec.workload.ects)
    if award.narrative:
        subject["narrative"] = award.narrative
    credential: dict[str, Any] = {
        "@context": list(OB3_CONTEXT),
        "id": award.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _text(spec.title),
        "issuer": {**issuer_profile, "id": issuer_id}
        if issuer_profile
        else profile(spec.awarding_body, issuer_id),
        "validFrom": _timestamp(award.issued_on),
    }
    expires = award.expires_on()
    if expires is not None:
        credential["validUntil"] = _timestamp(expires)
    credential["awardedDate"] = _timestamp(award.issued_on)
    credential["credentialSubject"] = subject
    if award.evidence_url:
        credential["evidence"] = [{"id": award.evidence_url, "type": ["Evidence"]}]
    if credential_status is not None:
        credential["credentialStatus"] = credential_status
    return credential
