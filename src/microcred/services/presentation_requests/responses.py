"""A wallet's answer to a presentation request (OpenID4VP 1.0 §8): opened, verified, matched.

``direct_post.jwt``: ``response=<JWE>`` decrypted with the transaction's ephemeral key (an
unencrypted ``vp_token`` is refused); ``direct_post``: ``vp_token`` and ``state`` as form
parameters. The ``state`` must be the transaction's; ``vp_token`` is an object of arrays
keyed by DCQL credential query ids. Each SD-JWT VC is verified by the product's verifier
(`verify.sd_jwt_vc`: issuer signature, disclosures, ``x5c`` chain to the trust anchors,
Token Status List, validity) as a presentation: its Key Binding JWT must answer ``aud`` =
the FULL client id and the transaction's ``nonce`` (``iat``, ``sd_hash``). Each W3C
presentation (``ldp_vc``: a JSON-LD presentation; ``jwt_vc_json``: a ``vp+jwt``) goes
through the existing presentation verifier with ``challenge`` = nonce and ``domain`` =
client id (a vp+jwt's ``nonce`` and ``aud``). Then DCQL completeness
(:func:`microcred.verify.dcql.match_response`). Only the reports and the disclosed claims
are kept, never the presentations.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microcred.formats.inputs import InputError, parse_input
from microcred.proofs.errors import ProofError
from microcred.proofs.sd_jwt import decode_disclosure, parse_sd_jwt
from microcred.services.instance import Instance
from microcred.services.presentation_requests import wire
from microcred.services.presentation_requests.problems import ProtocolError
from microcred.services.verifying import verifier_context
from microcred.verify import dcql
from microcred.verify.credential import VerifierContext
from microcred.verify.presentation import verify_presentation
from microcred.verify.report import worst
from microcred.verify.sd_jwt_vc import verify_sd_jwt_vc

log = logging.getLogger("microcred.oid4vp")
MAX_VP_TOKEN_BYTES = 1_500_000
MAX_PRESENTATIONS = 20
# claims of an SD-JWT VC that say how it is secured, not what it says about the learner
_TECHNICAL = ("_sd_alg", "cnf", "status", "vct#integrity")


@dataclass(frozen=True)
class Pending:
    id: str
    org_id: str
    dcql: dict[str, Any]
    nonce: str
    state: str
    client_id: str
    response_mode: str
    private_jwk: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    status: str  # answered | failed | refused
    result: dict[str, Any]
    problem: str | None = None


def _protocol(message: str, error: str = "invalid_request") -> ProtocolError:
    return ProtocolError(error, message)


def _payload(pending: Pending, form: Mapping[str, str]) -> dict[str, Any]:
    if pending.response_mode == "direct_post.jwt":
        if "response" not in form:
            raise _protocol(
                "this request asked for an encrypted response (direct_post.jwt): send "
                "response=<JWE>, not a plain vp_token"
            )
        try:
            return wire.decrypt_response(form["response"], pending.private_jwk)
        except wire.WireError as exc:
            raise _protocol(str(exc), exc.error) from None
    if "response" in form:
        raise _protocol("this request asked for direct_post: send vp_token and state")
    payload: dict[str, Any] = dict(form)
    if "vp_token" in payload:
        if len(payload["vp_token"]) > MAX_VP_TOKEN_BYTES:
            raise _protocol("vp_token is too large")
        try:
            payload["vp_token"] = json.loads(payload["vp_token"])
        except ValueError:
            raise _protocol("vp_token is not JSON") from None
    return payload


def _vp_token(payload: Mapping[str, Any]) -> dict[str, list[Any]]:
    token = payload.get("vp_token")
    if not isinstance(token, dict) or not token:
        raise _protocol("vp_token must be a JSON object keyed by credential query ids")
    count = 0
    for key, items in token.items():
        if not isinstance(items, list) or not items:
            raise _protocol(f"vp_token.{key[:40]} must be a non-empty array of presentations")
        count += len(items)
    if count > MAX_PRESENTATIONS:
        raise _protocol(f"vp_token holds more than {MAX_PRESENTATIONS} presentations")
    return token


def handle(
    instance: Instance, pending: Pending, form: Mapping[str, str], *, now: datetime
) -> Outcome:
    """Open and verify one response; raises ProtocolError when it cannot be opened."""
    if "error" in form:  # the wallet (or its user) refused: OpenID4VP 1.0 §8.5
        if form.get("state") != pending.state:
            raise _protocol("the error response does not carry this request's state")
        code = str(form["error"])[:100]
        description = str(form.get("error_description", ""))[:500]
        return Outcome("refused", {"error": code, "error_description": description})
    payload = _payload(pending, form)
    if payload.get("state") != pending.state:
        raise _protocol("the response does not carry this request's state")
    token = _vp_token(payload)
    query = dcql.parse_query(pending.dcql)
    ctx = verifier_context(instance, now=now)
    entries: list[dict[str, Any]] = []
    presented: dict[str, list[dcql.Presented]] = {}
    for query_id, items in token.items():
        credential_query = query.credential(query_id)
        for item in items:
            entry, seen = _verify_one(item, credential_query, ctx, pending, now)
            entry["query"] = query_id
            entries.append(entry)
            if seen is not None:
                presented.setdefault(query_id, []).append(seen)
            else:
                presented.setdefault(query_id, [])
    match = dcql.match_response(query, presented)
    statuses = [e["status"] for e in entries] or ["invalid"]
    valid = match.satisfied and all(e["valid"] for e in entries)
    problems = match.problems + [p for e in entries for p in e["problems"]]
    result: dict[str, Any] = {
        "valid": valid,
        "status": "valid" if valid else (worst(statuses) if match.satisfied else "invalid"),
        "complete": match.satisfied,
        "problems": problems,
        "credentials": entries,
        "dcql": match.to_json(),
    }
    if valid:
        return Outcome("answered", result)
    return Outcome("failed", result, "; ".join(problems)[:1000] or "not valid")


def _failed(fmt: str, message: str) -> tuple[dict[str, Any], None]:
    return {
        "format": fmt,
        "valid": False,
        "status": "invalid",
        "problems": [message],
        "report": None,
        "claims": None,
    }, None


def _verify_one(
    item: Any,
    query: dcql.CredentialQuery | None,
    ctx: VerifierContext,
    pending: Pending,
    now: datetime,
) -> tuple[dict[str, Any], dcql.Presented | None]:
    if query is None:
        return _failed("unknown", "no credential query has this id")
    if query.format == dcql.SD_JWT_VC:
        if not isinstance(item, str):
            return _failed(query.format, "an SD-JWT VC presentation is a string")
        return _sd_jwt(item, query, ctx, pending)
    if query.format in dcql.W3C_FORMATS:
        return _w3c(item, query, ctx, pending)
    return _failed(query.format, f"{query.format} presentations are not supported")


def _sd_jwt(
    text: str, query: dcql.CredentialQuery, ctx: VerifierContext, pending: Pending
) -> tuple[dict[str, Any], dcql.Presented | None]:
    """The product's SD-JWT VC verifier, as a presentation: its Key Binding JWT must be
    there (when the query asks for holder binding, the default) and answer the FULL client
    id as ``aud`` and this transaction's ``nonce``; ``iat`` and ``sd_hash`` are checked too."""
    try:
        parsed = parse_input(text)
        disclosures = parse_sd_jwt(text).disclosures
    except (InputError, ProofError) as exc:
        return _failed(dcql.SD_JWT_VC, f"the SD-JWT VC cannot be read: {exc}")
    report = verify_sd_jwt_vc(
        parsed,
        ctx,
        aud=pending.client_id,
        nonce=pending.nonce,
        require_key_binding=query.require_binding,
    )
    problems: list[str] = []
    if not report.valid:
        failed = [f"{c.id}: {c.message}" for c in report.checks if c.status == "fail"]
        problems.append(f"credential {report.status}: " + ("; ".join(failed) or report.status))
    proof = next((c for c in report.checks if c.id == "proof"), None)
    bound = proof is not None and proof.status == "pass" and _has_kb(text)
    claims = report.credential or {}
    entry = {
        "format": dcql.SD_JWT_VC,
        "valid": report.valid,
        "status": report.status,
        "problems": problems,
        "report": report.to_json(),
        "key_binding": {
            "status": "pass" if bound else "fail",
            "message": proof.message if proof is not None else "not checked",
        },
        "summary": _summary(report),
        "claims": {k: v for k, v in claims.items() if k not in _TECHNICAL},
        "disclosed": sorted(_disclosed_names(disclosures)),
    }
    if report.credential is None:
        return entry, None
    seen = dcql.Presented(
        format=dcql.SD_JWT_VC,
        claims=claims,
        vct=claims.get("vct") if isinstance(claims.get("vct"), str) else None,
        holder_bound=bound,
    )
    return entry, seen


