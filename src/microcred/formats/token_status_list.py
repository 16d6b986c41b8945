"""IETF Token Status List (draft-ietf-oauth-status-list-14, the version HAIP 1.0 pins).

Pure: the Status List (``bits`` + ``lst``), the Status List Token's header and claims, and
the ``status.status_list {idx, uri}`` reference of a Referenced Token (an SD-JWT VC). The
signing and the signature check are `proofs.jose` (``sign_jws`` / ``verify_jws``); this
module never sees a key.

Not the W3C Bitstring Status List (`formats/status_list.py`), although both are published
from the same rows: here the byte array is DEFLATE in the ZLIB format (not GZIP), statuses
are packed from the least significant bit of each byte (not the most significant), ``lst``
is base64url without padding (not multibase), and the token is a JWT with
``typ: statuslist+jwt`` (draft §4.1, §5.1).

Written by hand: the whole format is zlib, base64url and bit arithmetic of one byte, and
the one Python package for it (``token-status-list`` 0.1.0a2.dev1, 2024) is an alpha that
tracks an unknown draft and does not bound the decompressed size.

Later drafts (up to -20, 2026-04) keep the JSON and JWT forms of -14 unchanged; they make
serving the token at the URI a MUST (was SHOULD), rejecting an index out of bounds a MUST
(was SHOULD), the registered status values a MUST when their meaning fits, and answer an
unsupported historical ``time`` with 404 (was 406). None of it changes what is written here.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ALLOWED_BITS",
    "INVALID",
    "JSON_MEDIA_TYPE",
    "MAX_LIST_BYTES",
    "MEDIA_TYPE",
    "SUSPENDED",
    "TYP",
    "VALID",
    "StatusListReference",
    "StatusListToken",
    "TokenStatusListError",
    "compress",
    "decompress",
    "encode",
    "get_status",
    "new_list",
    "read_reference",
    "read_token_claims",
    "reference_claim",
    "set_status",
    "status_list_object",
    "statuses",
    "token_claims",
]

TYP = "statuslist+jwt"
MEDIA_TYPE = "application/statuslist+jwt"
# The unsigned JSON form a client may ask for with Accept (the draft's "StatusList in JSON").
JSON_MEDIA_TYPE = "application/statuslist+json"
ALLOWED_BITS = (1, 2, 4, 8)

# Status Types (draft -14 §7.1); microcred's Bitstring message list uses the same values
# (0 valid, 1 revoked, 2 suspended), so one index and one value mean the same in both.
VALID = 0x00
INVALID = 0x01
SUSPENDED = 0x02

# Zip-bomb bound on the decompressed byte array: 4 MiB is 33.5 million 1-bit statuses or
# 16.7 million 2-bit ones; microcred's own lists are 131,072 entries (32 KiB at 2 bits).
MAX_LIST_BYTES = 4 * 1024 * 1024
# The encoded `lst` itself (1 MiB is also what the outbound fetcher reads at most).
MAX_LST_LENGTH = 1024 * 1024


class TokenStatusListError(ValueError):
    """A status list, token or reference that does not follow the draft; ``field`` names
    the member at fault."""

    def __init__(self, message: str, field: str = "status_list") -> None:
        super().__init__(message)
        self.field = field


def _check_bits(bits: Any) -> int:
    if isinstance(bits, bool) or not isinstance(bits, int) or bits not in ALLOWED_BITS:
        raise TokenStatusListError(f"bits must be 1, 2, 4 or 8, not {bits!r}", "bits")
    return bits


def new_list(size: int, bits: int) -> bytearray:
    """A byte array of ``size`` statuses of ``bits`` each, all VALID (0)."""
    _check_bits(bits)
    if size < 0:
        raise TokenStatusListError("size must not be negative", "size")
    return bytearray((size * bits + 7) // 8)


def _position(index: int, bits: int, length: int) -> tuple[int, int]:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise TokenStatusListError(f"index must be a whole number 0 or more, not {index!r}", "idx")
    per_byte = 8 // bits
    byte = index // per_byte
    if byte >= length:
        raise TokenStatusListError(
            f"index {index} is out of bounds: the list has {length * per_byte} entries", "idx"
        )
    return byte, (index % per_byte) * bits  # LSB-first: index 0 is the lowest bits


def get_status(raw: bytes | bytearray, index: int, bits: int) -> int:
    """The status at ``index`` of the decompressed byte array."""
    _check_bits(bits)
    byte, shift = _position(index, bits, len(raw))
    return (raw[byte] >> shift) & ((1 << bits) - 1)


def set_status(raw: bytearray, index: int, bits: int, value: int) -> None:
    _check_bits(bits)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < (1 << bits):
        raise TokenStatusListError(f"a status of {bits} bits cannot be {value!r}", "value")
    byte, shift = _position(index, bits, len(raw))
    mask = ((1 << bits) - 1) << shift
    raw[byte] = (raw[byte] & ~mask & 0xFF) | (value << shift)


def statuses(raw: bytes | bytearray, bits: int) -> list[int]:
    """Every status of the byte array, in index order."""
    _check_bits(bits)
    mask = (1 << bits) - 1
    return [(byte >> shift) & mask for byte in raw for shift in range(0, 8, bits)]


def compress(raw: bytes | bytearray) -> str:
    """``lst``: DEFLATE in the ZLIB format at the highest level (draft §4.1 step 4),
    base64url without padding."""
    return base64.urlsafe_b64encode(zlib.compress(bytes(raw), 9)).rstrip(b"=").decode("ascii")


def decompress(lst: Any, *, max_bytes: int = MAX_LIST_BYTES) -> bytes:
    """The byte array of ``lst``; refuses more than ``max_bytes`` once decompressed."""
    if not isinstance(lst, str) or not lst:
        raise TokenStatusListError("lst must be a non-empty base64url string", "lst")
    if len(lst) > MAX_LST_LENGTH:
        raise TokenStatusListError(f"lst is longer than {MAX_LST_LENGTH} characters", "lst")
    text = "".join(lst.split())  # the draft's examples are wrapped; a token's never is
    if not text.isascii() or any(c in "+/=" for c in text):
        raise TokenStatusListError("lst must be base64url without padding", "lst")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise TokenStatusListError("lst is not base64url", "lst") from None
    inflater = zlib.decompressobj()  # ZLIB format: header and Adler-32 are checked
    try:
        raw = inflater.decompress(data, max_bytes)
        if inflater.unconsumed_tail:
            raise TokenStatusListError(f"lst decompresses to more than {max_bytes} bytes", "lst")
        raw += inflater.flush()
    except zlib.error as exc:
        raise TokenStatusListError(f"lst is not ZLIB-compressed data: {exc}", "lst") from None
    if not inflater.eof:
        raise TokenStatusListError("lst is truncated ZLIB data", "lst")
    if inflater.unused_data:
        raise TokenStatusListError("lst has bytes after its ZLIB data", "lst")
    if len(raw) > max_bytes:
        raise TokenStatusListError(f"lst decompresses to more than {max_bytes} bytes", "lst")
    return raw


def encode(values: Sequence[int] | Iterable[int], bits: int) -> bytearray:
    """The byte array of a sequence of statuses (index order)."""
    items = list(values)
    raw = new_list(len(items), bits)
    for index, value in enumerate(items):
        if value:
            set_status(raw, index, bits, value)
    return raw


def status_list_object(
    raw: bytes | bytearray, bits: int, *, aggregation_uri: str | None = None
) -> dict[str, Any]:
    """The ``StatusList`` JSON object (draft §4.2)."""
    out: dict[str, Any] = {"bits": _check_bits(bits), "lst": compress(raw)}
    if aggregation_uri is not None:
        out["aggregation_uri"] = aggregation_uri
    return out


def token_claims(
    uri: str,
    status_list: Mapping[str, Any],
    *,
    iat: int,
    exp: int | None,
    ttl: int | None,
    iss: str | None = None,
) -> dict[str, Any]:
    """The Status List Token's claims (draft §5.1): ``sub`` is the token's own URI."""
    claims: dict[str, Any] = {"sub": uri, "iat": iat}
    if iss is not None:
        claims["iss"] = iss
    if exp is not None:
        claims["exp"] = exp
    if ttl is not None:
        claims["ttl"] = ttl
    claims["status_list"] = dict(status_list)
    return claims


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _numeric(value: Any) -> bool:
    # NumericDate (RFC 7519 §2) may have a fraction
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _is_uri(value: Any) -> bool:
    if not isinstance(value, str) or not value or len(value) > 2048:
        return False
    if any(c.isspace() or ord(c) < 0x21 for c in value):
        return False
    scheme, colon, rest = value.partition(":")
    return bool(colon and rest and scheme[:1].isalpha())


@dataclass(frozen=True)
class StatusListToken:
    """The claims of a Status List Token whose form follows the draft (not yet its
    signature, freshness or subject: the verifier checks those)."""

    sub: str
    iat: float
    exp: float | None
    ttl: float | None
    bits: int
    lst: str
    aggregation_uri: str | None

    def list_bytes(self, *, max_bytes: int = MAX_LIST_BYTES) -> bytes:
        return decompress(self.lst, max_bytes=max_bytes)


def read_token_claims(claims: Any) -> StatusListToken:
    """The token's claims, checked for the members draft -14 §5.1 requires."""
    if not isinstance(claims, Mapping):
        raise TokenStatusListError("the token's claims are not a JSON object", "payload")
    sub = claims.get("sub")
    if not _is_uri(sub):
        raise TokenStatusListError("sub must be the URI of the status list token", "sub")
    iat: Any = claims.get("iat")
    if not _numeric(iat):
        raise TokenStatusListError("iat (issued at) is required and must be a number", "iat")
    exp = claims.get("exp")
    if exp is not None and not _numeric(exp):
        raise TokenStatusListError("exp must be a number (seconds since 1970)", "exp")
    ttl = claims.get("ttl")
    if ttl is not None and (not _numeric(ttl) or ttl <= 0):
        raise TokenStatusListError("ttl must be a positive number of seconds", "ttl")
    body = claims.get("status_list")
    if not isinstance(body, Mapping):
        raise TokenStatusListError("status_list is required and must be an object", "status_list")
    bits = _check_bits(body.get("bits"))
    lst = body.get("lst")
    if not isinstance(lst, str) or not lst:
        raise TokenStatusListError("status_list.lst must be a base64url string", "lst")
    aggregation = body.get("aggregation_uri")
    if aggregation is not None and not _is_uri(aggregation):
        raise TokenStatusListError("status_list.aggregation_uri must be a URI", "aggregation_uri")
    return StatusListToken(
        str(sub),
        float(iat),
        float(exp) if exp is not None else None,
        float(ttl) if ttl is not None else None,
        bits,
        lst,
        aggregation,
    )


@dataclass(frozen=True)
class StatusListReference:
    """``status.status_list`` of a Referenced Token (draft -14 §6.2)."""

    idx: int
    uri: str


def read_reference(status: Any) -> StatusListReference | None:
    """The reference in a token's ``status`` claim; None when it names no status list
    (another mechanism, or none). Raises when ``status_list`` is there but malformed."""
    if status is None:
        return None
    if not isinstance(status, Mapping):
        raise TokenStatusListError("status must be a JSON object", "status")
    entry = status.get("status_list")
    if entry is None:
        return None
    if not isinstance(entry, Mapping):
        raise TokenStatusListError("status.status_list must be an object", "status_list")
    idx: Any = entry.get("idx")
    uri: Any = entry.get("uri")
    if not _whole(idx) or idx < 0:
        raise TokenStatusListError("status.status_list.idx must be a whole number 0 or more", "idx")
    if not _is_uri(uri):
        raise TokenStatusListError("status.status_list.uri must be a URI", "uri")
    return StatusListReference(idx, str(uri))


def reference_claim(idx: int, uri: str) -> dict[str, Any]:
    """The ``status`` claim an issuer writes into a Referenced Token."""
    return {"status_list": {"idx": idx, "uri": uri}}
