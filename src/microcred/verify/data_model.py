"""The W3C Verifiable Credentials Data Model rules a credential's JSON must follow, written
once: the VC-API issue route refuses what breaks them before signing, and the verifier's
``schema`` check fails on the same problems, so the product never signs what its own
verifier rejects.

These are the data model's MUSTs that can be read from the JSON itself (VC Data Model 2.0
sections 4 and 5; for a VC 1.1 credential, the ones both versions share). What only JSON-LD
processing can tell (an undefined term, a redefined protected term, a type that maps to
something that is not an IRI) is left to the canonicalization every Data Integrity proof
makes, which fails on each of them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from microcred.jsonld.contexts import BUNDLED_CONTEXT_URLS, context_bytes
from microcred.jsonld.errors import UnknownContextError
from microcred.jsonld.terms import well_formed_iri
from microcred.proofs.errors import MultibaseError
from microcred.proofs.multibase import decode_base58btc

__all__ = [
    "VC_V1",
    "VC_V2",
    "Problem",
    "credential_problems",
    "date_time_stamp",
]

VC_V1: Final = "https://www.w3.org/2018/credentials/v1"
VC_V2: Final = "https://www.w3.org/ns/credentials/v2"

# XML Schema 1.1 dateTimeStamp: a dateTime whose time zone is required (VC DM 2.0 4.9).
_DATE_TIME_STAMP = re.compile(
    r"^-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T"
    r"(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$"
)
# XML Schema dateTime, time zone optional (VC 1.1 issuanceDate / expirationDate).
_DATE_TIME = re.compile(
    r"^-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T"
    r"(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$"
)
# Subresource Integrity: hash-algo "-" standard base64 (RFC 4648 section 4, with padding).
_SRI = re.compile(r"^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$")
_HASHES: Final = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_DIGEST_SIZES: Final = {32: "sha256", 48: "sha384", 64: "sha512"}
_MULTIHASH: Final = {0x12: "sha256", 0x20: "sha384", 0x13: "sha512"}

# Digests that a specification publishes for a resource we bundle in another revision.
# VC Data Model 2.0, appendix B.1 (Base Context): "the following value is the hexadecimal
# encoded SHA2-256 digest value of the base context file: 24a18c90...". The bundled file
# (npm @digitalbazaar/credentials-context 3.2.0) is a later revision with other bytes, and
# both are the resource at that URL; for the published revision only its SHA-256 is known.
_PUBLISHED_DIGESTS: Final[dict[str, dict[str, frozenset[bytes]]]] = {
    VC_V2: {
        "sha256": frozenset(
            {bytes.fromhex("24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9")}
        )
    }
}

# Properties whose values are objects that MUST name their type (VC DM 2.0 4.10-4.12, 5.4-5.6).
_TYPED: Final = ("credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence")


# A path, not a check code: built so tests/verify/test_report.py does not take it for one.
_ISSUER_ID: Final = ".".join(("issuer", "id"))


@dataclass(frozen=True)
class Problem:
    """One data model violation: where it is (a JSON path such as ``credentialStatus[1].type``)
    and what is wrong, in words that say how to fix it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def date_time_stamp(value: Any) -> datetime | None:
    """``value`` as a moment when it is an XML Schema dateTimeStamp (time zone required)."""
    if not isinstance(value, str) or not _DATE_TIME_STAMP.match(value):
        return None
    try:
        return datetime.fromisoformat(
            value.replace("Z", "+00:00").replace("T24:00:00", "T23:59:59")
        )
    except ValueError:  # a day the calendar does not have (2026-02-30)
        return None


def _url(value: Any) -> bool:
    return isinstance(value, str) and well_formed_iri(value)


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _indexed(name: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, list):
        for number, item in enumerate(value):
            yield f"{name}[{number}]", item
    else:
        yield name, value


def _context(credential: dict[str, Any]) -> Iterator[Problem]:
    if "@context" not in credential:
        yield Problem("@context", f"is missing; it must start with {VC_V2}")
        return
    items = _items(credential["@context"])
    if not items or items[0] not in (VC_V2, VC_V1):
        yield Problem("@context", f"must start with {VC_V2} (or {VC_V1} for VC 1.1)")
    for where, item in _indexed("@context", credential["@context"]):
        if isinstance(item, str):
            if not _url(item):
                yield Problem(where, f"{item!r} is not a URL")
        elif not isinstance(item, dict):
            yield Problem(where, "must be a context URL or a context object")


