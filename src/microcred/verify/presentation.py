"""Verifying a W3C VC 2.0 presentation: the holder's proof, holder binding, each credential.

``verify_presentation`` never raises for bad input. Its report has four
presentation checks, then one credential report (from ``verify_credential``)
per embedded credential:

* ``parse``: JSON (Data Integrity) or a compact ``vp+jwt``;
* ``schema``: the VC 2.0 presentation data model;
* ``proof``: the holder's signature, purpose ``authentication``, bound to the
  challenge and domain the verifier expects (``nonce`` / ``aud`` in a ``vp+jwt``).
  The caller passes the challenge it issued for this request, so a presentation
  made for another request, or replayed, fails;
* ``holder``: the key that signed is controlled by ``holder``; a credential not bound to
  it (no subject id, or another DID) warns (``holder.not_bound``). A presentation without ``holder`` is valid when its proofs are
  (VC Data Model 2.0 makes ``holder`` optional): the check warns that nothing is bound to
  the presenter (``holder.none``), and fails only when the verifier asked for binding
  (``require_binding``).

Each credential's entry also says whether it is bound to the presenter (``holder_binding``,
see :mod:`microcred.verify.binding`): only a credential whose subject id is the proven
holder's DID is; one issued to an e-mail address (no subject id) is valid, but not shown to
belong to the person who presented it, and the ``holder`` check warns (``holder.not_bound``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from microcred.formats.dates import parse_timestamp
from microcred.formats.inputs import InputError, ParsedInput, parse_input
from microcred.formats.presentation import ENVELOPED_TYPE
from microcred.formats.vc_jose_cose import PRESENTATION_TYPS, cose_typ, enveloped, sd_jwt_typ
from microcred.formats.vc_jwt import presentation_from_claims
from microcred.jsonld.errors import JsonLdError
from microcred.proofs.did import resolve_verification_method
from microcred.proofs.errors import ProofError
from microcred.proofs.jose import verify_vp_jwt
from microcred.proofs.keys import KeyPair
from microcred.proofs.proof_set import verify_all
from microcred.proofs.vc_jwt import JWT_TYPS, resolve_jwt_key, verify_jwt_vp
from microcred.verify.binding import NOT_CHECKED, HolderBinding, holder_binding
from microcred.verify.credential import (
    VerifierContext,
    context_problems,
    verify_credential,
)
from microcred.verify.jose_cose_envelopes import verify_secured_presentation
from microcred.verify.proof_checks import PRESENTATION, PRESENTATION_JWT, proof_failure
from microcred.verify.report import (
    Check,
    CheckKind,
    CheckList,
    OverallStatus,
    VerificationReport,
    worst,
)
from microcred.verify.resolution import DocumentFinder

__all__ = [
    "PRESENTATION_CHECKS",
    "PRESENTATION_CHECK_IDS",
    "HolderBinding",
    "PresentationReport",
    "PresentedCredential",
    "is_presentation",
    "verify_presentation",
]

# The presentation's own checks: each failure makes it invalid, and it is valid only when the
# holder's proof verified (a warning that only says no challenge was asked for still counts).
# Its overall status is then the worst of its credentials' (verify_credential's checks).
PROOF_VERIFIED = frozenset({"proof.ok", "proof.no_challenge"})
PRESENTATION_CHECKS: tuple[CheckKind, ...] = (
    CheckKind("parse"),
    CheckKind("schema"),
    CheckKind("proof", required=True, passing_codes=PROOF_VERIFIED - {"proof.ok"}),
    CheckKind("holder"),
)
PRESENTATION_CHECK_IDS = tuple(kind.id for kind in PRESENTATION_CHECKS)
MAX_CREDENTIALS = 100
VP_JWT = "vp+jwt"


@dataclass(frozen=True)
class PresentedCredential:
    """The report of one embedded credential, named by its id (or its place in the list),
    and whether it is bound to the person who presented it."""

    name: str
    report: VerificationReport
    binding: HolderBinding = NOT_CHECKED

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.name,
            **self.report.to_json(),
            "holder_binding": self.binding.to_json(),
        }


@dataclass(frozen=True)
class PresentationReport:
    valid: bool
    status: OverallStatus
    checks: tuple[Check, ...]
    credentials: tuple[PresentedCredential, ...] = ()
    presentation: dict[str, Any] | None = field(default=None, compare=False)
    summary: dict[str, Any] = field(default_factory=dict, compare=False)

    def check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.id == check_id)

    def credential(self, name: str) -> VerificationReport:
        return next(c.report for c in self.credentials if c.name == name)

    def to_json(self) -> dict[str, Any]:
        """Exactly the shape the CLI's --json prints."""
        return {
            "valid": self.valid,
            "status": self.status,
            "checks": [c.to_json() for c in self.checks],
            "credentials": [c.to_json() for c in self.credentials],
        }


