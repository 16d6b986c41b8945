"""Key generation and raw signing / verification (the "dangerous crypto apart" module).

Only this module touches private key material. Exporting a private key requires an explicit
encryption key or passphrase (or ``allow_unencrypted=True``); ``repr`` never shows it.
"""

from __future__ import annotations

import base64
import os
from typing import Any, ClassVar, Literal, Protocol, Self

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256, SHA384, SHA512
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from microcred.proofs.errors import (
    InvalidSignature,
    KeyDecryptionError,
    KeyExportError,
    KeyUsageError,
)
from microcred.proofs.multibase import decode_multikey, encode_multikey

__all__ = [
    "Ed25519KeyPair",
    "KeyPair",
    "KeyType",
    "P256KeyPair",
    "P384KeyPair",
    "P521KeyPair",
    "PublicKeyPair",
    "decrypt_private_key",
    "encrypt_private_key",
    "keypair_from_jwk",
    "keypair_from_multibase",
    "load_key_file",
]

KeyType = Literal["Ed25519", "P-256", "P-384", "P-521", "RSA"]  # RSA: verify-only (rs256)

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(value: str) -> bytes:
    if not isinstance(value, str):
        raise KeyUsageError("expected a base64url string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError as cause:
        raise KeyUsageError(f"invalid base64url: {cause}") from None


class KeyPair(Protocol):
    """What the proof suites need from a key pair (public-only pairs can only verify)."""

    @property
    def key_type(self) -> KeyType: ...

    @property
    def public_multibase(self) -> str: ...

    @property
    def has_private(self) -> bool: ...

    def sign(self, data: bytes) -> bytes: ...

    def verify(self, signature: bytes, data: bytes) -> None: ...

    def to_public_jwk(self) -> dict[str, str]: ...

    def export_private(
        self,
        encryption_key: bytes | None,
        *,
        passphrase: str | None = None,
        allow_unencrypted: bool = False,
        controller: str | None = None,
        id: str | None = None,
    ) -> dict[str, Any]: ...


class _Base:
    key_type: ClassVar[KeyType]
    _pub_codec: ClassVar[str]
    _priv_codec: ClassVar[str]

    @property
    def public_multibase(self) -> str:
        return encode_multikey(self._pub_codec, self._public_raw())

    @property
    def has_private(self) -> bool:
        return self._private_raw_or_none() is not None

    def _public_raw(self) -> bytes:
        raise NotImplementedError

    def _private_raw_or_none(self) -> bytes | None:
        raise NotImplementedError

    def _private_multibase(self) -> str:
        raw = self._private_raw_or_none()
        if raw is None:
            raise KeyUsageError("this key pair has no private key")
        return encode_multikey(self._priv_codec, raw)

    def export_private(
        self,
        encryption_key: bytes | None,
        *,
        passphrase: str | None = None,
        allow_unencrypted: bool = False,
        controller: str | None = None,
        id: str | None = None,
    ) -> dict[str, Any]:
        """A JSON-able key file; the private key is AES-256-GCM encrypted unless explicitly not.

        ``encryption_key`` is a 32-byte key; alternatively give ``passphrase`` (scrypt).
        Writing the private key in clear needs ``encryption_key=None, allow_unencrypted=True``.
        """
        out: dict[str, Any] = {"type": "Multikey", "keyType": self.key_type}
        if controller is not None:
            out["controller"] = controller
        if id is not None:
            out["id"] = id
        public = self.public_multibase
        out["publicKeyMultibase"] = public
        private = self._private_multibase().encode("ascii")
        if encryption_key is not None or passphrase is not None:
            out["encryptedPrivateKey"] = encrypt_private_key(
                private, key=encryption_key, passphrase=passphrase, aad=public.encode("ascii")
            )
        elif allow_unencrypted:
            out["privateKeyMultibase"] = private.decode("ascii")
        else:
            raise KeyExportError(
                "refusing to export a private key without encryption: give an encryption "
                "key or passphrase, or allow_unencrypted=True"
            )
        return out

    def __repr__(self) -> str:
        private = "present" if self.has_private else "absent"
        return f"{type(self).__name__}(public={self.public_multibase!r}, private=<{private}>)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Base):
            return NotImplemented
        return type(self) is type(other) and self.public_multibase == other.public_multibase

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.public_multibase))


