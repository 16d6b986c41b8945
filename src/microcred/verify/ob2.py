"""Open Badges 2.0 verification (hosted and signed assertions), as a standard report.

`verify_ob2` answers with the same `VerificationReport`, the same check ids (`CHECK_IDS`)
and codes as `verify_credential`: the OB 2.0 findings (hosted copy, origin, signature,
badge class, issuer profile, revocation list, dates) are grouped under them. `ob2_findings`
gives the findings one by one. Documents named by URL are looked up through the context's
`fetch` only (it decides what may be fetched); the RS256 check is `microcred.proofs.rs256`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from microcred.formats.inputs import ParsedInput
from microcred.formats.ob2 import (
    Resolver,
    as_list,
    decode_jws,
    is_ob2_assertion,
    parse_ob2_time,
    read_ob2,
    recipient_matches,
    resolve_node,
    safe_resolve,
    unwrap_assertion,
)
from microcred.proofs.errors import ProofError, VerificationMethodError
from microcred.proofs.rs256 import load_rsa_public_key, verify_rs256_compact
from microcred.verify.report import (
    CHECK_IDS,
    Check,
    CheckList,
    CheckStatus,
    VerificationReport,
    overall,
)
from microcred.verify.summary import EMPTY_SUMMARY, summarize

if TYPE_CHECKING:  # the credential pipeline routes OB 2.0 inputs here: no import cycle
    from microcred.verify.credential import VerifierContext

__all__ = ["Ob2Finding", "Ob2Findings", "ob2_findings", "verify_ob2"]

MIN_RSA_BITS = 2048

Status = Literal["pass", "fail", "warn"]


@dataclass(frozen=True)
class Ob2Finding:
    name: str
    status: Status
    message: str
    document: str = ""  # a document it needed and could not get (the report's Check.document)


@dataclass
class Ob2Findings:
    """The outcome of verifying an OB 2.0 assertion: ``verified`` if no check failed."""

    kind: Literal["hosted", "signed"] | None
    checks: list[Ob2Finding] = field(default_factory=list)
    assertion: dict[str, Any] | None = None
    badge: dict[str, Any] | None = None
    issuer: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        return bool(self.checks) and not any(c.status == "fail" for c in self.checks)

    @property
    def failures(self) -> list[Ob2Finding]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def warnings(self) -> list[Ob2Finding]:
        return [c for c in self.checks if c.status == "warn"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "kind": self.kind,
            "checks": [
                {"check": c.name, "status": c.status, "message": c.message} for c in self.checks
            ],
        }


class _Checks:
    def __init__(self) -> None:
        self.items: list[Ob2Finding] = []

    def ok(self, name: str, message: str) -> None:
        self.items.append(Ob2Finding(name, "pass", message))

    def fail(self, name: str, message: str) -> None:
        self.items.append(Ob2Finding(name, "fail", message))

    def warn(self, name: str, message: str, document: str = "") -> None:
        self.items.append(Ob2Finding(name, "warn", message, document))


_ESSENTIAL = ("id", "recipient", "issuedOn", "expires", "verification")


def _badge_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _same_assertion(given: dict[str, Any], hosted: dict[str, Any]) -> str | None:
    """None if the hosted copy is the same assertion, else the first field that differs."""
    if given == hosted:
        return None
    for key in _ESSENTIAL:
        if given.get(key) != hosted.get(key):
            return key
    if _badge_id(given.get("badge")) != _badge_id(hosted.get("badge")):
        return "badge"
    return None


def _hosted_origin_allowed(assertion_id: str, issuer: dict[str, Any]) -> str | None:
    """None if the issuer allows hosting the assertion at ``assertion_id``, else why not."""
    policy: dict[str, Any] = (
        issuer["verification"] if isinstance(issuer.get("verification"), dict) else {}
    )
    starts = [s for s in as_list(policy.get("startsWith")) if isinstance(s, str)]
    origins = [o for o in as_list(policy.get("allowedOrigins")) if isinstance(o, str)]
    host = urlsplit(assertion_id).netloc.lower()
    if starts and not any(assertion_id.startswith(s) for s in starts):
        return f"the issuer allows hosted assertions only under {', '.join(starts)}"
    if origins:
        if host not in {o.lower() for o in origins}:
            return f"the issuer allows hosted assertions only on {', '.join(origins)}"
        return None
    if starts:
        return None
    issuer_id = issuer.get("id")
    if not isinstance(issuer_id, str) or not issuer_id.startswith(("http://", "https://")):
        return "the issuer profile has no HTTP id to compare the assertion's origin with"
    if urlsplit(issuer_id).netloc.lower() != host:
        return (
            f"the assertion is hosted on {host}, not on the issuer's origin "
            f"{urlsplit(issuer_id).netloc.lower()}"
        )
    return None


def _check_signature(
    token: str,
    header: dict[str, Any],
    assertion: dict[str, Any],
    issuer: dict[str, Any] | None,
    issuer_confirmed: bool,
    resolve: Resolver,
    checks: _Checks,
) -> None:
    """RS256 over the JWS with a key tied to the issuer.

    The key is never taken from the signed payload: it is resolved by URL (or embedded in the
    issuer profile as served at its id), and must be listed in that profile's ``publicKey``,
    or be owned by the issuer (``owner``) and served from the issuer's own origin.
    """
    alg = header.get("alg")
    if alg != "RS256":
        checks.fail("signature", f"JWS algorithm {alg!r} is not RS256 (required by OB 2.0)")
        return
    if "crit" in header:
        checks.fail("signature", "critical JWS header parameters are not supported")
        return
    verification = assertion.get("verification")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    issuer_id = issuer.get("id") if issuer else None
    declared = [
        k.get("id") if isinstance(k, dict) else k for k in as_list((issuer or {}).get("publicKey"))
    ]
    candidates: list[Any] = [creator] if isinstance(creator, str) else list(declared)
    if not candidates:
        checks.fail("signature", "no signing key: no verification.creator and no issuer publicKey")
        return
    if issuer is None or not issuer_confirmed:
        checks.fail(
            "signature",
            "the issuer profile is not confirmed at its id, so no signing key can be tied to it",
        )
        return
    issuer_host = urlsplit(issuer_id).netloc.lower() if isinstance(issuer_id, str) else None
    tried: list[str] = []
    for candidate in candidates:
        embedded = next(
            (
                k
                for k in as_list((issuer or {}).get("publicKey"))
                if isinstance(k, dict) and k.get("id") == candidate
            ),
            None,
        )
        key_doc = embedded or (
            safe_resolve(resolve, candidate) if isinstance(candidate, str) else None
        )
        if key_doc is None:
            tried.append(f"{candidate}: not resolvable")
            continue
        owner = key_doc.get("owner")
        if owner is not None and issuer_id is not None and owner != issuer_id:
            tried.append(f"{candidate}: owned by {owner!r}, not by the issuer {issuer_id!r}")
            continue
        same_origin = (
            isinstance(candidate, str) and urlsplit(candidate).netloc.lower() == issuer_host
        )
        if candidate not in declared and not (owner == issuer_id and same_origin):
            tried.append(f"{candidate}: not a key the issuer profile declares")
            continue
        pem = key_doc.get("publicKeyPem")
        try:
            key = load_rsa_public_key(pem if isinstance(pem, str) else "")
        except VerificationMethodError:
            tried.append(f"{candidate}: no RSA publicKeyPem")
            continue
        try:
            verify_rs256_compact(token, key)
        except ProofError:
            tried.append(f"{candidate}: the signature does not verify")
            continue
        checks.ok("signature", f"RS256 signature verifies with the issuer's key {candidate}")
        if key.key_size < MIN_RSA_BITS:
            checks.warn("key", f"the RSA key has only {key.key_size} bits")
        if isinstance(key_doc.get("revoked"), str | bool) and key_doc.get("revoked"):
            checks.fail("key", f"the signing key {candidate} is revoked")
        return
    checks.fail("signature", "JWS signature does not verify (" + "; ".join(tried) + ")")


def _check_revocation(
    assertion: dict[str, Any], issuer: dict[str, Any] | None, resolve: Resolver, checks: _Checks
) -> None:
    if assertion.get("revoked") in (True, "true"):
        reason = assertion.get("revocationReason")
        checks.fail("revocation", "the assertion is revoked" + (f": {reason}" if reason else ""))
        return
    if issuer is None:
        checks.warn(
            "revocation", "not checked: the issuer profile, which names the list, is unknown"
        )
        return
    url = issuer.get("revocationList")
    if isinstance(url, dict):
        revocation: dict[str, Any] | None = url
        url = url.get("id")
    elif isinstance(url, str):
        revocation = safe_resolve(resolve, url)
        if revocation is None:
            checks.warn(
                "revocation", f"the issuer's revocation list {url} could not be resolved", url
            )
            return
    else:
        # Nothing to check: the assertion cannot be put on a list (a hosted one is withdrawn
        # by its issuer's server, which the hosted check asked).
        checks.warn("no_revocation_list", "the issuer publishes no revocation list")
        return
    if not isinstance(revocation, dict):
        checks.warn("revocation", "the issuer's revocation list is not a document")
        return
    assertion_id, uid = assertion.get("id"), assertion.get("uid")
    for entry in as_list(revocation.get("revokedAssertions")):
        entry_id = entry.get("id") if isinstance(entry, dict) else entry
        entry_uid = entry.get("uid") if isinstance(entry, dict) else None
        if (entry_id is not None and entry_id == assertion_id) or (
            entry_uid is not None and entry_uid == uid
        ):
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            checks.fail(
                "revocation",
                "the assertion is on the issuer's revocation list"
                + (f": {reason}" if reason else ""),
            )
            return
    checks.ok("revocation", "not on the issuer's revocation list")


def _check_dates(assertion: dict[str, Any], now: datetime, checks: _Checks) -> None:
    issued = parse_ob2_time(assertion.get("issuedOn"))
    if issued is None:
        checks.fail("issued", f"issuedOn {assertion.get('issuedOn')!r} is not a date-time")
    elif issued > now:
        checks.fail("issued", f"issued in the future ({issued.isoformat()})")
    else:
        checks.ok("issued", f"issued on {issued.date().isoformat()}")
    if "expires" not in assertion:
        return
    expires = parse_ob2_time(assertion.get("expires"))
    if expires is None:
        checks.fail("expiry", f"expires {assertion.get('expires')!r} is not a date-time")
    elif expires <= now:
        checks.fail("expiry", f"expired on {expires.date().isoformat()}")
    else:
        checks.ok("expiry", f"valid until {expires.date().isoformat()}")


def ob2_findings(
    assertion_or_jws: dict[str, Any] | str,
    *,
    resolve: Resolver,
    now: datetime,
    recipient: str | None = None,
) -> Ob2Findings:
    """Every OB 2.0 finding about an assertion; never raises, every finding is a check.

    Hosted: the assertion's ``id`` (an HTTP URL on the issuer's allowed origin) must
    resolve to the same assertion. Signed: the JWS must be RS256 and verify with the
    issuer's ``CryptographicKey`` (``verification.creator``, or the issuer's
    ``publicKey``) whose ``owner`` is the issuer. Both: the badge class and issuer
    resolve, the assertion is not on the issuer's ``revocationList`` (nor marked
    ``revoked``), ``issuedOn`` is past and ``expires`` is not. ``recipient`` (an e-mail
    address or URL), when given, must match the (possibly hashed) recipient.
    """
    result = Ob2Findings(kind=None)
    checks = _Checks()
    try:
        _verify(assertion_or_jws, resolve, now, recipient, result, checks)
    except Exception as exc:  # noqa: BLE001 - verification reports, it never raises
        checks.fail("internal", f"verification stopped: {type(exc).__name__}: {exc}")
    result.checks = checks.items
    return result


def _verify(
    assertion_or_jws: dict[str, Any] | str,
    resolve: Resolver,
    now: datetime,
    recipient: str | None,
    result: Ob2Findings,
    checks: _Checks,
) -> None:
    try:
        assertion, token = unwrap_assertion(assertion_or_jws)
        header = decode_jws(token)[0] if token else {}
    except ValueError as exc:
        checks.fail("format", str(exc))
        return
    result.assertion = assertion
    if not is_ob2_assertion(assertion):
        checks.fail("format", "not an Open Badges 2.0 assertion (no OB context / type Assertion)")
        return
    verification = assertion.get("verification") or assertion.get("verify")
    declared = verification.get("type") if isinstance(verification, dict) else None
    declared = {"HostedBadge": "hosted", "SignedBadge": "signed"}.get(str(declared), declared)
    result.kind = "signed" if token else "hosted"
    if token and declared not in ("signed", None):
        checks.fail("format", f"a JWS whose assertion declares verification type {declared!r}")
    elif not token and declared == "signed":
        checks.fail(
            "format",
            "the assertion declares signed verification but came without its JWS signature",
        )
        return
    else:
        checks.ok("format", f"Open Badges 2.0 {result.kind} assertion")
    missing = [k for k in ("recipient", "badge", "issuedOn") if k not in assertion]
    if missing or not isinstance(assertion.get("recipient"), dict):
        checks.fail(
            "structure", "the assertion lacks " + ", ".join(missing or ["a recipient object"])
        )

    # Hosted: the copy in hand must be what the issuer serves at the assertion's id.
    if result.kind == "hosted":
        assertion_id = assertion.get("id")
        if not isinstance(assertion_id, str) or not assertion_id.startswith(
            ("http://", "https://")
        ):
            checks.fail("hosted", "a hosted assertion's id must be its HTTP(S) URL")
        else:
            hosted = safe_resolve(resolve, assertion_id)
            if hosted is None:
                checks.fail(
                    "hosted",
                    f"the assertion is not served at {assertion_id} (it may have been withdrawn)",
                )
            else:
                differs = _same_assertion(assertion, hosted)
                if differs:
                    checks.fail(
                        "hosted", f"the assertion served at {assertion_id} differs ({differs})"
                    )
                else:
                    checks.ok("hosted", f"the issuer serves this assertion at {assertion_id}")
                    assertion = hosted if isinstance(hosted.get("badge"), dict | str) else assertion

    badge, badge_url = resolve_node(assertion.get("badge"), resolve)
    if (
        isinstance(assertion.get("badge"), dict)
        and badge_url
        and badge_url.startswith(("http://", "https://"))
    ):
        served = safe_resolve(resolve, badge_url)
        if served is not None:
            badge = served
        else:
            checks.warn("badge", f"the embedded badge class is not confirmed at {badge_url}")
    if badge is None:
        checks.fail("badge", f"the badge class {badge_url!r} could not be resolved")
        issuer, issuer_confirmed = None, False
    else:
        result.badge = badge
        checks.ok("badge", f"badge class {badge.get('name')!r}")
        issuer, issuer_url = resolve_node(badge.get("issuer"), resolve)
        issuer_confirmed = isinstance(badge.get("issuer"), str)
        if (
            isinstance(badge.get("issuer"), dict)
            and issuer_url
            and issuer_url.startswith(("http://", "https://"))
        ):
            served = safe_resolve(resolve, issuer_url)
            if served is not None:
                issuer, issuer_confirmed = served, True
            else:
                checks.warn(
                    "issuer", f"the embedded issuer profile is not confirmed at {issuer_url}"
                )
        if issuer is None:
            checks.fail("issuer", f"the issuer profile {issuer_url!r} could not be resolved")
        else:
            result.issuer = issuer
            checks.ok("issuer", f"issued by {issuer.get('name')!r}")

    if result.kind == "hosted" and issuer is not None and isinstance(assertion.get("id"), str):
        if assertion["id"].startswith(("http://", "https://")):
            why = _hosted_origin_allowed(assertion["id"], issuer)
            if why:
                checks.fail("origin", why)
            else:
                checks.ok("origin", "the assertion is hosted where the issuer allows")
    if result.kind == "signed" and token:
        _check_signature(token, header, assertion, issuer, issuer_confirmed, resolve, checks)
    _check_revocation(assertion, issuer, resolve, checks)
    _check_dates(assertion, now, checks)
    if recipient is not None:
        if recipient_matches(assertion.get("recipient"), recipient):
            checks.ok("recipient", "the recipient matches")
        else:
            checks.fail("recipient", "the badge was awarded to someone else")


# --- the standard report --------------------------------------------------------------------

# Which standard check each OB 2.0 finding belongs to.
_GROUP = {
    "internal": "parse",
    "format": "parse",
    "structure": "schema",
    "recipient": "schema",
    "hosted": "proof",
    "origin": "proof",
    "signature": "proof",
    "key": "proof",
    "badge": "issuer",
    "issuer": "issuer",
    "issued": "validity",
    "expiry": "validity",
    "revocation": "status",
    "no_revocation_list": "status",
}
_PASS_CODE = {
    "parse": "parse.ob2",
    "schema": "schema.ok",
    "proof": "proof.ok",
    "issuer": "issuer.ok",
    "validity": "validity.ok",
    "status": "status.ok",
}
_FAIL_CODE = {
    "parse": "parse.error",
    "schema": "schema.invalid",
    "proof": "proof.invalid_signature",
    "issuer": "issuer.unresolved",
    "validity": "validity.invalid",
    "status": "status.revoked",
}


def _group(check_id: str, found: list[Ob2Finding]) -> Check:
    failed = [f for f in found if f.status == "fail"]
    warned = [f for f in found if f.status == "warn"]
    message = "; ".join(f.message for f in (failed or found))
    if failed:
        code = _FAIL_CODE[check_id]
        names = {f.name for f in failed}
        if check_id == "validity":
            code = (
                "validity.expired"
                if names == {"expiry"} and "not a date-time" not in message
                else "validity.not_yet"
                if "in the future" in message
                else code
            )
        elif check_id == "proof" and not names & {"signature", "key"}:
            code = "proof.rejected"
        return Check(check_id, "fail", message, code)
    status: CheckStatus = "warn" if warned else "pass"
    if check_id == "proof":
        status = "pass"  # a weak key is a note on a signature that verified
    elif check_id == "status" and warned:
        if {f.name for f in warned} == {"no_revocation_list"}:
            return Check(check_id, "skip", message, "status.none")
        # The list exists but could not be read: the revocation was not checked.
        document = next((f.document for f in warned if f.document), "")
        return Check(check_id, "warn", message, "status.unavailable", document=document)
    return Check(check_id, status, message, _PASS_CODE[check_id])


def _hosted_unavailable(url: str, image: str | None) -> VerificationReport:
    checks = CheckList()
    where = f"this {image.upper()} image" if image else "the input"
    checks.add(
        Check(
            "parse",
            "fail",
            f"{where} carries only the address of an Open Badges hosted assertion, {url}, "
            "and the assertion is not available offline",
            "parse.hosted_unavailable",
            document=url,
        )
    )
    checks.skip_rest("not checked: the assertion could not be read")
    return VerificationReport.of(checks)


def verify_ob2(raw: dict[str, Any] | str | ParsedInput, ctx: VerifierContext) -> VerificationReport:
    """Verify an OB 2.0 assertion (a hosted assertion or a signed JWS, as it is or as read
    from a baked image by `formats.inputs.parse_input`); never raises.

    Fetching goes through ``ctx.fetch`` (nothing is fetched without it), dates are compared
    with ``ctx.now``, and the issuer is looked up in ``ctx.trust``."""
    fetch = ctx.fetch

    def resolve(url: str) -> dict[str, Any] | None:
        return ctx.documents.get(url) or (fetch(url) if fetch is not None else None)

    image = raw.image if isinstance(raw, ParsedInput) else None
    assertion: dict[str, Any] | str | None
    if not isinstance(raw, ParsedInput):
        assertion = raw
    elif raw.jwt is not None or raw.document is not None:
        assertion = raw.jwt if raw.jwt is not None else raw.document
    else:  # only the URL of a hosted assertion was baked in: the assertion is there
        url = raw.hosted_url or ""
        assertion = safe_resolve(resolve, url)
        if assertion is None:
            return _hosted_unavailable(url, image)
    assert assertion is not None
    result = ob2_findings(assertion, resolve=resolve, now=ctx.now)
    grouped: dict[str, list[Ob2Finding]] = {}
    for finding in result.checks:
        grouped.setdefault(_GROUP.get(finding.name, "schema"), []).append(finding)
    checks: dict[str, Check] = {k: _group(k, v) for k, v in grouped.items()}
    if image is not None and "parse" in checks and checks["parse"].status == "pass":
        found = checks["parse"]
        checks["parse"] = replace(found, message=f"{found.message}, baked into a {image.upper()}")
    summary = EMPTY_SUMMARY
    if result.assertion is not None and "parse" in checks and checks["parse"].status == "pass":
        reading = read_ob2(result.assertion, resolve=resolve)
        checks["eu_standard"] = (
            Check(
                "eu_standard",
                "warn",
                "missing EU mandatory elements: " + ", ".join(reading.missing),
                "eu.missing",
            )
            if reading.missing
            else Check(
                "eu_standard",
                "pass",
                "all mandatory elements of the EU standard are present",
                "eu.complete",
            )
        )
        issuer_id = result.issuer.get("id") if isinstance(result.issuer, dict) else None
        # An assertion names its issuer through its badge class, not itself.
        summary = replace(
            summarize(result.assertion, reading.data, format="ob2", missing=reading.missing),
            issuer_id=issuer_id if isinstance(issuer_id, str) else None,
        )
        entry = ctx.trust.find(issuer_id if isinstance(issuer_id, str) else None)
        checks["trust"] = (
            Check("trust", "pass", f"the issuer is on the trust list: {entry.name}", "trust.ok")
            if entry is not None
            else Check(
                "trust",
                "warn",
                f"the issuer {issuer_id or '(unknown)'} is not on the trust list of this verifier",
                "trust.unknown",
            )
        )
    ordered = tuple(
        checks.get(check_id)
        or Check(check_id, "skip", "not checked for this Open Badges 2.0 assertion", "skipped")
        for check_id in CHECK_IDS
    )
    status = overall(ordered)
    return VerificationReport(status == "valid", status, ordered, result.assertion, summary)