# ------------------------------------------------------------------ helpers


def _types(node: Any) -> set[str]:
    value = node.get("type") if isinstance(node, dict) else None
    if isinstance(value, str):
        return {value}
    return {t for t in value if isinstance(t, str)} if isinstance(value, list) else set()


def _b64json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _jwt_part(token: str, index: int) -> Any:
    try:
        return _b64json(token.split(".")[index])
    except (ValueError, IndexError, UnicodeError, RecursionError):
        return None


def _holder_id(vp: dict[str, Any]) -> str | None:
    holder = vp.get("holder")
    if isinstance(holder, dict):
        holder = holder.get("id")
    return holder if isinstance(holder, str) and holder else None


def is_presentation(document_or_jwt: dict[str, Any] | str | bytes) -> bool:
    """True for a ``VerifiablePresentation`` (JSON), a JWT whose header ``typ`` is ``vp+jwt``, or
    a VP-JWT 1.1 (``typ`` JWT or none, a ``vp`` claim)."""
    if not isinstance(document_or_jwt, dict | str | bytes):
        return False
    try:
        parsed = parse_input(document_or_jwt)
    except InputError:
        return False
    if parsed.sd_jwt is not None:
        return sd_jwt_typ(parsed) in PRESENTATION_TYPS  # vp+sd-jwt (VC-JOSE-COSE 3.2)
    if parsed.cose is not None:
        return cose_typ(parsed) in PRESENTATION_TYPS  # vp+cose (VC-JOSE-COSE 3.3)
    if parsed.jwt is not None:
        header = _jwt_part(parsed.jwt, 0)
        if not isinstance(header, dict):
            return False
        if header.get("typ") in JWT_TYPS:
            claims = _jwt_part(parsed.jwt, 1)
            return isinstance(claims, dict) and isinstance(claims.get("vp"), dict)
        return header.get("typ") == VP_JWT
    return "VerifiablePresentation" in _types(parsed.document)


# ------------------------------------------------------------------ checks


def _is_compact_jwt(item: Any) -> bool:
    return isinstance(item, str) and item.count(".") == 2 and len(item) < 1_000_000


def _schema_problems(vp: dict[str, Any], jwt_items: bool = False) -> list[str]:
    """``jwt_items``: a VP-JWT 1.1, whose ``verifiableCredential`` holds VC-JWTs (strings)."""
    errors: list[str] = context_problems(vp, "presentation")
    if "VerifiablePresentation" not in _types(vp):
        errors.append("type must include VerifiablePresentation")
    holder = vp.get("holder")
    if holder is not None and _holder_id(vp) is None:
        errors.append("holder must be a URL/DID or an object with an id")
    embedded = vp.get("verifiableCredential")
    if embedded is not None:
        single = isinstance(embedded, dict) or (jwt_items and isinstance(embedded, str))
        items = [embedded] if single else embedded
        if not isinstance(items, list):
            errors.append(
                "verifiableCredential must be a list of credential objects, "
                f"not a {type(embedded).__name__}"
            )
        elif not all(isinstance(i, dict) or (jwt_items and _is_compact_jwt(i)) for i in items):
            errors.append(
                "every entry of verifiableCredential must be a credential object or an "
                "EnvelopedVerifiableCredential (never a bare string, number or URL)"
            )
        elif len(items) > MAX_CREDENTIALS:
            errors.append(
                f"the presentation holds {len(items)} credentials; at most {MAX_CREDENTIALS} are verified"
            )
    return errors


