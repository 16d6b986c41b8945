"""stacking: pathways, recognition applications and decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pathways",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("pathway_key", sa.String(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "pathway_key", "version"),
    )
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pathways_org_id"), ["org_id"], unique=False)

    op.create_table(
        "recognition_applications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("holder_id", sa.String(length=36), nullable=False),
        sa.Column("pathway_id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("component_ids", sa.JSON(), nullable=False),
        sa.Column("credentials", sa.JSON(), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["holder_id"], ["holders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["pathway_id"], ["pathways.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recognition_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recognition_applications_holder_id"), ["holder_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recognition_applications_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recognition_applications_pathway_id"), ["pathway_id"], unique=False
        )

    op.create_table(
        "recognition_decisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("accepted", sa.JSON(), nullable=False),
        sa.Column("ects_recognised", sa.String(length=16), nullable=True),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("credential_id", sa.String(length=100), nullable=True),
        sa.Column("document", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"], ["recognition_applications.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
    )
    with op.batch_alter_table("recognition_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recognition_decisions_org_id"), ["org_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("recognition_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recognition_decisions_org_id"))
    op.drop_table("recognition_decisions")
    with op.batch_alter_table("recognition_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recognition_applications_pathway_id"))
        batch_op.drop_index(batch_op.f("ix_recognition_applications_org_id"))
        batch_op.drop_index(batch_op.f("ix_recognition_applications_holder_id"))
    op.drop_table("recognition_applications")
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathways_org_id"))
    op.drop_table("pathways")
