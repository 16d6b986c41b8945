"""base58btc encoding against the `base58` package (the decoder microcred keeps using)."""

from __future__ import annotations

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.proofs.multibase import decode_base58btc, encode_base58btc


@settings(max_examples=500)
@given(data=st.binary(max_size=128))
def test_same_as_the_base58_package(data: bytes) -> None:
    encoded = encode_base58btc(data)
    assert encoded == "z" + base58.b58encode(data).decode("ascii")
    assert decode_base58btc(encoded) == data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "z"),
        (b"\0", "z1"),
        (b"\0\0\x01", "z112"),
        (b"Hello World!", "z2NEpo7TZRRrLZSi2U"),  # the multibase spec's example
        (bytes(range(64)), "z" + base58.b58encode(bytes(range(64))).decode()),
    ],
)
def test_known_values(data: bytes, expected: str) -> None:
    assert encode_base58btc(data) == expected
