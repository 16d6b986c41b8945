"""public portfolios

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 13:40:00

``public_portfolios``: a learner's public portfolio page ``/p/<token>`` (one per holder):
the random address token (not secret once shared, so kept as it is: the learner sees the
address again), whether it is switched on, and the wallet credentials it shows. Switching
it off ends the address for good (the page answers 410); switching on again makes a new one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_portfolios",
        sa.Column("holder_id", sa.String(length=36), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("credential_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("view_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["holder_id"], ["holders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("holder_id"),
        sa.UniqueConstraint("token"),
    )


def downgrade() -> None:
    op.drop_table("public_portfolios")
