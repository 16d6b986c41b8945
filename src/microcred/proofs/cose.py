"""COSE_Sign1 (RFC 9052 section 4.2), as VC-JOSE-COSE section 3.3 secures credentials with it.

A credential (or presentation) secured with COSE is a tagged COSE_Sign1 whose payload is the
credential's JSON, with ``typ`` (label 16, RFC 9596) ``application/vc+cose`` (``vp+cose``)
and content type (label 3) ``application/vc`` (``vp``) in the protected header, and the
signing key's ``kid`` (label 4). The signature is over ``Sig_structure1 = ["Signature1",
protected, h'', payload]`` with Ed25519 (``EdDSA`` -8, ``Ed25519`` -19), or ECDSA on P-256,
P-384, P-521 (``ES256`` -7, ``ES384`` -35, ``ES512`` -36) as ``r || s``.

Why by hand (cbor2 for CBOR, microcred's keys for the signature): PyPI ``pycose`` 1.1.0, the
only COSE library, no longer decodes with cbor2 6 (its CBORTag handling) and pulls in
oscrypto, certvalidator and the pure-Python ``ecdsa``; COSE_Sign1 itself is the 4-element
array and the Sig_structure above. The COSE header is given to callers as a JOSE-like
mapping (``alg`` by its JOSE name, ``kid`` as text, ``typ``, ``cty``) so the one key lookup
of the JWT forms (`proofs.vc_jwt.resolve_jwt_key`) finds the key here too.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from microcred.proofs.errors import (
    MalformedProof,
    UnsupportedCryptosuite,
    VerificationMethodError,
)
from microcred.proofs.keys import KeyPair

__all__ = [
    "COSE_ALGORITHMS",
    "MAX_COSE_BYTES",
    "VC_COSE_TYPS",
    "VP_COSE_TYPS",
    "CoseKeyResolver",
    "CoseSign1",
    "decode_cose_text",
    "encode_cose_text",
    "parse_cose_sign1",
    "sign_cose",
    "sign_vc_cose",
    "sign_vp_cose",
    "verify_cose",
    "verify_vc_cose",
    "verify_vp_cose",
]

MAX_COSE_BYTES = 1_000_000
COSE_SIGN1_TAG = 18
_ALG, _CRIT, _CTY, _KID, _TYP = 1, 2, 3, 4, 16
# COSE algorithm identifier -> (JOSE name, the key type it needs)
COSE_ALGORITHMS: Mapping[int, tuple[str, str]] = {
    -8: ("EdDSA", "Ed25519"),
    -19: ("Ed25519", "Ed25519"),  # RFC 9864, the fully-specified name
    -7: ("ES256", "P-256"),
    -35: ("ES384", "P-384"),
    -36: ("ES512", "P-521"),
}
_KEY_TYPE_ALG = {"Ed25519": -8, "P-256": -7, "P-384": -35, "P-521": -36}
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")

CoseKeyResolver = Callable[[Mapping[str, Any]], KeyPair]
"""``JOSE-like header -> public key``; raise to refuse."""


@dataclass(frozen=True)
class CoseSign1:
    """A parsed, NOT verified COSE_Sign1: its protected header bytes and map, the unprotected
    map, the payload bytes and the signature."""

    protected_bytes: bytes
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes
    signature: bytes

    def header(self) -> dict[str, Any]:
        """The protected header as a JOSE-like mapping (``alg``, ``kid``, ``typ``, ``cty``);
        only protected parameters count (an unprotected one could be changed by anyone)."""
        out: dict[str, Any] = {}
        alg = self.protected.get(_ALG)
        if isinstance(alg, int) and alg in COSE_ALGORITHMS:
            out["alg"] = COSE_ALGORITHMS[alg][0]
        elif alg is not None:
            out["alg"] = str(alg)
        kid = self.protected.get(_KID)
        if isinstance(kid, bytes):
            try:
                out["kid"] = kid.decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedProof("kid", "the COSE kid is not UTF-8 text") from None
        elif kid is not None:
            raise MalformedProof("kid", "the COSE kid must be a byte string")
        for label, name in ((_TYP, "typ"), (_CTY, "cty")):
            value = self.protected.get(label)
            if value is not None:
                out[name] = value
        return out

    def sig_structure(self) -> bytes:
        return _sig_structure(self.protected_bytes, self.payload)


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def sign_cose(payload: dict[str, Any], keypair: KeyPair, *, kid: str, typ: str, cty: str) -> bytes:
    """A tagged COSE_Sign1 of the JSON ``payload`` (alg from the key; kid, typ, cty protected)."""
    alg = _KEY_TYPE_ALG.get(keypair.key_type)
    if alg is None:
        raise UnsupportedCryptosuite(f"cannot sign COSE with a {keypair.key_type} key")
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    protected = cbor2.dumps({_ALG: alg, _CTY: cty, _KID: kid.encode("utf-8"), _TYP: typ})
    signature = keypair.sign(_sig_structure(protected, body))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, body, signature]))


def encode_cose_text(message: bytes) -> str:
    """Base64 (RFC 4648 section 4, no padding), as VC-JOSE-COSE data: URLs and files carry it."""
    return base64.b64encode(message).rstrip(b"=").decode("ascii")


def decode_cose_text(text: str) -> bytes:
    """The COSE bytes of base64 or base64url text (padding optional); MalformedProof for
    anything else (hex, say, is not the encoding VC-JOSE-COSE names)."""
    text = text.strip()
    if not text or len(text) > MAX_COSE_BYTES * 4 // 3 + 4 or not _BASE64.match(text):
        raise MalformedProof("cose", "is not base64 text of a COSE_Sign1")
    alphabet = text.rstrip("=")
    padded = alphabet + "=" * (-len(alphabet) % 4)
    try:
        if "-" in alphabet or "_" in alphabet:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedProof("cose", "is not base64 text of a COSE_Sign1") from None


def parse_cose_sign1(data: bytes) -> CoseSign1:
    """A COSE_Sign1 (tagged 18, or untagged) read from ``data``, nothing verified."""
    if not isinstance(data, bytes) or not data or len(data) > MAX_COSE_BYTES:
        raise MalformedProof("cose", f"must be 1 to {MAX_COSE_BYTES} bytes of CBOR")
    try:
        value = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError, MemoryError):
        raise MalformedProof("cose", "is not CBOR") from None
    if isinstance(value, cbor2.CBORTag):
        if value.tag != COSE_SIGN1_TAG:
            raise MalformedProof("cose", f"CBOR tag {value.tag} is not COSE_Sign1 (18)")
        value = value.value
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise MalformedProof("cose", "a COSE_Sign1 is an array of 4 elements")
    protected_bytes, unprotected, payload, signature = value
    if not isinstance(protected_bytes, bytes):
        raise MalformedProof("cose", "the protected header must be a byte string")
    if not isinstance(unprotected, Mapping):
        raise MalformedProof("cose", "the unprotected header must be a map")
    if not isinstance(payload, bytes):
        raise MalformedProof("payload", "a detached or missing COSE payload is not supported")
    if not isinstance(signature, bytes):
        raise MalformedProof("signature", "must be a byte string")
    try:
        protected = cbor2.loads(protected_bytes) if protected_bytes else {}
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError):
        raise MalformedProof("cose", "the protected header is not CBOR") from None
    if not isinstance(protected, Mapping):
        raise MalformedProof("cose", "the protected header must be a map")
    return CoseSign1(protected_bytes, dict(protected), dict(unprotected), payload, signature)


def verify_cose(
    data: bytes,
    *,
    resolve_key: CoseKeyResolver,
    typs: Collection[str],
    algorithms: Collection[str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a COSE_Sign1 whose payload is a JSON object: ``(header, payload)``, the header
    JOSE-like (`CoseSign1.header`). ``typs``: the protected ``typ`` values accepted. Raises
    typed :mod:`errors`; the algorithm is checked before a key is looked up."""
    message = parse_cose_sign1(data)
    alg = message.protected.get(_ALG)
    if not isinstance(alg, int) or alg not in COSE_ALGORITHMS:
        raise UnsupportedCryptosuite(f"COSE algorithm {str(alg)[:40]!r} is not supported")
    name, key_type = COSE_ALGORITHMS[alg]
    if algorithms is not None and name not in algorithms:
        raise UnsupportedCryptosuite(f"COSE algorithm {name} is not allowed")
    if _CRIT in message.protected:
        raise MalformedProof("crit", "critical header parameters are not supported")
    header = message.header()
    if header.get("typ") not in typs:
        expected = " or ".join(repr(t) for t in typs)
        raise MalformedProof("typ", f"expected {expected}, got {header.get('typ')!r}")
    key = resolve_key(header)
    if key.key_type != key_type:
        raise VerificationMethodError(f"a {key.key_type} key cannot verify {name}")
    key.verify(message.signature, message.sig_structure())  # raises InvalidSignature
    try:
        payload = json.loads(message.payload.decode("utf-8"))
    except (ValueError, UnicodeError, RecursionError):
        raise MalformedProof("payload", "is not UTF-8 JSON") from None
    if not isinstance(payload, dict):
        raise MalformedProof("payload", "must be a JSON object")
    return header, payload