def _binding_problem(
    got_challenge: Any, got_domain: Any, challenge: str | None, domain: str | None, *, jwt: bool
) -> Check | None:
    """A failed ``proof`` check when the challenge or domain is not the expected one."""
    c_name = "nonce (challenge)" if jwt else "challenge"
    d_name = "aud (domain)" if jwt else "domain"
    if challenge is not None:
        if got_challenge is None:
            return Check(
                "proof",
                "fail",
                f"the presentation carries no {c_name}; the verifier expected challenge "
                f"{challenge!r}, so it may be a replay",
                "proof.challenge_missing",
            )
        if got_challenge != challenge:
            return Check(
                "proof",
                "fail",
                f"the {c_name} {got_challenge!r} is not the expected challenge {challenge!r}: "
                "the presentation was made for another request, or is replayed",
                "proof.challenge_mismatch",
            )
    if domain is not None:
        domains = got_domain if isinstance(got_domain, list) else [got_domain]
        if got_domain is None:
            return Check(
                "proof",
                "fail",
                f"the presentation names no {d_name}; the verifier expected domain {domain!r}",
                "proof.domain_missing",
            )
        if domain not in domains:
            return Check(
                "proof",
                "fail",
                f"the {d_name} {got_domain!r} is not the expected domain {domain!r}: "
                "the presentation was made for another verifier",
                "proof.domain_mismatch",
            )
    return None


_CHECKED_ERRORS = (ProofError, JsonLdError, ValueError, TypeError, KeyError, RecursionError)


def _no_challenge_note(check: Check, challenge: str | None) -> Check:
    if challenge is not None or check.status != "pass":
        return check
    return Check(
        "proof",
        "warn",
        check.message + "; but no challenge was expected, so a replay of this presentation "
        "would pass too (no challenge was given)",
        "proof.no_challenge",
    )


def _di_proof(
    vp: dict[str, Any],
    ctx: VerifierContext,
    finder: DocumentFinder,
    challenge: str | None,
    domain: str | None,
) -> tuple[Check, list[str]]:
    """The ``proof`` check of a Data Integrity presentation and the controllers that signed."""
    proofs = vp.get("proof")
    if proofs is None:
        return Check(
            "proof",
            "fail",
            "the presentation carries no proof: nothing shows that its holder presented it",
            "proof.missing",
        ), []
    items = proofs if isinstance(proofs, list) else [proofs]
    if not items or not all(isinstance(p, dict) for p in items):
        return Check(
            "proof",
            "fail",
            "malformed proof: must be an object or a list of objects",
            "proof.malformed",
        ), []
    for proof in items:
        purpose = proof.get("proofPurpose")
        if purpose != "authentication":
            return Check(
                "proof",
                "fail",
                f"the proof purpose is {purpose!r}, not 'authentication': the proof does not "
                "show that the holder presented it",
                "proof.purpose",
            ), []
        problem = _binding_problem(
            proof.get("challenge"), proof.get("domain"), challenge, domain, jwt=False
        )
        if problem is not None:
            return problem, []
    signers: list[str] = []

    def resolve_key(vm_url: str, purpose: str) -> KeyPair:
        key, controller = resolve_verification_method(vm_url, finder, purpose=purpose)
        signers.append(controller)
        return key

    try:
        results = verify_all(
            vp,
            resolve_key=resolve_key,
            canonicalize=ctx.canonicalize,
            allowed_suites=ctx.allowed_suites,
            expected_proof_purpose="authentication",
            challenge=challenge,
            domain=domain,
        )
    except _CHECKED_ERRORS as exc:
        return proof_failure(exc, finder, PRESENTATION), []
    for proof in items:
        expires = parse_timestamp(proof.get("expires"))
        if expires is not None and expires + ctx.clock_skew < ctx.now:
            return Check(
                "proof",
                "fail",
                f"the presentation's proof expired at {expires.isoformat()}",
                "proof.expired",
            ), []
    suites = ", ".join(sorted({r.cryptosuite for r in results}))
    bound = [
        f"challenge {challenge!r}" if challenge is not None else "",
        f"domain {domain!r}" if domain is not None else "",
    ]
    binding = " and ".join(b for b in bound if b)
    message = (
        f"signature verified ({suites}, authentication) with key "
        f"{results[0].verification_method}" + (f", bound to {binding}" if binding else "")
    )
    return _no_challenge_note(Check("proof", "pass", message, "proof.ok"), challenge), signers


