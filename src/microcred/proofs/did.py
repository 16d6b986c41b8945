"""did:key, did:jwk and did:web documents, a small resolver seam, and verification-method lookup."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import unquote

from microcred.proofs.errors import (
    DidError,
    KeyUsageError,
    MultibaseError,
    VerificationMethodError,
)
from microcred.proofs.keys import (
    KeyPair,
    PublicKeyPair,
    keypair_from_jwk,
    keypair_from_multibase,
)
from microcred.proofs.rs256 import RsaJwtKey

__all__ = [
    "DID_CONTEXTS",
    "DidResolver",
    "StaticDidResolver",
    "did_key_for",
    "did_web_document",
    "did_web_to_url",
    "key_resolver",
    "resolve_did_jwk",
    "resolve_did_key",
    "resolve_verification_method",
]

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
)
_DID_KEY = re.compile(r"^did:key:(z[1-9A-HJ-NP-Za-km-z]+)$")
_HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?::[0-9]{1,5})?$"
)
_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~!$&'()*+,;=@-]|%[0-9A-Fa-f]{2})+$")


def did_key_for(keypair: KeyPair) -> str:
    """``did:key:<public Multikey>``."""
    return "did:key:" + keypair.public_multibase


def _document(did: str, methods: Sequence[tuple[str, KeyPair]]) -> dict[str, Any]:
    vms = [
        {
            "id": f"{did}#{fragment}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": pair.public_multibase,
        }
        for fragment, pair in methods
    ]
    ids = [vm["id"] for vm in vms]
    doc: dict[str, Any] = {"@context": list(DID_CONTEXTS), "id": did, "verificationMethod": vms}
    for relationship in RELATIONSHIPS:
        doc[relationship] = list(ids)
    return doc


def resolve_did_key(did: str) -> dict[str, Any]:
    """The DID document of a ``did:key`` (Ed25519 or P-256) with a Multikey method."""
    match = _DID_KEY.match(did) if isinstance(did, str) else None
    if match is None:
        raise DidError(f"not a did:key: {did!r}")
    multibase = match.group(1)
    try:
        pair = keypair_from_multibase(multibase)
    except (MultibaseError, KeyUsageError, ValueError) as cause:
        raise DidError(f"invalid did:key {did!r}: {cause}") from None
    return _document(did, [(multibase, pair)])


def resolve_did_jwk(did: str) -> dict[str, Any]:
    """The DID document of a ``did:jwk`` (did:jwk spec, "Read"): one ``JsonWebKey2020`` method
    ``#0``, the public JWK base64url-encoded in the identifier itself."""
    if not isinstance(did, str) or not did.startswith("did:jwk:") or len(did) > 4096:
        raise DidError(f"not a did:jwk: {str(did)[:80]!r}")
    encoded = did.removeprefix("did:jwk:")
    try:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", encoded):
            raise ValueError("not base64url")
        jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        if not isinstance(jwk, dict):
            raise ValueError("not a JSON object")
        keypair_from_jwk(jwk)  # a public key we can use (refuses a private one)
    except (ValueError, binascii.Error, KeyUsageError) as cause:
        raise DidError(f"invalid did:jwk {did[:80]!r}: {cause}") from None
    vm = {"id": f"{did}#0", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
    # The spec lists the key for every relationship but keyAgreement when it has no "use",
    # for keyAgreement only when "use" is "enc", and for the signing ones when "use" is "sig".
    signing = jwk.get("use") != "enc"
    doc: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": did,
        "verificationMethod": [vm],
    }
    for relationship in RELATIONSHIPS:
        doc[relationship] = [vm["id"]] if signing else []
    return doc


def did_web_document(did: str, keys: Sequence[tuple[str, KeyPair]]) -> dict[str, Any]:
    """A did:web DID document listing ``keys`` as ``(fragment, keypair)`` Multikey methods."""
    did_web_to_url(did)  # validates
    return _document(did, keys)


def did_web_to_url(did: str) -> str:
    """The HTTPS URL of a did:web document (did:web spec, "Read (Resolve)")."""
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise DidError(f"not a did:web: {did!r}")
    specific = did[len("did:web:") :]
    if not specific or "#" in specific or "?" in specific or "/" in specific:
        raise DidError(f"invalid did:web identifier {did!r}")
    parts = specific.split(":")
    if any(part == "" for part in parts):
        raise DidError(f"empty segment in {did!r}")
    host = unquote(parts[0])
    if not _HOST.match(host):
        raise DidError(f"invalid did:web host {host!r}")
    if ":" in host and not 0 < int(host.rsplit(":", 1)[1]) < 65536:
        raise DidError(f"invalid did:web port in {did!r}")
    path = parts[1:]
    for segment in path:
        if (
            not _SEGMENT.match(segment)
            or unquote(segment) in (".", "..")
            or "%2f" in segment.lower()
        ):
            raise DidError(f"invalid did:web path segment {segment!r}")
    if not path:
        return f"https://{host}/.well-known/did.json"
    return f"https://{host}/{'/'.join(path)}/did.json"


