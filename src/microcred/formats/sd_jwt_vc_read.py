"""Reading an SD-JWT VC's disclosed claims back into the model (`formats.sd_jwt_vc` has the
mapping and the writer): every EU element the writer puts in, so that ``microcred convert
FILE --to model`` of an SD-JWT VC gives what the Open Badges 3.0 credential of the same award
gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from microcred.formats.ob3_read import missing_elements
from microcred.formats.reading import ModelReading
from microcred.model.validation import SpecificationError, parse_award

__all__ = ["read_claims"]


def _text(claims: dict[str, Any], name: str, lang: str) -> dict[str, str] | None:
    more = claims.get("translations")
    found = more.get(name) if isinstance(more, dict) else None
    if isinstance(found, dict) and found and all(isinstance(v, str) for v in found.values()):
        return {str(k): v for k, v in found.items()}
    plain = claims.get(name.split(".")[0]) if "." not in name else None
    if isinstance(plain, list):
        plain = plain[0] if plain else None
    return {lang: plain} if isinstance(plain, str) and plain.strip() else None


def _from_timestamp(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _read_body(
    claims: dict[str, Any], name: str, body: dict[str, Any], lang: str
) -> dict[str, Any]:
    node: dict[str, Any] = {}
    found = _text(claims, f"{name}.name", lang) or (
        {lang: body["name"]} if isinstance(body.get("name"), str) else None
    )
    if found:
        node["name"] = found
    pairs = ("country", "country"), ("identifier", "id"), ("url", "url"), ("region", "region")
    for key, target in (*pairs, ("legal_identifier", "legal_identifier"), ("email", "email")):
        if isinstance(body.get(key), str):
            node[target] = body[key]
    return node


def _named(claims: dict[str, Any], name: str, node: Any, key: str, lang: str) -> Any:
    """``node[key]`` as a language map (from ``translations`` when it has one)."""
    if not isinstance(node, dict):
        return None
    return _text(claims, name, lang) or (
        {lang: node[key]} if isinstance(node.get(key), str) and node[key].strip() else None
    )


def _read_more(claims: dict[str, Any], lang: str, spec: dict[str, Any]) -> None:
    co = claims.get("co_awarding_bodies")
    if isinstance(co, list):
        spec["co_awarding_bodies"] = [
            _read_body(claims, f"co_awarding_bodies.{i}", b, lang)
            for i, b in enumerate(co)
            if isinstance(b, dict)
        ]
    for name in ("nqf_level", "qf_ehea_cycle", "field_of_study"):
        if isinstance(claims.get(name), str):
            spec[name] = claims[name]
    further = _text(claims, "further_information", lang)
    if further:
        spec["further_information"] = further
    validity = claims.get("validity")
    if isinstance(validity, dict):
        spec["validity"] = {k: validity[k] for k in ("months", "until") if k in validity}
    skills = claims.get("skills")
    if isinstance(skills, list):
        read = []
        for i, skill in enumerate(skills):
            label = _named(claims, f"skills.{i}.name", skill, "name", lang)
            if label:
                found = {"name": label}
                if isinstance(skill.get("esco_uri"), str):
                    found["esco_uri"] = skill["esco_uri"]
                read.append(found)
        spec["skills"] = read
    stack = claims.get("stackability")
    if isinstance(stack, dict):
        targets = stack.get("stackable_towards")
        towards = []
        for i, target in enumerate(targets if isinstance(targets, list) else []):
            title = _named(
                claims, f"stackability.stackable_towards.{i}.title", target, "title", lang
            )
            if title:
                towards.append(
                    {"title": title}
                    | ({"url": target["url"]} if isinstance(target.get("url"), str) else {})
                )
        spec["stackability"] = {"stackable_towards": towards}
        if isinstance(stack.get("standalone"), bool):
            spec["stackability"]["standalone"] = stack["standalone"]


def _spec(claims: dict[str, Any], lang: str) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    title = _text(claims, "achievement_title", lang)
    if title:
        spec["title"] = title
    description = _text(claims, "achievement_description", lang)
    if description:
        spec["description"] = description
    body = claims.get("awarding_body")
    if isinstance(body, dict):
        spec["awarding_body"] = _read_body(claims, "awarding_body", body, lang)
    elif isinstance(claims.get("issuing_authority"), str):
        node = {"name": {lang: claims["issuing_authority"]}}
        if isinstance(claims.get("issuing_country"), str):
            node["country"] = claims["issuing_country"]
        if isinstance(claims.get("iss"), str):
            node["id"] = claims["iss"]
        spec["awarding_body"] = node
    outcomes = claims.get("learning_outcomes")
    refs = claims.get("learning_outcome_refs")
    if isinstance(outcomes, list) and outcomes:
        read: list[dict[str, Any]] = []
        for i, text in enumerate(outcomes):
            found = _text(claims, f"learning_outcomes.{i}", lang) or (
                {lang: text} if isinstance(text, str) else None
            )
            if found is None:
                continue
            outcome: dict[str, Any] = {"text": found}
            if isinstance(refs, list) and i < len(refs) and isinstance(refs[i], str):
                outcome["esco_skill"] = refs[i]
            read.append(outcome)
        if read:
            spec["learning_outcomes"] = read
    workload: dict[str, Any] = {}
    credits = claims.get("credit_points")
    if isinstance(credits, dict) and credits.get("system", "ECTS") == "ECTS":
        workload["ects"] = credits.get("value")
    if claims.get("workload_hours") is not None:
        workload["hours"] = claims["workload_hours"]
    if workload:
        spec["workload"] = workload
    if claims.get("level_of_learning_experience") is not None:
        spec["eqf_level"] = claims["level_of_learning_experience"]
    if isinstance(claims.get("assessment_type"), str):
        assessment: dict[str, Any] = {"type": claims["assessment_type"]}
        described = _text(claims, "assessment_description", lang)
        if described:
            assessment["description"] = described
        spec["assessment"] = assessment
    if isinstance(claims.get("form_of_participation"), str):
        spec["participation"] = claims["form_of_participation"]
    qa = claims.get("types_of_quality_assurance")
    if isinstance(qa, list) and qa and isinstance(qa[0], str):
        spec["quality_assurance"] = {"type": qa[0]}
        for key in ("body", "url"):
            if isinstance(claims.get(f"quality_assurance_{key}"), str):
                spec["quality_assurance"][key] = claims[f"quality_assurance_{key}"]
        qa_text = _text(claims, "quality_assurance_description", lang)
        if qa_text:
            spec["quality_assurance"]["description"] = qa_text
    for claim, key in (("achievement_id", "id"), ("achievement_url", "url")):
        if isinstance(claims.get(claim), str):
            spec[key] = claims[claim]
    if isinstance(claims.get("supervision_and_identity_verification"), str):
        spec["supervision"] = claims["supervision_and_identity_verification"]
    prerequisites = _text(claims, "prerequisites_to_enroll", lang)
    if prerequisites:
        spec["prerequisites"] = prerequisites
    if isinstance(claims.get("language_of_classes"), list):
        spec["languages"] = [x for x in claims["language_of_classes"] if isinstance(x, str)]
    _read_more(claims, lang, spec)
    return spec


def read_claims(claims: dict[str, Any]) -> ModelReading:
    """An SD-JWT VC's disclosed claims in model terms, with the EU elements it lacks (an
    undisclosed claim is simply absent: a presentation may show only part of it)."""
    more = claims.get("translations")
    langs = (
        [t for m in more.values() if isinstance(m, dict) for t in m]
        if isinstance(more, dict)
        else []
    )
    lang = "en" if not langs or "en" in langs else langs[0]
    data: dict[str, Any] = {"spec": _spec(claims, lang)}
    if isinstance(claims.get("jti"), str):
        data["id"] = claims["jti"]
    learner: dict[str, Any] = {}
    for claim, key in (
        ("learner_name", "name"),
        ("given_name", "given_name"),
        ("family_name", "family_name"),
        ("learner_identification", "identifier"),
        ("birthdate", "date_of_birth"),
        ("personal_administrative_number", "national_id"),
    ):
        if isinstance(claims.get(claim), str):
            learner[key] = claims[claim]
    if learner.get("family_name") == learner.get("name") and "given_name" not in learner:
        learner.pop("family_name", None)  # written as the full name: the model has no split
    if learner:
        if "name" not in learner:
            parts = [learner.get("given_name"), learner.get("family_name")]
            learner["name"] = " ".join(p for p in parts if p) or learner.get("identifier", "")
        learner.setdefault("identifier", "urn:microcred:unidentified-learner")
        data["learner"] = learner
    issued = (
        claims.get("date_time_of_issuance")
        or claims.get("date_of_issuance")
        or _from_timestamp(claims.get("iat"))
    )
    if isinstance(issued, str):
        data["issued_on"] = issued
    if isinstance(claims.get("assessment_grade"), str):
        data["grade"] = claims["assessment_grade"]
    for claim in ("narrative", "evidence_url"):
        if isinstance(claims.get(claim), str):
            data[claim] = claims[claim]
    missing = missing_elements(data)
    if missing:
        return ModelReading("sd-jwt", data, None, missing)
    try:
        award = parse_award(data)
    except SpecificationError as exc:
        return ModelReading(
            "sd-jwt", data, None, problems=[f"{p.path}: {p.message}" for p in exc.problems]
        )
    expiry = _from_timestamp(claims.get("exp"))
    if expiry is not None and award.expires_on() is None:
        award = award.model_copy(update={"valid_until": datetime.fromisoformat(expiry)})
    return ModelReading("sd-jwt", data, award)
