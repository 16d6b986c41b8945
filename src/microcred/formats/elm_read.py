"""Reading ELM v3 credentials (ours and EDC's) into the model, listing what is missing."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from microcred.formats.elm_vocab import (
    ECTS_LABEL,
    EQF_PREFIX,
    ESCO_SKILL_SCHEME,
    ISCED_F_PREFIX,
    ISSUER_ID_SCHEME,
    LOCAL_ID_PREFIX,
    NOTE_SCHEME,
    country_code,
    language_tag,
)
from microcred.formats.vocab_uris import code_for
from microcred.model.award import Award
from microcred.model.validation import SpecificationError, parse_award
from microcred.model.vocabulary import (
    ASSESSMENT_CONCEPTS,
    ECTS_FRAMEWORK_URI,
    ESCO_SKILL_PREFIX,
    PARTICIPATION_CONCEPTS,
    QUALITY_ASSURANCE_CONCEPTS,
    SUPERVISION_CONCEPTS,
    AssessmentType,
    QualityAssuranceType,
)

__all__ = ["EU_ELEMENTS", "ElmReading", "read_elm"]

# The Annex I elements a reading reports on: mandatory first, then optional ones.
EU_ELEMENTS: tuple[str, ...] = (
    "learner",
    "title",
    "awarding_body.country",
    "awarding_body",
    "issued_on",
    "learning_outcomes",
    "workload",
    "level",
    "assessment",
    "participation",
    "quality_assurance",
    "prerequisites",
    "supervision",
    "grade",
    "stackability",
    "further_information",
)
_MANDATORY = (
    "learner",
    "title",
    "awarding_body.country",
    "awarding_body",
    "issued_on",
    "learning_outcomes",
    "workload",
    "assessment",
    "participation",
    "quality_assurance",
)


@dataclass
class ElmReading:
    """What an ELM credential says in model terms: the award if complete, else parts and gaps."""

    data: dict[str, Any]
    award: Award | None
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _nodes(value: Any) -> list[dict[str, Any]]:
    return [v for v in _list(value) if isinstance(v, dict)]


def _node(value: Any) -> dict[str, Any]:
    nodes = _nodes(value)
    return nodes[0] if nodes else {}


def _lang_map(value: Any) -> dict[str, str] | None:
    """An ELM language map (values may be strings or lists of strings) as {tag: text}."""
    if isinstance(value, str) and value.strip():
        return {"und": value}
    if not isinstance(value, dict):
        return None
    out: dict[str, str] = {}
    for tag, text in value.items():
        parts = [t for t in _list(text) if isinstance(t, str) and t.strip()]
        if isinstance(tag, str) and parts:
            out[tag] = "\n".join(parts)
    return out or None


def _first_text(value: Any) -> str | None:
    texts = _lang_map(value)
    return next(iter(texts.values())) if texts else None


def _own_id(node: dict[str, Any]) -> str | None:
    value = node.get("id")
    if isinstance(value, str) and not value.startswith(LOCAL_ID_PREFIX):
        return value
    return None


def _concept_id(value: Any) -> str | None:
    node = _node(value)
    if isinstance(node.get("id"), str):
        return str(node["id"])
    return value if isinstance(value, str) else None


def _code(scheme: str, value: Any, table: dict[Any, Any]) -> str | None:
    """A model code for a concept: by URI, else by its English label (EDC's local concepts)."""
    uri = _concept_id(value)
    if uri and (code := code_for(scheme, uri)):
        return code
    labels = _lang_map(_node(value).get("prefLabel")) or {}
    wanted = {text.strip().lower() for text in labels.values()}
    for code, entry in table.items():
        if entry.label_en.lower() in wanted:
            return str(code.value)
    return None


def _body(org: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    name = _lang_map(org.get("legalName")) or _lang_map(org.get("prefLabel"))
    if name:
        body["name"] = name
    for location in _nodes(org.get("location")):
        for address in _nodes(location.get("address")):
            code = country_code(_concept_id(address.get("countryCode")))
            if code:
                body.setdefault("country", code)
        region = _first_text(location.get("geographicName")) or _first_text(
            _node(location.get("spatialCode")).get("prefLabel")
        )
        if region:
            body.setdefault("region", region)
    if _own_id(org):
        body["id"] = _own_id(org)
    homepage = _node(org.get("homepage"))
    if isinstance(homepage.get("contentURL"), str):
        body["url"] = homepage["contentURL"]
    registration = _node(org.get("registration")) or _node(org.get("eIDASIdentifier"))
    if registration.get("schemeName") == ISSUER_ID_SCHEME:
        registration = {}  # our stand-in (the issuer's DID), not a registration number
    if isinstance(registration.get("notation"), str):
        body["legal_identifier"] = registration["notation"]
    mailbox = _concept_id(_node(org.get("contactPoint")).get("emailAddress"))
    if isinstance(mailbox, str) and mailbox.startswith("mailto:"):
        body["email"] = mailbox.removeprefix("mailto:")
    return body


def _learner(person: dict[str, Any]) -> dict[str, Any]:
    learner: dict[str, Any] = {}
    name = _first_text(person.get("fullName"))
    given, family = _first_text(person.get("givenName")), _first_text(person.get("familyName"))
    if name or given or family:
        learner["name"] = name or " ".join(p for p in (given, family) if p)
    if given:
        learner["given_name"] = given
    if family:
        learner["family_name"] = family
    national = _node(person.get("nationalID")).get("notation")
    if isinstance(national, str):
        learner["national_id"] = national
    birth = person.get("dateOfBirth")
    if isinstance(birth, str) and re.match(r"\d{4}-\d{2}-\d{2}", birth):
        learner["date_of_birth"] = birth[:10]
    mailbox = _concept_id(_node(person.get("contactPoint")).get("emailAddress"))
    identifier = _own_id(person)
    if identifier is None and isinstance(mailbox, str) and mailbox.startswith("mailto:"):
        identifier = mailbox
    if identifier is None and isinstance(person.get("id"), str):
        identifier = person["id"]
    if identifier:
        learner["identifier"] = identifier
    return learner


def _notes(
    spec_node: dict[str, Any],
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Our tagged notes by subject key, and the other (foreign) notes."""
    tagged: dict[str, list[dict[str, Any]]] = {}
    other: list[dict[str, Any]] = []
    for note in _nodes(spec_node.get("additionalNote")):
        subjects = _nodes(note.get("subject"))
        keys = [
            str(s["id"]).split("#", 1)[1]
            for s in subjects
            if isinstance(s.get("id"), str) and s["id"].startswith(f"{NOTE_SCHEME}#")
        ]
        # Our skill notes with an ESCO skill have that skill as their one subject.
        keys += ["skill" for s in subjects if _esco_skill(s)]
        if keys:
            tagged.setdefault(keys[0], []).append(note)
        else:
            other.append(note)
    return tagged, other


def _esco_skill(subject: dict[str, Any]) -> bool:
    return str(subject.get("id", "")).startswith(ESCO_SKILL_PREFIX) or (
        _node(subject.get("inScheme")).get("id") == ESCO_SKILL_SCHEME
    )


def _duration_hours(text: Any) -> Decimal | None:
    match = (
        re.fullmatch(
            r"P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?",
            text or "",
        )
        if isinstance(text, str)
        else None
    )
    if not match or text in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (Decimal(g) if g else Decimal(0) for g in match.groups())
    total = days * 24 + hours + minutes / 60 + seconds / 3600
    rounded = round(total, 2)
    return rounded.quantize(Decimal(1)) if rounded == rounded.to_integral_value() else rounded


def _workload(spec_node: dict[str, Any]) -> dict[str, Any]:
    workload: dict[str, Any] = {}
    for credit in _nodes(spec_node.get("creditPoint")):
        framework = _node(credit.get("framework"))
        is_ects = (
            framework.get("id") == ECTS_FRAMEWORK_URI
            or ECTS_LABEL in (_lang_map(framework.get("prefLabel")) or {}).values()
        )
        if is_ects and credit.get("point") is not None:
            try:
                workload["ects"] = Decimal(str(credit["point"]).replace(",", "."))
            except InvalidOperation:
                workload["ects"] = credit["point"]
            break
    hours = _duration_hours(spec_node.get("volumeOfLearning"))
    if hours is not None:
        workload["hours"] = hours
    return workload


def _spec(claim: dict[str, Any], issuer: dict[str, Any]) -> dict[str, Any]:
    spec_node = _node(claim.get("specifiedBy"))
    spec: dict[str, Any] = {}
    if _own_id(spec_node):
        spec["id"] = _own_id(spec_node)
    title = _lang_map(claim.get("title")) or _lang_map(spec_node.get("title"))
    if title:
        spec["title"] = title
    description = _lang_map(spec_node.get("description"))
    if description:
        spec["description"] = description
    bodies = [_body(org) for org in _nodes(_node(claim.get("awardedBy")).get("awardingBody"))]
    bodies = [b for b in bodies if b] or ([_body(issuer)] if issuer else [])
    if bodies and bodies[0]:
        spec["awarding_body"] = bodies[0]
        if len(bodies) > 1:
            spec["co_awarding_bodies"] = bodies[1:]
    outcomes = []
    for item in _nodes(spec_node.get("learningOutcome")):
        text = _lang_map(item.get("title"))
        if not text:
            continue
        outcome: dict[str, Any] = {"text": text}
        esco = [
            uri
            for uri in (_concept_id(s) for s in _list(item.get("relatedESCOSkill")))
            if isinstance(uri, str) and uri.startswith(ESCO_SKILL_PREFIX)
        ]
        if esco:
            outcome["esco_skill"] = esco[0]
        outcomes.append(outcome)
    if not outcomes:
        summary = _lang_map(_node(spec_node.get("learningOutcomeSummary")).get("noteLiteral"))
        if summary:
            outcomes.append({"text": summary})
    if outcomes:
        spec["learning_outcomes"] = outcomes
    workload = _workload(spec_node)
    if workload:
        spec["workload"] = workload
    eqf = _concept_id(spec_node.get("eqfLevel"))
    if isinstance(eqf, str) and eqf.startswith(EQF_PREFIX) and eqf[len(EQF_PREFIX) :].isdigit():
        spec["eqf_level"] = int(eqf[len(EQF_PREFIX) :])
    nqf = _node(spec_node.get("nqfLevel"))
    nqf_text = _first_text(nqf.get("prefLabel")) or _concept_id(spec_node.get("nqfLevel"))
    if nqf_text:
        spec["nqf_level"] = nqf_text
    assessment = _node(claim.get("provenBy"))
    assessment_spec = _node(assessment.get("specifiedBy")) or _node(spec_node.get("provenBy"))
    if assessment_spec.get("dcType") is not None:
        kind = _code("assessment", assessment_spec.get("dcType"), ASSESSMENT_CONCEPTS)
        found: dict[str, Any] = {"type": kind or AssessmentType.OTHER.value}
        text = _lang_map(assessment_spec.get("description"))
        if kind is None:
            text = text or _lang_map(_node(assessment_spec["dcType"]).get("prefLabel"))
            text = text or _lang_map(assessment_spec.get("title"))
        if text:
            found["description"] = text
        spec["assessment"] = found
    mode = spec_node.get("mode")
    if mode is not None:
        spec["participation"] = _code("participation", mode, PARTICIPATION_CONCEPTS) or (
            _concept_id(mode)
        )
    accreditations = _nodes(spec_node.get("accreditation")) + [
        a
        for org in (*_nodes(_node(claim.get("awardedBy")).get("awardingBody")), issuer)
        for a in _nodes(org.get("accreditation"))
    ]
    if accreditations:
        spec["quality_assurance"] = _quality_assurance(accreditations[0])
    requirement = _lang_map(_node(spec_node.get("entryRequirement")).get("noteLiteral"))
    if requirement:
        spec["prerequisites"] = requirement
    if assessment.get("idVerification") is not None:
        spec["supervision"] = _code(
            "supervision", assessment["idVerification"], SUPERVISION_CONCEPTS
        ) or _concept_id(assessment["idVerification"])
    languages = [
        t for t in (language_tag(_concept_id(n)) for n in _list(spec_node.get("language"))) if t
    ]
    if languages:
        spec["languages"] = list(dict.fromkeys(languages))
    areas = [_concept_id(a) for a in _list(spec_node.get("thematicArea"))]
    codes = [
        a[len(ISCED_F_PREFIX) :]
        for a in areas
        if isinstance(a, str) and a.startswith(ISCED_F_PREFIX)
    ]
    if codes:
        spec["field_of_study"] = codes[0]
    homepage = _node(spec_node.get("homepage"))
    if isinstance(homepage.get("contentURL"), str):
        spec["url"] = homepage["contentURL"]
    _read_notes(spec, spec_node)
    return spec


def _quality_assurance(node: dict[str, Any]) -> dict[str, Any]:
    kind = _code("quality-assurance", node.get("dcType"), QUALITY_ASSURANCE_CONCEPTS)
    qa: dict[str, Any] = {"type": kind or QualityAssuranceType.OTHER.value}
    description = _lang_map(node.get("description"))
    if kind is None:
        description = description or _lang_map(node.get("title"))
    if description:
        qa["description"] = description
    agent = _first_text(_node(node.get("accreditingAgent")).get("legalName"))
    if agent:
        qa["body"] = agent
    homepage = _node(node.get("homepage")) or _node(node.get("landingPage"))
    if isinstance(homepage.get("contentURL"), str):
        qa["url"] = homepage["contentURL"]
    return qa


def _literal(notes: list[dict[str, Any]]) -> str | None:
    return _first_text(notes[0].get("noteLiteral")) if notes else None


def _read_notes(spec: dict[str, Any], spec_node: dict[str, Any]) -> None:
    tagged, other = _notes(spec_node)
    further = (
        _lang_map(tagged["further_information"][0].get("noteLiteral"))
        if tagged.get("further_information")
        else None
    )
    if further is None and other:
        further = _lang_map(other[0].get("noteLiteral"))
    if further:
        spec["further_information"] = further
    if cycle := _literal(tagged.get("qf_ehea_cycle", [])):
        spec["qf_ehea_cycle"] = cycle
    if kind := _literal(tagged.get("stackability", [])):
        spec["stackability"] = {"standalone": kind == "stand-alone"}
    targets = [
        {"title": _lang_map(t.get("title")), **({"url": _own_id(t)} if _own_id(t) else {})}
        for t in _nodes(spec_node.get("isPartOf"))
    ]
    if targets:
        spec.setdefault("stackability", {"standalone": True})["stackable_towards"] = targets
    validity: dict[str, Any] = {}
    if months := _literal(tagged.get("validity_months", [])):
        validity["months"] = months
    if until := _literal(tagged.get("validity_until", [])):
        validity["until"] = until
    if validity:
        spec["validity"] = validity
    skills = []
    for note in tagged.get("skill", []):
        skill: dict[str, Any] = {"name": _lang_map(note.get("noteLiteral"))}
        esco = [s["id"] for s in _nodes(note.get("subject")) if _esco_skill(s)]
        if esco:
            skill["esco_uri"] = esco[0]
        skills.append(skill)
    if skills:
        spec["skills"] = skills
    if tags := _literal(tagged.get("languages", [])):
        spec["languages"] = tags.split()
    if field_of_study := _literal(tagged.get("field_of_study", [])):
        spec["field_of_study"] = field_of_study
    if nqf := _literal(tagged.get("nqf_level", [])):
        spec["nqf_level"] = nqf
    if supervision := _literal(tagged.get("supervision", [])):
        spec.setdefault("supervision", supervision)
    if qa_type := _literal(tagged.get("quality_assurance", [])):
        qa: dict[str, Any] = {"type": qa_type}
        for key in ("description", "body", "url"):
            if found := tagged.get(f"quality_assurance_{key}"):
                literal = _lang_map(found[0].get("noteLiteral"))
                qa[key] = literal if key == "description" else _literal(found)
        spec.setdefault("quality_assurance", qa)


def _present(data: dict[str, Any]) -> list[str]:
    spec = data.get("spec", {})
    learner = data.get("learner", {})
    found = {
        "learner": bool(learner.get("name") or learner.get("identifier")),
        "title": "title" in spec,
        "awarding_body.country": "country" in spec.get("awarding_body", {}),
        "awarding_body": "awarding_body" in spec,
        "issued_on": "issued_on" in data,
        "level": "eqf_level" in spec or "nqf_level" in spec,
        "grade": "grade" in data,
    }
    for key in (
        "learning_outcomes",
        "workload",
        "assessment",
        "participation",
        "quality_assurance",
        "prerequisites",
        "supervision",
        "stackability",
        "further_information",
    ):
        found[key] = key in spec
    return [key for key in EU_ELEMENTS if found[key]]


def _claim(person: dict[str, Any]) -> dict[str, Any]:
    claims = _nodes(person.get("hasClaim"))
    for claim in claims:
        if "LearningAchievement" in _list(claim.get("type")):
            return claim
    return claims[0] if claims else {}


def read_elm(doc: dict[str, Any]) -> ElmReading:
    """Read an ELM v3 credential (ours or EDC's) into the model, listing what is missing.

    A JAdES-sealed document (JWS JSON serialisation) is read from its payload; check
    its seal with `microcred.formats.jades`. Never raises on bad input.
    """
    if isinstance(doc, dict) and isinstance(doc.get("payload"), str) and "signatures" in doc:
        try:
            doc = json.loads(doc["payload"])
        except ValueError:
            doc = {}
    doc = doc if isinstance(doc, dict) else {}
    person = _node(doc.get("credentialSubject"))
    issuer = _node(doc.get("issuer"))
    claim = _claim(person)
    data: dict[str, Any] = {"spec": _spec(claim, issuer)}
    if isinstance(doc.get("id"), str):
        data["id"] = doc["id"]
    learner = _learner(person)
    if learner:
        learner.setdefault("name", learner.get("identifier", ""))
        learner.setdefault("identifier", "urn:microcred:unidentified-learner")
        data["learner"] = learner
    awarding = _node(claim.get("awardedBy")).get("awardingDate")
    issued = awarding or doc.get("issued") or doc.get("issuanceDate") or doc.get("validFrom")
    if isinstance(issued, str):
        data["issued_on"] = issued
    until = doc.get("validUntil") or doc.get("expirationDate")
    if isinstance(until, str):
        data["valid_until"] = until
    assessment = _node(claim.get("provenBy"))
    grade = _first_text(_node(assessment.get("grade")).get("noteLiteral"))
    if grade:
        data["grade"] = grade
    narrative = _first_text(claim.get("description"))
    if narrative:
        data["narrative"] = narrative
    # Ours link the learner's work from the claim; earlier exports had an Evidence node.
    for holder in [claim, *_nodes(doc.get("evidence"))]:
        document = _node(holder.get("supplementaryDocument"))
        if isinstance(document.get("contentURL"), str):
            data["evidence_url"] = document["contentURL"]
            break
    present = _present(data)
    missing = [key for key in _MANDATORY if key not in present]
    if missing:
        return ElmReading(data=data, award=None, missing=missing, present=present)
    try:
        award = parse_award(data)
        if award.valid_until is not None:
            implied = award.model_copy(update={"valid_until": None}).expires_on()
            if implied == award.valid_until:
                award = award.model_copy(update={"valid_until": None})
    except SpecificationError as exc:
        problems = [f"{p.path}: {p.message}" for p in exc.problems]
        return ElmReading(data=data, award=None, problems=problems, present=present)
    return ElmReading(data=data, award=award, present=present)
