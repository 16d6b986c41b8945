"""Verifying an SD-JWT VC (``dc+sd-jwt``) into the same report as every other credential.

`open_sd_jwt_vc` is its envelope (`verify.envelopes` maps ``FormatName.SD_JWT`` to it): the
issuer's signature, its key found from ``x5c`` (leaf first) or ``kid`` / the DID or JWT VC
Issuer Metadata of ``iss`` (`proofs.vc_jwt.resolve_jwt_key`), every disclosure against the
signed digests, and the Key Binding JWT when there is one (or one is required: a
presentation's ``aud`` and ``nonce``), all through `proofs.sd_jwt`. `verify_sd_jwt_vc` is
the pipeline: the SD-JWT VC's own rules (schema), the Annex I elements it shows (eu_standard),
proof, issuer, the ``x5c`` chain against the verifier's anchors (issuer_certificate), trust,
``exp`` / ``nbf`` (validity) and its IETF Token Status List entry (status).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from microcred.formats.inputs import ParsedInput
from microcred.formats.ob3 import MANDATORY_ELEMENTS
from microcred.formats.sd_jwt_vc import NEVER_SD, read_claims
from microcred.proofs.errors import MalformedProof, ProofError
from microcred.proofs.keys import KeyPair, keypair_from_jwk
from microcred.proofs.sd_jwt import (
    SdJwt,
    VerifiedSdJwt,
    parse_sd_jwt,
    unverified_header,
    unverified_payload,
    verify_sd_jwt,
)
from microcred.proofs.vc_jwt import resolve_jwt_key
from microcred.verify.proof_checks import Signed, proof_failure
from microcred.verify.report import Check, CheckList, VerificationReport
from microcred.verify.resolution import DocumentFinder
from microcred.verify.summary import summarize
from microcred.verify.token_status import TokenIssuer, check_token_status, issuer_of
from microcred.verify.x509_trust import issuer_certificate_check

if TYPE_CHECKING:
    from microcred.verify.credential import VerifierContext

__all__ = ["SD_JWT_VC", "SdJwtOpened", "open_sd_jwt_vc", "verify_sd_jwt_vc"]

# `vc+sd-jwt` is the media type before draft -06; read as the same (eudi-brief pitfall 1).
TYPS = ("dc+sd-jwt", "vc+sd-jwt")
_INTEGRITY = re.compile(r"^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$")

SD_JWT_VC = Signed(
    "credential",
    "the signing key",
    "the signing key's document",
    "the issuer's signature does not match: the SD-JWT VC or one of its disclosures was changed "
    "after it was issued, or it was signed with another key",
    "SD-JWT",
    "the Key Binding JWT is not bound to this request",
)


@dataclass(frozen=True)
class SdJwtOpened:
    """What the envelope found. ``claims`` None: unreadable (``parse`` says why)."""

    parse: Check
    claims: dict[str, Any] | None
    proof: Check | None = None
    signer: str | None = None
    verified: VerifiedSdJwt | None = None
    x5c: tuple[str, ...] = ()
    token_issuer: TokenIssuer | None = None


def _x5c_key(x5c: Any) -> KeyPair:
    """The public key of the leaf certificate of an ``x5c`` header (not validated here)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from joserfc.jwk import ECKey, OKPKey

    from microcred.proofs.x509 import CertificateError, decode_x5c

    try:
        public = decode_x5c(x5c)[0].public_key()
    except CertificateError as exc:
        raise MalformedProof("x5c", str(exc)) from None
    if isinstance(public, ec.EllipticCurvePublicKey):
        imported: ECKey | OKPKey = ECKey.import_key(public)
    elif isinstance(public, ed25519.Ed25519PublicKey):
        imported = OKPKey.import_key(public)
    else:
        raise MalformedProof("x5c", "the leaf certificate's key is neither EC nor Ed25519")
    return keypair_from_jwk(dict(imported.as_dict(private=False)))


def _parse_check(sd_jwt: SdJwt) -> Check:
    kb = " and a Key Binding JWT" if sd_jwt.kb_jwt else ""
    return Check(
        "parse",
        "pass",
        f"read an SD-JWT VC (dc+sd-jwt) with {len(sd_jwt.disclosures)} disclosures{kb}",
        "parse.sd_jwt",
    )


