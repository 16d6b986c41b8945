"""The credential verification pipeline (DESIGN.md): pure, with every edge injected.

`verify_credential` never raises for bad input: whatever it is given, it
returns a report whose checks say what passed, what failed and what could
not be checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509

from microcred.formats.dates import parse_timestamp
from microcred.formats.inputs import InputError, parse_input
from microcred.formats.ob3 import MANDATORY_ELEMENTS
from microcred.formats.reading import ModelReading, kind_of, read_model
from microcred.formats.registry import FormatName, detect
from microcred.formats.status_list import MIN_LIST_BITS
from microcred.jsonld.contexts import is_known_context
from microcred.jsonld.errors import JsonLdError
from microcred.jsonld.fast_rdf import canonicalize_fast
from microcred.proofs.dataintegrity import DEFAULT_SUITES
from microcred.proofs.did import key_resolver
from microcred.proofs.errors import ProofError
from microcred.proofs.proof_set import verify_each
from microcred.verify.credential_schema import credential_schema_findings
from microcred.verify.data_model import credential_problems
from microcred.verify.envelopes import ENVELOPES
from microcred.verify.ob2 import verify_ob2
from microcred.verify.proof_checks import CREDENTIAL, proof_failure, proof_set_check
from microcred.verify.report import Check, CheckList, VerificationReport
from microcred.verify.resolution import DocumentFinder, Fetch
from microcred.verify.sd_jwt_vc import verify_sd_jwt_vc
from microcred.verify.status import StatusListMemo, check_status
from microcred.verify.summary import summarize
from microcred.verify.token_status import StatusTokenMemo, TokenFetch, check_token_status
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
    # Bitstring Status List's minimum number of entries (herd privacy), unless an
    # ecosystem specification sets another lower bound (the spec allows it).
    min_status_entries: int = MIN_LIST_BITS
    # X.509 trust anchors for x5c chains (verify/x509_trust.py; services/certificates.py
    # trust_anchors gives the configured ones); none: the issuer_certificate check is unchecked
    trust_anchors: tuple[x509.Certificate, ...] = ()
    # IETF Token Status List tokens: URL -> compact token (services/verifying.py: the
    # instance's own lists, then the allow-listed hosts); None: no token can be had.
    fetch_token: TokenFetch | None = None
    # Status List Tokens whose signature this verifier checked (verify/token_status.py).
    status_tokens: StatusTokenMemo = field(default_factory=StatusTokenMemo, compare=False)


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    found = issuer.get("id") if isinstance(issuer, dict) else None
    return found if isinstance(found, str) else None


def _types(node: Any) -> set[str]:
    value = node.get("type") if isinstance(node, dict) else None
    if isinstance(value, str):
        return {value}
    return {t for t in value if isinstance(t, str)} if isinstance(value, list) else set()


def context_problems(document: dict[str, Any], what: str = "credential") -> list[str]:
    """The `@context` must start with VC 2.0 (or 1.1) and name only bundled contexts."""
    errors: list[str] = []
    contexts = document.get("@context")
    context_list = contexts if isinstance(contexts, list) else [contexts]
    if not contexts or context_list[0] not in (VC_V2, VC_V1):
        errors.append(f"@context must start with {VC_V2} (or {VC_V1} for VC 1.1)")
    for item in context_list:
        if isinstance(item, str) and not is_known_context(item):
            errors.append(
                f"@context {item} is neither bundled nor supplied by the operator; nothing is "
                f"fetched from the network, so the {what} cannot be interpreted"
            )
        elif not isinstance(item, str | dict):
            errors.append("@context entries must be URLs or objects")
    return errors


def schema_problems(credential: dict[str, Any]) -> tuple[list[str], list[str]]:
    """VC data model violations (fail) and Open Badges deviations (warn)."""
    errors: list[str] = context_problems(credential)
    warnings: list[str] = []
    types = _types(credential)
    subject = credential.get("credentialSubject")
    # The data model's rules, the same ones the VC-API issue route applies before signing;
    # the @context start is already said above.
    errors.extend(str(p) for p in credential_problems(credential) if p.field != "@context")
    if types & OB_TYPES:
        contexts = credential.get("@context")
        on_v2 = isinstance(contexts, list) and bool(contexts) and contexts[0] == VC_V2
        if on_v2 and "validFrom" not in credential:
            # OB 3.0 on VC 2.0 makes validFrom required (AchievementCredential validFrom [1],
            # the 1EdTech schema's "required"); VC 1.1's issuanceDate does not stand in for it
            errors.append(
                "validFrom is required in an Open Badges 3.0 credential on the VC 2.0 context "
                "(AchievementCredential.validFrom); add the date the credential is valid from"
            )
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


def _eu_check(credential: dict[str, Any]) -> tuple[Check, ModelReading | None]:
    """The ``eu_standard`` check, and the model reading it made (None for a plain VC)."""
    if kind_of(credential) == "vc":
        return Check(
            "eu_standard",
            "warn",
            "neither an Open Badges nor a European Learning Model credential: the EU elements cannot be read from it",
            "eu.not_ob3",
        ), None
    reading = read_model(credential)
    if reading.missing:
        names = ", ".join(f"{MANDATORY_ELEMENTS.get(m, m)} ({m})" for m in reading.missing)
        return Check(
            "eu_standard", "warn", f"missing EU mandatory elements: {names}", "eu.missing"
        ), reading
    if reading.problems:
        return Check(
            "eu_standard",
            "warn",
            "EU elements present but not valid: " + "; ".join(reading.problems),
            "eu.invalid",
        ), reading
    return Check(
        "eu_standard",
        "pass",
        "all mandatory elements of the EU standard are present",
        "eu.complete",
    ), reading


# What a proof check may raise on bad input: each becomes a failed (or unverifiable) check.
_PROOF_ERRORS = (
    ProofError,
    JsonLdError,
    ValueError,
    TypeError,
    LookupError,
    AttributeError,
    RecursionError,
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
        # each proof of a proof set (Data Integrity, Ed25519Signature2020) on its own
        outcomes = verify_each(
            credential,
            resolve_key=key_resolver(finder),
            canonicalize=ctx.canonicalize,
            allowed_suites=ctx.allowed_suites,
        )
    except _PROOF_ERRORS as exc:
        # Hostile JSON-LD can make the JSON-LD processor itself fail; the verifier
        # still answers with a failed check instead of raising.
        return proof_failure(exc, finder, CREDENTIAL), None
    return proof_set_check(outcomes, finder, CREDENTIAL, expected_signer=_issuer_id(credential))


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
    start = parse_timestamp(credential.get("validFrom") or credential.get("issuanceDate"))
    end = parse_timestamp(credential.get("validUntil") or credential.get("expirationDate"))
    if start and start - ctx.clock_skew > ctx.now:
        return Check(
            "validity", "fail", f"not valid yet: valid from {start.isoformat()}", "validity.not_yet"
        )
    if end and end + ctx.clock_skew < ctx.now:
        return Check("validity", "fail", f"expired on {end.date().isoformat()}", "validity.expired")
    if end:
        return Check("validity", "pass", f"valid until {end.date().isoformat()}", "validity.ok")
    return Check("validity", "pass", "valid, with no expiry date", "validity.ok")


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
        checks = CheckList()
        checks.add(
            Check(
                "parse",
                "fail",
                f"the credential cannot be verified: checking it failed ({type(exc).__name__})",
                "internal",
            )
        )
        checks.skip_rest("not checked: an earlier check could not be completed")
        return VerificationReport.of(checks)


def _unreadable(checks: CheckList, message: str) -> VerificationReport:
    checks.add(Check("parse", "fail", message, "parse.error"))
    checks.skip_rest("not checked: the input could not be read")
    return VerificationReport.of(checks)


# VC-JOSE-COSE forms: no Data Integrity proof canonicalizes them, yet the verified document
# must be well-formed compact JSON-LD (VC-JOSE-COSE; VC DM 2.0 section 6.1): the same
# canonicalization the Data Integrity path runs refuses an undefined or redefined protected
# term, a non-IRI type or a context nobody supplied, whatever secures the credential.
_SECURED_JSON_LD = frozenset({FormatName.JWT, FormatName.VC_SD_JWT, FormatName.VC_COSE})


def _json_ld_problem(credential: dict[str, Any], ctx: VerifierContext) -> str | None:
    try:
        ctx.canonicalize(credential)
    except JsonLdError as exc:
        return f"the credential is not valid JSON-LD: {exc}"
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        return f"the credential is not valid JSON-LD ({type(exc).__name__})"
    return None


def _verify_credential(
    raw: bytes | str | dict[str, Any], ctx: VerifierContext
) -> VerificationReport:
    checks = CheckList()
    try:
        parsed = parse_input(raw, images=True)  # a baked PNG or SVG badge too
    except InputError as exc:
        return _unreadable(checks, str(exc))
    found = detect(parsed)
    if found.name is FormatName.OB2:
        # Open Badges 2.0 is verified by its own rules (hosted copy, RS256 signature, the
        # issuer's revocation list), into the same report.
        return verify_ob2(parsed, ctx)
    if found.name is FormatName.SD_JWT:
        # An SD-JWT VC (dc+sd-jwt): its own rules, x5c and Token Status List, same report.
        return verify_sd_jwt_vc(parsed, ctx)
    finder = DocumentFinder(ctx.documents, ctx.fetch)
    # The format's envelope: the credential it carries, its outer proof and that proof's signer.
    opened = ENVELOPES[found.name].open(parsed, finder, ctx.now)
    if opened.credential is None:
        return _unreadable(checks, opened.parse.message)
    credential, proof, signer = opened.credential, opened.proof, opened.signer
    if parsed.image is not None:
        where = f", baked into a {parsed.image.upper()}"
        opened = replace(opened, parse=replace(opened.parse, message=opened.parse.message + where))
    checks.add(opened.parse)
    errors, warnings = schema_problems(credential)
    if errors:
        checks.add(Check("schema", "fail", "; ".join(errors), "schema.invalid"))
        checks.skip_rest("not checked: the credential does not follow the data model")
        return VerificationReport.of(checks, credential)
    if found.name in _SECURED_JSON_LD and proof is not None and proof.status == "pass":
        # (a proof that failed says why first: what its payload claims is not the issuer's)
        problem = _json_ld_problem(credential, ctx)
        if problem is not None:
            checks.add(Check("schema", "fail", problem, "schema.jsonld"))
            checks.skip_rest("not checked: the credential is not valid JSON-LD")
            return VerificationReport.of(checks, credential)
    # The schemas the credential names (VC DM 2.0 §4.11), those the verifier holds offline
    named = credential_schema_findings(credential)
    if named.errors:
        checks.add(Check("schema", "fail", "; ".join(named.errors), "schema.credential_schema"))
        checks.skip_rest("not checked: the credential does not follow the schema it names")
        return VerificationReport.of(checks, credential)
    not_checked = [f"credentialSchema {url} not checked" for url in named.unchecked]
    if warnings:
        checks.add(Check("schema", "warn", "; ".join(warnings + not_checked), "schema.ob3"))
    elif not_checked:
        checks.add(
            Check("schema", "warn", "; ".join(not_checked), "schema.credential_schema_unchecked")
        )
    else:
        checks.add(
            Check(
                "schema",
                "pass",
                "follows the W3C VC data model"
                + (" and Open Badges 3.0" if _types(credential) & OB_TYPES else "")
                + (" and its credentialSchema" if named.passed else ""),
                "schema.ok",
            )
        )
    issuer = _issuer_id(credential)
    eu, reading = _eu_check(credential)
    checks.add(eu)
    if proof is None:
        proof, signer = _proof_check(credential, ctx, finder)
    if proof.code in {"proof.unknown_context", "proof.jsonld"}:
        # The proof could not be checked because the document is not JSON-LD: that is a
        # data model failure, whatever the schema check found.
        checks.add(Check("schema", "fail", proof.message, "schema.jsonld"))
    checks.add(proof)
    if opened.issuer_checks:
        for check in opened.issuer_checks:
            checks.add(check)
    else:
        checks.add(_issuer_check(issuer, signer, proof, finder))
        checks.add(_trust_check(issuer, credential, ctx))
    checks.add(_validity_check(credential, ctx))
    if opened.token_status is not None:  # an SD-JWT VC: its status.status_list reference
        status_claim, token_issuer = opened.token_status
        checks.add(check_token_status(status_claim, token_issuer, ctx, finder))
    else:
        checks.add(check_status(credential, issuer, ctx, finder))
    summary = summarize(
        credential,
        reading.data if reading is not None else None,
        format=reading.kind if reading is not None else None,
        missing=reading.missing if reading is not None else (),
    )
    return VerificationReport.of(checks, credential, summary)