def _jwt_proof(
    token: str,
    payload: dict[str, Any],
    ctx: VerifierContext,
    finder: DocumentFinder,
    challenge: str | None,
    domain: str | None,
    legacy: bool = False,
) -> tuple[Check, list[str]]:
    """``legacy``: a VP-JWT 1.1 (the ``vp`` claim; its key resolved against ``iss``)."""
    problem = _binding_problem(
        payload.get("nonce"), payload.get("aud"), challenge, domain, jwt=True
    )
    if problem is not None:
        return problem, []
    signers: list[str] = []

    def resolve_header(header: Any) -> KeyPair:
        # The key is looked up against the holder: `iss`, else (vp+jwt) the `holder` it names.
        iss = payload.get("iss") if isinstance(payload.get("iss"), str) else _holder_id(payload)
        key, controller = resolve_jwt_key(header, iss, finder, purpose="authentication")
        signers.append(controller)
        return key

    try:
        if legacy:
            _, claims = verify_jwt_vp(
                token, resolve_key=resolve_header, nonce=challenge, aud=domain
            )
            presentation_from_claims(claims)  # the holder and id agree with iss and jti
        else:
            verify_vp_jwt(token, resolve_header=resolve_header, nonce=challenge, aud=domain)
    except _CHECKED_ERRORS as exc:
        return proof_failure(exc, finder, PRESENTATION_JWT), []
    now = ctx.now.timestamp()
    skew = ctx.clock_skew.total_seconds()
    exp, nbf = payload.get("exp"), payload.get("nbf")
    if isinstance(exp, int | float) and exp + skew < now:
        return Check("proof", "fail", "the vp+jwt has expired (exp)", "proof.expired"), []
    if isinstance(nbf, int | float) and nbf - skew > now:
        return Check("proof", "fail", "the vp+jwt is not valid yet (nbf)", "proof.not_yet"), []
    bound = [
        f"nonce {challenge!r}" if challenge is not None else "",
        f"aud {domain!r}" if domain is not None else "",
    ]
    binding = " and ".join(b for b in bound if b)
    kind = "VC-JWT 1.1, vp claim" if legacy else "VC-JOSE, vp+jwt"
    message = f"JWT signature verified ({kind})" + (f", bound to {binding}" if binding else "")
    return _no_challenge_note(Check("proof", "pass", message, "proof.ok"), challenge), signers


def _unreadable(message: str) -> VerificationReport:
    checks = CheckList()
    checks.add(Check("parse", "fail", message, "parse.error"))
    checks.skip_rest("not checked: the input could not be read")
    return VerificationReport.of(checks)


def _verify_embedded(item: dict[str, Any], ctx: VerifierContext) -> VerificationReport:
    if ENVELOPED_TYPE in _types(item):
        url = item.get("id")
        if not isinstance(url, str):
            return _unreadable("an enveloped credential needs its data: URL as id")
        try:
            return verify_credential(enveloped(url), ctx)
        except InputError as exc:
            return _unreadable(str(exc))
    return verify_credential(item, ctx)


def _credentials(vp: dict[str, Any], ctx: VerifierContext) -> list[PresentedCredential]:
    embedded = vp.get("verifiableCredential")
    single = isinstance(embedded, dict | str)  # a VP-JWT 1.1 may hold one VC-JWT string
    items = [] if embedded is None else [embedded] if single else embedded
    presented: list[PresentedCredential] = []
    used: set[str] = set()
    for index, item in enumerate(items):
        report = _verify_embedded(item, ctx)
        cid = report.credential.get("id") if isinstance(report.credential, dict) else None
        name = cid if isinstance(cid, str) and cid and cid not in used else None
        name = name or f"verifiableCredential[{index}]"
        used.add(name)
        presented.append(PresentedCredential(name, report))
    return presented


def _holder_check(
    vp: dict[str, Any],
    proof: Check,
    signers: list[str],
    credentials: list[PresentedCredential],
    require_binding: bool = False,
) -> Check:
    holder = _holder_id(vp)
    if holder is None:
        if require_binding:
            return Check(
                "holder",
                "fail",
                "the presentation names no holder, and this verifier asked for its credentials "
                "to be bound to the person who presents them",
                "holder.missing",
            )
        # VC DM 2.0: holder is optional; say plainly what that means, do not invalidate.
        return Check(
            "holder",
            "warn",
            "the presentation names no holder: its credentials are not bound to the person "
            "who presented them",
            "holder.none",
        )
    problems: list[str] = []
    verified = proof.code in PROOF_VERIFIED
    if verified and holder not in signers:
        problems.append(
            f"the presentation is signed by {signers[0] if signers else 'an unknown key'}, "
            f"which is not its holder {holder}"
        )
    # A credential issued to another DID is not bound, like one with no subject id: VC DM 2.0
    # lets a holder present credentials about others (verifier policy: require_binding).
    if problems:
        return Check("holder", "fail", "; ".join(problems), "holder.mismatch")
    if not verified:
        return Check(
            "holder",
            "skip",
            "not checked: the presentation's proof did not verify, so who presented it is unknown",
            "skipped",
        )
    unbound = [item for item in credentials if not item.binding.bound]
    if unbound:
        reasons = "; ".join(f"credential {item.name}: {item.binding.message}" for item in unbound)
        return Check(
            "holder",
            "fail" if require_binding else "warn",
            f"signed by its holder {holder}; but not every credential is shown to belong to "
            f"the person who presented it ({reasons})",
            "holder.not_bound",
        )
    return Check(
        "holder",
        "pass",
        f"signed by its holder {holder}"
        + (", to whom every credential was issued (subject id = holder)" if credentials else ""),
        "holder.ok",
    )


