"""organisation certificate chains and the instance's test CA

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:00:00

``organisation_certificates``: one X.509 chain per organisation (PEM, leaf first, without
the trust anchor; not secret) for its P-256 signing key (``key_fragment``), with where it
came from (``imported`` or ``test_ca``), the leaf's SHA-256 and its expiry. The private
key stays the organisation's encrypted key in ``organisation_keys``.
``instance_test_ca``: the instance's own test CA (one row): its root and intermediate
certificates in PEM and their private keys AES-256-GCM encrypted with the instance secret.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation_certificates",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("key_fragment", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("chain_pem", sa.Text(), nullable=False),
        sa.Column("leaf_sha256", sa.String(length=64), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id"),
    )
    op.create_table(
        "instance_test_ca",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificates_pem", sa.Text(), nullable=False),
        sa.Column("encrypted_keys", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("instance_test_ca")
    op.drop_table("organisation_certificates")
