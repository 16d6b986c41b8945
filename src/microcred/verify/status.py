"""The `status` check: Bitstring Status List entries, read from the list credential."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from microcred.formats.status_list import StatusListError, decode_list, get_bit
from microcred.proofs.dataintegrity import verify_proofs
from microcred.proofs.did import key_resolver
from microcred.proofs.errors import ProofError
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
# once per verification dominated the cost of checking a whole batch. The same bytes
# verify the same way, so a verified list is remembered by its digest for a few minutes
# of the verifier's own clock (`ctx.now`), which bounds how long a rotated-out key lasts.
_VERIFIED_LISTS: dict[str, datetime] = {}
VERIFIED_LIST_TTL = timedelta(minutes=5)
_MAX_REMEMBERED = 256


def _verify_list_proof(
    list_credential: dict[str, Any], ctx: VerifierContext, finder: DocumentFinder
) -> None:
    digest = hashlib.sha256(
        json.dumps(list_credential, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    until = _VERIFIED_LISTS.get(digest)
    if until is not None and ctx.now <= until:
        return
    verify_proofs(
        list_credential,
        resolve_key=key_resolver(finder),
        canonicalize=ctx.canonicalize,
        allowed_suites=ctx.allowed_suites,
    )
    if len(_VERIFIED_LISTS) >= _MAX_REMEMBERED:
        _VERIFIED_LISTS.clear()
    _VERIFIED_LISTS[digest] = ctx.now + VERIFIED_LIST_TTL


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
            f"could not check {purpose}: the status list {url} is not available offline "
            f"(supply it with --resolve {url}=FILE)",
            "status.unavailable",
        )
    if _list_issuer(list_credential) != issuer:
        return Check(
            "status",
            "fail",
            f"the status list {url} was not issued by the credential's issuer",
            "status.foreign_list",
        )
    try:
        _verify_list_proof(list_credential, ctx, finder)
    except (ProofError, ValueError) as exc:
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
