"""The one parser of untrusted input: a JSON object, a compact JWT or an SD-JWT (``~`` form),
in bounded time and memory.

The verifier, the wallet's importer (`formats.importing`, which adds baked images) and every
adapter read credentials through `parse_input`. A new serialisation (e.g. SD-JWT's
``~``-separated form) is a new `InputKind` here and a new envelope in `verify/`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

MAX_INPUT_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64

_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")
# A COSE_Sign1: CBOR tag 18, then an array of 4 (VC-JOSE-COSE vc+cose / vp+cose)
_COSE_SIGN1 = b"\xd2\x84"


class InputError(ValueError):
    """The input is not a credential at all; the message says why, in one line."""


InputKind = Literal["json", "jwt", "url", "sd-jwt", "cose"]
ImageKind = Literal["png", "svg"]


@dataclass(frozen=True)
class ParsedInput:
    """``document`` or ``jwt``; read out of a baked badge image, ``image`` says which kind.
    A baked Open Badges 2.0 image may carry only the URL of its hosted assertion: then
    ``hosted_url`` is set and neither ``document`` nor ``jwt`` is."""

    document: dict[str, Any] | None
    jwt: str | None = None
    image: ImageKind | None = None
    hosted_url: str | None = None
    sd_jwt: str | None = None  # an SD-JWT (RFC 9901): <jwt>~<disclosures>~[<kb-jwt>]
    cose: bytes | None = None  # a COSE_Sign1 (given as CBOR, or as its base64 text)

    @property
    def kind(self) -> InputKind:
        """What the input is: a JSON object, a compact JWS/JWT, an SD-JWT, or a hosted URL."""
        if self.sd_jwt is not None:
            return "sd-jwt"
        if self.jwt is not None:
            return "jwt"
        if self.cose is not None:
            return "cose"
        return "url" if self.document is None and self.hosted_url is not None else "json"


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Iterative depth check: no recursion, so hostile nesting cannot exhaust the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


MAX_SD_JWT_PARTS = 2002  # the issuer JWT, 2000 disclosures, the KB-JWT slot
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def _sd_jwt(text: str) -> ParsedInput:
    """An SD-JWT's compact form, its shape checked (what it says is the verifier's)."""
    parts = text.split("~")
    if len(parts) > MAX_SD_JWT_PARTS:
        raise InputError(f"the SD-JWT has more than {MAX_SD_JWT_PARTS - 2} disclosures")
    first, *disclosures, last = parts
    if not _JWT.match(first):
        raise InputError("the input has ~ but does not start with a JWT (an SD-JWT is jwt~...~)")
    if last and not _JWT.match(last):
        raise InputError(
            "the SD-JWT does not end with ~ (or a Key Binding JWT): add the trailing ~"
        )
    for number, disclosure in enumerate(disclosures, 1):
        if not _B64URL.match(disclosure):
            raise InputError(
                f"disclosure {number} of the SD-JWT is empty or not base64url (two ~ in a row?)"
            )
    return ParsedInput(document=None, sd_jwt=text)


def _is_image(raw: bytes | str) -> bool:
    if isinstance(raw, bytes):
        return raw.startswith(b"\x89PNG\r\n\x1a\n") or raw.lstrip(
            b"\xef\xbb\xbf \t\r\n"
        ).startswith(b"<")
    return raw.lstrip("\ufeff \t\r\n").startswith("<")


def _unbake(raw: bytes | str) -> ParsedInput:
    """The badge baked into a PNG or SVG image (Open Badges 3.0 or 2.0 baking rules)."""
    # Imported here: formats.baked reads this module's bounds (MAX_INPUT_BYTES, MAX_DEPTH).
    from microcred.formats.baked import BakedBadgeError, extract_png, extract_svg, is_png

    try:
        badge = extract_png(raw) if isinstance(raw, bytes) and is_png(raw) else extract_svg(raw)
    except BakedBadgeError as exc:
        raise InputError(str(exc)) from None
    if badge.content == "url":
        return ParsedInput(None, None, badge.image, badge.text)
    inner = parse_input(badge.text)
    return ParsedInput(inner.document, inner.jwt, badge.image, badge.verify_url)


def _cose_text(text: str) -> bytes | None:
    """The COSE_Sign1 that base64 or base64url ``text`` encodes (VC-JOSE-COSE's text form),
    or None when it is not one."""
    if not _BASE64.match(text):
        return None
    alphabet = text.rstrip("=")
    padded = alphabet + "=" * (-len(alphabet) % 4)
    try:
        if "-" in alphabet or "_" in alphabet:
            data = base64.urlsafe_b64decode(padded)
        else:
            data = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data.startswith(_COSE_SIGN1) else None


def parse_input(raw: bytes | str | dict[str, Any], *, images: bool = False) -> ParsedInput:
    """``raw`` as a JSON object or a compact JWT; InputError says why it is neither.

    ``images``: a PNG or SVG image is read too, for the badge baked into it (a verifier's
    input; an importer that must tell images apart reads them with `formats.baked`)."""
    if isinstance(raw, dict):
        if depth_exceeds(raw):
            raise InputError(f"the document is nested more than {MAX_DEPTH} levels deep")
        return ParsedInput(document=raw)
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(
            f"the input is {len(raw) / 1_048_576:.1f} MB; credentials are limited to "
            f"{MAX_INPUT_BYTES // 1_048_576} MB"
        )
    if images and _is_image(raw):
        return _unbake(raw)
    if isinstance(raw, bytes) and raw.startswith(_COSE_SIGN1):
        return ParsedInput(document=None, cose=raw)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(
                "the input is not UTF-8 text (a credential is JSON or a JWT)"
            ) from None
    else:
        text = raw
    stripped = text.strip()
    if not stripped:
        raise InputError("the input is empty")
    if _JWT.match(stripped):
        return ParsedInput(document=None, jwt=stripped)
    if "~" in stripped[:10_000] and stripped[0] not in "{[":
        return _sd_jwt(stripped)
    cose = _cose_text(stripped)
    if cose is not None:
        return ParsedInput(document=None, cose=cose)
    if stripped[0] not in "{[":
        raise InputError("the input is neither JSON nor a JWT")
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"the input is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise InputError(f"the document is nested more than {MAX_DEPTH} levels deep") from None
    if not isinstance(value, dict):
        raise InputError(f"a credential is a JSON object, not a JSON {type(value).__name__}")
    if depth_exceeds(value):
        raise InputError(f"the document is nested more than {MAX_DEPTH} levels deep")
    return ParsedInput(document=value)
