"""W3C Bitstring Status List v1.0: entries, list credentials, and the compressed bitstring."""

from __future__ import annotations

import base64
import gzip
import zlib
from datetime import datetime
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
MIN_LIST_BITS = 131_072  # the spec's minimum size, for herd privacy
MAX_LIST_BYTES = 16 * 1024 * 1024  # refuse to inflate more than this (decompression bombs)
PURPOSES = ("revocation", "suspension")


class StatusListError(ValueError):
    pass


def new_bitstring(bits: int = MIN_LIST_BITS) -> bytearray:
    return bytearray((bits + 7) // 8)


def set_bit(bitstring: bytearray, index: int, value: bool) -> None:
    # Index 0 is the left-most (most significant) bit of the first byte.
    byte, offset = divmod(index, 8)
    mask = 0x80 >> offset
    if value:
        bitstring[byte] |= mask
    else:
        bitstring[byte] &= ~mask & 0xFF


def get_bit(bitstring: bytes, index: int) -> bool:
    byte, offset = divmod(index, 8)
    if index < 0 or byte >= len(bitstring):
        raise StatusListError(
            f"status index {index} is outside the list of {len(bitstring) * 8} entries"
        )
    return bool(bitstring[byte] & (0x80 >> offset))


def encode_list(bitstring: bytes) -> str:
    """Multibase base64url (no padding) of the GZIP-compressed bitstring."""
    compressed = gzip.compress(bytes(bitstring), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_list(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url (starting with 'u')")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        raise StatusListError("encodedList is not valid base64url") from None
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(compressed, MAX_LIST_BYTES + 1)
    except zlib.error:
        raise StatusListError("encodedList is not GZIP data") from None
    if len(data) > MAX_LIST_BYTES or inflater.unconsumed_tail:
        raise StatusListError("the status list is larger than 16 MB once inflated")
    return data


def status_entry(list_url: str, index: int, purpose: str) -> dict[str, Any]:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    list_url: str,
    *,
    issuer: str,
    purpose: str,
    bitstring: bytes,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned `BitstringStatusListCredential` for a list."""
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until.strftime("%Y-%m-%dT%H:%M:%SZ")
    credential["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encode_list(bitstring),
    }
    return credential
