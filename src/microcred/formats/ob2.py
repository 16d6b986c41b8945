"""Open Badges 2.0 assertions (hosted and signed): reading into the model, and verification.

An OB 2.0 ``Assertion`` names its recipient (an e-mail address, URL, telephone number
or id, plain or hashed with an optional salt), its ``BadgeClass`` (embedded or by URL;
``name``, ``description``, ``criteria``, ``alignment``, ``tags``, ``issuer``) and how to
verify it: ``hosted`` (the assertion lives at its ``id`` URL) or ``signed`` (a JWS, RS256,
whose payload is the assertion, checked against the issuer's ``CryptographicKey``).

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
from typing import Any, Literal
from urllib.parse import urlsplit

import pycountry
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from microcred.formats.baked import MAX_DEPTH, depth_exceeds
from microcred.formats.ob3 import EQF_PREFIX, ESCO_SKILL_PREFIX, _missing
from microcred.model.award import Award
from microcred.model.validation import SpecificationError, parse_award
from microcred.model.vocabulary import ECTS_FRAMEWORK_URI

__all__ = [
    "OB2_CONTEXTS",
    "Ob2Check",
    "Ob2Reading",
    "Ob2Verification",
    "Resolver",
    "decode_jws",
    "is_ob2_assertion",
    "is_ob2_document",
    "read_ob2",
    "recipient_matches",
    "sign_ob2",
    "verify_ob2",
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
MIN_RSA_BITS = 2048

Resolver = Callable[[str], dict[str, Any] | None]
"""``url -> document`` (already parsed JSON), or None when it cannot be had."""

_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


# --- shapes ---------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(node: Any) -> set[str]:
    return (
        {t for t in _as_list(node.get("type")) if isinstance(t, str)}
        if isinstance(node, dict)
        else set()
    )


def _contexts(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    return {c for c in _as_list(node.get("@context")) if isinstance(c, str)}


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


def sign_ob2(assertion: dict[str, Any], private_key: rsa.RSAPrivateKey) -> str:
    """A signed OB 2.0 assertion: compact JWS, ``alg: RS256``, payload the assertion JSON."""
    header = {"alg": "RS256"}

    def enc(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    signing_input = (
        enc(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + enc(json.dumps(assertion, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    )
    signature = private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
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


def _safe_resolve(resolve: Resolver | None, url: str) -> dict[str, Any] | None:
    if resolve is None:
        return None
    try:
        found = resolve(url)
    except Exception:  # noqa: BLE001 - a resolver's failure means "cannot be had"
        return None
    if not isinstance(found, dict) or depth_exceeds(found):
        return None
    return found


def _node(value: Any, resolve: Resolver | None) -> tuple[dict[str, Any] | None, str | None]:
    """``(document, url)``: an embedded object, or the document a URL resolves to."""
    if isinstance(value, dict):
        return value, value.get("id") if isinstance(value.get("id"), str) else None
    if isinstance(value, str):
        return _safe_resolve(resolve, value), value
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
    for alignment in _as_list(badge.get("alignment")):
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
    for item in _as_list(evidence):
        url = item if isinstance(item, str) else item.get("id") if isinstance(item, dict) else None
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            return url
    return None


def _unwrap(assertion_or_jws: dict[str, Any] | str) -> tuple[dict[str, Any], str | None]:
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
        assertion, _ = _unwrap(assertion_or_jws)
    except ValueError as exc:
        return Ob2Reading(data={"spec": {}}, award=None, missing=_missing({}), problems=[str(exc)])
    badge, badge_url = _node(assertion.get("badge"), resolve)
    if badge is None:
        problems.append(
            f"badge: the badge class {badge_url!r} could not be resolved"
            if badge_url
            else "badge: the assertion names no badge class"
        )
    issuer: dict[str, Any] | None = None
    if badge is not None:
        issuer, issuer_url = _node(badge.get("issuer"), resolve)
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
    missing = _missing(data)
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


def _parse_time(value: Any) -> datetime | None:
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


# --- verification ---------------------------------------------------------------------------

Status = Literal["pass", "fail", "warn"]


@dataclass(frozen=True)
class Ob2Check:
    name: str
    status: Status
    message: str


@dataclass
class Ob2Verification:
    """The outcome of verifying an OB 2.0 assertion: ``verified`` if no check failed."""

    kind: Literal["hosted", "signed"] | None
    checks: list[Ob2Check] = field(default_factory=list)
    assertion: dict[str, Any] | None = None
    badge: dict[str, Any] | None = None
    issuer: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        return bool(self.checks) and not any(c.status == "fail" for c in self.checks)

    @property
    def failures(self) -> list[Ob2Check]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def warnings(self) -> list[Ob2Check]:
        return [c for c in self.checks if c.status == "warn"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "kind": self.kind,
            "checks": [
                {"check": c.name, "status": c.status, "message": c.message} for c in self.checks
            ],
        }


class _Checks:
    def __init__(self) -> None:
        self.items: list[Ob2Check] = []

    def ok(self, name: str, message: str) -> None:
        self.items.append(Ob2Check(name, "pass", message))

    def fail(self, name: str, message: str) -> None:
        self.items.append(Ob2Check(name, "fail", message))

    def warn(self, name: str, message: str) -> None:
        self.items.append(Ob2Check(name, "warn", message))


_ESSENTIAL = ("id", "recipient", "issuedOn", "expires", "verification")


def _badge_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _same_assertion(given: dict[str, Any], hosted: dict[str, Any]) -> str | None:
    """None if the hosted copy is the same assertion, else the first field that differs."""
    if given == hosted:
        return None
    for key in _ESSENTIAL:
        if given.get(key) != hosted.get(key):
            return key
    if _badge_id(given.get("badge")) != _badge_id(hosted.get("badge")):
        return "badge"
    return None


def _hosted_origin_allowed(assertion_id: str, issuer: dict[str, Any]) -> str | None:
    """None if the issuer allows hosting the assertion at ``assertion_id``, else why not."""
    policy: dict[str, Any] = (
        issuer["verification"] if isinstance(issuer.get("verification"), dict) else {}
    )
    starts = [s for s in _as_list(policy.get("startsWith")) if isinstance(s, str)]
    origins = [o for o in _as_list(policy.get("allowedOrigins")) if isinstance(o, str)]
    host = urlsplit(assertion_id).netloc.lower()
    if starts and not any(assertion_id.startswith(s) for s in starts):
        return f"the issuer allows hosted assertions only under {', '.join(starts)}"
    if origins:
        if host not in {o.lower() for o in origins}:
            return f"the issuer allows hosted assertions only on {', '.join(origins)}"
        return None
    if starts:
        return None
    issuer_id = issuer.get("id")
    if not isinstance(issuer_id, str) or not issuer_id.startswith(("http://", "https://")):
        return "the issuer profile has no HTTP id to compare the assertion's origin with"
    if urlsplit(issuer_id).netloc.lower() != host:
        return (
            f"the assertion is hosted on {host}, not on the issuer's origin "
            f"{urlsplit(issuer_id).netloc.lower()}"
        )
    return None


def _public_key(pem: str) -> rsa.RSAPublicKey | None:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError):
        return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


def _verify_rs256(token: str, key: rsa.RSAPublicKey) -> bool:
    head, body, sig = token.strip().split(".")
    try:
        key.verify(
            _b64url(sig), f"{head}.{body}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _check_signature(
    token: str,
    header: dict[str, Any],
    assertion: dict[str, Any],
    issuer: dict[str, Any] | None,
    issuer_confirmed: bool,
    resolve: Resolver,
    checks: _Checks,
) -> None:
    """RS256 over the JWS with a key tied to the issuer.

    The key is never taken from the signed payload: it is resolved by URL (or embedded in the
    issuer profile as served at its id), and must be listed in that profile's ``publicKey``,
    or be owned by the issuer (``owner``) and served from the issuer's own origin.
    """
    alg = header.get("alg")
    if alg != "RS256":
        checks.fail("signature", f"JWS algorithm {alg!r} is not RS256 (required by OB 2.0)")
        return
    if "crit" in header:
        checks.fail("signature", "critical JWS header parameters are not supported")
        return
    verification = assertion.get("verification")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    issuer_id = issuer.get("id") if issuer else None
    declared = [
        k.get("id") if isinstance(k, dict) else k for k in _as_list((issuer or {}).get("publicKey"))
    ]
    candidates: list[Any] = [creator] if isinstance(creator, str) else list(declared)
    if not candidates:
        checks.fail("signature", "no signing key: no verification.creator and no issuer publicKey")
        return
    if issuer is None or not issuer_confirmed:
        checks.fail(
            "signature",
            "the issuer profile is not confirmed at its id, so no signing key can be tied to it",
        )
        return
    issuer_host = urlsplit(issuer_id).netloc.lower() if isinstance(issuer_id, str) else None
    tried: list[str] = []
    for candidate in candidates:
        embedded = next(
            (
                k
                for k in _as_list((issuer or {}).get("publicKey"))
                if isinstance(k, dict) and k.get("id") == candidate
            ),
            None,
        )
        key_doc = embedded or (
            _safe_resolve(resolve, candidate) if isinstance(candidate, str) else None
        )
        if key_doc is None:
            tried.append(f"{candidate}: not resolvable")
            continue
        owner = key_doc.get("owner")
        if owner is not None and issuer_id is not None and owner != issuer_id:
            tried.append(f"{candidate}: owned by {owner!r}, not by the issuer {issuer_id!r}")
            continue
        same_origin = (
            isinstance(candidate, str) and urlsplit(candidate).netloc.lower() == issuer_host
        )
        if candidate not in declared and not (owner == issuer_id and same_origin):
            tried.append(f"{candidate}: not a key the issuer profile declares")
            continue
        pem = key_doc.get("publicKeyPem")
        key = _public_key(pem) if isinstance(pem, str) else None
        if key is None:
            tried.append(f"{candidate}: no RSA publicKeyPem")
            continue
        if _verify_rs256(token, key):
            checks.ok("signature", f"RS256 signature verifies with the issuer's key {candidate}")
            if key.key_size < MIN_RSA_BITS:
                checks.warn("key", f"the RSA key has only {key.key_size} bits")
            if isinstance(key_doc.get("revoked"), str | bool) and key_doc.get("revoked"):
                checks.fail("key", f"the signing key {candidate} is revoked")
            return
        tried.append(f"{candidate}: the signature does not verify")
    checks.fail("signature", "JWS signature does not verify (" + "; ".join(tried) + ")")


def _check_revocation(
    assertion: dict[str, Any], issuer: dict[str, Any] | None, resolve: Resolver, checks: _Checks
) -> None:
    if assertion.get("revoked") in (True, "true"):
        reason = assertion.get("revocationReason")
        checks.fail("revocation", "the assertion is revoked" + (f": {reason}" if reason else ""))
        return
    url = (issuer or {}).get("revocationList")
    if isinstance(url, dict):
        revocation: dict[str, Any] | None = url
        url = url.get("id")
    elif isinstance(url, str):
        revocation = _safe_resolve(resolve, url)
        if revocation is None:
            checks.warn("revocation", f"the issuer's revocation list {url} could not be resolved")
            return
    else:
        checks.warn("revocation", "the issuer publishes no revocation list")
        return
    if not isinstance(revocation, dict):
        checks.warn("revocation", "the issuer's revocation list is not a document")
        return
    assertion_id, uid = assertion.get("id"), assertion.get("uid")
    for entry in _as_list(revocation.get("revokedAssertions")):
        entry_id = entry.get("id") if isinstance(entry, dict) else entry
        entry_uid = entry.get("uid") if isinstance(entry, dict) else None
        if (entry_id is not None and entry_id == assertion_id) or (
            entry_uid is not None and entry_uid == uid
        ):
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            checks.fail(
                "revocation",
                "the assertion is on the issuer's revocation list"
                + (f": {reason}" if reason else ""),
            )
            return
    checks.ok("revocation", "not on the issuer's revocation list")


def _check_dates(assertion: dict[str, Any], now: datetime, checks: _Checks) -> None:
    issued = _parse_time(assertion.get("issuedOn"))
    if issued is None:
        checks.fail("issued", f"issuedOn {assertion.get('issuedOn')!r} is not a date-time")
    elif issued > now:
        checks.fail("issued", f"issued in the future ({issued.isoformat()})")
    else:
        checks.ok("issued", f"issued on {issued.date().isoformat()}")
    if "expires" not in assertion:
        return
    expires = _parse_time(assertion.get("expires"))
    if expires is None:
        checks.fail("expiry", f"expires {assertion.get('expires')!r} is not a date-time")
    elif expires <= now:
        checks.fail("expiry", f"expired on {expires.date().isoformat()}")
    else:
        checks.ok("expiry", f"valid until {expires.date().isoformat()}")


def verify_ob2(
    assertion_or_jws: dict[str, Any] | str,
    *,
    resolve: Resolver,
    now: datetime | None = None,
    recipient: str | None = None,
) -> Ob2Verification:
    """Verify an OB 2.0 assertion; never raises, every finding is a check.

    Hosted: the assertion's ``id`` (an HTTP URL on the issuer's allowed origin) must
    resolve to the same assertion. Signed: the JWS must be RS256 and verify with the
    issuer's ``CryptographicKey`` (``verification.creator``, or the issuer's
    ``publicKey``) whose ``owner`` is the issuer. Both: the badge class and issuer
    resolve, the assertion is not on the issuer's ``revocationList`` (nor marked
    ``revoked``), ``issuedOn`` is past and ``expires`` is not. ``recipient`` (an e-mail
    address or URL), when given, must match the (possibly hashed) recipient.
    """
    result = Ob2Verification(kind=None)
    checks = _Checks()
    try:
        _verify(assertion_or_jws, resolve, now or datetime.now(UTC), recipient, result, checks)
    except Exception as exc:  # noqa: BLE001 - verification reports, it never raises
        checks.fail("internal", f"verification stopped: {type(exc).__name__}: {exc}")
    result.checks = checks.items
    return result


def _verify(
    assertion_or_jws: dict[str, Any] | str,
    resolve: Resolver,
    now: datetime,
    recipient: str | None,
    result: Ob2Verification,
    checks: _Checks,
) -> None:
    try:
        assertion, token = _unwrap(assertion_or_jws)
        header = decode_jws(token)[0] if token else {}
    except ValueError as exc:
        checks.fail("format", str(exc))
        return
    result.assertion = assertion
    if not is_ob2_assertion(assertion):
        checks.fail("format", "not an Open Badges 2.0 assertion (no OB context / type Assertion)")
        return
    verification = assertion.get("verification") or assertion.get("verify")
    declared = verification.get("type") if isinstance(verification, dict) else None
    declared = {"HostedBadge": "hosted", "SignedBadge": "signed"}.get(str(declared), declared)
    result.kind = "signed" if token else "hosted"
    if token and declared not in ("signed", None):
        checks.fail("format", f"a JWS whose assertion declares verification type {declared!r}")
    elif not token and declared == "signed":
        checks.fail(
            "format",
            "the assertion declares signed verification but came without its JWS signature",
        )
        return
    else:
        checks.ok("format", f"Open Badges 2.0 {result.kind} assertion")
    missing = [k for k in ("recipient", "badge", "issuedOn") if k not in assertion]
    if missing or not isinstance(assertion.get("recipient"), dict):
        checks.fail(
            "structure", "the assertion lacks " + ", ".join(missing or ["a recipient object"])
        )

    # Hosted: the copy in hand must be what the issuer serves at the assertion's id.
    if result.kind == "hosted":
        assertion_id = assertion.get("id")
        if not isinstance(assertion_id, str) or not assertion_id.startswith(
            ("http://", "https://")
        ):
            checks.fail("hosted", "a hosted assertion's id must be its HTTP(S) URL")
        else:
            hosted = _safe_resolve(resolve, assertion_id)
            if hosted is None:
                checks.fail(
                    "hosted",
                    f"the assertion is not served at {assertion_id} (it may have been withdrawn)",
                )
            else:
                differs = _same_assertion(assertion, hosted)
                if differs:
                    checks.fail(
                        "hosted", f"the assertion served at {assertion_id} differs ({differs})"
                    )
                else:
                    checks.ok("hosted", f"the issuer serves this assertion at {assertion_id}")
                    assertion = hosted if isinstance(hosted.get("badge"), dict | str) else assertion

    badge, badge_url = _node(assertion.get("badge"), resolve)
    if (
        isinstance(assertion.get("badge"), dict)
        and badge_url
        and badge_url.startswith(("http://", "https://"))
    ):
        served = _safe_resolve(resolve, badge_url)
        if served is not None:
            badge = served
        else:
            checks.warn("badge", f"the embedded badge class is not confirmed at {badge_url}")
    if badge is None:
        checks.fail("badge", f"the badge class {badge_url!r} could not be resolved")
        issuer, issuer_confirmed = None, False
    else:
        result.badge = badge
        checks.ok("badge", f"badge class {badge.get('name')!r}")
        issuer, issuer_url = _node(badge.get("issuer"), resolve)
        issuer_confirmed = isinstance(badge.get("issuer"), str)
        if (
            isinstance(badge.get("issuer"), dict)
            and issuer_url
            and issuer_url.startswith(("http://", "https://"))
        ):
            served = _safe_resolve(resolve, issuer_url)
            if served is not None:
                issuer, issuer_confirmed = served, True
            else:
                checks.warn(
                    "issuer", f"the embedded issuer profile is not confirmed at {issuer_url}"
                )
        if issuer is None:
            checks.fail("issuer", f"the issuer profile {issuer_url!r} could not be resolved")
        else:
            result.issuer = issuer
            checks.ok("issuer", f"issued by {issuer.get('name')!r}")

    if result.kind == "hosted" and issuer is not None and isinstance(assertion.get("id"), str):
        if assertion["id"].startswith(("http://", "https://")):
            why = _hosted_origin_allowed(assertion["id"], issuer)
            if why:
                checks.fail("origin", why)
            else:
                checks.ok("origin", "the assertion is hosted where the issuer allows")
    if result.kind == "signed" and token:
        _check_signature(token, header, assertion, issuer, issuer_confirmed, resolve, checks)
    _check_revocation(assertion, issuer, resolve, checks)
    _check_dates(assertion, now, checks)
    if recipient is not None:
        if recipient_matches(assertion.get("recipient"), recipient):
            checks.ok("recipient", "the recipient matches")
        else:
            checks.fail("recipient", "the badge was awarded to someone else")
