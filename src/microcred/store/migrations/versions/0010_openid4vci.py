"""OpenID4VCI issuance: oid4vci_offers, oid4vci_grants, oid4vci_dpop_jtis

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:50:00

``oid4vci_offers``: a credential offer for one issued credential (its configuration ids,
the SHA-256 of its pre-authorized code and issuer_state, an HMAC of its transaction code,
expiry, single use). ``oid4vci_grants``: the short-lived secrets of the flow (PAR request
URIs, authorization codes, access tokens, c_nonces, notification ids), each stored as
its SHA-256 only, single use or expiring. ``oid4vci_dpop_jtis``: the replay cache of
DPoP proofs (SHA-256 of key thumbprint and jti) until they could no longer be accepted.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oid4vci_offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=100), nullable=False),
        sa.Column("configuration_ids", sa.JSON(), nullable=False),
        sa.Column("pre_authorized_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("issuer_state_hash", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pre_authorized_code_hash"),
        sa.UniqueConstraint("issuer_state_hash"),
    )
    with op.batch_alter_table("oid4vci_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oid4vci_offers_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_oid4vci_offers_credential_id"), ["credential_id"], unique=False
        )

    op.create_table(
        "oid4vci_grants",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("offer_id", sa.String(length=36), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["offer_id"], ["oid4vci_offers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("hash"),
    )
    with op.batch_alter_table("oid4vci_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oid4vci_grants_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_oid4vci_grants_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "oid4vci_dpop_jtis",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("oid4vci_dpop_jtis", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oid4vci_dpop_jtis_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("oid4vci_dpop_jtis")
    op.drop_table("oid4vci_grants")
    op.drop_table("oid4vci_offers")
