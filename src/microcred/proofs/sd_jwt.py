"""SD-JWT (RFC 9901): selective disclosure of a JWT's claims, and Key Binding JWTs.

Issuing: claims with an SD plan (`Sd` marks a claim name or an array element as disclosable)
become an issuer-signed JWT carrying only digests (``_sd``, ``{"...": digest}``, ``_sd_alg:
sha-256``) plus one disclosure ``[salt, name, value]`` / ``[salt, value]`` each. The compact
form is ``<issuer-jwt>~<d1>~...~<dn>~[<kb-jwt>]``: the trailing ``~`` is required.

Verifying (`verify_sd_jwt`): the issuer's JWS through `proofs.jose.verify_jws` (the one JWS
check: alg, typ, key, signature), then every disclosure is matched to exactly one digest of
what the issuer signed (RFC 9901 section 7.1), and a Key Binding JWT, when present or
required, through `verify_key_binding` (section 7.3: ``typ kb+jwt``, the ``cnf.jwk`` key,
``aud``, ``nonce``, ``iat`` window, ``sd_hash`` over ``<issuer-jwt>~<d1>~...~<dn>~``).

Why by hand and not with PyPI ``sd-jwt`` 0.10.4 (the reference implementation, which the
tests use to reproduce the RFC's vectors and to check our output): its verifier accepts
disclosures the issuer never signed (it ignores unreferenced ones, RFC 9901 section 7.1 step 5
says reject), does not refuse disclosed ``_sd`` / ``...`` claim names, checks no KB-JWT
``iat``, reports with bare ValueErrors, and signs with jwcrypto; microcred's keys and its
one JWS check are joserfc's (`proofs.jose`). The digest walk is some 100 lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from microcred.proofs.errors import (
    DisclosureMismatch,
    KeyBindingMismatch,
    KeyUsageError,
    MalformedProof,
    UnsupportedCryptosuite,
)
from microcred.proofs.jose import DEFAULT_ALGORITHMS, HeaderKeyResolver, sign_jws, verify_jws
from microcred.proofs.keys import KeyPair, keypair_from_jwk

__all__ = [
    "KB_JWT_TYP",
    "SD_ALG",
    "Disclosure",
    "Sd",
    "SdJwt",
    "VerifiedSdJwt",
    "create_kb_jwt",
    "decode_disclosure",
    "digest_of",
    "disclose",
    "holder_key_of",
    "issue_sd_jwt",
    "make_disclosure",
    "parse_sd_jwt",
    "present",
    "sd_hash",
    "unverified_header",
    "unverified_payload",
    "verify_key_binding",
    "verify_sd_jwt",
]

SD_ALG = "sha-256"
KB_JWT_TYP = "kb+jwt"
MAX_SD_JWT_LENGTH = 1_000_000
MAX_DISCLOSURES = 2000
MAX_DISCLOSURE_LENGTH = 100_000
MAX_DEPTH = 64
KB_MAX_AGE = timedelta(minutes=5)  # how old a KB-JWT's iat may be, by default
_RESERVED = ("_sd", "...")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_SEP = "~"


@dataclass(frozen=True)
class Sd:
    """In an SD plan: this claim name (as a dict key) or array element is disclosable."""

    value: Any


@dataclass(frozen=True)
class Disclosure:
    """One disclosure: ``name`` None for an array element."""

    encoded: str
    salt: str
    name: str | None
    value: Any

    @cached_property
    def digest(self) -> str:
        return digest_of(self.encoded)


_URLSAFE = bytes.maketrans(b"+/", b"-_")
# one encoder for every disclosure (json.dumps with options builds a new one per call); the
# output is json.dumps(array, ensure_ascii=False)'s
_DISCLOSURE_JSON = json.JSONEncoder(ensure_ascii=False)


def _b64u(data: bytes) -> str:
    # base64.urlsafe_b64encode without its two layers of wrappers (called per disclosure)
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


def _unb64u(value: str, what: str) -> bytes:
    if not _B64URL.match(value) or len(value) % 4 == 1:
        raise MalformedProof(what, "is not base64url (RFC 4648 section 5, no padding)")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise MalformedProof(what, "is not base64url") from None


def digest_of(text: str) -> str:
    """The base64url SHA-256 of ``text``'s ASCII bytes (a disclosure, or the SD-JWT for
    ``sd_hash``)."""
    return _b64u(hashlib.sha256(text.encode("ascii")).digest())


def sd_hash(issuer_jwt: str, disclosures: Sequence[str]) -> str:
    """RFC 9901 section 4.3.1: the digest of ``<issuer-jwt>~<d1>~...~<dn>~``."""
    return digest_of(_SEP.join((issuer_jwt, *disclosures, "")))


def make_disclosure(value: Any, name: str | None = None, *, salt: str | None = None) -> Disclosure:
    """A new disclosure of ``value`` (of the claim ``name``, or an array element) with a fresh
    128-bit salt. Encoded as RFC 9901's examples and the reference implementation do (JSON
    with ``", "`` separators, UTF-8)."""
    if name is not None and name in _RESERVED:
        raise MalformedProof(name, "a claim named _sd or ... cannot be selectively disclosed")
    salt = salt if salt is not None else _b64u(secrets.token_bytes(16))
    array = [salt, value] if name is None else [salt, name, value]
    encoded = _b64u(_DISCLOSURE_JSON.encode(array).encode("utf-8"))
    return Disclosure(encoded, salt, name, value)


def decode_disclosure(encoded: str) -> Disclosure:
    """A disclosure read from its base64url form; MalformedProof says what is wrong with it."""
    if not encoded:
        raise MalformedProof("disclosure", "is empty (two ~ in a row)")
    if len(encoded) > MAX_DISCLOSURE_LENGTH:
        raise MalformedProof("disclosure", f"is longer than {MAX_DISCLOSURE_LENGTH} characters")
    raw = _unb64u(encoded, "disclosure")
    try:
        array = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeError, RecursionError):
        raise MalformedProof("disclosure", "is not UTF-8 JSON") from None
    if not isinstance(array, list) or len(array) not in (2, 3):
        raise MalformedProof("disclosure", "must be a JSON array of 2 or 3 elements")
    if not isinstance(array[0], str):
        raise MalformedProof("disclosure", "its salt must be a string")
    if len(array) == 2:
        return Disclosure(encoded, array[0], None, array[1])
    name = array[1]
    if not isinstance(name, str):
        raise MalformedProof("disclosure", "its claim name must be a string")
    if name in _RESERVED:
        raise MalformedProof("disclosure", f"discloses the reserved claim name {name!r}")
    return Disclosure(encoded, array[0], name, array[2])


@dataclass(frozen=True)
class SdJwt:
    """A compact SD-JWT: the issuer-signed JWT, its disclosures, and a KB-JWT or None."""

    jwt: str
    disclosures: tuple[str, ...] = ()
    kb_jwt: str | None = None

    def serialize(self) -> str:
        return _SEP.join((self.jwt, *self.disclosures, self.kb_jwt or ""))

    @property
    def sd_hash(self) -> str:
        return sd_hash(self.jwt, self.disclosures)


def parse_sd_jwt(text: str) -> SdJwt:
    """Split ``<jwt>~<d1>~...~<dn>~[<kb-jwt>]``; MalformedProof on anything else (no ``~``,
    a missing trailing ``~``, empty disclosures, oversized input)."""
    if not isinstance(text, str):
        raise MalformedProof("sd-jwt", "must be text")
    text = text.strip()
    if len(text) > MAX_SD_JWT_LENGTH:
        raise MalformedProof("sd-jwt", f"is longer than {MAX_SD_JWT_LENGTH} characters")
    if _SEP not in text:
        raise MalformedProof("sd-jwt", "has no ~: an SD-JWT is <issuer-jwt>~<disclosures>~")
    parts = text.split(_SEP)
    if len(parts) - 2 > MAX_DISCLOSURES:
        raise MalformedProof("sd-jwt", f"has more than {MAX_DISCLOSURES} disclosures")
    jwt, *disclosures, last = parts
    if jwt.count(".") != 2:
        raise MalformedProof("sd-jwt", "does not start with a compact JWS")
    kb_jwt: str | None = None
    if last:
        if last.count(".") != 2:
            raise MalformedProof(
                "sd-jwt", "must end with ~ (or a Key Binding JWT after the last ~)"
            )
        kb_jwt = last
    for disclosure in disclosures:
        if not disclosure:
            raise MalformedProof("disclosure", "is empty (two ~ in a row)")
    return SdJwt(jwt, tuple(disclosures), kb_jwt)


def _sd_list(node: Mapping[str, Any]) -> list[str]:
    digests = node.get("_sd", [])
    if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
        raise MalformedProof("_sd", "must be an array of digest strings")
    return digests


@dataclass
class _Walk:
    by_digest: dict[str, Disclosure]
    seen: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)

    def claim(self, digest: str) -> Disclosure | None:
        if digest in self.seen:
            raise MalformedProof("_sd", f"the digest {digest[:60]} appears more than once")
        self.seen.add(digest)
        found = self.by_digest.get(digest)
        if found is not None:
            self.used.add(digest)
        return found

    def value(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise MalformedProof("payload", f"is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, dict):
            return self.object(node, depth)
        if isinstance(node, list):
            return self.array(node, depth)
        return node

    def object(self, node: dict[str, Any], depth: int) -> dict[str, Any]:
        out = {k: self.value(v, depth + 1) for k, v in node.items() if k not in ("_sd", "_sd_alg")}
        for digest in _sd_list(node):
            found = self.claim(digest)
            if found is None:
                continue  # not disclosed (or a decoy digest)
            if found.name is None:
                raise MalformedProof("disclosure", "an array element disclosure is named by _sd")
            if found.name in out:
                raise MalformedProof(found.name, "is both a plain and a disclosed claim")
            out[found.name] = self.value(found.value, depth + 1)
        return out

    def array(self, node: list[Any], depth: int) -> list[Any]:
        out: list[Any] = []
        for element in node:
            if isinstance(element, dict) and "..." in element:
                if len(element) != 1 or not isinstance(element["..."], str):
                    raise MalformedProof("...", "an array element digest must be {'...': digest}")
                found = self.claim(element["..."])
                if found is None:
                    continue
                if found.name is not None:
                    raise MalformedProof("disclosure", "an object property disclosure is in ...")
                out.append(self.value(found.value, depth + 1))
            else:
                out.append(self.value(element, depth + 1))
        return out


def _check_alg(payload: Mapping[str, Any]) -> None:
    alg = payload.get("_sd_alg", SD_ALG)  # absent: sha-256 (RFC 9901 section 4.1.1)
    if alg != SD_ALG:
        raise UnsupportedCryptosuite(f"_sd_alg {str(alg)[:40]!r} is not supported (only sha-256)")


def disclose(payload: Mapping[str, Any], disclosures: Sequence[str]) -> dict[str, Any]:
    """The claims ``payload`` (issuer-signed) gives with ``disclosures`` put in their place.

    Refuses (RFC 9901 section 7.1): a digest twice, the same disclosure twice, a disclosure
    that no digest names (changed or added: DisclosureMismatch), a disclosed name that is
    also a plain claim, a reserved name. Checks no signature: `verify_sd_jwt` does."""
    return _disclose(payload, disclosures)[0]


def _disclose(
    payload: Mapping[str, Any], disclosures: Sequence[str]
) -> tuple[dict[str, Any], tuple[Disclosure, ...]]:
    _check_alg(payload)
    by_digest: dict[str, Disclosure] = {}
    for encoded in disclosures:
        disclosure = decode_disclosure(encoded)
        if disclosure.digest in by_digest:
            raise MalformedProof("disclosure", "the same disclosure is given twice")
        by_digest[disclosure.digest] = disclosure
    walk = _Walk(by_digest)
    claims = walk.object(dict(payload), 1)
    stray = [d for digest, d in by_digest.items() if digest not in walk.used]
    if stray:
        what = f"the claim {stray[0].name!r}" if stray[0].name else "an array element"
        raise DisclosureMismatch(
            f"{len(stray)} disclosure(s), the first of {what}, are not signed by the issuer "
            "(no digest of the issuer-signed JWT names them): changed or added after issuance"
        )
    return claims, tuple(by_digest.values())


_SCALARS = (str, int, float, bool, type(None))


class _Salts:
    """128-bit salts (RFC 9901 section 4.2.1) from the OS CSPRNG, drawn for a whole SD-JWT at
    once: one ``os.urandom`` call per 32 salts instead of one per disclosure (the same random
    bytes, fewer system calls)."""

    def __init__(self) -> None:
        self._pool = b""

    def next(self) -> str:
        if not self._pool:
            self._pool = secrets.token_bytes(16 * 32)
        salt, self._pool = self._pool[:16], self._pool[16:]
        return _b64u(salt)


def _plan(node: Any, out: list[Disclosure], depth: int, salts: _Salts | None = None) -> Any:
    if type(node) in _SCALARS:  # most of the tree: nothing to plan
        return node
    salts = salts or _Salts()
    if depth > MAX_DEPTH:
        raise MalformedProof("claims", f"are nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, dict):
        result: dict[str, Any] = {}
        digests: list[str] = []
        for key, value in node.items():
            inner = value if type(value) in _SCALARS else _plan(value, out, depth + 1, salts)
            if isinstance(key, Sd):
                disclosure = make_disclosure(inner, key.value, salt=salts.next())
                out.append(disclosure)
                digests.append(digest_of(disclosure.encoded))  # not the locked cached_property
            elif key in _RESERVED:
                raise MalformedProof(key, "is reserved by SD-JWT and cannot be a claim name")
            else:
                result[key] = inner
        if digests:
            result["_sd"] = sorted(digests)  # sorted: the order says nothing (section 4.2.5)
        return result
    if isinstance(node, list):
        elements: list[Any] = []
        for element in node:
            if isinstance(element, Sd):
                inner = _plan(element.value, out, depth + 1, salts)
                disclosure = make_disclosure(inner, salt=salts.next())
                out.append(disclosure)
                elements.append({"...": digest_of(disclosure.encoded)})
            elif type(element) in _SCALARS:
                elements.append(element)
            else:
                elements.append(_plan(element, out, depth + 1, salts))
        return elements
    if isinstance(node, Sd):
        raise MalformedProof("claims", "Sd marks a claim name or an array element, not a value")
    return node


def issue_sd_jwt(plan: Mapping[Any, Any], keypair: KeyPair, *, header: Mapping[str, Any]) -> SdJwt:
    """Sign the claims of an SD plan (`Sd` keys and array elements are disclosable) with
    ``keypair``; ``header`` gives ``typ`` and the key's ``kid`` or ``x5c``."""
    disclosures: list[Disclosure] = []
    payload = _plan(dict(plan), disclosures, 1)
    if disclosures:
        payload["_sd_alg"] = SD_ALG
    jwt = sign_jws(payload, keypair, header=header)
    return SdJwt(jwt, tuple(d.encoded for d in disclosures))


