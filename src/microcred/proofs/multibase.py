"""Multibase (base58btc) and multicodec-prefixed public / private keys (Multikey)."""

from __future__ import annotations

import base58

from microcred.proofs.errors import MultibaseError

__all__ = [
    "ED25519_PRIV",
    "ED25519_PUB",
    "MULTICODECS",
    "P256_PRIV",
    "P256_PUB",
    "P384_PRIV",
    "P384_PUB",
    "P521_PRIV",
    "P521_PUB",
    "decode_base58btc",
    "decode_multikey",
    "encode_base58btc",
    "encode_multikey",
]

ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
P256_PUB = b"\x80\x24"
P256_PRIV = b"\x86\x26"
P384_PUB = b"\x81\x24"  # multicodec 0x1201, varint-encoded
P384_PRIV = b"\x87\x26"  # multicodec 0x1307
P521_PUB = b"\x82\x24"  # multicodec 0x1202
P521_PRIV = b"\x88\x26"  # multicodec 0x1308

MULTICODECS: dict[str, tuple[bytes, int]] = {
    "ed25519-pub": (ED25519_PUB, 32),
    "ed25519-priv": (ED25519_PRIV, 32),
    "p256-pub": (P256_PUB, 33),
    "p256-priv": (P256_PRIV, 32),
    "p384-pub": (P384_PUB, 49),
    "p384-priv": (P384_PRIV, 48),
    "p521-pub": (P521_PUB, 67),
    "p521-priv": (P521_PRIV, 66),
}
"""multicodec name -> (varint prefix, raw key length)."""

MAX_MULTIBASE_LENGTH = 4096


_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]  # index: 58 * high + low
_PAIRS_PER_WORD = 5
_WORD = 58 ** (2 * _PAIRS_PER_WORD)


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58 (Bitcoin alphabet).

    Hand-written because the `base58` package converts digit by digit in Python, which
    costs as much as an Ed25519 signature; here the number is cut into 10-digit words and
    each word into 2-digit pairs from a table (tests compare it with the package).
    """
    number = int.from_bytes(data, "big")
    pairs: list[str] = []
    while number:
        number, word = divmod(number, _WORD)
        for _ in range(_PAIRS_PER_WORD):
            word, pair = divmod(word, 3364)
            pairs.append(_PAIRS[pair])
    digits = "".join(reversed(pairs)).lstrip("1")
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "z" + "1" * zeros + digits


def decode_base58btc(value: str) -> bytes:
    """Decode a ``z``-prefixed multibase base58btc string."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise MultibaseError("expected a multibase base58btc string starting with 'z'")
    if len(value) > MAX_MULTIBASE_LENGTH:
        raise MultibaseError("multibase string is too long")
    try:
        return base58.b58decode(value[1:].encode("ascii"))
    except ValueError as cause:
        raise MultibaseError(f"invalid base58btc: {cause}") from None


def encode_multikey(codec: str, raw: bytes) -> str:
    """Multibase(base58btc, multicodec prefix || raw key)."""
    prefix, length = MULTICODECS[codec]
    if len(raw) != length:
        raise MultibaseError(f"{codec} key must be {length} bytes, got {len(raw)}")
    return encode_base58btc(prefix + raw)


def decode_multikey(value: str) -> tuple[str, bytes]:
    """Decode a Multikey string into ``(multicodec name, raw key bytes)``."""
    data = decode_base58btc(value)
    for codec, (prefix, length) in MULTICODECS.items():
        if data.startswith(prefix):
            raw = data[len(prefix) :]
            if len(raw) != length:
                raise MultibaseError(f"{codec} key must be {length} bytes, got {len(raw)}")
            return codec, raw
    raise MultibaseError(
        "unsupported multicodec prefix (expected an Ed25519, P-256, P-384 or P-521 key)"
    )