VC_COSE_TYPS = ("application/vc+cose", "vc+cose")
VP_COSE_TYPS = ("application/vp+cose", "vp+cose")


def sign_vc_cose(credential: dict[str, Any], keypair: KeyPair, *, kid: str) -> bytes:
    """A credential secured with COSE (``typ application/vc+cose``, ``cty application/vc``)."""
    return sign_cose(credential, keypair, kid=kid, typ=VC_COSE_TYPS[0], cty="application/vc")


def sign_vp_cose(presentation: dict[str, Any], keypair: KeyPair, *, kid: str) -> bytes:
    """A presentation secured with COSE (``typ application/vp+cose``, ``cty application/vp``)."""
    return sign_cose(presentation, keypair, kid=kid, typ=VP_COSE_TYPS[0], cty="application/vp")


def _no_vc_vp_claims(payload: dict[str, Any]) -> dict[str, Any]:
    # VC-JOSE-COSE: the payload is the credential itself, never a VC-JWT 1.1 vc / vp claim.
    for claim in ("vc", "vp"):
        if claim in payload:
            raise MalformedProof(claim, "a VC-JOSE-COSE payload must not carry a vc or vp claim")
    return payload


def verify_vc_cose(
    data: bytes, *, resolve_key: CoseKeyResolver
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a ``vc+cose``: ``(header, credential)``."""
    header, payload = verify_cose(data, resolve_key=resolve_key, typs=VC_COSE_TYPS)
    return header, _no_vc_vp_claims(payload)


def verify_vp_cose(
    data: bytes, *, resolve_key: CoseKeyResolver
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a ``vp+cose``: ``(header, presentation)``."""
    header, payload = verify_cose(data, resolve_key=resolve_key, typs=VP_COSE_TYPS)
    return header, _no_vc_vp_claims(payload)
