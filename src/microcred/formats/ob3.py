"""Open Badges 3.0 `OpenBadgeCredential` (a W3C VC 2.0 document) to and from the model.

Where Open Badges 3.0 has a property for an EU element, that property carries
it (name, description, criteria, creditsAvailable, alignment, fieldOfStudy,
inLanguage, issuer address, awardedDate, validFrom/validUntil, result). The
elements it has no property for (workload hours, EQF level as data, assessment,
participation, quality assurance, supervision, ...) travel in the project's
small extension context `https://w3id.org/microcred/v1`, on the achievement.
The README has the full mapping table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pycountry

from microcred.formats.vocab_uris import code_for, concept_uri
from microcred.model.award import Award
from microcred.model.multilingual import pick
from microcred.model.spec import AwardingBody, Specification
from microcred.model.validation import SpecificationError, parse_award
from microcred.model.vocabulary import (
    ECTS_FRAMEWORK_URI,
    AssessmentType,
    Participation,
    QualityAssuranceType,
    Supervision,
    eqf_uri,
)

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
        "creator": profile(spec.awarding_body),
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
        ach["coAwardingBody"] = [profile(b) for b in spec.co_awarding_bodies]
    if spec.url:
        ach["informationUrl"] = spec.url
    return ach


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


# --- reading ------------------------------------------------------------------------------


@dataclass
class Ob3Reading:
    """What a credential says in model terms: the award if complete, else the parts and gaps."""

    data: dict[str, Any]
    award: Award | None
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _lang_map(
    node: dict[str, Any], map_key: str, plain_key: str, lang: str
) -> dict[str, str] | None:
    value = node.get(map_key)
    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        return {str(k): v for k, v in value.items()}
    plain = node.get(plain_key)
    if isinstance(plain, str) and plain.strip():
        return {lang: plain}
    if isinstance(plain, dict) and plain and all(isinstance(v, str) for v in plain.values()):
        return {str(k): v for k, v in plain.items()}
    return None


def _read_body(node: Any, lang: str) -> dict[str, Any] | None:
    if not isinstance(node, dict):
        return None
    body: dict[str, Any] = {}
    name = _lang_map(node, "nameLanguageMap", "name", lang)
    if name:
        body["name"] = name
    if isinstance(node.get("id"), str):
        body["id"] = node["id"]
    if isinstance(node.get("url"), str):
        body["url"] = node["url"]
    if isinstance(node.get("email"), str):
        body["email"] = node["email"]
    address = node.get("address")
    if isinstance(address, dict):
        if isinstance(address.get("addressCountryCode"), str):
            body["country"] = address["addressCountryCode"]
        if isinstance(address.get("addressRegion"), str):
            body["region"] = address["addressRegion"]
    for entry in _as_list(node.get("otherIdentifier")):
        if isinstance(entry, dict) and entry.get("identifierType") == "identifier":
            body["legal_identifier"] = str(entry.get("identifier"))
            break
    return body


def _read_learner(subject: dict[str, Any]) -> dict[str, Any]:
    learner: dict[str, Any] = {}
    for entry in _as_list(subject.get("identifier")):
        if not isinstance(entry, dict) or entry.get("hashed") not in (False, "false", None):
            continue
        kind, value = entry.get("identityType"), entry.get("identityHash")
        if not isinstance(value, str):
            continue
        if kind == "name":
            learner["name"] = value
        elif kind == "emailAddress":
            learner.setdefault("identifier", f"mailto:{value}")
        elif kind == "nationalIdentityNumber":
            learner["national_id"] = value
    if isinstance(subject.get("id"), str):
        learner["identifier"] = subject["id"]
    for key, target in (
        ("learnerGivenName", "given_name"),
        ("learnerFamilyName", "family_name"),
        ("learnerDateOfBirth", "date_of_birth"),
    ):
        if isinstance(subject.get(key), str):
            learner[target] = subject[key]
    return learner


def _read_spec(ach: dict[str, Any], issuer: Any) -> dict[str, Any]:
    lang = ach.get("inLanguage") if isinstance(ach.get("inLanguage"), str) else UNDETERMINED
    own = "participationForm" in ach or "learningOutcome" in ach
    spec: dict[str, Any] = {}
    if isinstance(ach.get("specificationId"), str):
        spec["id"] = ach["specificationId"]
    elif not own and isinstance(ach.get("id"), str):
        spec["id"] = ach["id"]
    title = _lang_map(ach, "nameLanguageMap", "name", lang)
    if title:
        spec["title"] = title
    if "descriptionLanguageMap" in ach:
        spec["description"] = _lang_map(ach, "descriptionLanguageMap", "description", lang)
    elif not own and isinstance(ach.get("description"), str):
        spec["description"] = {lang: ach["description"]}
    body = _read_body(ach.get("creator"), lang) or _read_body(issuer, lang)
    if body:
        spec["awarding_body"] = body
    outcomes = []
    for item in _as_list(ach.get("learningOutcome")):
        if isinstance(item, dict) and isinstance(item.get("outcomeText"), dict):
            outcome: dict[str, Any] = {"text": item["outcomeText"]}
            if isinstance(item.get("escoSkill"), str):
                outcome["esco_skill"] = item["escoSkill"]
            outcomes.append(outcome)
    if not outcomes:
        criteria = ach.get("criteria")
        narrative = criteria.get("narrative") if isinstance(criteria, dict) else None
        if isinstance(narrative, str) and narrative.strip():
            outcomes.append({"text": {lang: narrative.strip()}})
    if outcomes:
        spec["learning_outcomes"] = outcomes
    workload: dict[str, Any] = {}
    if ach.get("ectsCredits") is not None:
        workload["ects"] = ach["ectsCredits"]
    elif isinstance(ach.get("creditsAvailable"), int | float):
        workload["ects"] = ach["creditsAvailable"]
    if ach.get("workloadHours") is not None:
        workload["hours"] = ach["workloadHours"]
    if workload:
        spec["workload"] = workload
    eqf = ach.get("eqfLevel")
    if not isinstance(eqf, str):
        eqf = next(
            (
                a.get("targetUrl")
                for a in _as_list(ach.get("alignment"))
                if isinstance(a, dict) and str(a.get("targetUrl", "")).startswith(EQF_PREFIX)
            ),
            None,
        )
    if isinstance(eqf, str) and eqf.startswith(EQF_PREFIX) and eqf[len(EQF_PREFIX) :].isdigit():
        spec["eqf_level"] = int(eqf[len(EQF_PREFIX) :])
    for key, target in (("nqfLevel", "nqf_level"), ("qfEheaCycle", "qf_ehea_cycle")):
        if isinstance(ach.get(key), str):
            spec[target] = ach[key]
    if isinstance(ach.get("assessmentType"), str):
        assessment: dict[str, Any] = {
            "type": code_for("assessment", ach["assessmentType"]) or AssessmentType.OTHER.value
        }
        if isinstance(ach.get("assessmentDescription"), dict):
            assessment["description"] = ach["assessmentDescription"]
        spec["assessment"] = assessment
    if isinstance(ach.get("participationForm"), str):
        spec["participation"] = (
            code_for("participation", ach["participationForm"]) or ach["participationForm"]
        )
    qa_node = ach.get("qualityAssurance")
    if isinstance(qa_node, dict) and isinstance(qa_node.get("qualityAssuranceType"), str):
        qa: dict[str, Any] = {
            "type": code_for("quality-assurance", qa_node["qualityAssuranceType"])
            or QualityAssuranceType.OTHER.value
        }
        for key, target in (
            ("qualityAssuranceBody", "body"),
            ("qualityAssuranceUrl", "url"),
            ("qualityAssuranceDescription", "description"),
        ):
            if qa_node.get(key) is not None:
                qa[target] = qa_node[key]
        spec["quality_assurance"] = qa
    if isinstance(ach.get("supervision"), str):
        spec["supervision"] = code_for("supervision", ach["supervision"]) or ach["supervision"]
    for key, target in (
        ("prerequisites", "prerequisites"),
        ("furtherInformation", "further_information"),
    ):
        if isinstance(ach.get(key), dict):
            spec[target] = ach[key]
    stack = ach.get("stackability")
    if isinstance(stack, dict):
        spec["stackability"] = {
            "standalone": bool(stack.get("standalone", True)),
            "stackable_towards": [
                {"title": t.get("nameLanguageMap"), **({"url": t["id"]} if "id" in t else {})}
                for t in _as_list(stack.get("stackableTowards"))
                if isinstance(t, dict)
            ],
        }
    skills = [
        {
            "name": s.get("nameLanguageMap"),
            **({"esco_uri": s["escoSkill"]} if "escoSkill" in s else {}),
        }
        for s in _as_list(ach.get("skill"))
        if isinstance(s, dict)
    ]
    if skills:
        spec["skills"] = skills
    languages = ach.get("languageOfInstruction")
    if isinstance(languages, list):
        spec["languages"] = languages
    elif isinstance(languages, str):
        spec["languages"] = [languages]
    elif isinstance(ach.get("inLanguage"), str):
        spec["languages"] = [ach["inLanguage"]]
    if isinstance(ach.get("fieldOfStudy"), str):
        spec["field_of_study"] = ach["fieldOfStudy"]
    if isinstance(ach.get("informationUrl"), str):
        spec["url"] = ach["informationUrl"]
    validity: dict[str, Any] = {}
    if ach.get("validityMonths") is not None:
        validity["months"] = ach["validityMonths"]
    if ach.get("validityUntil") is not None:
        validity["until"] = ach["validityUntil"]
    if validity:
        spec["validity"] = validity
    co = [b for b in (_read_body(n, lang) for n in _as_list(ach.get("coAwardingBody"))) if b]
    if co:
        spec["co_awarding_bodies"] = co
    return spec


def _missing(data: dict[str, Any]) -> list[str]:
    spec = data.get("spec", {})
    missing = []
    learner = data.get("learner", {})
    if not learner.get("name") and not learner.get("identifier"):
        missing.append("learner")
    if "title" not in spec:
        missing.append("title")
    if "awarding_body" not in spec:
        missing.append("awarding_body")
    elif "country" not in spec["awarding_body"]:
        missing.append("awarding_body.country")
    if "issued_on" not in data:
        missing.append("issued_on")
    for key in (
        "learning_outcomes",
        "workload",
        "assessment",
        "participation",
        "quality_assurance",
    ):
        if key not in spec:
            missing.append(key)
    return missing


def read_ob3(credential: dict[str, Any]) -> Ob3Reading:
    """Read an OB3 credential (ours or another issuer's) into the model, listing what is missing."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    subject = subject if isinstance(subject, dict) else {}
    ach = subject.get("achievement")
    ach = ach if isinstance(ach, dict) else {}
    data: dict[str, Any] = {"spec": _read_spec(ach, credential.get("issuer"))}
    if isinstance(credential.get("id"), str):
        data["id"] = credential["id"]
    learner = _read_learner(subject)
    if learner:
        learner.setdefault("name", learner.get("identifier", ""))
        learner.setdefault("identifier", "urn:microcred:unidentified-learner")
        data["learner"] = learner
    issued = (
        credential.get("awardedDate")
        or credential.get("validFrom")
        or credential.get("issuanceDate")
    )
    if isinstance(issued, str):
        data["issued_on"] = issued
    if isinstance(credential.get("validUntil"), str):
        data["valid_until"] = credential["validUntil"]
    results = [r for r in _as_list(subject.get("result")) if isinstance(r, dict)]
    if results and isinstance(results[0].get("value"), str):
        data["grade"] = results[0]["value"]
    if isinstance(subject.get("narrative"), str):
        data["narrative"] = subject["narrative"]
    evidence = [
        e
        for e in _as_list(credential.get("evidence"))
        if isinstance(e, dict) and str(e.get("id", "")).startswith(("https://", "http://"))
    ]
    if evidence:
        data["evidence_url"] = evidence[0]["id"]
    missing = _missing(data)
    if missing:
        return Ob3Reading(data=data, award=None, missing=missing)
    try:
        award = parse_award(data)
        if award.valid_until is not None:
            # validUntil that the spec's own validity implies is not an explicit override.
            implied = award.model_copy(update={"valid_until": None}).expires_on()
            if implied == award.valid_until:
                award = award.model_copy(update={"valid_until": None})
    except SpecificationError as exc:
        return Ob3Reading(
            data=data, award=None, problems=[f"{p.path}: {p.message}" for p in exc.problems]
        )
    return Ob3Reading(data=data, award=award)


__all__ = [
    "MANDATORY_ELEMENTS",
    "OB3_CONTEXT",
    "Ob3Reading",
    "Participation",
    "Supervision",
    "achievement",
    "award_to_ob3",
    "profile",
    "read_ob3",
]