def _bind(
    vp: dict[str, Any], verified: bool, signers: list[str], credentials: list[PresentedCredential]
) -> list[PresentedCredential]:
    holder = _holder_id(vp)
    proven = verified and holder is not None and holder in signers
    return [
        PresentedCredential(
            item.name,
            item.report,
            holder_binding(item.report.credential, holder, proven=proven),
        )
        for item in credentials
    ]


# ------------------------------------------------------------------ pipeline


class _Builder:
    def __init__(self) -> None:
        self.checks = CheckList(PRESENTATION_CHECKS)
        self.credentials: list[PresentedCredential] = []
        self.presentation: dict[str, Any] | None = None
        self.summary: dict[str, Any] = {}
        self.verified = False

    def stop(self, reason: str) -> None:
        self.checks.skip_rest(reason)

    def report(self) -> PresentationReport:
        own = self.checks.overall() if self.verified else "invalid"
        status = worst([own, *(c.report.status for c in self.credentials)])
        return PresentationReport(
            status == "valid",
            status,
            self.checks.ordered(),
            tuple(self.credentials),
            self.presentation,
            self.summary,
        )


def _run(
    b: _Builder,
    raw: bytes | str | dict[str, Any],
    ctx: VerifierContext,
    challenge: str | None,
    domain: str | None,
    require_binding: bool = False,
) -> None:
    try:
        if not isinstance(raw, dict | str | bytes):
            raise InputError("a presentation is a JSON object or a vp+jwt")
        parsed = parse_input(raw)
    except InputError as exc:
        b.checks.add(Check("parse", "fail", str(exc), "parse.error"))
        return b.stop("not checked: the input could not be read")
    if parsed.sd_jwt is not None or parsed.cose is not None:
        return _run_secured(b, parsed, ctx, challenge, domain, require_binding)
    token = parsed.jwt
    legacy, claims = False, None  # the JWT's payload; legacy: a VP-JWT 1.1 (a vp claim)
    if token is not None:
        header = _jwt_part(token, 0)
        typ = header.get("typ") if isinstance(header, dict) else None
        claims = _jwt_part(token, 1)
        # VC-JWT 1.1 (VC DM 1.1 section 6.3.1): typ JWT (or none), the presentation in `vp`.
        legacy = typ in JWT_TYPS and isinstance(claims, dict) and isinstance(claims.get("vp"), dict)
        if typ != VP_JWT and not legacy:
            what = (
                "a credential (vc+jwt), not a presentation; verify it without a challenge and domain"
                if typ == "vc+jwt"
                else f"a JWT of type {typ!r}, not a presentation (vp+jwt)"
            )
            b.checks.add(Check("parse", "fail", f"the input is {what}", "parse.not_vp"))
            return b.stop("not checked: the input is not a presentation")
        vp = claims
        if legacy:
            try:
                vp = presentation_from_claims(claims)
            except ProofError:  # the proof check says what disagrees
                vp = dict(claims["vp"])
        if not isinstance(vp, dict):
            b.checks.add(
                Check("parse", "fail", "the JWT payload is not a JSON object", "parse.error")
            )
            return b.stop("not checked: the input could not be read")
        what = (
            "a VC-JWT 1.1 presentation (the vp claim)"
            if legacy
            else "a VC-JOSE presentation (vp+jwt)"
        )
        b.checks.add(Check("parse", "pass", f"read {what}", "parse.jwt"))
    else:
        vp = parsed.document
        assert vp is not None
        b.checks.add(Check("parse", "pass", "read a JSON-LD presentation", "parse.json"))
    b.presentation = vp
    jwt_format = "vp-jwt-1.1" if legacy else VP_JWT
    b.summary = {"holder": _holder_id(vp), "format": jwt_format if token else "json-ld"}
    errors = _schema_problems(vp, jwt_items=legacy)
    if errors:
        b.checks.add(Check("schema", "fail", "; ".join(errors), "schema.invalid"))
        return b.stop("not checked: the presentation does not follow the data model")
    b.checks.add(
        Check("schema", "pass", "follows the W3C VC data model for presentations", "schema.ok")
    )
    finder = DocumentFinder(ctx.documents, ctx.fetch)
    if token is not None:
        proof, signers = _jwt_proof(
            token,
            claims if isinstance(claims, dict) and legacy else vp,
            ctx,
            finder,
            challenge,
            domain,
            legacy,
        )
    else:
        proof, signers = _di_proof(vp, ctx, finder, challenge, domain)
    b.checks.add(proof)
    b.verified = proof.code in PROOF_VERIFIED
    b.credentials = _bind(vp, b.verified, signers, _credentials(vp, ctx))
    b.checks.add(_holder_check(vp, proof, signers, b.credentials, require_binding))


