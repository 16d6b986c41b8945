"""The `status` check: Bitstring Status List entries, read from the list credential."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from microcred.formats.status_list import StatusListError, decode_list, get_bit
from microcred.jsonld.errors import JsonLdError
from microcred.proofs.dataintegrity import verify_proofs
from microcred.proofs.did import key_resolver
from microcred.proofs.errors import ProofError
from microcred.proofs.keys import KeyPair
from microcred.verify.report import Check
from microcred.verify.resolution import DocumentFinder

if TYPE_CHECKING:
    from microcred.verify.credential import VerifierContext


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
        self._verified: dict[_MemoKey, datetime] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._verified)

    def verify(
        self, list_credential: dict[str, Any], ctx: VerifierContext, finder: DocumentFinder
    ) -> None:
        """Verify the list's proofs, or find that this verifier already did; raise like
        :func:`verify_proofs` when they do not verify."""
        resolve = _remembering(key_resolver(finder), finder.keys)
        key = _memo_key(list_credential, ctx, resolve)
        if key is not None:
            with self._lock:
                until = self._verified.get(key)
            if until is not None and ctx.now <= until:
                return
        verify_proofs(
            list_credential,
            resolve_key=resolve,
            canonicalize=ctx.canonicalize,
            allowed_suites=ctx.allowed_suites,
        )
        if key is None:
            return
        with self._lock:
            if len(self._verified) >= self._size:
                self._verified.clear()
            self._verified[key] = ctx.now + self._ttl


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


def _check_entry(
    entry: Any, issuer: str | None, ctx: VerifierContext, finder: DocumentFinder
) -> Check | None:
    """A failing or warning Check for this entry, or None when the entry says 'not set'."""
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        kind = entry.get("type") if isinstance(entry, dict) else type(entry).__name__
        return Check(
            "status",
            "warn",
            f"status entry of type {kind} is not supported; status not checked",
            "status.unsupported",
        )
    purpose = entry.get("statusPurpose")
    url = entry.get("statusListCredential")
    try:
        index = int(str(entry.get("statusListIndex")))
    except ValueError:
        return Check("status", "fail", "statusListIndex must be a whole number", "status.malformed")
    if not isinstance(url, str):
        return Check("status", "fail", "statusListCredential must be a URL", "status.malformed")
    list_credential = finder.get(url)
    if list_credential is None:
        return Check(
            "status",
            "warn",
            f"could not check {purpose}: the status list {url} is not available offline",
            "status.unavailable",
            document=url,
        )
    if not isinstance(list_credential, dict):
        return Check(
            "status",
            "fail",
            f"the status list {url} is not a credential (a JSON object)",
            "status.malformed",
        )
    if _list_issuer(list_credential) != issuer:
        return Check(
            "status",
            "fail",
            f"the status list {url} was not issued by the credential's issuer",
            "status.foreign_list",
        )
    try:
        ctx.status_lists.verify(list_credential, ctx, finder)
    except (ProofError, ValueError, JsonLdError) as exc:
        return Check(
            "status",
            "fail",
            f"the status list {url} failed its own proof check: {exc}",
            "status.list_proof",
        )
    until = _time(list_credential.get("validUntil"))
    if until is not None and until + ctx.clock_skew < ctx.now:
        return Check(
            "status",
            "warn",
            f"the status list {url} expired on {until.isoformat()}; fetch a fresh one",
            "status.stale",
        )
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
        return Check(
            "status", "fail", f"the status list {url} is not a {purpose} list", "status.purpose"
        )
    try:
        bits = decode_list(subject.get("encodedList"))  # type: ignore[arg-type]
        flagged = get_bit(bits, index)
    except StatusListError as exc:
        return Check(
            "status", "fail", f"the status list {url} cannot be read: {exc}", "status.malformed"
        )
    if flagged and purpose == "revocation":
        return Check("status", "fail", "revoked by its issuer", "status.revoked")
    if flagged and purpose == "suspension":
        return Check("status", "fail", "suspended by its issuer", "status.suspended")
    if flagged:
        return Check("status", "warn", f"status '{purpose}' is set", "status.other")
    return None


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
    return Check("status", "pass", f"not revoked or suspended (checked {purposes})", "status.ok")