def open_sd_jwt_vc(
    parsed: ParsedInput,
    finder: DocumentFinder,
    now: datetime,
    *,
    aud: str | None = None,
    nonce: str | None = None,
    require_key_binding: bool = False,
    algorithms: Collection[str] | None = None,
) -> SdJwtOpened:
    """Open an SD-JWT VC: parse, issuer signature, disclosures, Key Binding JWT."""
    try:
        sd_jwt = parse_sd_jwt(parsed.sd_jwt or "")
        header, payload = unverified_header(sd_jwt), unverified_payload(sd_jwt)
    except ProofError as exc:
        return SdJwtOpened(
            Check("parse", "fail", f"not a readable SD-JWT: {exc}", "parse.error"), None
        )
    parse = _parse_check(sd_jwt)
    iss = payload.get("iss") if isinstance(payload.get("iss"), str) else None
    signer: list[str] = []
    keys: list[KeyPair] = []
    x5c = header.get("x5c")

    def resolve_key(jose_header: Mapping[str, Any]) -> KeyPair:
        if "x5c" in jose_header:  # who holds the certificate is the issuer_certificate check
            key = _x5c_key(jose_header["x5c"])
        else:
            key, controller = resolve_jwt_key(jose_header, iss, finder, purpose="assertionMethod")
            signer.append(controller)
        keys.append(key)
        return key

    options: dict[str, Any] = {} if algorithms is None else {"algorithms": algorithms}
    try:
        verified = verify_sd_jwt(
            sd_jwt,
            resolve_key=resolve_key,
            typs=TYPS,
            now=now,
            require_key_binding=require_key_binding,
            aud=aud,
            nonce=nonce,
            **options,
        )
    except ProofError as exc:
        from microcred.formats.sd_jwt_vc import unverified_claims

        claims = unverified_claims(sd_jwt.serialize()) or payload
        return SdJwtOpened(parse, claims, proof_failure(exc, finder, SD_JWT_VC))
    how = (
        f"x5c certificate chain ({len(x5c)} certificates)"
        if isinstance(x5c, list)
        else (f"key {header.get('kid')}" if header.get("kid") else "the issuer's key")
    )
    kb = ""
    if verified.key_binding is not None:
        bound = [
            f"{c} {verified.key_binding[c]!r}"
            for c in ("aud", "nonce")
            if c in verified.key_binding
        ]
        kb = "; Key Binding JWT verified with the holder's key (" + ", ".join(bound) + ")"
    proof = Check(
        "proof",
        "pass",
        f"issuer signature verified ({header.get('alg')}, {how}); "
        f"{len(verified.disclosures)} disclosures match the signed digests{kb}",
        "proof.ok",
    )
    chain = tuple(x5c) if isinstance(x5c, list) else ()
    did = signer[0] if signer and signer[0].startswith("did:") else None
    token_issuer = issuer_of(keys[0] if keys else None, chain, did)
    return SdJwtOpened(
        parse, verified.claims, proof, signer[0] if signer else None, verified, chain, token_issuer
    )


def _schema_check(claims: dict[str, Any], verified: VerifiedSdJwt | None) -> Check:
    problems: list[str] = []
    if not isinstance(claims.get("vct"), str) or not claims["vct"]:
        problems.append("vct is required (a string naming the credential type)")
    if not isinstance(claims.get("iss"), str) or not claims["iss"]:
        problems.append("iss is required (the issuer)")
    for name in ("iat", "exp", "nbf"):
        value = claims.get(name)
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
            problems.append(f"{name} must be a NumericDate (seconds since 1970)")
    integrity = claims.get("vct#integrity")
    if integrity is not None and not (isinstance(integrity, str) and _INTEGRITY.match(integrity)):
        problems.append("vct#integrity must be sha256-, sha384- or sha512- and base64")
    cnf = claims.get("cnf")
    if cnf is not None and not (isinstance(cnf, dict) and isinstance(cnf.get("jwk"), dict)):
        problems.append("cnf must hold the holder's public key as jwk")
    if verified is not None:
        hidden = sorted({d.name for d in verified.disclosures if d.name in NEVER_SD})
        if hidden:
            problems.append(
                f"{', '.join(hidden)} must not be selectively disclosable (SD-JWT VC 3.2.2)"
            )
    if problems:
        return Check("schema", "fail", "; ".join(problems), "schema.sd_jwt_vc")
    return Check("schema", "pass", f"follows SD-JWT VC, type {claims['vct']}", "schema.ok")


def _eu_check(claims: dict[str, Any]) -> tuple[Check, Any]:
    reading = read_claims(claims)
    if reading.missing:
        names = ", ".join(f"{MANDATORY_ELEMENTS.get(m, m)} ({m})" for m in reading.missing)
        message = f"missing EU mandatory elements: {names}"
        return Check("eu_standard", "warn", message, "eu.missing"), reading
    if reading.problems:
        message = "EU elements present but not valid: " + "; ".join(reading.problems)
        return Check("eu_standard", "warn", message, "eu.invalid"), reading
    message = "all mandatory elements of the EU standard are present"
    return Check("eu_standard", "pass", message, "eu.complete"), reading


