"""SD-JWT VC (draft-ietf-oauth-sd-jwt-vc-13, as HAIP 1.0 pins) of an EU micro-credential:
the model <-> the claims, and which claims are selectively disclosable.

The claim names are those of the EUDI reference type ``urn:eu.europa.ec.eudi:learning:
credential:1`` (which microcred's type extends, `formats.sd_jwt_type_metadata`), plus the
Annex I elements it lacks. Texts are plain strings in the specification's first language
(English when it has it); the other languages of a text go in ``translations`` (claim name ->
language -> text), so the model reads back whole. Mapping (README has the full table):

  learner name / given / family    learner_name, given_name, family_name          (SD)
  learner identifier               learner_identification                         (SD)
  title, description               achievement_title, achievement_description
  learning outcomes (+ ESCO)       learning_outcomes[] (SD), learning_outcome_refs[] (SD)
  workload                         expected_study_time (SD), credit_points {value, system:
                                   ECTS}, workload_hours (SD)
  EQF level                        level_of_learning_experience (SD)
  quality assurance                types_of_quality_assurance[] (SD), quality_assurance_body
  awarding body (not the signer)   awarding_body {name, identifier, country}
  signer                           iss, issuing_authority, issuing_country
  date of issue / expiry           date_of_issuance, date_of_expiry (and iat / exp)
  languages, grade                 language_of_classes[], assessment_grade (SD)
  prerequisites, stackability      prerequisites_to_enroll[] (SD),
                                   integration_stackability_options (SD)
  assessment, participation,       assessment_type, form_of_participation,
  supervision                      supervision_and_identity_verification

``iss``, ``iat``, ``exp``, ``nbf``, ``vct``, ``vct#integrity``, ``cnf`` and ``status`` are never
selectively disclosable; the title and the issuer always visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from microcred.formats.ob3_read import missing_elements
from microcred.formats.reading import ModelReading
from microcred.model.award import Award
from microcred.model.multilingual import pick
from microcred.model.validation import SpecificationError, parse_award
from microcred.proofs.errors import ProofError
from microcred.proofs.sd_jwt import (
    Sd,
    disclose,
    parse_sd_jwt,
    unverified_header,
    unverified_payload,
)

__all__ = [
    "ALWAYS_SD",
    "EUDI_LEARNING_VCT",
    "NEVER_SD",
    "SD_JWT_VC_TYP",
    "VCT_PATH",
    "Signer",
    "award_to_claims",
    "claims_of",
    "is_sd_jwt_vc",
    "read_claims",
    "unverified_claims",
    "vct_url",
]

SD_JWT_VC_TYP = "dc+sd-jwt"
EUDI_LEARNING_VCT = "urn:eu.europa.ec.eudi:learning:credential:1"
VCT_PATH = "/vct/eu-micro-credential/1"

# Selectively disclosable always: whatever says who the learner is or how they did, and the
# EUDI type's own "always" claims. Everything else is plainly visible.
ALWAYS_SD = frozenset(
    {
        "family_name",
        "given_name",
        "learner_name",
        "learner_identification",
        "assessment_grade",
        "learning_outcomes",
        "learning_outcome_refs",
        "expected_study_time",
        "credit_points",
        "workload_hours",
        "level_of_learning_experience",
        "types_of_quality_assurance",
        "prerequisites_to_enroll",
        "integration_stackability_options",
    }
)
# Registered claims the SD-JWT VC draft (section 3.2.2.2) forbids disclosing selectively.
NEVER_SD = frozenset({"iss", "iat", "exp", "nbf", "vct", "vct#integrity", "cnf", "status"})


def vct_url(base_url: str) -> str:
    """The versioned ``vct`` of microcred's EU micro-credential type at this instance."""
    return base_url.rstrip("/") + VCT_PATH


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


@dataclass(frozen=True)
class Signer:
    """Who signs: ``iss`` (the organisation's issuer id), its name and country."""

    iss: str
    name: str
    country: str


