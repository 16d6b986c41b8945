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
  date of issue / expiry           date_of_issuance, date_of_expiry (and iat / exp),
                                   date_time_of_issuance (when not midnight UTC)
  languages, grade                 language_of_classes[], assessment_grade (SD)
  prerequisites, stackability      prerequisites_to_enroll[] (SD),
                                   integration_stackability_options (SD)
  assessment, participation,       assessment_type, form_of_participation,
  supervision                      supervision_and_identity_verification
  stacking targets                 stackability {standalone, stackable_towards[] {title, url}}
  co-awarding bodies               co_awarding_bodies[] (like awarding_body)
  NQF level, QF-EHEA cycle,        nqf_level, qf_ehea_cycle, field_of_study,
  field of study, more info        further_information
  validity, skills                 validity {months, until}, skills[] {name, esco_uri}
  narrative, evidence              narrative (SD), evidence_url (SD)
  date of birth, national id       birthdate (SD), personal_administrative_number (SD)

``iss``, ``iat``, ``exp``, ``nbf``, ``vct``, ``vct#integrity``, ``cnf`` and ``status`` are never
selectively disclosable; the title and the issuer always visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from microcred.model.award import Award
from microcred.model.multilingual import pick
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
        "narrative",
        "evidence_url",
        "birthdate",
        "personal_administrative_number",
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


def _body(texts: _Texts, name: str, body: Any) -> dict[str, Any]:
    """An awarding body as a claim object (``name`` in the primary language)."""
    node: dict[str, Any] = {"name": texts.one(f"{name}.name", body.name), "country": body.country}
    for key, value in (
        ("identifier", body.id),
        ("url", body.url),
        ("legal_identifier", body.legal_identifier),
        ("region", body.region),
        ("email", body.email),
    ):
        if value:
            node[key] = str(value)
    return node


def _more(award: Award, texts: _Texts, claims: dict[str, Any]) -> None:
    """The Annex I and OB3 elements beyond the EUDI learning credential's claims, so that the
    model reads back whole (`read_claims`)."""
    spec, learner = award.spec, award.learner
    for i, co in enumerate(spec.co_awarding_bodies):
        claims.setdefault("co_awarding_bodies", []).append(
            _body(texts, f"co_awarding_bodies.{i}", co)
        )
    for name in ("nqf_level", "qf_ehea_cycle", "field_of_study"):
        if getattr(spec, name):
            claims[name] = getattr(spec, name)
    if spec.further_information:
        claims["further_information"] = texts.one("further_information", spec.further_information)
    if spec.validity is not None and (spec.validity.months or spec.validity.until):
        validity: dict[str, Any] = {}
        if spec.validity.months:
            validity["months"] = spec.validity.months
        if spec.validity.until:
            validity["until"] = spec.validity.until.isoformat()
        claims["validity"] = validity
    if spec.skills:
        claims["skills"] = [
            {"name": texts.one(f"skills.{i}.name", k.name)}
            | ({"esco_uri": k.esco_uri} if k.esco_uri else {})
            for i, k in enumerate(spec.skills)
        ]
    if spec.stackability is not None:
        claims["stackability"] = {
            "standalone": spec.stackability.standalone,
            "stackable_towards": [
                {"title": texts.one(f"stackability.stackable_towards.{i}.title", t.title)}
                | ({"url": str(t.url)} if t.url else {})
                for i, t in enumerate(spec.stackability.stackable_towards)
            ],
        }
    if award.narrative:
        claims["narrative"] = award.narrative
    if award.evidence_url:
        claims["evidence_url"] = str(award.evidence_url)
    if learner.date_of_birth:
        claims["birthdate"] = learner.date_of_birth.isoformat()  # the OIDC / PID claim name
    if learner.national_id:
        claims["personal_administrative_number"] = learner.national_id  # the EUDI PID's


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
    moment = award.issued_on.astimezone(UTC)
    if moment.time() != datetime.min.time():  # the EUDI claim is a date: the time goes apart
        claims["date_time_of_issuance"] = moment.isoformat().replace("+00:00", "Z")
    if expires is not None:
        claims["date_of_expiry"] = _day(expires)
    claims["learner_name"] = learner.name
    # The EUDI type requires family_name (the surname). Issued without the name split (the
    # given / family names are optional where issuing), the full name stands in for it;
    # sd_jwt_vc_read drops it again when it equals learner_name.
    claims["family_name"] = learner.family_name or learner.name
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
    node = _body(texts, "awarding_body", body)
    # written when it is not the signer, or says more than iss / issuing_authority / country
    if (
        body.id != signer.iss
        or node["name"] != signer.name
        or body.country != signer.country
        or len(texts.more.get("awarding_body.name", {})) > 1
        or any(k in node for k in ("url", "legal_identifier", "region", "email"))
    ):
        claims["awarding_body"] = node
    else:
        texts.more.pop("awarding_body.name", None)
    _more(award, texts, claims)
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


# the reader is in its own module (size); read_claims stays importable from here
from microcred.formats.sd_jwt_vc_read import read_claims  # noqa: E402
