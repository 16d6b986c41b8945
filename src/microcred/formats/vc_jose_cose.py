"""VC-JOSE-COSE's other two securing forms as formats of the registry: a credential secured as
an SD-JWT (``vc+sd-jwt``, section 3.2) or with COSE_Sign1 (``vc+cose``, section 3.3).

Here they are only recognised and their credential taken out without verifying anything (to
show what an input claims); the signatures are `proofs.vc_sd_jwt` and `proofs.cose`, and the
verification envelopes `verify.jose_cose_envelopes`. The enveloped forms a presentation
carries (``data:application/vc+sd-jwt,...``, ``data:application/vc+cose;base64,...``) are read
by `enveloped`; `PRESENTATION_TYPS` are the ``typ`` values of presentations.
"""

from __future__ import annotations

import json
from typing import Any

from microcred.formats.inputs import (
    InputError,
    InputKind,
    ParsedInput,
    depth_exceeds,
    parse_input,
)
from microcred.proofs.cose import VC_COSE_TYPS, VP_COSE_TYPS, parse_cose_sign1
from microcred.proofs.errors import ProofError
from microcred.proofs.sd_jwt import disclose, parse_sd_jwt, unverified_header, unverified_payload
from microcred.proofs.vc_sd_jwt import VC_SD_JWT_TYPS, VP_SD_JWT_TYPS

__all__ = [
    "CREDENTIAL_TYPS",
    "DATA_URL_PREFIXES",
    "PRESENTATION_TYPS",
    "cose_typ",
    "enveloped",
    "is_vc_cose",
    "is_vc_sd_jwt",
    "sd_jwt_typ",
    "unverified_cose_payload",
    "unverified_sd_jwt_payload",
]

# The data: URLs of enveloped credentials (VC-JOSE-COSE sections 3.1.2, 3.2.2, 3.3.2; VC DM
# 2.0 section 4.13): prefix -> the kind of input its data is (COSE is binary: base64).
DATA_URL_PREFIXES: dict[str, InputKind] = {
    "data:application/vc+jwt,": "jwt",
    "data:application/vc+sd-jwt,": "sd-jwt",
    "data:application/vc+cose;base64,": "cose",
}


def sd_jwt_typ(parsed: ParsedInput) -> Any:
    """The ``typ`` of an SD-JWT input's issuer-signed JWT (not verified), None if unreadable."""
    if parsed.sd_jwt is None:
        return None
    try:
        return unverified_header(parse_sd_jwt(parsed.sd_jwt)).get("typ")
    except ProofError:
        return None


def cose_typ(parsed: ParsedInput) -> Any:
    """The protected ``typ`` of a COSE input (not verified), None if unreadable."""
    if parsed.cose is None:
        return None
    try:
        return parse_cose_sign1(parsed.cose).header().get("typ")
    except ProofError:
        return None


def is_vc_sd_jwt(parsed: ParsedInput) -> bool:
    """An SD-JWT whose header says it secures a W3C credential or presentation (not an IETF
    SD-JWT VC, ``dc+sd-jwt``)."""
    return sd_jwt_typ(parsed) in (*VC_SD_JWT_TYPS, *VP_SD_JWT_TYPS)


def is_vc_cose(parsed: ParsedInput) -> bool:
    """A COSE_Sign1 input (its ``typ`` is checked when it is verified)."""
    return parsed.cose is not None


def _json_object(raw: bytes | str) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeError, RecursionError):
        return None
    return value if isinstance(value, dict) and not depth_exceeds(value) else None


def unverified_sd_jwt_payload(parsed: ParsedInput) -> dict[str, Any] | None:
    """The credential an SD-JWT input carries, its disclosures put in place, NOT verified."""
    if parsed.sd_jwt is None:
        return None
    try:
        sd_jwt = parse_sd_jwt(parsed.sd_jwt)
        payload = unverified_payload(sd_jwt)
    except ProofError:
        return None
    try:
        return disclose(payload, sd_jwt.disclosures)
    except ProofError:
        return payload  # the verifier reports what is wrong with the disclosures


def unverified_cose_payload(parsed: ParsedInput) -> dict[str, Any] | None:
    """The credential a COSE_Sign1 input carries, NOT verified."""
    if parsed.cose is None:
        return None
    try:
        return _json_object(parse_cose_sign1(parsed.cose).payload)
    except ProofError:
        return None


def enveloped(url: str) -> str:
    """The secured credential an enveloped item's ``data:`` URL holds (a JWT, an SD-JWT, or
    the base64 of a COSE_Sign1, as `parse_input` reads each), after checking that it is what
    the media type says; InputError names the media types that are read."""
    for prefix, kind in DATA_URL_PREFIXES.items():
        if url.startswith(prefix):
            data = url[len(prefix) :]
            try:
                found = parse_input(data).kind
            except InputError as exc:
                raise InputError(f"the {prefix} URL does not hold a {kind}: {exc}") from None
            if found != kind:
                raise InputError(f"the {prefix} URL does not hold a {kind} (it holds {found})")
            return data
    media = url.split(",", 1)[0][:80]
    raise InputError(
        f"an enveloped credential of type {media!r} cannot be read: only "
        + ", ".join(f"{p}..." for p in DATA_URL_PREFIXES)
        + " are supported"
    )


# typ values that say "a presentation": a credential verifier refuses them, naming them.
PRESENTATION_TYPS = (*VP_SD_JWT_TYPS, *VP_COSE_TYPS)
CREDENTIAL_TYPS = (*VC_SD_JWT_TYPS, *VC_COSE_TYPS)
