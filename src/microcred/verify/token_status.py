"""The `status` check of an SD-JWT VC: its IETF Token Status List reference.

draft-ietf-oauth-status-list-14 §8.3, for a Referenced Token whose own checks (signature,
disclosures, expiry) the envelope already did: read ``status.status_list {idx, uri}``, get
the Status List Token at ``uri`` (the verifier context's ``fetch_token``: the instance's own
lists, then the allow-listed hosts; nothing else is fetched), check that it is a
``statuslist+jwt`` signed by the credential's own issuer (draft §11.3: the same key, the
same ``x5c`` leaf, or another key of the same DID), that its ``sub`` is the ``uri``, that it
has not expired, and read the entry at ``idx``.

A token that cannot be had, or that fails any of these checks, says nothing about the
credential's status: the check is ``warn`` with a ``status.token_*`` code, which the
report's ``status`` kind turns into the overall ``unchecked`` (never ``valid``). 0x01
INVALID is ``status.revoked``, 0x02 SUSPENDED ``status.suspended``, the same codes as a
Bitstring Status List entry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from microcred.formats.token_status_list import (
    INVALID,
    MEDIA_TYPE,
    SUSPENDED,
    TYP,
    VALID,
    StatusListReference,
    StatusListToken,
    TokenStatusListError,
    get_status,
    read_reference,
    read_token_claims,
)
from microcred.proofs.did import key_resolver
from microcred.proofs.errors import (
    InvalidSignature,
    MalformedProof,
    ProofError,
    VerificationMethodError,
)
from microcred.proofs.jose import verify_jws
from microcred.proofs.keys import KeyPair, keypair_from_jwk
from microcred.verify.http_fetch import (
    DEFAULT_CACHE_SECONDS,
    MAX_DOCUMENT_BYTES,
    REFUSED,
    TIMEOUT_SECONDS,
    FetchError,
    Network,
    OutboundFetcher,
    OutboundPolicy,
)
from microcred.verify.report import Check
from microcred.verify.resolution import DocumentFinder, DocumentUnavailable

if TYPE_CHECKING:
    from microcred.verify.credential import VerifierContext

__all__ = [
    "AllowListedTokenFetcher",
    "StatusTokenMemo",
    "TokenFetch",
    "TokenIssuer",
    "check_token_status",
]

TokenFetch = Callable[[str], str | None]
"""``uri -> the compact Status List Token`` (None: it cannot be had)."""

# A token the caller supplied among the verifier's documents (the CLI's --resolve URL=FILE):
# documents are JSON objects, so the compact token is wrapped in one under this key.
SUPPLIED_TOKEN = MEDIA_TYPE


def supplied_token(token: str) -> dict[str, str]:
    """The document under which a caller hands a Status List Token to the verifier."""
    return {SUPPLIED_TOKEN: token}


def looks_like_token(text: str) -> bool:
    """Whether ``text`` has the form of a compact JWS (nothing about its contents)."""
    return text.count(".") == 2 and bool(text) and set(text) <= _JWS_CHARS


# A verified token is reused for at most this long of the verifier's clock, and never past
# its own `ttl` (counted from when it was first verified) or `exp`.
VERIFIED_TOKEN_TTL = timedelta(minutes=5)
_MAX_REMEMBERED = 256


@dataclass(frozen=True)
class TokenIssuer:
    """Who signed the Referenced Token, as its envelope verified it: the public key, the
    ``x5c`` chain of its header (DER, leaf first; empty without one), and the DID whose
    verification method signed it (None for an ``x5c`` or bare-key issuer)."""

    key: KeyPair | None
    x5c: tuple[bytes, ...] = ()
    did: str | None = None


class _Verified:
    def __init__(self, until: datetime, token: StatusListToken, raw: bytes) -> None:
        self.until, self.token, self.raw = until, token, raw


class StatusTokenMemo:
    """Status List Tokens whose signature verified and whose list decompressed, remembered
    under the token's digest and the public key that verified it (so another token, or the
    same token offered with another issuer's key, always misses). Owned by the verifier
    context (an instance shares one between its contexts, like `StatusListMemo`); failures
    are never remembered."""

    def __init__(self, ttl: timedelta = VERIFIED_TOKEN_TTL, size: int = _MAX_REMEMBERED) -> None:
        self._ttl, self._size = ttl, size
        self._verified: dict[tuple[str, str, str], _Verified] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._verified)

    def find(self, token: str, key: KeyPair, now: datetime) -> _Verified | None:
        with self._lock:
            found = self._verified.get(_memo_key(token, key))
        return found if found is not None and now <= found.until else None

    def remember(
        self, token: str, key: KeyPair, now: datetime, claims: StatusListToken, raw: bytes
    ) -> None:
        until = now + self._ttl
        if claims.ttl is not None:
            until = min(until, now + timedelta(seconds=claims.ttl))
        if claims.exp is not None:
            until = min(until, datetime.fromtimestamp(claims.exp, UTC))
        with self._lock:
            if len(self._verified) >= self._size:
                self._verified.clear()
            self._verified[_memo_key(token, key)] = _Verified(until, claims, raw)


def _memo_key(token: str, key: KeyPair) -> tuple[str, str, str]:
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    return digest, str(key.key_type), key.public_multibase


def _unchecked(code: str, message: str, uri: str = "") -> Check:
    # no statement about the status can be made (draft §8.3): never a pass
    return Check("status", "warn", message, code, document=uri)


def _leaf_key(x5c: Any) -> tuple[bytes, KeyPair]:
    """The DER leaf of a token's ``x5c`` header and its public key."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from joserfc.jwk import ECKey, OKPKey

    if not isinstance(x5c, list) or not x5c or not isinstance(x5c[0], str):
        raise MalformedProof("x5c", "must be a list of base64 certificates, leaf first")
    try:
        der = base64.b64decode(x5c[0], validate=True)
        public = x509.load_der_x509_certificate(der).public_key()
        if isinstance(public, ec.EllipticCurvePublicKey):
            imported: ECKey | OKPKey = ECKey.import_key(public)
        elif isinstance(public, ed25519.Ed25519PublicKey):
            imported = OKPKey.import_key(public)
        else:
            raise MalformedProof("x5c", "the leaf certificate's key is not EC or Ed25519")
        return der, keypair_from_jwk(dict(imported.as_dict(private=False)))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise MalformedProof("x5c", f"the leaf certificate cannot be read: {exc}") from None