def _issuer_check(iss: str | None, opened: SdJwtOpened) -> Check:
    if iss is None:
        return Check("issuer", "fail", "the credential names no issuer", "issuer.missing")
    proof = opened.proof
    if proof is None or proof.status != "pass":
        if proof is not None and proof.code == "proof.key_unavailable":
            return Check(
                "issuer",
                "warn",
                f"the issuer {iss} could not be resolved offline",
                "issuer.unresolved",
            )
        return Check("issuer", "skip", "not checked: the proof did not verify", "skipped")
    if opened.x5c:
        return Check(
            "issuer",
            "pass",
            f"issuer {iss} signed with the certificate in x5c (checked against trust anchors below)",
            "issuer.certificate",
        )
    if opened.signer is not None and opened.signer != iss:
        return Check(
            "issuer",
            "fail",
            f"signed by {opened.signer}, which is not the issuer {iss}",
            "issuer.mismatch",
        )
    return Check("issuer", "pass", f"issuer {iss} controls the signing key", "issuer.ok")


def _trust_check(iss: str | None, claims: dict[str, Any], ctx: VerifierContext) -> Check:
    entry = ctx.trust.find(iss)
    if entry is None:
        name = claims.get("issuing_authority")
        label = f"{name} ({iss})" if isinstance(name, str) else str(iss)
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


def _moment(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _validity_check(claims: dict[str, Any], ctx: VerifierContext) -> Check:
    now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=UTC)
    start, end = _moment(claims.get("nbf")), _moment(claims.get("exp"))
    issued = _moment(claims.get("iat"))
    if start and start - ctx.clock_skew > now:
        return Check(
            "validity", "fail", f"not valid yet: valid from {start.isoformat()}", "validity.not_yet"
        )
    if issued and issued - ctx.clock_skew > now:
        return Check(
            "validity", "fail", f"issued in the future ({issued.isoformat()})", "validity.not_yet"
        )
    if end and end + ctx.clock_skew < now:
        return Check("validity", "fail", f"expired on {end.date().isoformat()}", "validity.expired")
    if end:
        return Check("validity", "pass", f"valid until {end.date().isoformat()}", "validity.ok")
    return Check("validity", "pass", "valid, with no expiry date", "validity.ok")


def verify_sd_jwt_vc(
    parsed: ParsedInput,
    ctx: VerifierContext,
    *,
    aud: str | None = None,
    nonce: str | None = None,
    require_key_binding: bool = False,
) -> VerificationReport:
    """The report of an SD-JWT VC (a presentation when ``aud`` / ``nonce`` are given: its Key
    Binding JWT must answer them)."""
    checks = CheckList()
    finder = DocumentFinder(ctx.documents, ctx.fetch)
    opened = open_sd_jwt_vc(
        parsed, finder, ctx.now, aud=aud, nonce=nonce, require_key_binding=require_key_binding
    )
    checks.add(opened.parse)
    if opened.claims is None:
        checks.skip_rest("not checked: the input could not be read")
        return VerificationReport.of(checks)
    claims = opened.claims
    schema = _schema_check(claims, opened.verified)
    checks.add(schema)
    if schema.status == "fail":
        checks.skip_rest("not checked: the credential does not follow SD-JWT VC")
        return VerificationReport.of(checks, claims)
    eu, reading = _eu_check(claims)
    checks.add(eu)
    assert opened.proof is not None
    checks.add(opened.proof)
    iss = claims.get("iss") if isinstance(claims.get("iss"), str) else None
    checks.add(_issuer_check(iss, opened))
    if opened.x5c and opened.proof.status == "pass":
        assert opened.token_issuer is not None and opened.token_issuer.key is not None
        checks.add(
            issuer_certificate_check(
                list(opened.x5c),
                list(ctx.trust_anchors),
                now=ctx.now,
                signing_key=opened.token_issuer.key.to_public_jwk(),
            )
        )
    checks.add(_trust_check(iss, claims, ctx))
    checks.add(_validity_check(claims, ctx))
    if opened.proof.status == "pass" and opened.token_issuer is not None:
        checks.add(check_token_status(claims.get("status"), opened.token_issuer, ctx, finder))
    else:
        checks.add(Check("status", "skip", "not checked: the proof did not verify", "skipped"))
    shim = {
        "id": claims.get("jti"),
        "issuer": {"id": iss, "name": claims.get("issuing_authority")},
        "validFrom": _iso(claims.get("iat")),
        "validUntil": _iso(claims.get("exp")),
    }
    summary = summarize(shim, reading.data, format="sd-jwt", missing=reading.missing)
    return VerificationReport.of(checks, claims, summary)


def _iso(value: Any) -> str | None:
    moment = _moment(value)
    return moment.isoformat() if moment else None
