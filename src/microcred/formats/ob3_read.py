"""Reading an Open Badges 3.0 credential (or any VC) back into the model.

The inverse of `microcred.formats.ob3` (the writer), with its mapping table; the reading is
lenient: whatever the credential holds is read, and the mandatory EU elements it lacks are
named (`missing_elements`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from microcred.formats.ob3 import (
    AWARDING_BODY_URN,
    EQF_PREFIX,
    UNDETERMINED,
)
from microcred.formats.vocab_uris import code_for
from microcred.model.award import Award
from microcred.model.validation import SpecificationError, parse_award
from microcred.model.vocabulary import (
    AssessmentType,
    QualityAssuranceType,
)

__all__ = ["Ob3Reading", "missing_elements", "read_ob3"]


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
    if isinstance(node.get("id"), str) and not node["id"].startswith(AWARDING_BODY_URN):
        body["id"] = node["id"]  # a made-up URN (formats.ob3.body_id) is no id of the body's
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
    lang: str = ach["inLanguage"] if isinstance(ach.get("inLanguage"), str) else UNDETERMINED
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


def missing_elements(data: dict[str, Any]) -> list[str]:
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
    missing = missing_elements(data)
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
