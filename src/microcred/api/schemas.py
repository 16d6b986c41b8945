"""Request (create) and response (public) schemas.

No public schema has a field that could carry a key: organisations show their DIDs,
tokens show their name and scopes (the secret only once, in ``TokenCreated``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from microcred.formats.registry import FormatName, IssuableFormat

# scheme ":" then no white space: what a credentialSubject id or evidence id must be (JSON-LD
# safe mode refuses relative IRIs when the credential is signed).
ABSOLUTE_URI = r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$"

Scope = Literal["issue", "revoke", "read", "admin"]

# A compact JWS (a vc+jwt, a vp+jwt): three base64url parts. The only string the verifier
# routes take where a credential is expected; JSON-LD comes as an object, never as text.
COMPACT_JWS = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
_COMPACT_JWS = re.compile(COMPACT_JWS)
NOT_A_JWS = (
    "a string must be a compact JWS (a vc+jwt: header.payload.signature in base64url); "
    "send a JSON-LD credential as a JSON object, not as text"
)


def is_compact_jws(value: str) -> bool:
    return len(value) <= 1_000_000 and _COMPACT_JWS.fullmatch(value) is not None


def _iso_date(value: Any) -> Any:
    """A calendar date written YYYY-MM-DD, and nothing else (pydantic alone would take a
    number as a Unix time, and a datetime at midnight, as a date)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(
        f"must be a date written YYYY-MM-DD, e.g. 2026-01-31 (got {str(value)[:40]!r})"
    )


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    Field(description="a date, YYYY-MM-DD", examples=["2026-01-31"]),
]