class DidResolver(Protocol):
    """Resolves a DID (or a controller document URL) to its document."""

    def resolve(self, did: str) -> dict[str, Any]: ...


class StaticDidResolver:
    """Resolves from a fixed mapping of DID / controller URL -> document, and any did:key."""

    def __init__(self, docs: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._docs = {key: dict(value) for key, value in (docs or {}).items()}

    def resolve(self, did: str) -> dict[str, Any]:
        if did in self._docs:
            return self._docs[did]
        if isinstance(did, str) and did.startswith("did:key:"):
            return resolve_did_key(did)
        if isinstance(did, str) and did.startswith("did:jwk:"):
            return resolve_did_jwk(did)
        raise DidError(f"cannot resolve {did!r} (not in the static resolver; nothing fetched)")


def _absolute(ref: str, base: str) -> str:
    return base + ref if ref.startswith("#") else ref


def _public_key(vm: Mapping[str, Any], *, rsa: bool = False) -> PublicKeyPair | RsaJwtKey:
    vm_type = vm.get("type")
    jwk = vm.get("publicKeyJwk")
    try:
        if rsa and isinstance(jwk, Mapping) and jwk.get("kty") == "RSA":
            if vm_type not in ("JsonWebKey", "JsonWebKey2020"):
                raise VerificationMethodError(f"an RSA JWK in a {vm_type!r} method")
            return RsaJwtKey.from_jwk(jwk)
        if "publicKeyMultibase" in vm and vm_type in ("Multikey", "Ed25519VerificationKey2020"):
            key = keypair_from_multibase(vm["publicKeyMultibase"])
            if vm_type == "Ed25519VerificationKey2020" and key.key_type != "Ed25519":
                raise VerificationMethodError("Ed25519VerificationKey2020 holds a non-Ed25519 key")
            return key
        if "publicKeyJwk" in vm and vm_type in ("JsonWebKey", "JsonWebKey2020"):
            return keypair_from_jwk(vm["publicKeyJwk"])
    except (MultibaseError, KeyUsageError) as cause:
        raise VerificationMethodError(f"invalid key in verification method: {cause}") from None
    raise VerificationMethodError(f"unsupported verification method type {vm_type!r}")


def resolve_verification_method(
    vm_url: str, resolver: DidResolver, *, purpose: str = "assertionMethod", rsa: bool = False
) -> tuple[PublicKeyPair | RsaJwtKey, str]:
    """Find ``vm_url`` in its controller document and check it is listed under ``purpose``.

    Returns ``(public key pair, controller)``; raises :class:`VerificationMethodError`.
    ``rsa``: an RSA ``publicKeyJwk`` is read too (a verify-only `RsaJwtKey`, for RS256
    JWTs); Data Integrity never asks for one.
    """
    if not isinstance(vm_url, str) or "#" not in vm_url:
        raise VerificationMethodError(
            f"verification method must be a URL with a fragment: {vm_url!r}"
        )
    controller_id = vm_url.split("#", 1)[0]
    try:
        doc = resolver.resolve(controller_id)
    except DidError as cause:
        raise VerificationMethodError(str(cause)) from None
    if not isinstance(doc, Mapping) or doc.get("id") != controller_id:
        raise VerificationMethodError(f"controller document id does not match {controller_id!r}")

    def as_list(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [] if value is None else [value]

    methods: dict[str, Mapping[str, Any]] = {}
    for entry in as_list(doc.get("verificationMethod")) + as_list(doc.get(purpose)):
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            methods.setdefault(_absolute(entry["id"], controller_id), entry)
    authorised = {
        _absolute(e if isinstance(e, str) else e.get("id", ""), controller_id)
        for e in as_list(doc.get(purpose))
        if isinstance(e, str | Mapping)
    }
    if vm_url not in methods:
        raise VerificationMethodError(f"verification method {vm_url!r} not found")
    if vm_url not in authorised:
        raise VerificationMethodError(
            f"verification method {vm_url!r} is not authorised for {purpose}"
        )
    vm = methods[vm_url]
    if vm.get("controller") != controller_id:
        raise VerificationMethodError(f"verification method {vm_url!r} has another controller")
    return _public_key(vm, rsa=rsa), controller_id


def key_resolver(resolver: DidResolver) -> Callable[[str, str], KeyPair]:
    """Adapt a resolver to the proof suites' ``resolve_key(vm_url, purpose)`` seam."""

    def resolve_key(vm_url: str, purpose: str) -> KeyPair:
        return resolve_verification_method(vm_url, resolver, purpose=purpose)[0]

    return resolve_key
