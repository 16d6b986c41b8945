"""The credential verification pipeline (DESIGN.md): pure, with every edge injected.

`verify_credential` never raises for bad input: whatever it is given, it
returns a report whose checks say what passed, what failed and what could
not be checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from microcred.formats.inputs import InputError, parse_input
from microcred.formats.jades import read_sealed
from microcred.formats.ob3 import MANDATORY_ELEMENTS
from microcred.formats.reading import is_sealed, kind_of, read_model
from microcred.jsonld.contexts import BUNDLED_CONTEXT_URLS
from microcred.jsonld.errors import JsonLdError, UnknownContextError
from microcred.jsonld.fast_rdf import canonicalize_fast
from microcred.proofs.dataintegrity import DEFAULT_SUITES, verify_proofs
from microcred.proofs.did import key_resolver, resolve_verification_method
from microcred.proofs.errors import (
    InvalidSignature,
    MalformedProof,
    ProofError,
    UnsupportedCryptosuite,
    VerificationMethodError,
)
from microcred.proofs.jose import verify_vc_jwt
from microcred.verify.report import Check, OverallStatus, VerificationReport
from microcred.verify.resolution import DocumentFinder, Fetch
from microcred.verify.status import StatusListMemo, check_status
from microcred.verify.trust import TrustList

log = logging.getLogger("microcred.verify")

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


@dataclass(frozen=True)
class VerifierContext:
    """Everything the pipeline may consult; the caller decides what that is."""

    now: datetime
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetch: Fetch | None = None
    trust: TrustList = field(default_factory=TrustList.empty)
    clock_skew: timedelta = timedelta(minutes=5)
    allowed_suites: Collection[str] = DEFAULT_SUITES
    canonicalize: Callable[[dict[str, Any]], str] = canonicalize_fast
    # Status lists whose proof this verifier checked. Each context has its own unless the
    # factory that builds it passes one to share (its outcomes are keyed by the settings
    # above, so contexts with other allow-lists, documents or trust never share them).
    status_lists: StatusListMemo = field(default_factory=StatusListMemo, compare=False)


def _skip_rest(checks: list[Check], after: str, reason: str) -> None:
    order = ("parse", "schema", "eu_standard", "proof", "issuer", "trust", "validity", "status")
    done = {c.id for c in checks}
    for check_id in order[order.index(after) + 1 :]:
        if check_id not in done:
            checks.append(Check(check_id, "skip", reason, "skipped"))


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        return issuer["id"]
    return None


def _types(node: Any) -> set[str]:
    value = node.get("type") if isinstance(node, dict) else None
    if isinstance(value, str):
        return {value}
    return {t for t in value if isinstance(t, str)} if isinstance(value, list) else set()


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def context_problems(document: dict[str, Any], what: str = "credential") -> list[str]:
    """The `@context` must start with VC 2.0 (or 1.1) and name only bundled contexts."""
    errors: list[str] = []
    contexts = document.get("@context")
    context_list = contexts if isinstance(contexts, list) else [contexts]
    if not contexts or context_list[0] not in (VC_V2, VC_V1):
        errors.append(f"@context must start with {VC_V2} (or {VC_V1} for VC 1.1)")
    for item in context_list:
        if isinstance(item, str) and item not in BUNDLED_CONTEXT_URLS:
            errors.append(
                f"@context {item} is not one of the bundled contexts; nothing is fetched from "
                f"the network, so the {what} cannot be interpreted"
            )
        elif not isinstance(item, str | dict):
            errors.append("@context entries must be URLs or objects")
    return errors


def schema_problems(credential: dict[str, Any]) -> tuple[list[str], list[str]]:
    """VC data model violations (fail) and Open Badges deviations (warn)."""
    errors: list[str] = context_problems(credential)
    warnings: list[str] = []
    contexts = credential.get("@context")
    context_list = contexts if isinstance(contexts, list) else [contexts]
    types = _types(credential)
    if "VerifiableCredential" not in types:
        errors.append("type must include VerifiableCredential")
    if _issuer_id(credential) is None:
        errors.append("issuer must be a URL/DID or an object with an id")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict | list) or not subject:
        errors.append("credentialSubject is missing")
    v2 = context_list and context_list[0] == VC_V2
    for key in ("validFrom", "validUntil", "issuanceDate", "expirationDate"):
        if key in credential and _parse_time(credential[key]) is None:
            errors.append(f"{key} must be an XML Schema dateTime such as 2026-06-30T00:00:00Z")
    if not v2 and "issuanceDate" not in credential and "validFrom" not in credential:
        errors.append("issuanceDate (or validFrom) is required in a VC 1.1 credential")
    if types & OB_TYPES:
        ach = subject.get("achievement") if isinstance(subject, dict) else None
        if not isinstance(ach, dict):
            errors.append("credentialSubject.achievement is required in an Open Badges credential")
        else:
            for key in ("id", "type", "name", "criteria", "description"):
                if key not in ach:
                    warnings.append(f"achievement.{key} is required by Open Badges 3.0")
        if isinstance(credential.get("issuer"), str):
            warnings.append("Open Badges 3.0 expects the issuer as a Profile object")
    return errors, warnings


def _eu_check(credential: dict[str, Any], summary: dict[str, Any]) -> Check:
    if kind_of(credential) == "vc":
        return Check(
            "eu_standard",
            "warn",
            "neither an Open Badges nor a European Learning Model credential: the EU elements cannot be read from it",
            "eu.not_ob3",
        )
    reading = read_model(credential)
    summary["elements"] = reading.data
    summary["missing"] = reading.missing
    summary["format"] = reading.kind
    if reading.missing:
        names = ", ".join(f"{MANDATORY_ELEMENTS.get(m, m)} ({m})" for m in reading.missing)
        return Check("eu_standard", "warn", f"missing EU mandatory elements: {names}", "eu.missing")
    if reading.problems:
        return Check(
            "eu_standard",
            "warn",
            "EU elements present but not valid: " + "; ".join(reading.problems),
            "eu.invalid",
        )
    return Check(
        "eu_standard",
        "pass",
        "all mandatory elements of the EU standard are present",
        "eu.complete",
    )


def _proof_check(
    credential: dict[str, Any], ctx: VerifierContext, finder: DocumentFinder
) -> tuple[Check, str | None]:
    """The proof check and, when it passed, the controller of the key that signed."""
    if "proof" not in credential:
        return Check(
            "proof",
            "fail",
            "the credential carries no proof: nothing shows who signed it",
            "proof.missing",
        ), None
    try:
        results = verify_proofs(
            credential,
            resolve_key=key_resolver(finder),
            canonicalize=ctx.canonicalize,
            allowed_suites=ctx.allowed_suites,
        )
    except UnknownContextError as exc:
        return Check("proof", "fail", f"cannot be checked: {exc}", "proof.unknown_context"), None
    except JsonLdError as exc:
        return Check(
            "proof",
            "fail",
            f"cannot be checked, the document is not valid JSON-LD: {exc}",
            "proof.jsonld",
        ), None
    except VerificationMethodError as exc:
        if finder.unavailable:
            missing = finder.unavailable[-1]
            return Check(
                "proof",
                "warn",
                f"could not be checked: the signing key's document {missing} is not available offline "
                f"(supply it with --resolve {missing}=FILE)",
                "proof.key_unavailable",
            ), None
        return Check(
            "proof", "fail", f"the signing key cannot be used: {exc}", "proof.bad_key"
        ), None
    except InvalidSignature:
        return Check(
            "proof",
            "fail",
            "the signature does not match: the credential was changed after it was signed, or signed with another key",
            "proof.invalid_signature",
        ), None
    except UnsupportedCryptosuite as exc:
        return Check("proof", "fail", f"unsupported proof: {exc}", "proof.unsupported"), None
    except MalformedProof as exc:
        return Check("proof", "fail", f"malformed proof: {exc}", "proof.malformed"), None
    except ProofError as exc:
        return Check("proof", "fail", f"proof rejected: {exc}", "proof.rejected"), None
    except (ValueError, TypeError, LookupError, AttributeError, RecursionError) as exc:
        # Hostile JSON-LD can make the JSON-LD processor itself fail; the verifier
        # still answers with a failed check instead of raising.
        return Check(
            "proof",
            "fail",
            f"cannot be checked, the document is not valid JSON-LD ({type(exc).__name__})",
            "proof.jsonld",
        ), None
    first = results[0]
    suites = ", ".join(sorted({r.cryptosuite for r in results}))
    return Check(
        "proof",
        "pass",
        f"signature verified ({suites}) with key {first.verification_method}",
        "proof.ok",
    ), first.verification_method.split("#", 1)[0]


def _issuer_check(
    issuer: str | None, signer: str | None, proof: Check, finder: DocumentFinder
) -> Check:
    if issuer is None:
        return Check("issuer", "fail", "the credential names no issuer", "issuer.missing")
    if signer is not None and signer != issuer:
        return Check(
            "issuer",
            "fail",
            f"signed by {signer}, which is not the issuer {issuer}",
            "issuer.mismatch",
        )
    if proof.status != "pass":
        if proof.code == "proof.key_unavailable":
            return Check(
                "issuer",
                "warn",
                f"the issuer {issuer} could not be resolved offline",
                "issuer.unresolved",
            )
        return Check("issuer", "skip", "not checked: the proof did not verify", "skipped")
    method = issuer.split(":")[1] if issuer.startswith("did:") else "url"
    how = {
        "key": "did:key (the key is the identifier)",
        "web": "its did:web document",
        "url": "its controller document",
    }.get(method, f"did:{method}")
    return Check(
        "issuer",
        "pass",
        f"issuer {issuer} resolved through {how} and controls the signing key",
        "issuer.ok",
    )


def _trust_check(issuer: str | None, credential: dict[str, Any], ctx: VerifierContext) -> Check:
    entry = ctx.trust.find(issuer)
    if entry is None:
        name = (
            credential.get("issuer", {}).get("name")
            if isinstance(credential.get("issuer"), dict)
            else None
        )
        label = f"{name} ({issuer})" if name else str(issuer)
        return Check(
            "trust",
            "warn",
            f"the issuer {label} is not on the trust list of this verifier",
            "trust.unknown",
        )
    where = f", {entry.country}" if entry.country else ""
    return Check(
        "trust", "pass", f"the issuer is on the trust list: {entry.name}{where}", "trust.ok"
    )


def _validity_check(credential: dict[str, Any], ctx: VerifierContext) -> Check:
    start = _parse_time(credential.get("validFrom") or credential.get("issuanceDate"))
    end = _parse_time(credential.get("validUntil") or credential.get("expirationDate"))
    if start and start - ctx.clock_skew > ctx.now:
        return Check(
            "validity", "fail", f"not valid yet: valid from {start.isoformat()}", "validity.not_yet"
        )
    if end and end + ctx.clock_skew < ctx.now:
        return Check("validity", "fail", f"expired on {end.date().isoformat()}", "validity.expired")
    if end:
        return Check("validity", "pass", f"valid until {end.date().isoformat()}", "validity.ok")
    return Check("validity", "pass", "valid, with no expiry date", "validity.ok")


def _overall(checks: list[Check]) -> OverallStatus:
    by_id = {c.id: c for c in checks}
    if any(by_id[k].status == "fail" for k in ("parse", "schema", "proof", "issuer") if k in by_id):
        return "invalid"
    status = by_id.get("status")
    if status is not None and status.status == "fail":
        return (
            "suspended"
            if status.code == "status.suspended"
            else "revoked"
            if status.code == "status.revoked"
            else "invalid"
        )
    validity = by_id.get("validity")
    if validity is not None and validity.status == "fail":
        return "expired" if validity.code == "validity.expired" else "invalid"
    if by_id.get("proof") is None or by_id["proof"].status != "pass":
        return "invalid"  # a signature that was not checked is never reported valid
    return "valid"


def _summary_base(credential: dict[str, Any], issuer: str | None) -> dict[str, Any]:
    issuer_node = credential.get("issuer") if isinstance(credential.get("issuer"), dict) else {}
    address = issuer_node.get("address") if isinstance(issuer_node.get("address"), dict) else {}
    return {
        "id": credential.get("id"),
        "name": credential.get("name"),
        "issuer": {
            "id": issuer,
            "name": issuer_node.get("name"),
            "country": address.get("addressCountryCode"),
        },
        "validFrom": credential.get("validFrom") or credential.get("issuanceDate"),
        "validUntil": credential.get("validUntil") or credential.get("expirationDate"),
    }


def _jwt_credential(
    token: str, finder: DocumentFinder
) -> tuple[dict[str, Any] | None, Check, str | None]:
    signer: list[str] = []

    def resolve_kid(kid: str) -> Any:
        vm = kid
        if "#" not in vm and vm.startswith("did:key:"):
            vm = f"{vm}#{vm.removeprefix('did:key:')}"
        key, controller = resolve_verification_method(vm, finder)
        signer.append(controller)
        return key

    try:
        payload = verify_vc_jwt(token, resolve_key=resolve_kid)
    except VerificationMethodError as exc:
        if finder.unavailable:
            return (
                None,
                Check(
                    "proof",
                    "warn",
                    f"could not be checked: {finder.unavailable[-1]} is not available offline",
                    "proof.key_unavailable",
                ),
                None,
            )
        return (
            None,
            Check("proof", "fail", f"the signing key cannot be used: {exc}", "proof.bad_key"),
            None,
        )
    except InvalidSignature:
        return (
            None,
            Check(
                "proof",
                "fail",
                "the JWT signature does not match: the credential was changed or signed with another key",
                "proof.invalid_signature",
            ),
            None,
        )
    except ProofError as exc:
        return None, Check("proof", "fail", f"JWT rejected: {exc}", "proof.rejected"), None
    return (
        payload,
        Check("proof", "pass", "JWT signature verified (VC-JOSE, vc+jwt)", "proof.ok"),
        signer[0] if signer else None,
    )


def _seal_check(seal: Any) -> tuple[Check, str | None]:
    if not seal.verified:
        return Check(
            "proof",
            "fail",
            f"the electronic seal does not verify: {seal.reason}",
            "proof.invalid_signature",
        ), None
    period = ""
    if seal.not_before and seal.not_after:
        period = f" (certificate valid {seal.not_before.date()} to {seal.not_after.date()}"
        period += ", now expired)" if seal.expired else ")"
    return Check(
        "proof",
        "pass",
        f"JAdES seal ({seal.algorithm}) verified with the certificate of {seal.organisation}{period}",
        "proof.ok",
    ), None


def _seal_issuer_and_trust(seal: Any) -> list[Check]:
    issuer = Check(
        "issuer",
        "pass" if seal.verified else "skip",
        f"sealed by {seal.organisation} ({seal.subject})"
        if seal.verified
        else "not checked: the seal did not verify",
        "issuer.seal",
    )
    trust = Check(
        "trust",
        "warn",
        f"the sealing certificate of {seal.organisation} was not checked against the EU trusted lists (offline verifier)"
        + ("; the certificate has expired" if seal.expired else ""),
        "trust.eu_lists_not_checked",
    )
    return [issuer, trust]


def verify_credential(
    raw: bytes | str | dict[str, Any], ctx: VerifierContext
) -> VerificationReport:
    """Verify a credential (JSON-LD with Data Integrity, or a vc+jwt) and explain the result.

    Never raises on any input: a check that fails in a way no other check foresaw makes the
    credential invalid, with a failed check that says so (and the error is logged)."""
    try:
        return _verify_credential(raw, ctx)
    except Exception as exc:  # whatever the input, a report, never a crash
        log.warning("verifier failed on its input: %s", type(exc).__name__, exc_info=exc)
        checks = [
            Check(
                "parse",
                "fail",
                f"the credential cannot be verified: checking it failed ({type(exc).__name__})",
                "internal",
            )
        ]
        _skip_rest(checks, "parse", "not checked: an earlier check could not be completed")
        return VerificationReport(False, "invalid", tuple(checks))


def _verify_credential(
    raw: bytes | str | dict[str, Any], ctx: VerifierContext
) -> VerificationReport:
    checks: list[Check] = []
    try:
        parsed = parse_input(raw)
    except InputError as exc:
        checks.append(Check("parse", "fail", str(exc), "parse.error"))
        _skip_rest(checks, "parse", "not checked: the input could not be read")
        return VerificationReport(False, "invalid", tuple(checks))
    finder = DocumentFinder(ctx.documents, ctx.fetch)
    proof: Check | None = None
    signer: str | None = None
    sealed: Any = None
    if parsed.jwt is not None:
        credential, proof, signer = _jwt_credential(parsed.jwt, finder)
        if credential is None:
            import base64
            import json

            try:
                body = parsed.jwt.split(".")[1]
                credential = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            except (ValueError, IndexError):
                credential = None
            if not isinstance(credential, dict):
                checks.append(
                    Check("parse", "fail", "the JWT payload is not a JSON object", "parse.error")
                )
                _skip_rest(checks, "parse", "not checked: the input could not be read")
                return VerificationReport(False, "invalid", tuple(checks))
        checks.append(Check("parse", "pass", "read a VC-JOSE JWT (vc+jwt)", "parse.jwt"))
    elif is_sealed(parsed.document):
        assert parsed.document is not None
        try:
            credential, seal = read_sealed(parsed.document, now=ctx.now)
        except ValueError as exc:
            checks.append(
                Check(
                    "parse",
                    "fail",
                    f"a JAdES-sealed document whose payload cannot be read: {exc}",
                    "parse.error",
                )
            )
            _skip_rest(checks, "parse", "not checked: the input could not be read")
            return VerificationReport(False, "invalid", tuple(checks))
        checks.append(
            Check(
                "parse", "pass", "read a credential sealed with JAdES (Europass EDC)", "parse.jades"
            )
        )
        proof, signer = _seal_check(seal)
        sealed = seal
    else:
        credential = parsed.document
        assert credential is not None
        checks.append(Check("parse", "pass", "read a JSON-LD credential", "parse.json"))
    errors, warnings = schema_problems(credential)
    if errors:
        checks.append(Check("schema", "fail", "; ".join(errors), "schema.invalid"))
        _skip_rest(checks, "schema", "not checked: the credential does not follow the data model")
        return VerificationReport(False, "invalid", tuple(checks), credential)
    if warnings:
        checks.append(Check("schema", "warn", "; ".join(warnings), "schema.ob3"))
    else:
        checks.append(
            Check(
                "schema",
                "pass",
                "follows the W3C VC data model"
                + (" and Open Badges 3.0" if _types(credential) & OB_TYPES else ""),
                "schema.ok",
            )
        )
    issuer = _issuer_id(credential)
    summary = _summary_base(credential, issuer)
    checks.append(_eu_check(credential, summary))
    if proof is None:
        proof, signer = _proof_check(credential, ctx, finder)
    if proof.code in {"proof.unknown_context", "proof.jsonld"}:
        checks[1] = Check("schema", "fail", proof.message, "schema.jsonld")
    checks.append(proof)
    if sealed is not None:
        checks.extend(_seal_issuer_and_trust(sealed))
    else:
        checks.append(_issuer_check(issuer, signer, proof, finder))
        checks.append(_trust_check(issuer, credential, ctx))
    checks.append(_validity_check(credential, ctx))
    checks.append(check_status(credential, issuer, ctx, finder))
    status = _overall(checks)
    return VerificationReport(status == "valid", status, tuple(checks), credential, summary)