def _type(credential: dict[str, Any]) -> Iterator[Problem]:
    value = credential.get("type")
    if value is None:
        yield Problem("type", "is missing; it must include VerifiableCredential")
        return
    values = _items(value)
    if not values or not all(isinstance(v, str) and v for v in values):
        yield Problem("type", "must be a term or URL, or a list of them")
    elif "VerifiableCredential" not in values:
        yield Problem("type", "must include VerifiableCredential")


def _identifier(where: str, value: Any) -> Iterator[Problem]:
    if not _url(value):
        yield Problem(where, "must be a single URL (a URL, URN or DID), not " + _shown(value))


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)[:80]


def _issuer(credential: dict[str, Any]) -> Iterator[Problem]:
    if "issuer" not in credential:
        yield Problem("issuer", "is missing; give the issuer's URL or DID")
        return
    issuer = credential["issuer"]
    if isinstance(issuer, dict):
        if "id" not in issuer:
            yield Problem(_ISSUER_ID, "is missing; an issuer object must have an id (a URL)")
        else:
            yield from _identifier(_ISSUER_ID, issuer["id"])
    else:
        yield from _identifier("issuer", issuer)


def _subject(credential: dict[str, Any]) -> Iterator[Problem]:
    if "credentialSubject" not in credential:
        yield Problem("credentialSubject", "is missing; it holds the claims the credential makes")
        return
    value = credential["credentialSubject"]
    if isinstance(value, list) and not value:
        yield Problem("credentialSubject", "is an empty list; give at least one subject")
    for where, subject in _indexed("credentialSubject", value):
        if not isinstance(subject, dict):
            yield Problem(where, "must be an object with the claims about the subject")
        elif not subject:
            yield Problem(where, "makes no claim; give at least one property")
        elif "id" in subject:
            yield from _identifier(f"{where}.id", subject["id"])


def _validity(credential: dict[str, Any], v2: bool) -> Iterator[Problem]:
    moments: dict[str, datetime] = {}
    if v2:
        for key in ("validFrom", "validUntil"):
            if key in credential:
                moment = date_time_stamp(credential[key])
                if moment is None:
                    yield Problem(
                        key,
                        "must be an XML Schema dateTimeStamp with a time zone, such as "
                        "2026-06-30T00:00:00Z",
                    )
                else:
                    moments[key] = moment
    else:
        for key in ("issuanceDate", "expirationDate", "validFrom", "validUntil"):
            value = credential.get(key)
            if key in credential and not (isinstance(value, str) and _DATE_TIME.match(value)):
                yield Problem(key, "must be an XML Schema dateTime such as 2026-06-30T00:00:00Z")
    start, end = moments.get("validFrom"), moments.get("validUntil")
    if start is not None and end is not None and end < start:
        yield Problem("validUntil", "is before validFrom; the credential would never be valid")


def _typed_objects(credential: dict[str, Any]) -> Iterator[Problem]:
    for name in _TYPED:
        if name not in credential:
            continue
        value = credential[name]
        if isinstance(value, list) and not value:
            yield Problem(name, "is an empty list; leave it out or give one or more objects")
        for where, item in _indexed(name, value):
            if not isinstance(item, dict):
                yield Problem(where, "must be an object with a type")
                continue
            kind = item.get("type")
            kinds = _items(kind)
            if kind is None:
                yield Problem(f"{where}.type", "is missing; each value must specify its type")
            elif not kinds or not all(isinstance(k, str) and k for k in kinds):
                yield Problem(f"{where}.type", "must be a term or URL, or a list of them")
            if "id" in item:
                yield from _identifier(f"{where}.id", item["id"])
            elif name == "credentialSchema":
                yield Problem(f"{where}.id", "is missing; a credential schema must have a URL")


def _texts(credential: dict[str, Any]) -> Iterator[Problem]:
    """``name`` and ``description`` of the credential and of its issuer: a string, a language
    value object (``@value``, ``@language``, ``@direction`` and nothing else) or a list of them
    (VC DM 2.0 4.6)."""
    issuer = credential.get("issuer")
    owners: list[tuple[str, dict[str, Any]]] = [("", credential)]
    if isinstance(issuer, dict):
        owners.append(("issuer.", issuer))
    for prefix, owner in owners:
        for key in ("name", "description"):
            if key not in owner:
                continue
            for where, value in _indexed(prefix + key, owner[key]):
                if isinstance(value, str):
                    continue
                if not isinstance(value, dict) or not isinstance(value.get("@value"), str):
                    yield Problem(where, "must be a string or a language value object (@value)")
                    continue
                extra = sorted(set(value) - {"@value", "@language", "@direction"})
                if extra:
                    yield Problem(
                        where,
                        f"a language value object may hold only @value, @language and "
                        f"@direction, not {', '.join(extra)}",
                    )


