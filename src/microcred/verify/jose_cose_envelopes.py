"""The verification envelopes of VC-JOSE-COSE's SD-JWT (``vc+sd-jwt``) and COSE (``vc+cose``)
forms, and the same two securing checks for presentations (``vp+sd-jwt``, ``vp+cose``).

As for a ``vc+jwt`` (`verify.envelopes.VcJwt`), the signing key is the one the header's
``kid`` names, looked up against the issuer (``iss``, else ``issuer``; for a presentation
``iss``, else ``holder``) by `proofs.vc_jwt.resolve_jwt_key`: a DID URL, a fragment of the
issuer, or a JWK thumbprint of one of its keys. The pipeline then checks the credential as
it checks any other (data model, issuer, validity, status).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from microcred.formats.inputs import ParsedInput
from microcred.formats.vc_jose_cose import unverified_cose_payload, unverified_sd_jwt_payload
from microcred.proofs.cose import verify_vc_cose, verify_vp_cose
from microcred.proofs.errors import ProofError
from microcred.proofs.keys import KeyPair
from microcred.proofs.vc_jwt import resolve_jwt_key
from microcred.proofs.vc_sd_jwt import verify_vc_sd_jwt, verify_vp_sd_jwt
from microcred.verify.envelopes import Opened
from microcred.verify.proof_checks import CREDENTIAL_JWT, proof_failure
from microcred.verify.report import Check
from microcred.verify.resolution import DocumentFinder

__all__ = ["VcCose", "VcSdJwt", "verify_secured_presentation"]


def _named_id(value: Any) -> str | None:
    found = value.get("id") if isinstance(value, dict) else value
    return found if isinstance(found, str) else None


def _signer_of(claimed: Mapping[str, Any], role: str) -> str | None:
    """Whom the key is looked up against: ``iss``, else the ``issuer`` (``holder``)."""
    iss = claimed.get("iss")
    return iss if isinstance(iss, str) else _named_id(claimed.get(role))


def _resolver(
    against: str | None, finder: DocumentFinder, purpose: str, signer: list[str]
) -> Callable[[Mapping[str, Any]], KeyPair]:
    def resolve_key(header: Mapping[str, Any]) -> KeyPair:
        key, controller = resolve_jwt_key(header, against, finder, purpose=purpose)
        signer.append(controller)
        return key

    return resolve_key


def _unreadable(message: str) -> Opened:
    return Opened(Check("parse", "fail", message, "parse.error"), None)


class VcSdJwt:
    """A ``vc+sd-jwt``: the issuer's JWS and every disclosure (`proofs.sd_jwt`) are the proof."""

    def open(self, parsed: ParsedInput, finder: DocumentFinder, now: datetime) -> Opened:
        assert parsed.sd_jwt is not None
        claimed = unverified_sd_jwt_payload(parsed)
        if claimed is None:
            return _unreadable("the SD-JWT's issuer-signed JWT does not carry a JSON object")
        signer: list[str] = []
        resolve = _resolver(_signer_of(claimed, "issuer"), finder, "assertionMethod", signer)
        parse = Check("parse", "pass", "read a VC-JOSE-COSE SD-JWT (vc+sd-jwt)", "parse.jwt")
        try:
            _, credential = verify_vc_sd_jwt(parsed.sd_jwt, resolve_key=resolve, now=now)
        except ProofError as exc:
            return Opened(parse, claimed, proof_failure(exc, finder, CREDENTIAL_JWT))
        proof = Check(
            "proof",
            "pass",
            "SD-JWT signature and every disclosure verified (VC-JOSE-COSE, vc+sd-jwt)",
            "proof.ok",
        )
        return Opened(parse, credential, proof, signer[0] if signer else None)


class VcCose:
    """A ``vc+cose``: the COSE_Sign1 signature (`proofs.cose`) is the proof."""

    def open(self, parsed: ParsedInput, finder: DocumentFinder, now: datetime) -> Opened:
        assert parsed.cose is not None
        claimed = unverified_cose_payload(parsed)
        if claimed is None:
            return _unreadable("the input is not a COSE_Sign1 whose payload is a JSON object")
        signer: list[str] = []
        resolve = _resolver(_signer_of(claimed, "issuer"), finder, "assertionMethod", signer)
        parse = Check("parse", "pass", "read a VC-JOSE-COSE COSE_Sign1 (vc+cose)", "parse.cose")
        try:
            header, credential = verify_vc_cose(parsed.cose, resolve_key=resolve)
        except ProofError as exc:
            return Opened(parse, claimed, proof_failure(exc, finder, CREDENTIAL_JWT))
        proof = Check(
            "proof",
            "pass",
            f"COSE_Sign1 signature verified (VC-JOSE-COSE, vc+cose, {header.get('alg')})",
            "proof.ok",
        )
        return Opened(parse, credential, proof, signer[0] if signer else None)


def verify_secured_presentation(
    parsed: ParsedInput, finder: DocumentFinder, now: datetime
) -> tuple[str, dict[str, Any] | None, Exception | None, list[str]]:
    """A ``vp+sd-jwt`` or ``vp+cose``: ``(what it is, the presentation, the ProofError that
    refused it or None, the signers)``; the presentation is the unverified one when refused
    (to say what it claims), None when it cannot be read at all."""
    if parsed.sd_jwt is not None:
        what = "vp+sd-jwt"
        claimed = unverified_sd_jwt_payload(parsed)
    else:
        what = "vp+cose"
        claimed = unverified_cose_payload(parsed)
    if claimed is None:
        return what, None, None, []
    signer: list[str] = []
    resolve = _resolver(_signer_of(claimed, "holder"), finder, "authentication", signer)
    try:
        if parsed.sd_jwt is not None:
            _, presentation = verify_vp_sd_jwt(parsed.sd_jwt, resolve_key=resolve, now=now)
        else:
            assert parsed.cose is not None
            _, presentation = verify_vp_cose(parsed.cose, resolve_key=resolve)
    except ProofError as exc:
        return what, claimed, exc, []
    return what, presentation, None, signer
