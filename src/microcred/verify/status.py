"""The `status` check: Bitstring Status List entries, read from the list credential."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from microcred.formats.dates import parse_timestamp
from microcred.formats.status_list import (
    MAX_STATUS_SIZE,
    StatusListError,
    decode_list,
    get_value,
)
from microcred.jsonld.errors import JsonLdError
from microcred.proofs.did import key_resolver
from microcred.proofs.errors import ProofError, VerificationMethodError
from microcred.proofs.keys import KeyPair
from microcred.proofs.proof_set import verify_all
from microcred.verify.report import Check
from microcred.verify.resolution import DocumentFinder, DocumentUnavailable

if TYPE_CHECKING:
    from microcred.verify.credential import VerifierContext


# A status list credential is shared by up to 131,072 credentials: verifying its proof
# once per verification dominated the cost of checking a whole batch. So a verified list is
# remembered, but only for verifiers that would reach the same outcome: the memo is an
# object the verifier context owns (never a module-level table), and an outcome is looked up
# by everything it depends on. It lasts a few minutes of the verifier's own clock
# (`ctx.now`), which bounds how long a list whose key document changed elsewhere is trusted.
VERIFIED_LIST_TTL = timedelta(minutes=5)
_MAX_REMEMBERED = 256

_MemoKey = tuple[Hashable, ...]


class StatusListMemo:
    """Status list credentials whose proof verified, each remembered under the list's digest,
    the cryptosuites the verifier allows, its canonicalizer, its trust list, and the
    verification methods of the list's proofs with the public keys they resolve to *now*
    (so a key removed from the issuer's document, or another verifier's documents, miss).

    Safe to share between the contexts of one service (threads included): a context with
    other settings never finds another's outcome. Failures are never remembered.
    """

    def __init__(self, ttl: timedelta = VERIFIED_LIST_TTL, size: int = _MAX_REMEMBERED) -> None:
        self._ttl = ttl
        self._size = size
        self._verified: dict[_MemoKey, tuple[datetime, tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._verified)

    def verify(
        self, list_credential: dict[str, Any], ctx: VerifierContext, finder: DocumentFinder
    ) -> tuple[str, ...]:
        """Verify the list's proofs, or find that this verifier already did; the verification
        methods that signed it. Raise like :func:`~microcred.proofs.proof_set.verify_all` when they do not verify."""
        resolve = _remembering(key_resolver(finder), finder.keys)
        key = _memo_key(list_credential, ctx, resolve)
        if key is not None:
            with self._lock:
                found = self._verified.get(key)
            if found is not None and ctx.now <= found[0]:
                return found[1]
        results = verify_all(
            list_credential,
            resolve_key=resolve,
            canonicalize=ctx.canonicalize,
            allowed_suites=ctx.allowed_suites,
        )
        methods = tuple(result.verification_method for result in results)
        if key is None:
            return methods
        with self._lock:
            if len(self._verified) >= self._size:
                self._verified.clear()
            self._verified[key] = (ctx.now + self._ttl, methods)
        return methods


def _remembering(
    resolve: Callable[[str, str], KeyPair], found: dict[tuple[str, str], KeyPair]
) -> Callable[[str, str], KeyPair]:
    """Resolve each (method, purpose) once per verification (the key is in the memo key)."""

    def resolve_key(vm_url: str, purpose: str) -> KeyPair:
        if (vm_url, purpose) not in found:
            found[(vm_url, purpose)] = resolve(vm_url, purpose)
        return found[(vm_url, purpose)]

    return resolve_key


def _memo_key(
    list_credential: dict[str, Any],
    ctx: VerifierContext,
    resolve: Callable[[str, str], KeyPair],
) -> _MemoKey | None:
    """Everything the list's proof outcome depends on; None when it cannot be told (then
    the proofs are verified, and their failure reported, every time)."""
    proofs = list_credential.get("proof")
    items = proofs if isinstance(proofs, list) else [proofs]
    methods: list[tuple[str, str, str, str]] = []
    for proof in items:
        if not isinstance(proof, dict):
            return None
        vm, purpose = proof.get("verificationMethod"), proof.get("proofPurpose")
        if not isinstance(vm, str) or not isinstance(purpose, str):
            return None
        try:
            public = resolve(vm, purpose)
        except (ProofError, ValueError, TypeError, KeyError):
            return None
        methods.append((vm, purpose, str(public.key_type), public.public_multibase))
    try:
        digest = hashlib.sha256(
            json.dumps(list_credential, sort_keys=True, ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        key: _MemoKey = (
            digest,
            frozenset(ctx.allowed_suites),
            ctx.canonicalize,
            ctx.trust.fingerprint,
            tuple(methods),
        )
        hash(key)
    except (TypeError, ValueError, RecursionError):
        return None
    return key


def _entries(credential: dict[str, Any]) -> list[Any]:
    value = credential.get("credentialStatus")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _list_issuer(list_credential: dict[str, Any]) -> str | None:
    issuer = list_credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return False
    scheme, colon, rest = value.partition(":")
    return bool(colon and rest and scheme[:1].isalpha())


class _Entry:
    """A `BitstringStatusListEntry` whose fields are well formed (MALFORMED_VALUE_ERROR
    otherwise, raised as a failed Check by :func:`_read_entry`)."""

    def __init__(
        self,
        purpose: str,
        url: str,
        index: int,
        size: int,
        messages: dict[int, str] | None,
    ) -> None:
        self.purpose, self.url, self.index, self.size, self.messages = (
            purpose,
            url,
            index,
            size,
            messages,
        )


def _malformed(message: str) -> Check:
    # MALFORMED_VALUE_ERROR in the credential itself: what its issuer signed breaks the spec.
    return Check("status", "fail", message, "status.malformed")


def _read_entry(entry: dict[str, Any]) -> _Entry | Check:
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        return _malformed("statusPurpose of the status entry must be a string")
    raw_index = entry.get("statusListIndex")
    if not isinstance(raw_index, str) or not raw_index.isascii() or not raw_index.isdigit():
        return _malformed("statusListIndex must be a whole number (0 or more) written as a string")
    url = entry.get("statusListCredential")
    if not _is_url(url):
        return _malformed("statusListCredential must be the URL of the status list")
    size = entry.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        return _malformed("statusSize must be a whole number greater than zero")
    if size > MAX_STATUS_SIZE:
        return Check(
            "status",
            "warn",
            f"statusSize {size} is more bits than this verifier reads ({MAX_STATUS_SIZE})",
            "status.unsupported",
        )
    messages: dict[int, str] | None = None
    if "statusMessage" in entry or size > 1:
        parsed = _read_messages(entry.get("statusMessage"), size)
        if isinstance(parsed, Check):
            return parsed
        messages = parsed
    reference = entry.get("statusReference")
    if reference is not None and not (
        _is_url(reference)
        or (isinstance(reference, list) and reference and all(_is_url(r) for r in reference))
    ):
        return _malformed("statusReference must be a URL or a list of URLs")
    return _Entry(purpose, str(url), int(raw_index), size, messages)


def _read_messages(value: Any, size: int) -> dict[int, str] | Check:
    count = 1 << size
    if not isinstance(value, list):
        return _malformed(
            f"statusMessage must be present when statusSize is more than 1: a list of {count}"
        )
    if len(value) != count:
        return _malformed(
            f"statusMessage has {len(value)} messages; a statusSize of {size} needs {count}"
        )
    out: dict[int, str] = {}
    for item in value:
        status = item.get("status") if isinstance(item, dict) else None
        message = item.get("message") if isinstance(item, dict) else None
        if not isinstance(status, str) or not isinstance(message, str):
            return _malformed("each statusMessage needs a status (0x...) and a message")
        try:
            number = int(status, 16) if status[:2].lower() == "0x" and status[2:] else -1
        except ValueError:
            number = -1
        if not 0 <= number < count or number in out:
            return _malformed(
                f"statusMessage status {status!r} is not one of 0x0 .. {hex(count - 1)} once"
            )
        out[number] = message
    return out


def _unchecked(code: str, message: str, url: str = "") -> Check:
    # The status could not be determined: never a pass, and never "invalid" either (the
    # credential may be fine; the report's overall status is "unchecked").
    return Check("status", "warn", message, code, document=url)


def _list_problem(list_credential: Any, entry: _Entry, ctx: VerifierContext) -> Check | None:
    """What makes the list unusable, before its proof is checked (cheap checks first)."""
    url = entry.url
    if not isinstance(list_credential, dict):
        return _unchecked("status.not_a_list", f"the status list {url} is not a JSON object")
    if "BitstringStatusListCredential" not in _types(list_credential.get("type")):
        return _unchecked(
            "status.not_a_list",
            f"{url} is not a BitstringStatusListCredential",
        )
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or "BitstringStatusList" not in _types(subject.get("type")):
        return _unchecked("status.not_a_list", f"the subject of {url} is not a BitstringStatusList")
    if _list_issuer(list_credential) is None:
        return _unchecked("status.not_a_list", f"the status list {url} names no issuer")
    ttl = subject.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int | float) or ttl < 0):
        return _unchecked(
            "status.list_malformed", f"the ttl of the status list {url} is not a number"
        )
    since = parse_timestamp(list_credential.get("validFrom"))
    if since is not None and since - ctx.clock_skew > ctx.now:
        return _unchecked(
            "status.not_yet_valid",
            f"the status list {url} is valid only from {since.isoformat()}",
            url,
        )
    until = parse_timestamp(list_credential.get("validUntil"))
    if until is not None and until + ctx.clock_skew < ctx.now:
        return _unchecked(
            "status.stale",
            f"the status list {url} expired on {until.isoformat()}; a fresh copy is needed",
            url,
        )
    purposes = _types(subject.get("statusPurpose"))
    if entry.purpose not in purposes:
        shown = ", ".join(str(p) for p in purposes)
        return _unchecked(
            "status.purpose",
            f"the status list {url} is for {shown}, not {entry.purpose}",
        )
    return None


def _list_signer(
    list_credential: dict[str, Any], ctx: VerifierContext, finder: DocumentFinder, url: str
) -> str | Check:
    """The issuer of the list once its proofs verify with keys its issuer controls (which
    may be another issuer than the credential's: Bitstring Status List allows it)."""
    list_issuer = _list_issuer(list_credential)
    missing_before = len(finder.unavailable)
    try:
        methods = ctx.status_lists.verify(list_credential, ctx, finder)
    except (DocumentUnavailable, VerificationMethodError) as exc:
        # the key's document could not be had offline (the resolver records which)
        missing = finder.unavailable[missing_before:]
        if isinstance(exc, DocumentUnavailable) or missing:
            where = exc.url if isinstance(exc, DocumentUnavailable) else missing[-1]
            return _unchecked(
                "status.list_key_unavailable",
                f"the key that signed the status list {url} is in {where}, "
                "which is not available offline",
                where,
            )
        return _unchecked(
            "status.list_proof", f"the status list {url} failed its own proof check: {exc}"
        )
    except (ProofError, ValueError, JsonLdError) as exc:
        return _unchecked(
            "status.list_proof", f"the status list {url} failed its own proof check: {exc}"
        )
    for method in methods:
        if method.split("#", 1)[0] != list_issuer:
            return _unchecked(
                "status.list_signer",
                f"the status list {url} is signed by {method}, not by its issuer {list_issuer}",
            )
    return str(list_issuer)


class _Reading:
    def __init__(self, value: int, signer: str) -> None:
        self.value, self.signer = value, signer


def _read_status(entry: _Entry, ctx: VerifierContext, finder: DocumentFinder) -> _Reading | Check:
    """The Validate Algorithm of Bitstring Status List v1.0 §3.2, up to the status value."""
    url = entry.url
    list_credential = finder.get(url)
    if list_credential is None:  # STATUS_RETRIEVAL_ERROR
        return _unchecked(
            "status.unavailable",
            f"could not check {entry.purpose}: the status list {url} is not available offline",
            url,
        )
    problem = _list_problem(list_credential, entry, ctx)
    if problem is not None:
        return problem
    signer = _list_signer(list_credential, ctx, finder, url)
    if isinstance(signer, Check):  # STATUS_VERIFICATION_ERROR
        return signer
    try:
        bits = decode_list(list_credential["credentialSubject"].get("encodedList"))
    except StatusListError as exc:
        return _unchecked("status.list_malformed", f"the status list {url} cannot be read: {exc}")
    entries = len(bits) * 8 // entry.size
    try:
        value = get_value(bits, entry.index, entry.size)
    except StatusListError as exc:  # RANGE_ERROR
        return _unchecked("status.range", f"the status list {url}: {exc}")
    if entries < ctx.min_status_entries and value == 0:
        # STATUS_LIST_LENGTH_ERROR: too small a list gives its holders no herd privacy and
        # breaks the spec. A withdrawal its issuer signed is still certain (reported below);
        # "not withdrawn" from such a list is not accepted.
        return _unchecked(
            "status.list_length",
            f"the status list {url} has {entries} entries, fewer than the "
            f"{ctx.min_status_entries} Bitstring Status List requires",
        )
    return _Reading(value, signer)


def _meaning(entry: _Entry, value: int) -> str:
    """What a set value means: revocation / suspension lists say it by their purpose; a
    message list by the message its issuer committed to in the entry."""
    if entry.purpose in ("revocation", "suspension"):
        return entry.purpose
    if entry.messages is not None:
        return entry.messages.get(value, "undefined")
    return "set"


def _check_entry(
    entry: Any, issuer: str | None, ctx: VerifierContext, finder: DocumentFinder
) -> Check | None:
    """A failing or warning Check for this entry, or None when it says 'valid'; the list's
    signer when it is another issuer than the credential's is in ``signers``."""
    # `type` may be a set (VC Data Model): ELM exports add elm:CredentialStatus to it.
    types = entry.get("type") if isinstance(entry, dict) else None
    if "BitstringStatusListEntry" not in (types if isinstance(types, list) else [types]):
        kind = entry.get("type") if isinstance(entry, dict) else type(entry).__name__
        return Check(
            "status",
            "warn",
            f"status entry of type {kind} is not supported; status not checked",
            "status.unsupported",
        )
    read = _read_entry(entry)
    if isinstance(read, Check):
        return read
    reading = _read_status(read, ctx, finder)
    if isinstance(reading, Check):
        return reading
    signed = "" if reading.signer == issuer else f" (the list is signed by {reading.signer})"
    if reading.value == 0:
        return None
    meaning = _meaning(read, reading.value)
    if meaning in ("revocation", "revoked"):
        return Check("status", "fail", f"revoked by its issuer{signed}", "status.revoked")
    if meaning in ("suspension", "suspended"):
        return Check("status", "fail", f"suspended by its issuer{signed}", "status.suspended")
    return Check(
        "status",
        "warn",
        f"status '{read.purpose}' is {hex(reading.value)} ({meaning}){signed}",
        "status.other",
    )


def _signers(entries: list[Any], issuer: str | None, finder: DocumentFinder) -> list[str]:
    out: list[str] = []
    for entry in entries:
        url = entry.get("statusListCredential") if isinstance(entry, dict) else None
        found = finder.get(url) if isinstance(url, str) else None
        signer = _list_issuer(found) if isinstance(found, dict) else None
        if signer and signer != issuer and signer not in out:
            out.append(signer)
    return out


def check_status(
    credential: dict[str, Any], issuer: str | None, ctx: VerifierContext, finder: DocumentFinder
) -> Check:
    entries = _entries(credential)
    if not entries:
        return Check(
            "status",
            "skip",
            "the credential has no status entry (its issuer cannot revoke it)",
            "status.none",
        )
    outcomes = [_check_entry(e, issuer, ctx, finder) for e in entries]
    for code in ("status.revoked", "status.suspended"):
        for outcome in outcomes:
            if outcome is not None and outcome.code == code:
                return outcome
    problems = [o for o in outcomes if o is not None]
    if any(o.status == "fail" for o in problems):
        return next(o for o in problems if o.status == "fail")
    if problems:
        return problems[0]
    purposes = ", ".join(str(e.get("statusPurpose")) for e in entries if isinstance(e, dict))
    others = _signers(entries, issuer, finder)
    signed = f"; the list is signed by {', '.join(others)}" if others else ""
    return Check(
        "status",
        "pass",
        f"not revoked or suspended (checked {purposes}{signed})",
        "status.ok",
    )