def _has_kb(text: str) -> bool:
    return not text.endswith("~")


def _disclosed_names(disclosures: Any) -> set[str]:
    names: set[str] = set()
    for encoded in disclosures:
        disclosure = decode_disclosure(encoded)
        names.add(disclosure.name if disclosure.name is not None else "(array element)")
    return names


def _summary(report: Any) -> dict[str, Any] | None:
    summary = getattr(report, "summary", None)
    to_json = getattr(summary, "to_json", None)
    return to_json() if callable(to_json) else None


def _types(credential: Mapping[str, Any]) -> frozenset[str]:
    """The credential's ``type`` values, compact and expanded (OpenID4VP 1.0 B.1.1 matches
    on fully expanded IRIs; a query may give either)."""
    raw = credential.get("type")
    found = {raw} if isinstance(raw, str) else {t for t in raw or () if isinstance(t, str)}
    try:
        from microcred.jsonld.canonical import expand

        expanded = expand({"@context": credential.get("@context"), "@type": sorted(found)})
        for node in expanded:
            found.update(t for t in node.get("@type", ()) if isinstance(t, str))
    except Exception as exc:  # noqa: BLE001 - an unknown context: compact types still match
        log.info("credential types not expanded: %s", type(exc).__name__)
    return frozenset(found)


