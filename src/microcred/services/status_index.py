"""Random-looking, never reused status list indexes.

Each list hands out sequence numbers 0, 1, 2, ... atomically in the database;
a keyed pseudo-random permutation maps them to positions in the list. So
indexes reveal nothing about issuing order or volume (herd privacy, as the
Bitstring Status List spec asks), are never reused, and a list fills up
completely. Written by hand because no maintained library offers a keyed
permutation of a small integer domain: a 4-round Feistel network over the
next even bit width, with cycle-walking into [0, size).
"""

from __future__ import annotations

import hashlib


def _round(key: bytes, round_number: int, value: int, bits: int) -> int:
    # Keyed BLAKE2b is a PRF (and much cheaper per call than HMAC-SHA256).
    digest = hashlib.blake2b(
        f"{round_number}:{value}".encode(), key=key[:64], digest_size=8
    ).digest()
    return int.from_bytes(digest, "big") & ((1 << bits) - 1)


def _feistel(key: bytes, value: int, half_bits: int) -> int:
    mask = (1 << half_bits) - 1
    left, right = value >> half_bits, value & mask
    for round_number in range(4):
        left, right = right, left ^ _round(key, round_number, right, half_bits)
    return (left << half_bits) | right


def permuted_index(key: bytes, sequence: int, size: int) -> int:
    """The position in a list of `size` entries for the `sequence`-th credential."""
    if not 0 <= sequence < size:
        raise ValueError(f"sequence {sequence} is outside a list of {size}")
    half_bits = max(1, ((size - 1).bit_length() + 1) // 2)
    value = sequence
    while True:  # cycle-walking: at most a few steps since the domain is < 4 * size
        value = _feistel(key, value, half_bits)
        if value < size:
            return value
