"""bulk jobs remember where their files go (folder and host), so that a worker on that
host writes each chunk's files itself

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.add_column(sa.Column("out_dir", sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column("out_host", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bulk_jobs") as batch:
        batch.drop_column("out_host")
        batch.drop_column("out_dir")
