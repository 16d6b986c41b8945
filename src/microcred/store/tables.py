"""The database schema (SQLAlchemy 2 ORM). Changes go through Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    url: Mapped[str | None] = mapped_column(String(500))
    did_web: Mapped[str] = mapped_column(String(500), unique=True)
    did_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OrganisationKey(Base):
    """A signing key; the private part is AES-256-GCM encrypted with the instance secret."""

    __tablename__ = "organisation_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    fragment: Mapped[str] = mapped_column(String(64))
    key_type: Mapped[str] = mapped_column(String(16))
    public_multibase: Mapped[str] = mapped_column(String(200))
    encrypted_private: Mapped[dict[str, object]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("org_id", "fragment"),)


class SpecificationVersion(Base):
    __tablename__ = "specifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    spec_key: Mapped[str] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("org_id", "spec_key", "version"),)


class StatusList(Base):
    """One index space shared by a revocation and a suspension list."""

    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    size: Mapped[int] = mapped_column(Integer)
    next_sequence: Mapped[int] = mapped_column(Integer, default=0)
    permutation_key: Mapped[str] = mapped_column(String(64))
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PublishedStatusList(Base):
    """The signed status list credential last published for a list and purpose."""

    __tablename__ = "published_status_lists"

    list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())


class IssuedCredential(Base):
    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    # None for a credential signed through the VC-API (the caller wrote it; no specification)
    spec_version_id: Mapped[str | None] = mapped_column(ForeignKey("specifications.id"), index=True)
    row_key: Mapped[str] = mapped_column(String(200))
    learner_name: Mapped[str] = mapped_column(String(300))
    learner_id: Mapped[str] = mapped_column(String(500), index=True)
    issued_on: Mapped[datetime] = mapped_column(UTCDateTime())
    format: Mapped[str] = mapped_column(String(8))
    document: Mapped[str] = mapped_column(Text)
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    __table_args__ = (
        UniqueConstraint("org_id", "row_key", name="uq_credentials_row_key"),
        UniqueConstraint("status_list_id", "status_index", name="uq_credentials_status_index"),
    )


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Append-only: the code never updates or deletes a row (PostgreSQL enforces it with a trigger)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, object]] = mapped_column(JSON)


Index("ix_audit_org_at", AuditEntry.org_id, AuditEntry.at)


class Holder(Base):
    """A learner's account: their wallet, with their own did:key for presentations."""

    __tablename__ = "holders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(300))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    did: Mapped[str] = mapped_column(String(200))
    public_multibase: Mapped[str] = mapped_column(String(200))
    encrypted_private: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HolderToken(Base):
    __tablename__ = "holder_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    holder_id: Mapped[str] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WalletCredential(Base):
    """A credential a holder keeps: the original as imported, and what verification said."""

    __tablename__ = "wallet_credentials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    holder_id: Mapped[str] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    original: Mapped[str] = mapped_column(Text)
    credential_id: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(500))
    issuer_id: Mapped[str | None] = mapped_column(String(500))
    issuer_name: Mapped[str | None] = mapped_column(String(500))
    issuer_country: Mapped[str | None] = mapped_column(String(8))
    issued_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ects: Mapped[str | None] = mapped_column(String(16))
    hours: Mapped[str | None] = mapped_column(String(16))
    eqf_level: Mapped[int | None] = mapped_column(Integer)
    skills: Mapped[list[str]] = mapped_column(JSON)
    model: Mapped[dict[str, object]] = mapped_column(JSON)
    missing: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    report: Mapped[dict[str, object]] = mapped_column(JSON)
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the key the credential is bound to (OpenID4VCI proof, SD-JWT VC cnf.jwk): a key file
    # whose private part is encrypted under the instance secret; null for imported ones
    holder_key: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (UniqueConstraint("holder_id", "digest", name="uq_wallet_digest"),)