class Ed25519KeyPair(_Base):
    """An Ed25519 key pair (``eddsa-rdfc-2022``, JOSE ``EdDSA``)."""

    key_type: ClassVar[KeyType] = "Ed25519"
    _pub_codec = "ed25519-pub"
    _priv_codec = "ed25519-priv"

    def __init__(
        self,
        public_key: ed25519.Ed25519PublicKey,
        private_key: ed25519.Ed25519PrivateKey | None = None,
    ) -> None:
        self._public = public_key
        self.__private = private_key

    @classmethod
    def generate(cls) -> Self:
        private = ed25519.Ed25519PrivateKey.generate()
        return cls(private.public_key(), private)

    @classmethod
    def from_multibase(cls, public: str, private: str | None = None) -> Self:
        codec, raw = decode_multikey(public)
        if codec != "ed25519-pub":
            raise KeyUsageError(f"expected an Ed25519 public key, got {codec}")
        public_key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        private_key = None
        if private is not None:
            codec, raw = decode_multikey(private)
            if codec != "ed25519-priv":
                raise KeyUsageError(f"expected an Ed25519 private key, got {codec}")
            private_key = ed25519.Ed25519PrivateKey.from_private_bytes(raw)
            if private_key.public_key().public_bytes_raw() != public_key.public_bytes_raw():
                raise KeyUsageError("private key does not match the public key")
        return cls(public_key, private_key)

    def _public_raw(self) -> bytes:
        return self._public.public_bytes_raw()

    def _private_raw_or_none(self) -> bytes | None:
        return None if self.__private is None else self.__private.private_bytes_raw()

    def sign(self, data: bytes) -> bytes:
        if self.__private is None:
            raise KeyUsageError("this key pair has no private key")
        return self.__private.sign(data)

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise :class:`InvalidSignature` unless ``signature`` is valid for ``data``."""
        if len(signature) != 64:
            raise InvalidSignature("Ed25519 signature must be 64 bytes")
        try:
            self._public.verify(signature, data)
        except _CryptoInvalidSignature:
            raise InvalidSignature("Ed25519 signature does not verify") from None

    def to_public_jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64u(self._public_raw())}

    def _crypto_private_key(self) -> ed25519.Ed25519PrivateKey:
        if self.__private is None:
            raise KeyUsageError("this key pair has no private key")
        return self.__private


class _EcKeyPair(_Base):
    """An ECDSA key pair on one NIST curve; signatures are IEEE P1363 ``r || s``."""

    _curve: ClassVar[type[ec.EllipticCurve]]
    _size: ClassVar[int]  # bytes of a coordinate, of r and of s
    _hash: ClassVar[type[SHA256] | type[SHA384] | type[SHA512]]

    def __init__(
        self,
        public_key: ec.EllipticCurvePublicKey,
        private_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> None:
        if not isinstance(public_key.curve, self._curve):
            raise KeyUsageError(f"{type(self).__name__} needs a {self.key_type} key")
        self._public = public_key
        self.__private = private_key

    @classmethod
    def generate(cls) -> Self:
        private = ec.generate_private_key(cls._curve())
        return cls(private.public_key(), private)

    @classmethod
    def from_multibase(cls, public: str, private: str | None = None) -> Self:
        codec, raw = decode_multikey(public)
        if codec != cls._pub_codec:
            raise KeyUsageError(f"expected a {cls.key_type} public key, got {codec}")
        try:
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(cls._curve(), raw)
        except ValueError as cause:
            raise KeyUsageError(f"invalid {cls.key_type} point: {cause}") from None
        private_key = None
        if private is not None:
            codec, raw = decode_multikey(private)
            if codec != cls._priv_codec:
                raise KeyUsageError(f"expected a {cls.key_type} private key, got {codec}")
            try:
                private_key = ec.derive_private_key(int.from_bytes(raw, "big"), cls._curve())
            except ValueError as cause:
                raise KeyUsageError(f"invalid {cls.key_type} private key: {cause}") from None
            if private_key.public_key().public_numbers() != public_key.public_numbers():
                raise KeyUsageError("private key does not match the public key")
        return cls(public_key, private_key)

    @classmethod
    def from_jwk_coordinates(cls, x: bytes, y: bytes) -> Self:
        """A public-only pair from the JWK ``x`` and ``y`` coordinates (RFC 7518 section 6.2)."""
        if len(x) != cls._size or len(y) != cls._size:
            raise KeyUsageError(f"{cls.key_type} JWK coordinates must be {cls._size} bytes")
        point = ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), cls._curve()
        ).public_key()
        return cls(point)

    def _public_raw(self) -> bytes:
        return self._public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)

    def _private_raw_or_none(self) -> bytes | None:
        if self.__private is None:
            return None
        return self.__private.private_numbers().private_value.to_bytes(self._size, "big")

    def sign(self, data: bytes) -> bytes:
        """ECDSA over ``data`` with the curve's hash; IEEE P1363 ``r || s``."""
        if self.__private is None:
            raise KeyUsageError("this key pair has no private key")
        r, s = decode_dss_signature(self.__private.sign(data, ec.ECDSA(self._hash())))
        return r.to_bytes(self._size, "big") + s.to_bytes(self._size, "big")

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise :class:`InvalidSignature` unless the r||s ``signature`` is valid for ``data``."""
        size = self._size
        if len(signature) != 2 * size:
            raise InvalidSignature(f"{self.key_type} signature must be {2 * size} bytes (r || s)")
        der = encode_dss_signature(
            int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        )
        try:
            self._public.verify(der, data, ec.ECDSA(self._hash()))
        except _CryptoInvalidSignature:
            raise InvalidSignature(f"ECDSA {self.key_type} signature does not verify") from None

    def to_public_jwk(self) -> dict[str, str]:
        numbers = self._public.public_numbers()
        return {
            "kty": "EC",
            "crv": self.key_type,
            "x": _b64u(numbers.x.to_bytes(self._size, "big")),
            "y": _b64u(numbers.y.to_bytes(self._size, "big")),
        }

    def _crypto_private_key(self) -> ec.EllipticCurvePrivateKey:
        if self.__private is None:
            raise KeyUsageError("this key pair has no private key")
        return self.__private


class P256KeyPair(_EcKeyPair):
    """An ECDSA P-256 key pair (``ecdsa-rdfc-2019``, JOSE ``ES256``); signatures are r||s."""

    key_type: ClassVar[KeyType] = "P-256"
    _pub_codec = "p256-pub"
    _priv_codec = "p256-priv"
    _curve = ec.SECP256R1
    _size = 32
    _hash = SHA256


class P384KeyPair(_EcKeyPair):
    """An ECDSA P-384 key pair (JOSE ``ES384``, VC-JOSE-COSE); signatures are r||s (96 bytes)."""

    key_type: ClassVar[KeyType] = "P-384"
    _pub_codec = "p384-pub"
    _priv_codec = "p384-priv"
    _curve = ec.SECP384R1
    _size = 48
    _hash = SHA384


class P521KeyPair(_EcKeyPair):
    """An ECDSA P-521 key pair (JOSE ``ES512``, VC-JOSE-COSE); signatures are r||s (132 bytes)."""

    key_type: ClassVar[KeyType] = "P-521"
    _pub_codec = "p521-pub"
    _priv_codec = "p521-priv"
    _curve = ec.SECP521R1
    _size = 66
    _hash = SHA512


PublicKeyPair = Ed25519KeyPair | P256KeyPair | P384KeyPair | P521KeyPair
"""Any key pair this module builds from a Multikey or a JWK."""


_EC_CURVES: dict[str, type[P256KeyPair] | type[P384KeyPair] | type[P521KeyPair]] = {
    "P-256": P256KeyPair,
    "P-384": P384KeyPair,
    "P-521": P521KeyPair,
}


def keypair_from_multibase(public: str, private: str | None = None) -> PublicKeyPair:
    """Build the right key pair class from a Multikey public key (and optional private key)."""
    codec, _ = decode_multikey(public)
    if codec == "ed25519-pub":
        return Ed25519KeyPair.from_multibase(public, private)
    if codec == "p256-pub":
        return P256KeyPair.from_multibase(public, private)
    if codec == "p384-pub":
        return P384KeyPair.from_multibase(public, private)
    if codec == "p521-pub":
        return P521KeyPair.from_multibase(public, private)
    raise KeyUsageError(f"{codec} is not a public key")


def keypair_from_jwk(jwk: dict[str, Any]) -> PublicKeyPair:
    """A public-only key pair from a public JWK (OKP Ed25519, EC P-256, P-384 or P-521)."""
    if not isinstance(jwk, dict):
        raise KeyUsageError("JWK must be an object")
    if "d" in jwk:
        raise KeyUsageError("refusing a JWK that carries private key material")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    try:
        if kty == "OKP" and crv == "Ed25519":
            return Ed25519KeyPair(ed25519.Ed25519PublicKey.from_public_bytes(_unb64u(jwk["x"])))
        if kty == "EC" and crv in _EC_CURVES:
            return _EC_CURVES[crv].from_jwk_coordinates(_unb64u(jwk["x"]), _unb64u(jwk["y"]))
    except (KeyError, ValueError) as cause:
        raise KeyUsageError(f"invalid JWK: {cause}") from None
    raise KeyUsageError(f"unsupported JWK key type {kty!r}/{crv!r}")


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def encrypt_private_key(
    plaintext: bytes,
    *,
    key: bytes | None = None,
    passphrase: str | None = None,
    aad: bytes = b"",
) -> dict[str, Any]:
    """AES-256-GCM encrypt ``plaintext`` under a 32-byte ``key`` or a scrypt-derived key."""
    if (key is None) == (passphrase is None):
        raise KeyUsageError("give exactly one of an encryption key or a passphrase")
    blob: dict[str, Any] = {"alg": "A256GCM"}
    if key is not None:
        if len(key) != 32:
            raise KeyUsageError("the encryption key must be 32 bytes (AES-256)")
        blob["kdf"] = "none"
        aes_key = key
    else:
        assert passphrase is not None
        salt = os.urandom(16)
        blob.update(
            {"kdf": "scrypt", "salt": _b64u(salt), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
        )
        aes_key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    nonce = os.urandom(12)
    blob["iv"] = _b64u(nonce)
    blob["ciphertext"] = _b64u(AESGCM(aes_key).encrypt(nonce, plaintext, aad))
    return blob


def decrypt_private_key(
    blob: dict[str, Any],
    *,
    key: bytes | None = None,
    passphrase: str | None = None,
    aad: bytes = b"",
) -> bytes:
    """Inverse of :func:`encrypt_private_key`; raises :class:`KeyDecryptionError`."""
    if not isinstance(blob, dict) or blob.get("alg") != "A256GCM":
        raise KeyDecryptionError("unsupported encrypted key format")
    kdf = blob.get("kdf")
    if kdf == "none":
        if key is None or len(key) != 32:
            raise KeyDecryptionError("a 32-byte encryption key is needed")
        aes_key = key
    elif kdf == "scrypt":
        if passphrase is None:
            raise KeyDecryptionError("a passphrase is needed")
        n, r, p = blob.get("n"), blob.get("r"), blob.get("p")
        if not all(isinstance(v, int) for v in (n, r, p)) or not (
            2 <= int(n) <= 2**20 and 1 <= int(r) <= 32 and 1 <= int(p) <= 16  # type: ignore[arg-type]
        ):
            raise KeyDecryptionError("unacceptable scrypt parameters")
        aes_key = _derive(passphrase, _unb64u(blob.get("salt", "")), int(n), int(r), int(p))  # type: ignore[arg-type]
    else:
        raise KeyDecryptionError(f"unsupported key derivation {kdf!r}")
    try:
        return AESGCM(aes_key).decrypt(
            _unb64u(blob.get("iv", "")), _unb64u(blob.get("ciphertext", "")), aad
        )
    except (InvalidTag, ValueError):
        raise KeyDecryptionError("cannot decrypt the private key (wrong key or tampered)") from None


def load_key_file(
    data: dict[str, Any],
    *,
    encryption_key: bytes | None = None,
    passphrase: str | None = None,
) -> PublicKeyPair:
    """Load a key file written by ``export_private`` (public-only if it has no private part)."""
    if not isinstance(data, dict) or data.get("type") != "Multikey":
        raise KeyUsageError("not a Multikey key file")
    public = data.get("publicKeyMultibase")
    if not isinstance(public, str):
        raise KeyUsageError("key file has no publicKeyMultibase")
    private: str | None = None
    if "encryptedPrivateKey" in data:
        raw = decrypt_private_key(
            data["encryptedPrivateKey"],
            key=encryption_key,
            passphrase=passphrase,
            aad=public.encode("ascii"),
        )
        private = raw.decode("ascii")
    elif "privateKeyMultibase" in data:
        private = data["privateKeyMultibase"]
    pair = keypair_from_multibase(public, private)
    if data.get("keyType") not in (None, pair.key_type):
        raise KeyUsageError("keyType does not match the key")
    return pair