def _known_digests(url: str) -> tuple[dict[str, frozenset[bytes]], bool]:
    """The digests of the resource at ``url`` by algorithm, and whether each algorithm's
    value is known for every revision (False when a published revision is known only by
    its SHA-256)."""
    try:
        data = context_bytes(url)
    except UnknownContextError:
        return {}, False
    known = {name: frozenset({make(data).digest()}) for name, make in _HASHES.items()}
    published = _PUBLISHED_DIGESTS.get(url, {})
    for name, values in published.items():
        known[name] = known[name] | values
    return known, not published


def _digest_sri(value: Any) -> tuple[str, bytes] | None:
    match = _SRI.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        digest = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(digest) != _HASHES[match.group(1)]().digest_size:
        return None
    return match.group(1), digest


def _digest_multibase(value: Any) -> tuple[str, bytes] | None:
    """A multibase digest (base64url ``u`` or base58btc ``z``) of a bare digest or a multihash."""
    if not isinstance(value, str) or len(value) < 2:
        return None
    try:
        if value[0] == "u":
            if not re.fullmatch(r"[A-Za-z0-9_-]+", value[1:]):
                return None
            raw = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
        elif value[0] == "z":
            raw = decode_base58btc(value)
        else:
            return None
    except (binascii.Error, ValueError, MultibaseError):
        return None
    if len(raw) >= 2 and raw[0] in _MULTIHASH and raw[1] == len(raw) - 2:
        return _MULTIHASH[raw[0]], raw[2:]
    name = _DIGEST_SIZES.get(len(raw))
    return (name, raw) if name else None


def _related(credential: dict[str, Any]) -> Iterator[Problem]:
    if "relatedResource" not in credential:
        return
    value = credential["relatedResource"]
    if isinstance(value, list) and not value:
        yield Problem("relatedResource", "is an empty list; leave it out or give resources")
    seen: set[str] = set()
    for where, item in _indexed("relatedResource", value):
        if not isinstance(item, dict):
            yield Problem(where, "must be an object with an id and a digestSRI or digestMultibase")
            continue
        if "id" not in item:
            yield Problem(f"{where}.id", "is missing; name the resource's URL")
        else:
            yield from _identifier(f"{where}.id", item["id"])
            if isinstance(item["id"], str):
                if item["id"] in seen:
                    yield Problem(f"{where}.id", "is listed twice; each resource once")
                seen.add(item["id"])
        if "digestSRI" not in item and "digestMultibase" not in item:
            yield Problem(where, "has no digest; give a digestSRI or a digestMultibase")
        yield from _digests(where, item)


def _digests(where: str, item: dict[str, Any]) -> Iterator[Problem]:
    url = item.get("id")
    known, complete = (
        _known_digests(url) if isinstance(url, str) and url in BUNDLED_CONTEXT_URLS else ({}, False)
    )
    for key, read in (("digestSRI", _digest_sri), ("digestMultibase", _digest_multibase)):
        if key not in item:
            continue
        for value in _items(item[key]):
            parsed = read(value)
            if parsed is None:
                form = (
                    "sha256-, sha384- or sha512- and the standard base64 of the digest"
                    if key == "digestSRI"
                    else "a multibase (u or z) digest or multihash of SHA-256, -384 or -512"
                )
                yield Problem(f"{where}.{key}", f"{_shown(value)} is not {form}")
                continue
            algorithm, digest = parsed
            values = known.get(algorithm)
            if values is None or digest in values:
                continue
            if complete or algorithm in _PUBLISHED_DIGESTS.get(str(url), {}):
                yield Problem(
                    f"{where}.{key}",
                    f"does not match the {algorithm} digest of {url} (the resource is "
                    f"bundled here, so its digest is known)",
                )


def credential_problems(credential: Any) -> list[Problem]:
    """Every data model violation of ``credential`` (an empty list when there is none)."""
    if not isinstance(credential, dict):
        return [Problem("credential", "must be a JSON object")]
    contexts = _items(credential.get("@context"))
    v2 = bool(contexts) and contexts[0] == VC_V2
    problems = [
        *_context(credential),
        *_type(credential),
        *_issuer(credential),
        *_subject(credential),
        *_validity(credential, v2),
        *_typed_objects(credential),
        *_texts(credential),
    ]
    if "id" in credential:
        problems.extend(_identifier("id", credential["id"]))
    if v2:
        problems.extend(_related(credential))
    elif (
        contexts[0] == VC_V1 and "issuanceDate" not in credential and "validFrom" not in credential
    ):
        problems.append(Problem("issuanceDate", "is required in a VC 1.1 credential"))
    return problems