def nul_path(value: Any, path: str = "") -> str | None:
    """The path of the first string (or key) holding a NUL character, which no database stores."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return where
        elif isinstance(node, dict):
            for key, item in node.items():
                child = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and "\x00" in key:
                    return child
                stack.append((item, child))
        elif isinstance(node, list):
            stack.extend((item, f"{where}[{n}]") for n, item in enumerate(node))
    return None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if nul_path(value) is not None:
            raise ValueError("must not contain NUL characters")
        return value


# ---------------------------------------------------------------- organisations


class OrgPublic(BaseModel):
    id: str
    slug: str
    name: str
    country: str
    url: str | None
    did: str
    did_key: str
    created_at: datetime


# ---------------------------------------------------------------- specifications


class SpecPublic(BaseModel):
    id: str
    org: str
    spec_key: str
    version: int
    title: str
    created_at: datetime
    created: bool


# ---------------------------------------------------------------- credentials


class CredentialCreate(Strict):
    spec_id: str = Field(min_length=1, max_length=500, description="spec version id or spec key")
    learner_name: str = Field(min_length=1, max_length=300)
    learner_id: str = Field(
        min_length=1,
        max_length=500,
        pattern=ABSOLUTE_URI,
        description="DID, mailto: address or other absolute URI",
    )
    issued_on: IsoDate | None = Field(
        None, description="date of issue, YYYY-MM-DD (default: today)"
    )
    given_name: str | None = Field(
        None, max_length=200, pattern=r"\S", description="the learner's given name (optional)"
    )
    family_name: str | None = Field(
        None,
        max_length=200,
        pattern=r"\S",
        description="the learner's family name (optional; SD-JWT VC family_name, else the "
        "full name stands in)",
    )
    grade: str | None = Field(None, max_length=200)
    narrative: str | None = Field(None, max_length=10_000)
    evidence_url: str | None = Field(None, max_length=2000, pattern=r"^https?://[^\s]+$")
    row_key: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="idempotency key: the same key returns the same credential",
    )
    format: IssuableFormat = FormatName.OB3


class CredentialPublic(BaseModel):
    id: str
    org: str
    spec_version_id: str | None = Field(
        description="the specification version it was issued from; null when it was signed "
        "through the VC-API (POST /credentials/issue)"
    )
    row_key: str
    learner_name: str
    learner_id: str
    issued_on: datetime
    format: str
    status: Literal["active", "revoked", "suspended"]
    created: bool
    credential: dict[str, Any] | str | None = Field(
        None, description="the signed credential (JSON-LD object, or a vc+jwt string)"
    )


class CredentialList(BaseModel):
    items: list[CredentialPublic]
    limit: int
    offset: int


class RevokeRequest(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class SuspendRequest(Strict):
    reason: str | None = Field(None, max_length=2000)


# ---------------------------------------------------------------- audit


class AuditPublic(BaseModel):
    at: datetime
    actor: str
    action: str
    subject: str | None
    details: dict[str, Any]


# ---------------------------------------------------------------- tokens


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1)


class TokenPublic(BaseModel):
    id: str
    org: str
    name: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(BaseModel):
    token: TokenPublic
    secret: str = Field(description="the bearer token; shown this once, never again")


# ---------------------------------------------------------------- verification


OverallStatusPublic = Annotated[
    Literal["valid", "unchecked", "invalid", "revoked", "suspended", "expired"],
    Field(
        description="the verdict: valid; unchecked (authentic, but whether its issuer revoked "
        "or suspended it could not be checked: the status list was unavailable, refused, "
        "expired or of an unsupported kind; not valid); expired; suspended; revoked; invalid. "
        "Of several findings (a presentation's credentials), the worst"
    ),
]


class CheckPublic(BaseModel):
    """One check of a verification: which, its result, a machine code and a sentence."""

    id: str = Field(
        description="parse, schema, eu_standard, proof, issuer, trust, validity, status (a "
        "credential); parse, schema, proof, holder (a presentation)"
    )
    status: Literal["pass", "fail", "warn", "skip"]
    code: str = Field(
        default="",
        description="what the result means, for programs: <check>.<finding> (e.g. proof.ok, "
        "proof.invalid_signature, status.revoked, validity.expired), skipped for a check that "
        "was not made, internal when checking failed; empty in reports stored before codes",
    )
    message: str


class HolderBindingPublic(BaseModel):
    """Whether a presented credential is shown to belong to the person who presented it."""

    status: Literal["bound", "not_bound"] = Field(
        description="bound: the credential's subject id is the DID of the holder, and the "
        "holder signed the presentation (or, on a share page, the wallet of that DID shared "
        "it); not_bound: nothing shows that the credential is the presenter's"
    )
    method: Literal["subject_id", "none"] = Field(
        description="how it is bound: subject_id (subject DID = holder), or none"
    )
    code: str = Field(
        description="holder.bound.subject_id (a presentation), holder.bound.shared_by_subject "
        "(a share link of the wallet of that DID), or holder.not_bound.<reason>: no_subject_id "
        "(e.g. issued to an e-mail address), other_subject, holder_not_proven, no_holder, "
        "unreadable, not_checked"
    )
    message: str


class PresentedCredentialPublic(BaseModel):
    """The report of one credential of a presentation, and its binding to the presenter."""

    model_config = ConfigDict(extra="allow")
    id: str = Field(description="the credential's id, or verifiableCredential[<n>]")
    valid: bool
    status: OverallStatusPublic
    checks: list[CheckPublic]
    holder_binding: HolderBindingPublic


class VerificationReportPublic(BaseModel):
    valid: bool = Field(description="true only when status is valid")
    status: OverallStatusPublic
    checks: list[CheckPublic]
    credentials: list[PresentedCredentialPublic] | None = Field(
        default=None,
        description="for a presentation: the report of each credential in it, and whether it "
        "is bound to the person who presented it",
    )


# ---------------------------------------------------------------- W3C VC-API


class IssueOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    cryptosuite: (
        Literal["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "eddsa-jcs-2022", "ecdsa-jcs-2019"] | None
    ) = None
    verificationMethod: str | None = Field(
        default=None,
        max_length=2000,
        description="the organisation's key to sign with: a verification method of its did:web "
        "or of its did:key (the issuer must then be that DID)",
    )


class IssueCredentialRequest(BaseModel):
    credential: dict[str, Any]
    options: IssueOptions = Field(default_factory=IssueOptions)


class IssueCredentialResponse(BaseModel):
    verifiableCredential: dict[str, Any]


class UpdateStatusRequest(BaseModel):
    """VC-API ``POST /credentials/status``: each change is ``{"type":
    "BitstringStatusListEntry", "status": "revoked" | "suspended" | "active"}`` or names the
    purpose to set (``"statusPurpose": "revocation" | "suspension"``)."""

    credentialId: str = Field(min_length=1, max_length=2000)
    credentialStatus: list[dict[str, Any]] | dict[str, Any]


class UpdateStatusResponse(BaseModel):
    credentialId: str
    status: Literal["active", "revoked", "suspended"]
    updated: list[str] = Field(description="the stored credentials the update reached")


class VerifyOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    challenge: str | None = None
    domain: str | None = None


class VerifyCredentialRequest(BaseModel):
    verifiableCredential: dict[str, Any] | Annotated[str, Field(pattern=COMPACT_JWS)] = Field(
        description="the credential: a JSON-LD object, or a vc+jwt (compact JWS)"
    )
    options: VerifyOptions = Field(default_factory=VerifyOptions)

    @field_validator("verifiableCredential", mode="before")
    @classmethod
    def _object_or_jws(cls, value: Any) -> Any:
        if isinstance(value, str) and not is_compact_jws(value):
            raise ValueError(NOT_A_JWS)
        return value


class VerifyPresentationRequest(BaseModel):
    verifiablePresentation: dict[str, Any]
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class ProblemDetails(BaseModel):
    type: str
    title: str
    detail: str


class VerificationResult(BaseModel):
    verified: bool
    checks: list[str] = Field(description="the checks that passed")
    warnings: list[ProblemDetails]
    errors: list[ProblemDetails]
    report: dict[str, Any] | None = None
    credentials: list[PresentedCredentialPublic] | None = None


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]


# ---------------------------------------------------------------- the holder's wallet

WalletId = Annotated[str, Field(min_length=1, max_length=100)]


class WalletImport(Strict):
    """Exactly one of ``credential`` (pasted: a JSON-LD object or a JWT string) and ``url``."""

    credential: dict[str, Any] | str | None = Field(
        None, description="the credential: a JSON-LD object, or a vc+jwt / JSON string"
    )
    url: str | None = Field(
        None,
        min_length=1,
        max_length=2000,
        description="an https:// address to download it from (allow-listed hosts only)",
    )


class WalletReverify(Strict):
    ids: list[WalletId] | None = Field(
        None, min_length=1, max_length=1000, description="the credentials (default: all)"
    )


class ShareCreate(Strict):
    credential_ids: list[WalletId] = Field(min_length=1, max_length=100)
    expires_in_days: int = Field(30, ge=1, le=365)


class SharePublic(BaseModel):
    id: str
    credential_ids: list[str]
    created_at: datetime
    expires_at: datetime
    revoked: bool
    view_count: int


class ShareCreated(SharePublic):
    url: str = Field(
        description="the share link; shown in this response only (only its hash is kept)"
    )
    qr_svg: str = Field(description="a QR code of the link: a standalone SVG document")
    qr_png: str = Field(description="a QR code of the link: a data:image/png;base64 URI")


class PresentationCreate(Strict):
    credential_ids: list[WalletId] = Field(min_length=1, max_length=100)
    challenge: str = Field(min_length=1, max_length=1000, description="the verifier's nonce")
    domain: str = Field(min_length=1, max_length=1000, description="the verifier's domain")
    format: Literal["ldp", "jwt"] = Field(
        "ldp", description="ldp: Data Integrity (JSON-LD); jwt: a vp+jwt with nonce and aud"
    )


class PresentationCreated(BaseModel):
    format: Literal["ldp", "jwt"]
    verifiablePresentation: dict[str, Any] | str


class AccountDelete(Strict):
    confirm: bool = Field(strict=True, description="must be true: deleting cannot be undone")
