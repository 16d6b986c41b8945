"""sign-in throttling and revocable web sessions: throttle_buckets, web_sessions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00

``throttle_buckets`` counts failed sign-in attempts per account and per client address
(keyed by a SHA-256, nothing in clear), shared by every process of the instance.
``web_sessions`` is the server-side record of a signed-in browser session (the cookie
carries a random secret, this table its SHA-256): signing out, a password change and an
account deletion end sessions here. Sessions signed before this revision carry no record
and are no longer accepted: their holders sign in again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_buckets",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("throttle_buckets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_throttle_buckets_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("holder_id", sa.String(length=36), nullable=True),
        sa.Column("org_id", sa.String(length=36), nullable=True),
        sa.Column("token_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["holder_id"], ["holders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["token_id"], ["api_tokens.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_sessions_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_web_sessions_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_web_sessions_org_id"))
        batch_op.drop_index(batch_op.f("ix_web_sessions_holder_id"))
    op.drop_table("web_sessions")
    with op.batch_alter_table("throttle_buckets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_throttle_buckets_expires_at"))
    op.drop_table("throttle_buckets")
