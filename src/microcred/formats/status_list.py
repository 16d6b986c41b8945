"""W3C Bitstring Status List v1.0: entries, list credentials, and the compressed bitstring."""

from __future__ import annotations

import base64
import gzip
import zlib
from datetime import datetime, timedelta
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
MIN_LIST_BITS = 131_072  # the spec's minimum number of entries, for herd privacy
MAX_LIST_BYTES = 16 * 1024 * 1024  # refuse to inflate more than this (decompression bombs)
PURPOSES = ("revocation", "suspension")
MAX_STATUS_SIZE = 8  # bits per entry a verifier reads (the IETF Token Status List's maximum)

# The one status list an organisation publishes: `statusPurpose: "message"`, two bits per
# credential. The values are those of the IETF Token Status List (0 VALID, 1 INVALID,
# 2 SUSPENDED, 3 application-specific), so that an SD-JWT VC can one day share the same
# index and value. 0x3 is not used: "undefined" is the spec's word for a value that may be
# defined later.
MESSAGE_PURPOSE = "message"
MESSAGE_STATUS_SIZE = 2
STATUS_VALID, STATUS_REVOKED, STATUS_SUSPENDED = 0, 1, 2
STATUS_MESSAGES: tuple[tuple[int, str], ...] = (
    (STATUS_VALID, "valid"),
    (STATUS_REVOKED, "revoked"),
    (STATUS_SUSPENDED, "suspended"),
    (3, "undefined"),
)


class StatusListError(ValueError):
    pass


def new_bitstring(entries: int = MIN_LIST_BITS, status_size: int = 1) -> bytearray:
    """A zeroed bitstring for `entries` statuses of `status_size` bits each."""
    return bytearray((entries * status_size + 7) // 8)


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


def get_value(bitstring: bytes, index: int, status_size: int) -> int:
    """The `status_size`-bit status at `index`: bits index*size .. index*size+size-1, the
    first of them the most significant (the spec counts bits from the left)."""
    if index < 0 or (index + 1) * status_size > len(bitstring) * 8:
        raise StatusListError(
            f"status index {index} is outside the list of "
            f"{len(bitstring) * 8 // status_size} entries"
        )
    value = 0
    for bit in range(index * status_size, (index + 1) * status_size):
        value = (value << 1) | get_bit(bitstring, bit)
    return value


def set_value(bitstring: bytearray, index: int, status_size: int, value: int) -> None:
    if not 0 <= value < 1 << status_size:
        raise StatusListError(f"status value {value} does not fit in {status_size} bits")
    start = index * status_size
    for offset in range(status_size):
        set_bit(bitstring, start + offset, bool(value >> (status_size - 1 - offset) & 1))


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


def message_entry(list_url: str, index: int, *, reference: str | None = None) -> dict[str, Any]:
    """The one `credentialStatus` of a credential: its 2-bit entry in the message list,
    with the messages its issuer commits to at issuance (the spec asks for all of them)."""
    entry: dict[str, Any] = {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": MESSAGE_PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
        "statusSize": MESSAGE_STATUS_SIZE,
        "statusMessage": [
            {"status": hex(value), "message": message} for value, message in STATUS_MESSAGES
        ],
    }
    if reference is not None:
        entry["statusReference"] = reference
    return entry


def status_list_credential(
    list_url: str,
    *,
    issuer: str,
    purpose: str,
    bitstring: bytes,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl: timedelta | None = None,
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
    if ttl is not None:  # milliseconds before a verifier should fetch it again
        credential["credentialSubject"]["ttl"] = int(ttl.total_seconds() * 1000)
    return credential