def _same_key(a: KeyPair, b: KeyPair) -> bool:
    return a.key_type == b.key_type and a.public_multibase == b.public_multibase


def _signing_key(header: Mapping[str, Any], issuer: TokenIssuer, finder: DocumentFinder) -> KeyPair:
    """The key that must have signed the token: the credential issuer's own (draft §11.3)."""
    if "x5c" in header:
        der, key = _leaf_key(header["x5c"])
        if issuer.x5c and der == issuer.x5c[0]:
            return key
        if issuer.key is not None and _same_key(key, issuer.key):
            return key
        raise VerificationMethodError(
            "the status list token is signed with another certificate than the credential"
        )
    kid = header.get("kid")
    if (
        issuer.did is not None
        and isinstance(kid, str)
        and kid.startswith("did:")
        and kid.split("#", 1)[0] == issuer.did
    ):
        return key_resolver(finder)(kid, "assertionMethod")  # another key of the same DID
    if issuer.key is None:
        raise VerificationMethodError("the credential's signing key is not known")
    return issuer.key  # the same key as the credential (its kid, if any, is only a hint)


def _token_header(token: str) -> dict[str, Any]:
    try:
        part = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, UnicodeError, binascii.Error):
        raise MalformedProof("jwt", "the JWS header cannot be read") from None
    if not isinstance(header, dict):
        raise MalformedProof("jwt", "the JWS header is not a JSON object")
    return header


def _verified(
    token: str, issuer: TokenIssuer, ctx: VerifierContext, finder: DocumentFinder
) -> _Verified:
    """The token's claims and list once its signature, form and validity are checked.
    Raises ProofError (signature, signer, typ) or TokenStatusListError (claims, list)."""
    key = _signing_key(_token_header(token), issuer, finder)
    memo: StatusTokenMemo = ctx.status_tokens
    found = memo.find(token, key, ctx.now)
    if found is not None:
        return found
    _, payload = verify_jws(token, resolve_key=lambda _header: key, typs=(TYP,))
    claims = read_token_claims(payload)
    raw = claims.list_bytes()
    memo.remember(token, key, ctx.now, claims, raw)
    return _Verified(ctx.now, claims, raw)


def _read(
    reference: StatusListReference,
    issuer: TokenIssuer,
    ctx: VerifierContext,
    finder: DocumentFinder,
) -> int | Check:
    uri = reference.uri
    fetch: TokenFetch | None = ctx.fetch_token
    token = fetch(uri) if fetch is not None else None
    if not token:
        return _unchecked(
            "status.token_unavailable",
            f"could not check the status: the status list token {uri} is not available",
            uri,
        )
    missing_before = len(finder.unavailable)
    try:
        verified = _verified(token, issuer, ctx, finder)
    except MalformedProof as exc:
        return _unchecked("status.token_malformed", f"the status list token {uri}: {exc}", uri)
    except (DocumentUnavailable, VerificationMethodError) as exc:
        missing = finder.unavailable[missing_before:]
        if not isinstance(exc, DocumentUnavailable) and not missing:
            return _unchecked(
                "status.token_signer",
                f"the status list token {uri} is not signed by the credential's issuer: {exc}",
                uri,
            )
        # the DID document of the key that signed the token could not be had
        where = exc.url if isinstance(exc, DocumentUnavailable) else missing[-1]
        return _unchecked(
            "status.list_key_unavailable",
            f"the key that signed the status list token {uri} is in {where}, "
            "which is not available offline",
            where,
        )
    except InvalidSignature as exc:
        return _unchecked(
            "status.token_signer",
            f"the status list token {uri} is not signed by the credential's issuer: {exc}",
            uri,
        )
    except ProofError as exc:
        return _unchecked("status.token_signer", f"the status list token {uri}: {exc}", uri)
    except (TokenStatusListError, ValueError, TypeError) as exc:
        return _unchecked("status.token_malformed", f"the status list token {uri}: {exc}", uri)
    claims, now = verified.token, ctx.now.timestamp()
    if claims.sub != uri:
        return _unchecked(
            "status.token_subject",
            f"the status list token at {uri} is the token of {claims.sub[:200]}",
            uri,
        )
    skew = ctx.clock_skew.total_seconds()
    if claims.exp is not None and claims.exp + skew < now:
        when = datetime.fromtimestamp(claims.exp, UTC).isoformat()
        return _unchecked(
            "status.token_expired",
            f"the status list token {uri} expired on {when}; a fresh copy is needed",
            uri,
        )
    if claims.iat - skew > now:
        when = datetime.fromtimestamp(claims.iat, UTC).isoformat()
        return _unchecked(
            "status.token_expired",
            f"the status list token {uri} is issued in the future ({when})",
            uri,
        )
    try:
        return get_status(verified.raw, reference.idx, claims.bits)
    except TokenStatusListError as exc:  # out of bounds: no statement can be made
        return _unchecked("status.range", f"the status list token {uri}: {exc}", uri)


