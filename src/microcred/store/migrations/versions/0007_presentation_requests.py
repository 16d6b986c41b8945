"""OpenID4VP presentation requests: presentation_requests

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:50:00

One row per verifier transaction (OpenID4VP 1.0): the DCQL query, the nonce and state
the wallet must echo, the ephemeral ECDH-ES key its response is encrypted to (the private
part AES-256-GCM encrypted with the instance secret), the response mode and client id,
and, once answered, the verification result. The row is deleted after ``delete_after``.
Same-device flows: ``redirect_uri`` (where the wallet sends the browser back) and the
SHA-256 of the ``response_code`` it carries (HAIP 1.0 §5.1 session binding).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presentation_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("dcql", sa.JSON(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("encrypted_key", sa.JSON(), nullable=False),
        sa.Column("response_mode", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=True),
        sa.Column("response_code", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state"),
    )
    with op.batch_alter_table("presentation_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_presentation_requests_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_presentation_requests_delete_after"), ["delete_after"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("presentation_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presentation_requests_delete_after"))
        batch_op.drop_index(batch_op.f("ix_presentation_requests_org_id"))
    op.drop_table("presentation_requests")