class WalletPendingReceipt(Base):
    """What the wallet waits for from an OpenID4VCI issuer (migration 0013): an
    ``authorization`` (found by the SHA-256 of its ``state``, bound to the web session's
    SHA-256, single use) or a ``deferred`` credential (polled by its transaction id). The
    flow's secrets are in ``sealed`` (AES-256-GCM under the instance secret)."""

    __tablename__ = "wallet_pending_receipts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    holder_id: Mapped[str] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state_hash: Mapped[str | None] = mapped_column(String(64))
    session_hash: Mapped[str | None] = mapped_column(String(64))
    credential_issuer: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(500))
    sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (UniqueConstraint("state_hash", name="uq_wallet_pending_state"),)


class Share(Base):
    """A share link: only the SHA-256 of its secret token is stored."""

    __tablename__ = "shares"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    holder_id: Mapped[str] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    credential_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    view_count: Mapped[int] = mapped_column(Integer, default=0)


class PublicPortfolio(Base):
    """A learner's public portfolio page ``/p/<token>``: the address token (public once
    shared, kept so the learner sees it again), on or off, and the credentials it shows."""

    __tablename__ = "public_portfolios"

    holder_id: Mapped[str] = mapped_column(
        ForeignKey("holders.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    credential_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    view_count: Mapped[int] = mapped_column(Integer, default=0)


class PathwayVersion(Base):
    """A stacking pathway an authority published; versioned like specifications."""

    __tablename__ = "pathways"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    pathway_key: Mapped[str] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("org_id", "pathway_key", "version"),)


class RecognitionApplication(Base):
    """A holder's application: the credentials they shared with the authority (as shared)
    and the evaluation at the time. Deleted with the holder's account."""

    __tablename__ = "recognition_applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    holder_id: Mapped[str] = mapped_column(ForeignKey("holders.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[str] = mapped_column(ForeignKey("pathways.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    component_ids: Mapped[list[str]] = mapped_column(JSON)
    credentials: Mapped[list[str]] = mapped_column(JSON)
    evaluation: Mapped[dict[str, object]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecognitionDecision(Base):
    """The authority's decision on an application, and the stacked credential when positive."""

    __tablename__ = "recognition_decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("recognition_applications.id", ondelete="CASCADE"), unique=True
    )
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    accepted: Mapped[list[str]] = mapped_column(JSON)
    ects_recognised: Mapped[str | None] = mapped_column(String(16))
    evaluation: Mapped[dict[str, object]] = mapped_column(JSON)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    credential_id: Mapped[str | None] = mapped_column(String(100))
    document: Mapped[str | None] = mapped_column(Text)


class BulkJob(Base):
    """A bulk issuance job: its CSV rows live in `bulk_chunks`, so any worker can run it."""

    __tablename__ = "bulk_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    spec_version_id: Mapped[str] = mapped_column(ForeignKey("specifications.id"))
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(500))
    digest: Mapped[str] = mapped_column(String(64), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    total_rows: Mapped[int] = mapped_column(Integer)
    chunk_count: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BulkChunk(Base):
    """A slice of a bulk job's rows (JSON `[[line, {column: value}], ...]`) and its outcome."""

    __tablename__ = "bulk_chunks"

    job_id: Mapped[str] = mapped_column(
        ForeignKey("bulk_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_line: Mapped[int] = mapped_column(Integer)
    row_count: Mapped[int] = mapped_column(Integer)
    rows: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    already_issued: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[list[object]]] = mapped_column(JSON)
    row_keys: Mapped[list[str]] = mapped_column(JSON)
    worker: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ThrottleBucket(Base):
    """Failed sign-in attempts of one account or one client address, in the database so that
    every process of the instance counts them together. The key is the SHA-256 of the rule
    and the value (a handle, an address): neither is stored in clear."""

    __tablename__ = "throttle_buckets"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WebSession(Base):
    """A signed-in browser session. The cookie carries a random secret; only its SHA-256 is
    kept here. Signing out revokes the row; a password change or an account deletion ends
    every session of the holder; revoking an API token ends the console sessions it opened."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    holder_id: Mapped[str | None] = mapped_column(
        ForeignKey("holders.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    token_id: Mapped[str | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    # a member's console session (a session opened with an API token has token_id instead)
    member_id: Mapped[str | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PresentationRequest(Base):
    """An OpenID4VP verifier transaction: what was asked (DCQL), the nonce and state the
    wallet must echo, the ephemeral ECDH-ES key the response is encrypted to (private part
    AES-256-GCM encrypted with the instance secret) and, once answered, the result. Deleted
    after ``delete_after``; ``response_code`` is the SHA-256 of the same-device code."""

    __tablename__ = "presentation_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    dcql: Mapped[dict[str, object]] = mapped_column(JSON)
    nonce: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64), unique=True)
    encrypted_key: Mapped[dict[str, object]] = mapped_column(JSON)
    response_mode: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, object] | None] = mapped_column(JSON)
    redirect_uri: Mapped[str | None] = mapped_column(String(2000))
    response_code: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delete_after: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Oid4vciOffer(Base):
    """An OpenID4VCI credential offer for one issued credential. Codes are never stored in
    clear: the pre-authorized code and issuer_state as their SHA-256, the transaction code
    (short, so guessable offline) as an HMAC keyed by the instance secret. Single use
    (``used_at``) and expiring; ``tx_code_failures`` ends the offer after a few bad PINs."""

    __tablename__ = "oid4vci_offers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    configuration_ids: Mapped[list[str]] = mapped_column(JSON)
    pre_authorized_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    issuer_state_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    tx_code_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Oid4vciGrant(Base):
    """A short-lived secret of an OpenID4VCI flow (kind: par, auth_code, access_token,
    c_nonce, notification), keyed by its SHA-256; what it stands for is in ``data``."""

    __tablename__ = "oid4vci_grants"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    offer_id: Mapped[str | None] = mapped_column(
        ForeignKey("oid4vci_offers.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Oid4vciDpopJti(Base):
    """A DPoP proof seen (SHA-256 of the key thumbprint and jti), kept until its iat window
    has passed, so a replayed proof is refused by every process of the instance."""

    __tablename__ = "oid4vci_dpop_jtis"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class OrgMember(Base):
    """A person who signs in to an organisation's console (or the authority's desk) with an
    e-mail address (normalised) and a password (Argon2id; None until an invitation is
    accepted), in one role (services/members.ROLES)."""

    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(300))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("org_id", "email", name="uq_members_org_email"),)


class MemberInvitation(Base):
    """A one-time set-password link sent to a new member (only the secret's SHA-256)."""

    __tablename__ = "member_invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(32))
    invited_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PasswordReset(Base):
    """A one-time password-reset link of a member (only the secret's SHA-256)."""

    __tablename__ = "password_resets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CredentialDelivery(Base):
    """A claim link for one issued credential, e-mailed to its learner (only the secret's
    SHA-256): expiring, revocable, claimed into one wallet."""

    __tablename__ = "credential_deliveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    lang: Mapped[str] = mapped_column(String(8))
    sent_via: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    holder_id: Mapped[str | None] = mapped_column(ForeignKey("holders.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OrganisationCertificate(Base):
    """An organisation's X.509 chain (PEM, leaf first, no trust anchor) for its P-256 key
    (``key_fragment`` in organisation_keys, whose private part stays encrypted there);
    ``source`` is ``imported`` or ``test_ca``. Not secret."""

    __tablename__ = "organisation_certificates"

    org_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    key_fragment: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    chain_pem: Mapped[str] = mapped_column(Text)
    leaf_sha256: Mapped[str] = mapped_column(String(64))
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InstanceTestCA(Base):
    """The instance's own TEST CA (one row, id 1): root and intermediate certificates in PEM,
    their private keys AES-256-GCM encrypted with the instance secret."""

    __tablename__ = "instance_test_ca"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificates_pem: Mapped[str] = mapped_column(Text)
    encrypted_keys: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
