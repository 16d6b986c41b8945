"""How each credential format is opened for verification: its verification envelope.

The pipeline (`verify.credential`) asks the format registry what the input is
(`formats.registry.detect`) and the envelope of that format here for three things: the
credential the input carries, the ``proof`` check of its outer signature (None when the proof
is embedded Data Integrity, which the pipeline checks itself), and the signer that proof names.
A format whose signer is not a DID or URL (a JAdES seal's certificate) also gives its own
``issuer`` and ``trust`` checks. Every format of the registry has an entry in `ENVELOPES`
(tests/formats/test_registry.py checks it). Open Badges 2.0 has its own pipeline,
`verify.ob2.verify_ob2`, to which `verify_credential` hands every OB 2.0 input (JSON, a signed
JWS, or a baked image); its entry here reads it as what it is on the wire.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from microcred.formats.inputs import ParsedInput
from microcred.formats.jades import read_sealed
from microcred.formats.registry import FormatName
from microcred.formats.vc_jwt import credential_from_claims, unverified_credential
from microcred.proofs.errors import ProofError
from microcred.proofs.jades import Seal, SealRejected, check_seal
from microcred.proofs.jose import verify_vc_jose
from microcred.proofs.vc_jwt import resolve_jwt_key, verify_jwt_vc
from microcred.verify.proof_checks import CREDENTIAL_JWT, proof_failure
from microcred.verify.report import Check
from microcred.verify.resolution import DocumentFinder
from microcred.verify.sd_jwt_vc import open_sd_jwt_vc
from microcred.verify.token_status import TokenIssuer

__all__ = ["ENVELOPES", "Envelope", "Opened"]


@dataclass(frozen=True)
class Opened:
    """What an envelope found. ``credential`` None: unreadable, ``parse`` says why."""

    parse: Check
    credential: dict[str, Any] | None
    proof: Check | None = None
    signer: str | None = None
    issuer_checks: tuple[Check, ...] = ()
    # A Referenced Token of the IETF Token Status List (an SD-JWT VC): its `status` claim
    # (None: it has none) and who signed it; the pipeline checks it instead of the
    # credential's `credentialStatus` (verify/token_status.py).
    token_status: tuple[Any, TokenIssuer] | None = None


class Envelope(Protocol):
    def open(self, parsed: ParsedInput, finder: DocumentFinder, now: datetime) -> Opened: ...


def _unreadable(message: str) -> Opened:
    return Opened(Check("parse", "fail", message, "parse.error"), None)


class DataIntegrity:
    """A JSON-LD credential; its embedded Data Integrity proof is checked by the pipeline."""

    def open(self, parsed: ParsedInput, finder: DocumentFinder, now: datetime) -> Opened:
        if parsed.document is None:
            return VcJwt().open(parsed, finder, now)
        return Opened(
            Check("parse", "pass", "read a JSON-LD credential", "parse.json"), parsed.document
        )


def _unverified_payload(token: str) -> dict[str, Any] | None:
    """The payload of a JWT whose signature did not verify (to say what it claims)."""
    try:
        body = token.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, IndexError):
        return None
    return payload if isinstance(payload, dict) else None


class VcJwt:
    """A VC-JOSE ``vc+jwt``: the JWS signature is the proof, its ``kid`` names the signer."""

    def open(self, parsed: ParsedInput, finder: DocumentFinder, now: datetime) -> Opened:
        if parsed.jwt is None:
            return DataIntegrity().open(parsed, finder, now)
        token = parsed.jwt
        signer: list[str] = []
        claimed = _unverified_payload(token) or {}
        # The kid is looked up against the issuer (VC-JOSE-COSE: `iss`, else `issuer`): a DID
        # URL, a fragment of the issuer, or a JWK thumbprint of one of its keys.
        iss = claimed.get("iss")
        if not isinstance(iss, str):
            named = claimed.get("issuer")
            iss = named.get("id") if isinstance(named, dict) else named
        issuer = iss if isinstance(iss, str) else None

        def resolve_key(header: Mapping[str, Any]) -> Any:
            key, controller = resolve_jwt_key(header, issuer, finder, purpose="assertionMethod")
            signer.append(controller)
            return key

        parse = Check("parse", "pass", "read a VC-JOSE JWT (vc+jwt)", "parse.jwt")
        try:
            _, payload = verify_vc_jose(token, resolve_key=resolve_key)
        except ProofError as exc:
            unverified = _unverified_payload(token)
            if unverified is None:
                return _unreadable("the JWT payload is not a JSON object")
            return Opened(parse, unverified, proof_failure(exc, finder, CREDENTIAL_JWT))
        proof = Check("proof", "pass", "JWT signature verified (VC-JOSE, vc+jwt)", "proof.ok")
        return Opened(parse, payload, proof, signer[0] if signer else None)


class VcJwt11:
    """A VC-JWT 1.1: the JWS signature is the proof, the key resolved against ``iss``; the
    claims must agree with the credential in ``vc`` (`formats.vc_jwt`)."""

    def open(self, parsed: ParsedInput, finder: DocumentFinder, now: datetime) -> Opened:
        assert parsed.jwt is not None
        token = parsed.jwt
        unverified = unverified_credential(parsed)
        if unverified is None:
            return _unreadable("the JWT claims are not a JSON object with a vc claim")
        claims = _unverified_payload(token) or {}
        iss = claims.get("iss") if isinstance(claims.get("iss"), str) else None
        signer: list[str] = []

        def resolve_key(header: Mapping[str, Any]) -> Any:
            key, controller = resolve_jwt_key(header, iss, finder, purpose="assertionMethod")
            signer.append(controller)
            return key

        parse = Check("parse", "pass", "read a VC-JWT 1.1 credential (the vc claim)", "parse.jwt")
        try:
            header, verified = verify_jwt_vc(token, resolve_key=resolve_key)
            credential = credential_from_claims(verified)
        except ProofError as exc:
            return Opened(parse, unverified, proof_failure(exc, finder, CREDENTIAL_JWT))
        stated = [c for c in ("iss", "sub", "jti", "nbf", "exp") if c in verified]
        proof = Check(
            "proof",
            "pass",
            f"JWT signature verified (VC-JWT 1.1, {header['alg']})"
            + (f"; its {', '.join(stated)} claims agree with the credential" if stated else ""),
            "proof.ok",
        )
        return Opened(parse, credential, proof, signer[0] if signer else None)


def _seal_expired(seal: Seal, now: datetime) -> bool:
    """Whether the sealing certificate is outside its validity at ``now``."""
    if seal.not_before is None or seal.not_after is None:
        return False
    if now.tzinfo is None:  # a caller's naive moment is UTC, as everywhere in the verifier
        now = now.replace(tzinfo=UTC)
    return not (seal.not_before <= now <= seal.not_after)


def _seal_passed(seal: Seal, expired: bool) -> Check:
    period = ""
    if seal.not_before and seal.not_after:
        period = f" (certificate valid {seal.not_before.date()} to {seal.not_after.date()}"
        period += ", now expired)" if expired else ")"
    return Check(
        "proof",
        "pass",
        f"JAdES seal ({seal.algorithm}) verified with the certificate of {seal.organisation}{period}",
        "proof.ok",
    )


def _seal_issuer_and_trust(seal: Seal, verified: bool, expired: bool) -> tuple[Check, Check]:
    issuer = Check(
        "issuer",
        "pass" if verified else "skip",
        f"sealed by {seal.organisation} ({seal.subject})"
        if verified
        else "not checked: the seal did not verify",
        "issuer.seal",
    )
    trust = Check(
        "trust",
        "warn",
        f"the sealing certificate of {seal.organisation} was not checked against the EU trusted lists (offline verifier)"
        + ("; the certificate has expired" if expired else ""),
        "trust.eu_lists_not_checked",
    )
    return issuer, trust


class Jades:
    """An ELM credential sealed with JAdES: the seal (`proofs.jades.check_seal`) is the proof."""

    def open(self, parsed: ParsedInput, finder: DocumentFinder, now: datetime) -> Opened:
        assert parsed.document is not None
        try:
            credential = read_sealed(parsed.document)
        except ValueError as exc:
            return _unreadable(f"a JAdES-sealed document whose payload cannot be read: {exc}")
        parse = Check(
            "parse", "pass", "read a credential sealed with JAdES (Europass EDC)", "parse.jades"
        )
        try:
            seal = check_seal(parsed.document)
        except SealRejected as exc:
            # Any rejected seal (a mismatch, or a header or certificate that cannot be used)
            # means the credential is not shown to be what its issuer sealed.
            proof = Check(
                "proof",
                "fail",
                f"the electronic seal does not verify: {exc.reason}",
                "proof.invalid_signature",
            )
            expired = _seal_expired(exc.seal, now)
            return Opened(
                parse, credential, proof, None, _seal_issuer_and_trust(exc.seal, False, expired)
            )
        expired = _seal_expired(seal, now)
        return Opened(
            parse,
            credential,
            _seal_passed(seal, expired),
            None,
            _seal_issuer_and_trust(seal, True, expired),
        )


def _jose_cose_envelopes() -> dict[FormatName, Envelope]:
    # Imported here: verify.jose_cose_envelopes builds on this module's Opened.
    from microcred.verify.jose_cose_envelopes import VcCose, VcSdJwt

    return {FormatName.VC_SD_JWT: VcSdJwt(), FormatName.VC_COSE: VcCose()}


class SdJwtVc:
    """An SD-JWT VC (``dc+sd-jwt``): the issuer's signature (x5c or kid), every disclosure and
    a Key Binding JWT when present (`verify.sd_jwt_vc.open_sd_jwt_vc`). `verify_credential`
    hands every SD-JWT VC to `verify.sd_jwt_vc.verify_sd_jwt_vc`, which adds the SD-JWT VC's
    own schema, x5c chain, exp/nbf and Token Status List checks to what this opens."""

    def open(self, parsed: ParsedInput, finder: DocumentFinder, now: datetime) -> Opened:
        opened = open_sd_jwt_vc(parsed, finder, now)
        status = None
        if opened.token_issuer is not None and opened.claims is not None:
            status = (opened.claims.get("status"), opened.token_issuer)
        return Opened(opened.parse, opened.claims, opened.proof, opened.signer, token_status=status)


ENVELOPES: Mapping[FormatName, Envelope] = {
    FormatName.OB3: DataIntegrity(),
    FormatName.ELM: DataIntegrity(),
    FormatName.JWT: VcJwt(),
    FormatName.JADES: Jades(),
    FormatName.VC_JWT_11: VcJwt11(),
    # OB 2.0 is verified by verify.ob2 (verify_credential routes it there); here it is read
    # as what it is on the wire.
    FormatName.OB2: DataIntegrity(),
    FormatName.SD_JWT: SdJwtVc(),
    **_jose_cose_envelopes(),
}
