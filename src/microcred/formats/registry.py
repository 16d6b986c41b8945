"""Every credential format the system speaks, in one tuple, and the one enum of their names.

A `Format` says how to recognise a parsed input (`detect`), how to take out the credential it
carries without verifying anything (`credential`), how to read that credential into the model
with the EU elements it lacks (`read`), and, when the system can produce the format, how to
write it from the model (`write`; signing is the proofs layer's, done by the services).
How to verify each format is its envelope in `microcred.verify.envelopes`, keyed by the
same `FormatName`.

Adding a format: a module in `formats/` (reader and writer), one entry in `FORMATS` here,
one envelope in `verify/envelopes.py`, and a `proofs/` module if its proof is a new kind.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from microcred.formats.elm import award_to_elm
from microcred.formats.inputs import ParsedInput
from microcred.formats.ob2 import decode_jws, is_ob2_assertion
from microcred.formats.ob3 import award_to_ob3
from microcred.formats.reading import ELM_TYPES, ModelReading, is_sealed, read_model, types_of
from microcred.formats.sd_jwt_vc import claims_of, is_sd_jwt_vc, read_claims, unverified_claims
from microcred.formats.vc_jose_cose import (
    is_vc_cose,
    is_vc_sd_jwt,
    unverified_cose_payload,
    unverified_sd_jwt_payload,
)
from microcred.formats.vc_jwt import is_vc_jwt, unverified_credential
from microcred.model.award import Award

__all__ = [
    "EXPORTABLE",
    "FORMATS",
    "ISSUABLE",
    "ExportableFormat",
    "Format",
    "FormatName",
    "IssuableFormat",
    "by_name",
    "detect",
    "write",
]


class FormatName(StrEnum):
    """The name of a format, as issuing, export, the API schemas and the CLI spell it."""

    OB3 = "ob3"  # Open Badges 3.0 / VC 2.0 JSON-LD with a Data Integrity proof
    JWT = "jwt"  # VC-JOSE: the same credential as a vc+jwt
    ELM = "elm"  # European Learning Model v3 (Europass) JSON-LD
    JADES = "jades"  # an ELM credential sealed with JAdES (Europass EDC)
    OB2 = "ob2"  # Open Badges 2.0 assertion (hosted, or signed as an RS256 JWS)
    VC_JWT_11 = "vc-jwt-1.1"  # VC-JWT 1.1 (VC DM 1.1 6.3.1, OB 3.0 8.2): a JWT, the `vc` claim
    VC_SD_JWT = "vc-sd-jwt"  # VC-JOSE-COSE 3.2: a W3C credential secured as an SD-JWT
    VC_COSE = "vc-cose"  # VC-JOSE-COSE 3.3: a W3C credential secured with COSE_Sign1
    SD_JWT = "sd-jwt"  # SD-JWT VC (dc+sd-jwt, RFC 9901): a form of an issued record


# The formats an adapter may ask for, as types (the API schemas and the CLI options take
# them); tests/formats/test_registry.py checks they are exactly ISSUABLE and EXPORTABLE.
IssuableFormat = Literal[FormatName.OB3, FormatName.JWT, FormatName.SD_JWT]
ExportableFormat = Literal[FormatName.OB3, FormatName.JWT, FormatName.ELM, FormatName.SD_JWT]

Writer = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Format:
    """One format: recognise, unwrap, read into the model, and (if the system makes it) write."""

    name: FormatName
    title: str
    detect: Callable[[ParsedInput], bool]
    credential: Callable[[ParsedInput], dict[str, Any] | None]
    write: Writer | None = None
    issuable: bool = False  # issuing signs it directly (services/issuing.py)
    exportable: bool = False  # an issued credential can be exported to it (services/exporting.py)
    reader: Callable[[dict[str, Any]], ModelReading] | None = None  # None: a W3C credential

    def read(self, credential: dict[str, Any]) -> ModelReading:
        """The credential in model terms, with the mandatory EU elements it lacks."""
        return (self.reader or read_model)(credential)


def _jwt_payload(parsed: ParsedInput) -> dict[str, Any] | None:
    if parsed.jwt is None:
        return None
    try:
        return decode_jws(parsed.jwt)[1]
    except ValueError:
        return None


def _document(parsed: ParsedInput) -> dict[str, Any] | None:
    return parsed.document


def _jades_detect(parsed: ParsedInput) -> bool:
    return is_sealed(parsed.document)


def _jades_credential(parsed: ParsedInput) -> dict[str, Any] | None:
    assert parsed.document is not None
    try:
        payload = json.loads(parsed.document["payload"])
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _rs256_header(token: str) -> bool:
    """Whether a compact JWS says ``alg: RS256`` (OB 2.0 signs only so; VC-JOSE never does)."""
    head = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and header.get("alg") == "RS256"


def _ob2_detect(parsed: ParsedInput) -> bool:
    if parsed.kind == "url":  # a baked image with only a hosted assertion's URL: OB 2.0 (1.0)
        return True
    if parsed.jwt is None:
        return is_ob2_assertion(parsed.document)
    # Only the header is read first: decoding every vc+jwt payload twice would cost its verify.
    return _rs256_header(parsed.jwt) and is_ob2_assertion(_jwt_payload(parsed))


def _ob2_credential(parsed: ParsedInput) -> dict[str, Any] | None:
    return parsed.document if parsed.jwt is None else _jwt_payload(parsed)


def _jwt_detect(parsed: ParsedInput) -> bool:
    return parsed.jwt is not None


def _jwt_credential(parsed: ParsedInput) -> dict[str, Any] | None:
    payload = _jwt_payload(parsed)
    if payload is not None and isinstance(payload.get("vc"), dict):
        return dict(payload["vc"])  # VC-JWT 1.1 carries the credential in its `vc` claim
    return payload


def _sd_jwt_detect(parsed: ParsedInput) -> bool:
    # dc+sd-jwt; vc+sd-jwt (its name before SD-JWT VC draft -06) only with a vct and no
    # @context: a VC-JOSE-COSE vc+sd-jwt secures a W3C credential instead.
    return parsed.sd_jwt is not None and is_sd_jwt_vc(parsed.sd_jwt)


def _sd_jwt_credential(parsed: ParsedInput) -> dict[str, Any] | None:
    assert parsed.sd_jwt is not None
    return unverified_claims(parsed.sd_jwt)


def _elm_detect(parsed: ParsedInput) -> bool:
    return parsed.jwt is None and bool(types_of(parsed.document) & ELM_TYPES)


def _ob3_detect(parsed: ParsedInput) -> bool:
    return parsed.jwt is None and parsed.document is not None


# In the order they are tried: the first whose `detect` is true is the input's format.
FORMATS: tuple[Format, ...] = (
    # SD-JWT VC first: dc+sd-jwt, or a vc+sd-jwt (its name before draft -06) with a vct and
    # no @context; any other vc+sd-jwt is VC-JOSE-COSE's (a W3C credential as an SD-JWT).
    Format(
        FormatName.SD_JWT,
        "SD-JWT VC (dc+sd-jwt)",
        _sd_jwt_detect,
        _sd_jwt_credential,
        claims_of,  # the claims as disclosed; proofs.sd_jwt makes the digests and signs
        issuable=True,
        exportable=True,
        reader=read_claims,
    ),
    Format(
        FormatName.VC_SD_JWT,
        "VC-JOSE-COSE SD-JWT (vc+sd-jwt)",
        is_vc_sd_jwt,
        unverified_sd_jwt_payload,
    ),
    Format(FormatName.VC_COSE, "VC-JOSE-COSE COSE (vc+cose)", is_vc_cose, unverified_cose_payload),
    Format(FormatName.JADES, "ELM sealed with JAdES", _jades_detect, _jades_credential),
    Format(FormatName.OB2, "Open Badges 2.0", _ob2_detect, _ob2_credential),
    # Before VC-JOSE: both are JWTs; this one's claims carry the credential in `vc`.
    Format(FormatName.VC_JWT_11, "VC-JWT 1.1 (vc claim)", is_vc_jwt, unverified_credential),
    Format(
        FormatName.JWT,
        "VC-JOSE (vc+jwt)",
        _jwt_detect,
        _jwt_credential,
        award_to_ob3,  # the payload; proofs.jose signs it
        issuable=True,
        exportable=True,
    ),
    Format(
        FormatName.ELM,
        "European Learning Model v3",
        _elm_detect,
        _document,
        award_to_elm,
        exportable=True,
    ),
    Format(
        FormatName.OB3,
        "Open Badges 3.0 (Data Integrity)",
        _ob3_detect,
        _document,
        award_to_ob3,
        issuable=True,
        exportable=True,
    ),
)

_BY_NAME = {f.name: f for f in FORMATS}
# In the order of `FormatName` (how messages and the CLI's help list them).
ISSUABLE: tuple[FormatName, ...] = tuple(n for n in FormatName if _BY_NAME[n].issuable)
EXPORTABLE: tuple[FormatName, ...] = tuple(n for n in FormatName if _BY_NAME[n].exportable)


def by_name(name: str | FormatName) -> Format:
    """The format called ``name``; ValueError if there is none."""
    return _BY_NAME[FormatName(name)]


def detect(parsed: ParsedInput) -> Format:
    """The format of a parsed input (OB 3.0 JSON-LD when nothing more specific matches)."""
    return next(f for f in FORMATS if f.detect(parsed))


def write(name: FormatName, award: Award, **options: Any) -> dict[str, Any]:
    """The unsigned document of ``award`` in format ``name`` (ValueError if it is read-only)."""
    found = by_name(name)
    if found.write is None:
        raise ValueError(f"{found.title} is read, not written, by this system")
    return found.write(award, **options)
