"""The joserfc signing key is made once per key pair object (bench/sd_jwt_vc.py: issuing
speed) and never lent to another object: a public-only key pair equal to a cached one still
cannot sign, and a key pair dropped takes its cached key with it."""

from __future__ import annotations

import gc

import pytest

from microcred.proofs import jose
from microcred.proofs.jose import sign_jws, verify_jws
from microcred.proofs.keys import P256KeyPair


def test_cached_per_object_not_per_equal_key() -> None:
    key = P256KeyPair.generate()
    first = sign_jws({"n": 1}, key, header={"typ": "JWT"})
    assert id(key) in jose._SIGNING_KEYS
    second = sign_jws({"n": 2}, key, header={"typ": "JWT"})
    assert first != second
    public_only = P256KeyPair.from_multibase(key.public_multibase)
    for token in (first, second):
        verify_jws(token, resolve_key=lambda _header: public_only, typs=("JWT",))
    assert public_only == key and not public_only.has_private
    with pytest.raises(Exception, match="no private key"):
        sign_jws({"n": 3}, public_only, header={"typ": "JWT"})
    ident = id(key)
    del key
    gc.collect()
    assert ident not in jose._SIGNING_KEYS