def _w3c(
    item: Any, query: dcql.CredentialQuery, ctx: VerifierContext, pending: Pending
) -> tuple[dict[str, Any], dcql.Presented | None]:
    if query.format == "jwt_vc_json" and not isinstance(item, str):
        return _failed(query.format, "a jwt_vc_json presentation is a vp+jwt (a string)")
    if query.format == "ldp_vc" and not isinstance(item, dict):
        return _failed(query.format, "an ldp_vc presentation is a JSON object")
    report = verify_presentation(
        item,
        ctx,
        challenge=pending.nonce,
        domain=pending.client_id,
        require_binding=query.require_binding,
    )
    problems: list[str] = []
    if not report.valid:
        failed = [c.message for c in report.checks if c.status == "fail"]
        problems.append(f"presentation {report.status}: " + ("; ".join(failed) or report.status))
    if len(report.credentials) != 1:
        problems.append(f"a presentation holds {len(report.credentials)} credentials, not one")
    credential = report.credentials[0].report.credential if report.credentials else None
    entry = {
        "format": query.format,
        "valid": report.valid and not problems,
        "status": report.status if not problems or not report.valid else "invalid",
        "problems": problems,
        "report": report.to_json(),
        "summary": _summary(report.credentials[0].report) if report.credentials else None,
        "claims": credential,
    }
    if credential is None:
        return entry, None
    proof = report.check("proof")
    seen = dcql.Presented(
        format=query.format,
        claims=credential,
        types=_types(credential),
        holder_bound=report.valid and proof.status == "pass",
    )
    return entry, seen
