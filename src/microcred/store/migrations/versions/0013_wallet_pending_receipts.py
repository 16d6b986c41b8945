"""wallet_pending_receipts: what the microcred wallet waits for from an OpenID4VCI issuer

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:40:00

One row per credential the wallet is waiting for: ``kind`` ``authorization`` (the learner
was sent to the issuer's authorization endpoint; the row is found by the SHA-256 of the
``state`` it sent, bound to the SHA-256 of the web session that started it, single use,
expiring in minutes) or ``deferred`` (the credential endpoint answered a ``transaction_id``;
polled at the issuer's ``interval`` until it gives the credential). The secrets of the flow
(PKCE verifier, access token, DPoP and holder keys, transaction id) are in ``sealed``,
AES-256-GCM encrypted under a key derived from the instance secret.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wallet_pending_receipts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("holder_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=True),
        sa.Column("session_hash", sa.String(length=64), nullable=True),
        sa.Column("credential_issuer", sa.String(length=500), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["holder_id"], ["holders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state_hash", name="uq_wallet_pending_state"),
    )
    op.create_index(
        "ix_wallet_pending_receipts_holder_id", "wallet_pending_receipts", ["holder_id"]
    )
    op.create_index(
        "ix_wallet_pending_receipts_expires_at", "wallet_pending_receipts", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_wallet_pending_receipts_expires_at", table_name="wallet_pending_receipts")
    op.drop_index("ix_wallet_pending_receipts_holder_id", table_name="wallet_pending_receipts")
    op.drop_table("wallet_pending_receipts")