def _b64_json(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_unb64u(segment, what))
    except (ValueError, RecursionError):
        raise MalformedProof(what, "is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedProof(what, "must be a JSON object")
    return value


def unverified_payload(sd_jwt: SdJwt) -> dict[str, Any]:
    """The issuer-signed JWT's payload, signature NOT checked (to say what it claims)."""
    return _b64_json(sd_jwt.jwt.split(".")[1], "payload")


def unverified_header(sd_jwt: SdJwt) -> dict[str, Any]:
    """The issuer-signed JWT's JOSE header, NOT checked."""
    return _b64_json(sd_jwt.jwt.split(".")[0], "header")


def present(
    sd_jwt: SdJwt,
    keep: Callable[[Disclosure], bool],
    *,
    holder_key: KeyPair | None = None,
    aud: str | None = None,
    nonce: str | None = None,
    iat: int | None = None,
) -> SdJwt:
    """What a holder sends: the disclosures ``keep`` selects (and no child of a dropped one,
    which could not be verified), with a KB-JWT when ``holder_key`` is given."""
    payload = unverified_payload(sd_jwt)
    decoded = [decode_disclosure(d) for d in sd_jwt.disclosures]
    by_digest = {d.digest: d for d in decoded if keep(d)}
    reachable: set[str] = set()
    stack: list[Any] = [payload]
    while stack:  # the digests reachable from the payload through kept disclosures
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "_sd" and isinstance(value, list):
                    refs = value
                elif key == "..." and isinstance(value, str):
                    refs = [value]
                else:
                    stack.append(value)
                    continue
                for digest in refs:
                    if digest in by_digest and digest not in reachable:
                        reachable.add(digest)
                        stack.append(by_digest[digest].value)
        elif isinstance(node, list):
            stack.extend(node)
    kept = tuple(d.encoded for d in decoded if d.digest in reachable)
    presented = SdJwt(sd_jwt.jwt, kept)
    if holder_key is None:
        return presented
    if aud is None or nonce is None or iat is None:
        raise TypeError("a Key Binding JWT needs aud, nonce and iat")
    return SdJwt(
        sd_jwt.jwt, kept, create_kb_jwt(presented, holder_key, aud=aud, nonce=nonce, iat=iat)
    )


def create_kb_jwt(sd_jwt: SdJwt, holder_key: KeyPair, *, aud: str, nonce: str, iat: int) -> str:
    """A Key Binding JWT (RFC 9901 section 4.3) over ``sd_jwt`` (its KB-JWT, if any, ignored)."""
    payload = {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": sd_jwt.sd_hash}
    return sign_jws(payload, holder_key, header={"typ": KB_JWT_TYP})


def holder_key_of(payload: Mapping[str, Any]) -> KeyPair:
    """The holder's public key: ``cnf.jwk`` of the issuer-signed payload (RFC 7800)."""
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise MalformedProof("cnf", "no cnf.jwk: the credential is not bound to a holder key")
    if "d" in jwk:
        raise MalformedProof("cnf", "cnf.jwk must be a public key (it carries d)")
    try:
        return keypair_from_jwk(jwk)
    except KeyUsageError as cause:
        raise MalformedProof("cnf", f"cnf.jwk cannot be used: {cause}") from None


def verify_key_binding(
    sd_jwt: SdJwt,
    holder_key: KeyPair,
    *,
    aud: str | None,
    nonce: str | None,
    now: datetime,
    max_age: timedelta = KB_MAX_AGE,
    skew: timedelta = timedelta(minutes=1),
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
) -> dict[str, Any]:
    """Verify ``sd_jwt``'s KB-JWT: signed by ``holder_key``, ``typ kb+jwt``, ``sd_hash`` over
    this SD-JWT, ``iat`` within ``max_age`` (and ``skew``) of ``now``, and ``aud`` / ``nonce``
    equal to the expected ones (None: that one is not checked). Its payload."""
    if sd_jwt.kb_jwt is None:
        raise MalformedProof("kb-jwt", "the SD-JWT carries no Key Binding JWT")
    _, payload = verify_jws(
        sd_jwt.kb_jwt, resolve_key=lambda _: holder_key, typs=(KB_JWT_TYP,), algorithms=algorithms
    )
    if payload.get("sd_hash") != sd_jwt.sd_hash:
        raise DisclosureMismatch(
            "the Key Binding JWT's sd_hash is not over this SD-JWT and its disclosures"
        )
    iat = payload.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise MalformedProof("iat", "the Key Binding JWT needs an integer iat")
    moment = now.timestamp()
    if iat > moment + skew.total_seconds():
        raise KeyBindingMismatch("iat", "the Key Binding JWT is issued in the future")
    if iat < moment - (max_age + skew).total_seconds():
        raise KeyBindingMismatch("iat", f"the Key Binding JWT is older than {max_age}")
    if aud is not None and payload.get("aud") != aud:
        raise KeyBindingMismatch("aud", f"the Key Binding JWT is for another audience than {aud}")
    if nonce is not None and payload.get("nonce") != nonce:
        raise KeyBindingMismatch("nonce", "the Key Binding JWT answers another nonce")
    for claim in ("aud", "nonce"):
        if not isinstance(payload.get(claim), str):
            raise MalformedProof(claim, f"the Key Binding JWT needs a string {claim}")
    return payload


@dataclass(frozen=True)
class VerifiedSdJwt:
    """A verified SD-JWT: the issuer's header and signed payload, the claims with the
    disclosures in place, the disclosures, and the KB-JWT payload (None without one)."""

    header: dict[str, Any]
    payload: dict[str, Any]
    claims: dict[str, Any]
    disclosures: tuple[Disclosure, ...]
    key_binding: dict[str, Any] | None = None


def verify_sd_jwt(
    sd_jwt: SdJwt | str,
    *,
    resolve_key: HeaderKeyResolver,
    typs: Collection[str],
    now: datetime,
    require_key_binding: bool = False,
    aud: str | None = None,
    nonce: str | None = None,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
    kb_max_age: timedelta = KB_MAX_AGE,
) -> VerifiedSdJwt:
    """Verify an SD-JWT (issuer signature, every disclosure, and its KB-JWT when it has one or
    ``require_key_binding``; ``aud`` / ``nonce`` given: they must match). Raises typed
    `proofs.errors`; ``exp`` / ``nbf`` are the caller's (the SD-JWT VC layer says them)."""
    parsed = parse_sd_jwt(sd_jwt) if isinstance(sd_jwt, str) else sd_jwt
    header, payload = verify_jws(
        parsed.jwt, resolve_key=resolve_key, typs=typs, algorithms=algorithms
    )
    claims, decoded = _disclose(payload, parsed.disclosures)
    kb: dict[str, Any] | None = None
    if parsed.kb_jwt is not None or require_key_binding or aud is not None or nonce is not None:
        if parsed.kb_jwt is None:
            raise MalformedProof("kb-jwt", "a Key Binding JWT is required and missing")
        kb = verify_key_binding(
            parsed,
            holder_key_of(payload),
            aud=aud,
            nonce=nonce,
            now=now,
            max_age=kb_max_age,
            algorithms=algorithms,
        )
    return VerifiedSdJwt(header, payload, claims, decoded, kb)