def _run_secured(
    b: _Builder,
    parsed: ParsedInput,
    ctx: VerifierContext,
    challenge: str | None,
    domain: str | None,
    require_binding: bool,
) -> None:
    """A ``vp+sd-jwt`` or ``vp+cose`` (VC-JOSE-COSE 3.2, 3.3): the same steps as a vp+jwt."""
    finder = DocumentFinder(ctx.documents, ctx.fetch)
    what, vp, error, signers = verify_secured_presentation(parsed, finder, ctx.now)
    if vp is None:
        b.checks.add(
            Check("parse", "fail", f"the {what} does not carry a JSON object", "parse.error")
        )
        return b.stop("not checked: the input could not be read")
    b.checks.add(Check("parse", "pass", f"read a VC-JOSE-COSE presentation ({what})", "parse.jwt"))
    b.presentation = vp
    b.summary = {"holder": _holder_id(vp), "format": what}
    errors = _schema_problems(vp)
    if errors:
        b.checks.add(Check("schema", "fail", "; ".join(errors), "schema.invalid"))
        return b.stop("not checked: the presentation does not follow the data model")
    b.checks.add(
        Check("schema", "pass", "follows the W3C VC data model for presentations", "schema.ok")
    )
    if error is not None:
        proof, signers = proof_failure(error, finder, PRESENTATION_JWT), []
    else:
        problem = _binding_problem(vp.get("nonce"), vp.get("aud"), challenge, domain, jwt=True)
        verified = Check("proof", "pass", f"signature verified (VC-JOSE-COSE, {what})", "proof.ok")
        proof = problem or _no_challenge_note(verified, challenge)
    b.checks.add(proof)
    b.verified = proof.code in PROOF_VERIFIED
    b.credentials = _bind(vp, b.verified, signers, _credentials(vp, ctx))
    b.checks.add(_holder_check(vp, proof, signers, b.credentials, require_binding))


def verify_presentation(
    raw: bytes | str | dict[str, Any],
    ctx: VerifierContext,
    *,
    challenge: str | None,
    domain: str | None,
    require_binding: bool = False,
) -> PresentationReport:
    """Verify a presentation (Data Integrity JSON-LD, or a vp+jwt) and every credential in it.

    ``challenge`` and ``domain`` are what this verifier asked for; ``None`` means "not
    asked" (a presentation then cannot be told from a replay, and the proof check warns).
    ``require_binding``: this verifier accepts only credentials bound to the presenter
    (:mod:`microcred.verify.binding`); a missing holder or an unbound credential then fails
    the ``holder`` check instead of warning.
    """
    b = _Builder()
    try:
        _run(b, raw, ctx, challenge, domain, require_binding)
    except Exception as exc:  # noqa: BLE001 - whatever the input, a report, never a crash
        done = b.checks.done()
        failed = next((c for c in PRESENTATION_CHECK_IDS if c not in done), "holder")
        b.checks.add(Check(failed, "fail", f"cannot be checked ({type(exc).__name__})", "internal"))
        b.stop("not checked: an earlier check could not be completed")
        b.verified = False
    return b.report()
