from __future__ import annotations

import json
import os

import pytest

from microcred.proofs import (
    Ed25519KeyPair,
    InvalidSignature,
    KeyDecryptionError,
    KeyExportError,
    KeyUsageError,
    MultibaseError,
    P256KeyPair,
    decrypt_private_key,
    encrypt_private_key,
    keypair_from_jwk,
    keypair_from_multibase,
    load_key_file,
)
from microcred.proofs.multibase import (
    decode_base58btc,
    decode_multikey,
    encode_base58btc,
    encode_multikey,
)

W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_PRIVATE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"


def test_multibase_round_trip() -> None:
    data = b"\x00\x00hello"
    assert decode_base58btc(encode_base58btc(data)) == data
    with pytest.raises(MultibaseError):
        decode_base58btc("uAAAA")
    with pytest.raises(MultibaseError):
        decode_base58btc("z0OIl")


def test_multikey_prefixes() -> None:
    codec, raw = decode_multikey(W3C_PUBLIC)
    assert codec == "ed25519-pub" and len(raw) == 32
    assert encode_multikey("ed25519-pub", raw) == W3C_PUBLIC
    assert decode_base58btc(W3C_PUBLIC)[:2] == b"\xed\x01"
    assert decode_multikey(W3C_PRIVATE)[0] == "ed25519-priv"
    p256 = P256KeyPair.generate()
    assert p256.public_multibase.startswith("zDn")
    assert decode_base58btc(p256.public_multibase)[:2] == b"\x80\x24"
    assert len(decode_multikey(p256.public_multibase)[1]) == 33
    with pytest.raises(MultibaseError):
        decode_multikey(encode_base58btc(b"\x12\x34" + b"\x00" * 32))
    with pytest.raises(MultibaseError):
        encode_multikey("ed25519-pub", b"short")


def test_w3c_keypair_matches() -> None:
    pair = Ed25519KeyPair.from_multibase(W3C_PUBLIC, W3C_PRIVATE)
    assert pair.public_multibase == W3C_PUBLIC
    assert pair.key_type == "Ed25519"
    with pytest.raises(KeyUsageError):
        Ed25519KeyPair.from_multibase(Ed25519KeyPair.generate().public_multibase, W3C_PRIVATE)


@pytest.mark.parametrize("cls", [Ed25519KeyPair, P256KeyPair])
def test_sign_verify_raises(cls: type[Ed25519KeyPair] | type[P256KeyPair]) -> None:
    pair = cls.generate()
    signature = pair.sign(b"data")
    assert len(signature) == 64
    pair.verify(signature, b"data")
    with pytest.raises(InvalidSignature):
        pair.verify(signature, b"datA")
    with pytest.raises(InvalidSignature):
        cls.generate().verify(signature, b"data")
    with pytest.raises(InvalidSignature):
        pair.verify(signature[:-1], b"data")
    public_only = keypair_from_multibase(pair.public_multibase)
    public_only.verify(signature, b"data")
    assert not public_only.has_private
    with pytest.raises(KeyUsageError):
        public_only.sign(b"data")
    assert keypair_from_jwk(pair.to_public_jwk()) == pair


def test_p256_private_round_trip() -> None:
    pair = P256KeyPair.generate()
    exported = pair.export_private(None, allow_unencrypted=True)
    again = P256KeyPair.from_multibase(
        exported["publicKeyMultibase"], exported["privateKeyMultibase"]
    )
    again.verify(pair.sign(b"x"), b"x")
    pair.verify(again.sign(b"x"), b"x")
    assert exported["privateKeyMultibase"].startswith("z42t")  # 0x8626 prefix


def test_repr_hides_private() -> None:
    pair = Ed25519KeyPair.from_multibase(W3C_PUBLIC, W3C_PRIVATE)
    text = repr(pair) + str(pair)
    assert W3C_PRIVATE not in text and W3C_PUBLIC in text
    p256 = P256KeyPair.generate()
    private = p256.export_private(None, allow_unencrypted=True)["privateKeyMultibase"]
    assert private not in repr(p256)


def test_export_needs_explicit_choice() -> None:
    pair = Ed25519KeyPair.generate()
    with pytest.raises(KeyExportError):
        pair.export_private(None)


@pytest.mark.parametrize("cls", [Ed25519KeyPair, P256KeyPair])
def test_encrypted_key_file_round_trip(cls: type[Ed25519KeyPair] | type[P256KeyPair]) -> None:
    pair = cls.generate()
    key = os.urandom(32)
    data = pair.export_private(key, controller="did:web:example.com", id="did:web:example.com#k1")
    text = json.dumps(data)
    assert "privateKeyMultibase" not in text
    assert data["type"] == "Multikey" and data["keyType"] == pair.key_type
    assert data["controller"] == "did:web:example.com" and data["id"].endswith("#k1")
    loaded = load_key_file(json.loads(text), encryption_key=key)
    loaded.verify(loaded.sign(b"m"), b"m")
    pair.verify(loaded.sign(b"m"), b"m")
    with pytest.raises(KeyDecryptionError):
        load_key_file(data, encryption_key=os.urandom(32))
    # the public key is bound as associated data: swapping it breaks decryption
    other = cls.generate().public_multibase
    with pytest.raises(KeyDecryptionError):
        load_key_file({**data, "publicKeyMultibase": other}, encryption_key=key)


def test_passphrase_encryption() -> None:
    blob = encrypt_private_key(b"secret", passphrase="correct horse", aad=b"a")
    assert blob["kdf"] == "scrypt"
    assert decrypt_private_key(blob, passphrase="correct horse", aad=b"a") == b"secret"
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key(blob, passphrase="wrong", aad=b"a")
    tampered = {**blob, "ciphertext": blob["ciphertext"][:-2] + "AA"}
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key(tampered, passphrase="correct horse", aad=b"a")
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key({**blob, "n": 2**40}, passphrase="correct horse", aad=b"a")
    with pytest.raises(KeyUsageError):
        encrypt_private_key(b"x", key=b"short")


def test_jwk_with_private_part_refused() -> None:
    with pytest.raises(KeyUsageError):
        keypair_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"})
