"""VC-JWT 1.1: the JWT claims <-> the credential (or presentation) the ``vc`` (``vp``) claim holds.

VC Data Model 1.1 section 6.3.1 maps ``iss`` to ``issuer`` (``holder`` of a presentation),
``jti`` to ``id``, ``sub`` to ``credentialSubject.id``, ``nbf`` to ``issuanceDate`` and ``exp``
to ``expirationDate``; an issuer may leave those out of ``vc`` and state them only as claims
(the decoding rules put them back). Open Badges 3.0 section 8.2 requires that the claims and
the credential agree, else the credential is not valid: a claim that says something else than
the credential raises :class:`ClaimsMismatch`. A credential in the VC 2.0 context says
``validFrom`` / ``validUntil`` for those dates, so ``nbf`` / ``exp`` map to them there.

The signature is `proofs.vc_jwt`; this module reads claims only and trusts nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from microcred.formats.dates import parse_timestamp
from microcred.formats.inputs import ParsedInput, depth_exceeds
from microcred.proofs.errors import ClaimsMismatch, MalformedProof

__all__ = [
    "claimed_credential",
    "credential_from_claims",
    "is_vc_jwt",
    "presentation_from_claims",
    "unverified_credential",
    "unverified_part",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def unverified_part(token: str, index: int) -> Any:
    """Part ``index`` (0 header, 1 claims) of a compact JWT, decoded but not verified."""
    try:
        segment = token.split(".")[index]
        value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError, binascii.Error, RecursionError):
        return None
    return None if depth_exceeds(value) else value  # the same bound as any JSON input


def is_vc_jwt(parsed: ParsedInput) -> bool:
    """A compact JWT whose claims carry the credential in ``vc`` (not a VC-JOSE ``vc+jwt``,
    whose payload is the credential itself)."""
    if parsed.jwt is None:
        return False
    header = unverified_part(parsed.jwt, 0)
    if not isinstance(header, dict) or header.get("typ") in ("vc+jwt", "vp+jwt"):
        return False
    claims = unverified_part(parsed.jwt, 1)
    return isinstance(claims, dict) and isinstance(claims.get("vc"), dict)


def unverified_credential(parsed: ParsedInput) -> dict[str, Any] | None:
    """The credential a VC-JWT carries, claims applied where they agree, nothing verified."""
    claims = unverified_part(parsed.jwt, 1) if parsed.jwt is not None else None
    return claimed_credential(claims) if isinstance(claims, dict) else None


def claimed_credential(claims: dict[str, Any]) -> dict[str, Any] | None:
    """`credential_from_claims`, or the bare ``vc`` claim when the claims disagree with it
    (to show what it claims; the verifier reports the disagreement)."""
    try:
        return credential_from_claims(claims)
    except (ClaimsMismatch, MalformedProof):
        vc = claims.get("vc")
        return dict(vc) if isinstance(vc, dict) else None


def _string_claim(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is not None and not isinstance(value, str):
        raise MalformedProof(name, "must be a string (a URI)")
    return value


def _date_claim(claims: dict[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedProof(name, "must be a NumericDate (seconds since 1970-01-01 UTC)")
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedProof(name, "is out of range") from None


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _id_of(value: Any) -> str | None:
    found = value.get("id") if isinstance(value, dict) else value
    return found if isinstance(found, str) else None


def _apply_date(
    target: dict[str, Any], prop: str, claim: str, moment: datetime | None, problems: list[str]
) -> None:
    if moment is None:
        return
    if prop not in target:
        target[prop] = _iso(moment)
        return
    stated = parse_timestamp(target[prop])
    # NumericDate counts whole seconds: the credential's date agrees when it is that second.
    if stated is None or int(stated.timestamp()) != int(moment.timestamp()):
        problems.append(f"the {claim} claim ({_iso(moment)}) is not the {prop} {target[prop]!r}")


def _apply_subject(credential: dict[str, Any], sub: str, problems: list[str]) -> None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict):
        if "id" not in subject:
            credential["credentialSubject"] = {**subject, "id": sub}
        elif subject.get("id") != sub:
            problems.append(
                f"the sub claim {sub!r} is not the credentialSubject.id {subject['id']!r}"
            )
    elif isinstance(subject, list):
        if not any(isinstance(s, dict) and s.get("id") == sub for s in subject):
            problems.append(f"the sub claim {sub!r} is the id of none of the credential's subjects")


def credential_from_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The credential of a VC-JWT's claims: ``vc`` with what the claims add, after checking
    that what both state agrees (raises :class:`ClaimsMismatch`, naming every disagreement)."""
    vc = claims.get("vc")
    if not isinstance(vc, dict):
        raise MalformedProof("vc", "the JWT carries no credential (a vc claim with an object)")
    credential = dict(vc)
    iss, jti, sub = (_string_claim(claims, n) for n in ("iss", "jti", "sub"))
    nbf, exp = _date_claim(claims, "nbf"), _date_claim(claims, "exp")
    problems: list[str] = []
    if iss is not None:
        if "issuer" not in credential:
            credential["issuer"] = iss
        elif _id_of(credential["issuer"]) != iss:
            problems.append(
                f"the iss claim {iss!r} is not the issuer {_id_of(credential['issuer'])!r}"
            )
    if jti is not None:
        if "id" not in credential:
            credential["id"] = jti
        elif credential["id"] != jti:
            problems.append(f"the jti claim {jti!r} is not the credential id {credential['id']!r}")
    if sub is not None:
        _apply_subject(credential, sub, problems)
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    v2 = first == VC_V2
    start = "validFrom" if v2 or "validFrom" in credential else "issuanceDate"
    end = "validUntil" if v2 or "validUntil" in credential else "expirationDate"
    _apply_date(credential, start, "nbf", nbf, problems)
    _apply_date(credential, end, "exp", exp, problems)
    if problems:
        raise ClaimsMismatch("; ".join(problems))
    return credential


def presentation_from_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The presentation of a VP-JWT 1.1: ``vp`` with ``iss`` as its holder and ``jti`` as its
    id (raises :class:`ClaimsMismatch` when the presentation says otherwise)."""
    vp = claims.get("vp")
    if not isinstance(vp, dict):
        raise MalformedProof("vp", "the JWT carries no presentation (a vp claim with an object)")
    presentation = dict(vp)
    iss, jti = _string_claim(claims, "iss"), _string_claim(claims, "jti")
    problems: list[str] = []
    if iss is not None:
        if "holder" not in presentation:
            presentation["holder"] = iss
        elif _id_of(presentation["holder"]) != iss:
            problems.append(
                f"the iss claim {iss!r} is not the holder {_id_of(presentation['holder'])!r}"
            )
    if jti is not None:
        if "id" not in presentation:
            presentation["id"] = jti
        elif presentation["id"] != jti:
            problems.append(
                f"the jti claim {jti!r} is not the presentation id {presentation['id']!r}"
            )
    if problems:
        raise ClaimsMismatch("; ".join(problems))
    return presentation