class _Texts:
    """Plain strings in the primary language, the rest kept for ``translations``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.more: dict[str, dict[str, str]] = {}

    def one(self, name: str, text: dict[str, str]) -> str:
        if len(text) > 1 or next(iter(text)) != self.lang:
            self.more[name] = dict(text)  # several languages, or one that is not the primary
        return pick(text, (self.lang,))


def award_to_claims(
    award: Award,
    signer: Signer,
    *,
    vct: str,
    iat: int,
    vct_integrity: str | None = None,
    holder_jwk: dict[str, Any] | None = None,
    status: dict[str, Any] | None = None,
) -> dict[Any, Any]:
    """The SD plan of ``award``: claims, with `Sd` keys for the selectively disclosable ones."""
    spec, learner = award.spec, award.learner
    lang = "en" if any(t.split("-")[0] == "en" for t in spec.title) else next(iter(spec.title))
    texts = _Texts(lang)
    claims: dict[str, Any] = {"iss": signer.iss, "iat": iat, "vct": vct}
    if vct_integrity:
        claims["vct#integrity"] = vct_integrity
    expires = award.expires_on()
    if expires is not None:
        claims["exp"] = int(expires.timestamp())
    if holder_jwk is not None:
        claims["cnf"] = {"jwk": holder_jwk}
    if status is not None:
        claims["status"] = status
    claims["jti"] = award.id
    claims["issuing_authority"] = signer.name
    claims["issuing_country"] = signer.country
    claims["date_of_issuance"] = _day(award.issued_on)
    if expires is not None:
        claims["date_of_expiry"] = _day(expires)
    claims["learner_name"] = learner.name
    claims["family_name"] = learner.family_name or learner.name  # the EUDI type requires it
    if learner.given_name:
        claims["given_name"] = learner.given_name
    claims["learner_identification"] = learner.identifier
    claims["achievement_title"] = texts.one("achievement_title", spec.title)
    if spec.description:
        claims["achievement_description"] = texts.one("achievement_description", spec.description)
    outcomes = spec.learning_outcomes
    claims["learning_outcomes"] = [
        texts.one(f"learning_outcomes.{i}", o.text) for i, o in enumerate(outcomes)
    ]
    if any(o.esco_skill for o in outcomes):  # same order as learning_outcomes, null for none
        claims["learning_outcome_refs"] = [o.esco_skill for o in outcomes]
    workload = spec.workload
    if workload.hours is not None:
        claims["expected_study_time"] = f"PT{_number(workload.hours)}H"  # ISO 8601 duration
        claims["workload_hours"] = _number(workload.hours)
    elif workload.ects is not None:
        claims["expected_study_time"] = f"{_number(workload.ects)} ECTS"
    if workload.ects is not None:
        claims["credit_points"] = {"value": _number(workload.ects), "system": "ECTS"}
    if spec.eqf_level is not None:
        claims["level_of_learning_experience"] = spec.eqf_level
    qa = spec.quality_assurance
    claims["types_of_quality_assurance"] = [qa.type.value]
    if qa.body:
        claims["quality_assurance_body"] = qa.body
    if qa.url:
        claims["quality_assurance_url"] = str(qa.url)
    if qa.description:
        claims["quality_assurance_description"] = texts.one(
            "quality_assurance_description", qa.description
        )
    if spec.id:
        claims["achievement_id"] = str(spec.id)
    if spec.url:
        claims["achievement_url"] = str(spec.url)
    if spec.languages:
        claims["language_of_classes"] = list(spec.languages)
    if award.grade:
        claims["assessment_grade"] = award.grade
    if spec.prerequisites:
        claims["prerequisites_to_enroll"] = [
            texts.one("prerequisites_to_enroll", spec.prerequisites)
        ]
    if spec.stackability is not None:
        claims["integration_stackability_options"] = bool(spec.stackability.stackable_towards)
    claims["assessment_type"] = spec.assessment.type.value
    if spec.assessment.description:
        claims["assessment_description"] = texts.one(
            "assessment_description", spec.assessment.description
        )
    claims["form_of_participation"] = spec.participation.value
    if spec.supervision is not None:
        claims["supervision_and_identity_verification"] = spec.supervision.value
    body = spec.awarding_body
    body_name = texts.one("awarding_body.name", body.name)
    if body.id != signer.iss or body_name != signer.name or body.country != signer.country:
        node: dict[str, Any] = {"name": body_name, "country": body.country}
        if body.id:
            node["identifier"] = str(body.id)
        if body.url:
            node["url"] = str(body.url)
        if body.legal_identifier:
            node["legal_identifier"] = body.legal_identifier
        claims["awarding_body"] = node
    if texts.more:
        claims["translations"] = texts.more
    return {Sd(k) if k in ALWAYS_SD else k: v for k, v in claims.items()}


def claims_of(
    award: Award,
    *,
    issuer_id: str,
    base_url: str = "http://localhost:8000",
    issuer_name: str | None = None,
    issuer_country: str | None = None,
    iat: int | None = None,
) -> dict[str, Any]:
    """The claims of ``award``'s SD-JWT VC as a verifier sees them with every disclosure (the
    registry's writer; signing with digests is `services.sd_jwt_issuing`)."""
    body = award.spec.awarding_body
    signer = Signer(issuer_id, issuer_name or pick(body.name), issuer_country or body.country)
    moment = iat if iat is not None else int(award.issued_on.timestamp())
    plan = award_to_claims(award, signer, vct=vct_url(base_url), iat=moment)
    return {k.value if isinstance(k, Sd) else k: v for k, v in plan.items()}


def unverified_claims(text: str) -> dict[str, Any] | None:
    """The claims of an SD-JWT with its disclosures in place, the signature NOT checked; None
    when the disclosures do not match the digests or it cannot be read."""
    try:
        sd_jwt = parse_sd_jwt(text)
        return disclose(unverified_payload(sd_jwt), sd_jwt.disclosures)
    except ProofError:
        return None


def is_sd_jwt_vc(text: str) -> bool:
    """Whether an SD-JWT is an SD-JWT VC: ``typ: dc+sd-jwt``, or ``vc+sd-jwt`` (the name before
    draft -06: read, never written) with a ``vct`` and no ``@context`` (a VC-JOSE-COSE
    ``vc+sd-jwt`` secures a W3C credential instead)."""
    try:
        sd_jwt = parse_sd_jwt(text)
        typ = unverified_header(sd_jwt).get("typ")
        if typ == SD_JWT_VC_TYP:
            return True
        payload = unverified_payload(sd_jwt)
    except ProofError:
        return False
    return typ == "vc+sd-jwt" and "vct" in payload and "@context" not in payload


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
        node: dict[str, Any] = {}
        name = _text(claims, "awarding_body.name", lang) or (
            {lang: body["name"]} if isinstance(body.get("name"), str) else None
        )
        if name:
            node["name"] = name
        pairs = ("country", "country"), ("identifier", "id"), ("url", "url")
        for key, target in (*pairs, ("legal_identifier", "legal_identifier")):
            if isinstance(body.get(key), str):
                node[target] = body[key]
        spec["awarding_body"] = node
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
    issued = claims.get("date_of_issuance") or _from_timestamp(claims.get("iat"))
    if isinstance(issued, str):
        data["issued_on"] = issued
    if isinstance(claims.get("assessment_grade"), str):
        data["grade"] = claims["assessment_grade"]
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