def check_token_status(
    status: Any,
    issuer: TokenIssuer,
    ctx: VerifierContext,
    finder: DocumentFinder,
) -> Check:
    """The ``status`` check of a Referenced Token with the ``status`` claim ``status``."""
    try:
        reference = read_reference(status)
    except TokenStatusListError as exc:
        # what the issuer signed breaks the draft (§6.2)
        return Check("status", "fail", f"the credential's {exc}", "status.malformed")
    if reference is None:
        if status is None:
            return Check(
                "status",
                "skip",
                "the credential has no status (its issuer cannot revoke it)",
                "status.none",
            )
        kinds = ", ".join(sorted(str(k) for k in status)[:5])
        return Check(
            "status",
            "warn",
            f"status mechanism {kinds} is not supported; status not checked",
            "status.unsupported",
        )
    value = _read(reference, issuer, ctx, finder)
    if isinstance(value, Check):
        return value
    where = f"index {reference.idx} of the status list token {reference.uri}"
    if value == VALID:
        return Check("status", "pass", f"not revoked or suspended ({where})", "status.ok")
    if value == INVALID:
        return Check("status", "fail", f"revoked by its issuer ({where})", "status.revoked")
    if value == SUSPENDED:
        return Check("status", "fail", f"suspended by its issuer ({where})", "status.suspended")
    return Check("status", "warn", f"status is {hex(value)} ({where})", "status.other")


def issuer_of(
    key: KeyPair | None, x5c: Sequence[bytes | str] = (), did: str | None = None
) -> TokenIssuer:
    """A `TokenIssuer` from what an envelope has (``x5c`` as DER or standard base64)."""
    chain = tuple(
        item if isinstance(item, bytes) else base64.b64decode(item, validate=True) for item in x5c
    )
    return TokenIssuer(key, chain, did)


TOKEN_ACCEPT = MEDIA_TYPE
_JWS_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class AllowListedTokenFetcher:
    """The verifier's fetcher of IETF Status List Tokens (`VerifierContext.fetch_token`):
    the compact JWT at an allow-listed URL (``Accept: application/statuslist+jwt``), through
    the same `OutboundFetcher` rules, cached for at most 5 minutes and never past the
    token's own ``ttl`` (its signature is checked by `verify/token_status.py`, not here);
    `None` when it cannot be had (the reason in `errors`)."""

    def __init__(
        self,
        allowed_hosts: Iterable[str],
        *,
        allow_private: bool = False,
        network: Network | None = None,
        max_bytes: int = MAX_DOCUMENT_BYTES,
        timeout: float = TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = OutboundPolicy(allowed_hosts, allow_private=allow_private)
        self._fetcher = OutboundFetcher(
            self.policy, network=network, max_bytes=max_bytes, timeout=timeout, accept=TOKEN_ACCEPT
        )
        self._clock = clock
        self._cache: dict[str, tuple[float, str]] = {}
        self.errors: dict[str, str] = {}

    def __call__(self, url: str) -> str | None:
        if self.policy.permits(url) is None:
            self.errors[url] = REFUSED
            return None
        cached = self._cache.get(url)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        try:
            body = self._fetcher.fetch(url)
        except FetchError as exc:
            self.errors[url] = str(exc)
            return None
        token = body.strip().decode("ascii", "replace")
        if not looks_like_token(token):
            self.errors[url] = "not a compact JWT"
            return None
        self._cache[url] = (self._clock() + self._ttl(token), token)
        return token

    def _ttl(self, token: str) -> float:
        try:
            part = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            ttl = claims.get("ttl") if isinstance(claims, dict) else None
        except (ValueError, UnicodeError):
            ttl = None
        if isinstance(ttl, int | float) and not isinstance(ttl, bool) and ttl >= 0:
            return min(DEFAULT_CACHE_SECONDS, float(ttl))
        return DEFAULT_CACHE_SECONDS
