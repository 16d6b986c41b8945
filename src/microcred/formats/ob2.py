"""Open Badges 2.0 assertions (hosted and signed): recognising them and reading them into the model.

An OB 2.0 ``Assertion`` names its recipient (an e-mail address, URL, telephone number
or id, plain or hashed with an optional salt), its ``BadgeClass`` (embedded or by URL;
``name``, ``description``, ``criteria``, ``alignment``, ``tags``, ``issuer``) and how to
verify it: ``hosted`` (the assertion lives at its ``id`` URL) or ``signed`` (a JWS, RS256,
whose payload is the assertion, checked against the issuer's ``CryptographicKey``).

Verification is `microcred.verify.ob2`; the RS256 primitive is `microcred.proofs.rs256`.
Nothing here touches the network: documents named by URL (the hosted assertion, badge
class, issuer profile, key, revocation list) are looked up through an injected
``resolve(url) -> dict | None``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry

from microcred.formats.inputs import MAX_DEPTH, depth_exceeds
from microcred.formats.ob3 import EQF_PREFIX, ESCO_SKILL_PREFIX
from microcred.formats.ob3_read import missing_elements
from microcred.model.award import Award
from microcred.model.validation import SpecificationError, parse_award
from microcred.model.vocabulary import ECTS_FRAMEWORK_URI
from microcred.proofs.rs256 import RsaPrivateKey, sign_rs256

__all__ = [
    "OB2_CONTEXTS",
    "Ob2Reading",
    "Resolver",
    "as_list",
    "decode_jws",
    "is_ob2_assertion",
    "is_ob2_document",
    "parse_ob2_time",
    "read_ob2",
    "recipient_matches",
    "resolve_node",
    "safe_resolve",
    "sign_ob2",
    "unwrap_assertion",
]

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
OB2_CONTEXTS = frozenset(
    {
        OB2_CONTEXT,
        "https://openbadgespec.org/v2/context.json",
        "https://w3id.org/openbadges/v1",
        "https://w3id.org/openbadges/v1.1",
    }
)
UNDETERMINED = "und"
MAX_TOKEN_LENGTH = 1_000_000

Resolver = Callable[[str], dict[str, Any] | None]
"""``url -> document`` (already parsed JSON), or None when it cannot be had."""

_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


# --- shapes ---------------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(node: Any) -> set[str]:
    return (
        {t for t in as_list(node.get("type")) if isinstance(t, str)}
        if isinstance(node, dict)
        else set()
    )


def _contexts(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    return {c for c in as_list(node.get("@context")) if isinstance(c, str)}


def is_ob2_assertion(document: Any) -> bool:
    """An Open Badges 1.x/2.0 assertion (type ``Assertion``, or an untyped 1.0 assertion)."""
    if not isinstance(document, dict) or "VerifiableCredential" in _types(document):
        return False
    types = _types(document)
    if types & {"Assertion", "obi:Assertion"}:
        return bool(_contexts(document) & OB2_CONTEXTS) or "badge" in document
    # Open Badges 1.0 assertions have neither context nor type.
    return (
        not types
        and "recipient" in document
        and "badge" in document
        and ("verify" in document or "verification" in document)
    )


def is_ob2_document(document: Any) -> bool:
    """Any Open Badges 1.x/2.0 document (assertion, badge class, profile, key, ...)."""
    return bool(_contexts(document) & OB2_CONTEXTS) or is_ob2_assertion(document)


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode_jws(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(header, payload)`` of a compact JWS, NOT verified; ValueError if it is not one."""
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH or not _COMPACT.match(token):
        raise ValueError("not a compact JWS")
    head, body, _ = token.split(".")
    try:
        header = json.loads(_b64url(head))
        payload = json.loads(_b64url(body))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise ValueError("the JWS header or payload is not base64url JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("the JWS header and payload must be JSON objects")
    if depth_exceeds(payload):
        raise ValueError(f"the JWS payload is nested more than {MAX_DEPTH} levels deep")
    return header, payload


def sign_ob2(assertion: dict[str, Any], private_key: RsaPrivateKey) -> str:
    """A signed OB 2.0 assertion: compact JWS, ``alg: RS256``, payload the assertion JSON."""
    header = {"alg": "RS256"}

    def enc(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    signing_input = (
        enc(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + enc(json.dumps(assertion, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    )
    signature = sign_rs256(signing_input.encode("ascii"), private_key)
    return signing_input + "." + enc(signature)


def recipient_matches(recipient: Any, identity: str) -> bool:
    """Whether an OB 2.0 ``recipient`` (plain or hashed ``sha256$``/``md5$``) names ``identity``."""
    if not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str):
        return False
    claimed = recipient["identity"].strip()
    candidate = identity.strip().removeprefix("mailto:")
    if recipient.get("type", "email") == "email":
        candidate = candidate.lower()
    if not _hashed(recipient):
        if recipient.get("type", "email") == "email":
            return hmac.compare_digest(claimed.lower(), candidate)
        return hmac.compare_digest(claimed, candidate)
    algorithm, _, digest = claimed.partition("$")
    salt = recipient["salt"] if isinstance(recipient.get("salt"), str) else ""
    if algorithm.lower() not in ("sha256", "md5"):
        return False
    computed = hashlib.new(algorithm.lower(), (candidate + salt).encode("utf-8")).hexdigest()
    return hmac.compare_digest(computed, digest.lower())


def _hashed(recipient: dict[str, Any]) -> bool:
    return recipient.get("hashed") in (True, "true", "True")


# --- resolving embedded-or-linked documents -------------------------------------------------


def safe_resolve(resolve: Resolver | None, url: str) -> dict[str, Any] | None:
    if resolve is None:
        return None
    try:
        found = resolve(url)
    except Exception:  # noqa: BLE001 - a resolver's failure means "cannot be had"
        return None
    if not isinstance(found, dict) or depth_exceeds(found):
        return None
    return found


def resolve_node(value: Any, resolve: Resolver | None) -> tuple[dict[str, Any] | None, str | None]:
    """``(document, url)``: an embedded object, or the document a URL resolves to."""
    if isinstance(value, dict):
        return value, value.get("id") if isinstance(value.get("id"), str) else None
    if isinstance(value, str):
        return safe_resolve(resolve, value), value
    return None, None


# --- reading --------------------------------------------------------------------------------


@dataclass
class Ob2Reading:
    """What an OB 2.0 assertion says in model terms (same shape as ``Ob3Reading``)."""

    data: dict[str, Any]
    award: Award | None
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    assertion: dict[str, Any] = field(default_factory=dict)
    badge: dict[str, Any] | None = None
    issuer: dict[str, Any] | None = None


def _country(address: Any) -> str | None:
    if not isinstance(address, dict):
        return None
    for key in ("addressCountryCode", "addressCountry"):
        value = address.get(key)
        if isinstance(value, dict):
            value = value.get("name") or value.get("identifier")
        if not isinstance(value, str) or not value.strip():
            continue
        value = value.strip()
        if len(value) == 2 and pycountry.countries.get(alpha_2=value.upper()):
            return value.upper()
        try:
            return str(pycountry.countries.lookup(value).alpha_2)
        except LookupError:
            continue
    return None


def _read_issuer(issuer: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if isinstance(issuer.get("name"), str) and issuer["name"].strip():
        body["name"] = {UNDETERMINED: issuer["name"].strip()}
    if isinstance(issuer.get("id"), str):
        body["id"] = issuer["id"]
    if isinstance(issuer.get("url"), str):
        body["url"] = issuer["url"]
    if isinstance(issuer.get("email"), str):
        body["email"] = issuer["email"]
    country = _country(issuer.get("address"))
    if country:
        body["country"] = country
    return body


def _read_badge(badge: dict[str, Any], issuer: dict[str, Any] | None) -> dict[str, Any]:
    lang = UNDETERMINED
    spec: dict[str, Any] = {}
    if isinstance(badge.get("id"), str):
        spec["id"] = badge["id"]
    if isinstance(badge.get("name"), str) and badge["name"].strip():
        spec["title"] = {lang: badge["name"].strip()}
    if isinstance(badge.get("description"), str) and badge["description"].strip():
        spec["description"] = {lang: badge["description"].strip()}
    if issuer is not None:
        body = _read_issuer(issuer)
        if body.get("name"):
            spec["awarding_body"] = body
    outcomes: list[dict[str, Any]] = []
    for alignment in as_list(badge.get("alignment")):
        if not isinstance(alignment, dict):
            continue
        url = alignment.get("targetUrl")
        name = alignment.get("targetName")
        if isinstance(url, str) and url.startswith(EQF_PREFIX):
            level = url[len(EQF_PREFIX) :]
            if level.isdigit():
                spec["eqf_level"] = int(level)
            continue
        if isinstance(url, str) and url == ECTS_FRAMEWORK_URI and isinstance(name, str):
            match = re.search(r"(\d+(?:[.,]\d+)?)\s*ECTS", name)
            if match:
                try:
                    spec["workload"] = {"ects": str(Decimal(match.group(1).replace(",", ".")))}
                except InvalidOperation:
                    pass
            continue
        if not isinstance(name, str) or not name.strip():
            continue
        text = name.strip()
        if (
            isinstance(alignment.get("targetDescription"), str)
            and alignment["targetDescription"].strip()
        ):
            text = f"{text}: {alignment['targetDescription'].strip()}"
        outcome: dict[str, Any] = {"text": {lang: text}}
        if isinstance(url, str) and url.startswith(ESCO_SKILL_PREFIX):
            outcome["esco_skill"] = url
        outcomes.append(outcome)
    if not outcomes:
        criteria = badge.get("criteria")
        narrative = criteria.get("narrative") if isinstance(criteria, dict) else None
        if isinstance(narrative, str) and narrative.strip():
            outcomes.append({"text": {lang: narrative.strip()}})
    if outcomes:
        spec["learning_outcomes"] = outcomes
    criteria = badge.get("criteria")
    if isinstance(criteria, str) and criteria.startswith(("http://", "https://")):
        spec.setdefault("url", criteria)
    elif isinstance(criteria, dict) and isinstance(criteria.get("id"), str):
        if criteria["id"].startswith(("http://", "https://")):
            spec.setdefault("url", criteria["id"])
    return spec


def _read_learner(recipient: Any) -> dict[str, Any] | None:
    if not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str):
        return None
    identity = recipient["identity"].strip()
    kind = recipient.get("type", "email")
    if _hashed(recipient):
        learner: dict[str, Any] = {"identity_hash": identity, "identity_type": kind}
        if isinstance(recipient.get("salt"), str):
            learner["salt"] = recipient["salt"]
        return learner
    if kind == "email":
        identifier = f"mailto:{identity}"
    elif kind == "telephone":
        identifier = f"tel:{identity.replace(' ', '')}"
    else:  # url, id, or an extension type carrying a URI
        identifier = identity
    return {"name": identifier, "identifier": identifier}


def _first_evidence_url(evidence: Any) -> str | None:
    for item in as_list(evidence):
        url = item if isinstance(item, str) else item.get("id") if isinstance(item, dict) else None
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            return url
    return None


def unwrap_assertion(assertion_or_jws: dict[str, Any] | str) -> tuple[dict[str, Any], str | None]:
    if isinstance(assertion_or_jws, dict):
        return assertion_or_jws, None
    if isinstance(assertion_or_jws, str):
        text = assertion_or_jws.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except (ValueError, RecursionError):
                raise ValueError("the assertion is not valid JSON") from None
            if not isinstance(value, dict) or depth_exceeds(value):
                raise ValueError("the assertion is not a JSON object of bounded depth")
            return value, None
        return decode_jws(text)[1], text
    raise ValueError("an OB 2.0 assertion is a JSON object or a signed JWS")


def read_ob2(
    assertion_or_jws: dict[str, Any] | str, *, resolve: Resolver | None = None
) -> Ob2Reading:
    """Read an OB 2.0 assertion (JSON, or a signed JWS: NOT verified here) into the model.

    The badge class and issuer, when given by URL, are looked up through ``resolve``.
    The EU elements OB 2.0 cannot carry are listed in ``missing``.
    """
    problems: list[str] = []
    try:
        assertion, _ = unwrap_assertion(assertion_or_jws)
    except ValueError as exc:
        return Ob2Reading(
            data={"spec": {}}, award=None, missing=missing_elements({}), problems=[str(exc)]
        )
    badge, badge_url = resolve_node(assertion.get("badge"), resolve)
    if badge is None:
        problems.append(
            f"badge: the badge class {badge_url!r} could not be resolved"
            if badge_url
            else "badge: the assertion names no badge class"
        )
    issuer: dict[str, Any] | None = None
    if badge is not None:
        issuer, issuer_url = resolve_node(badge.get("issuer"), resolve)
        if issuer is None:
            problems.append(
                f"issuer: the issuer profile {issuer_url!r} could not be resolved"
                if issuer_url
                else "issuer: the badge class names no issuer"
            )
    data: dict[str, Any] = {"spec": _read_badge(badge, issuer) if badge else {}}
    if isinstance(assertion.get("id"), str):
        data["id"] = assertion["id"]
    learner = _read_learner(assertion.get("recipient"))
    if learner:
        data["learner"] = learner
    if isinstance(assertion.get("issuedOn"), str | int):
        data["issued_on"] = _iso(assertion["issuedOn"])
    if isinstance(assertion.get("expires"), str | int):
        data["valid_until"] = _iso(assertion["expires"])
    if isinstance(assertion.get("narrative"), str) and assertion["narrative"].strip():
        data["narrative"] = assertion["narrative"].strip()
    evidence = _first_evidence_url(assertion.get("evidence"))
    if evidence:
        data["evidence_url"] = evidence
    missing = missing_elements(data)
    reading = Ob2Reading(
        data=data,
        award=None,
        missing=missing,
        problems=problems,
        assertion=assertion,
        badge=badge,
        issuer=issuer,
    )
    if missing:
        return reading
    try:
        reading.award = parse_award(data)
    except SpecificationError as exc:
        reading.problems.extend(f"{p.path}: {p.message}" for p in exc.problems)
    return reading


def _iso(value: str | int) -> str:
    """OB 1.x allowed Unix timestamps; the model wants ISO 8601."""
    if isinstance(value, int):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def parse_ob2_time(value: Any) -> datetime | None:
    if isinstance(value, int):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
