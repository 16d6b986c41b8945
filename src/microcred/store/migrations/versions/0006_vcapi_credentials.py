"""credentials signed through the W3C VC-API have no specification: spec_version_id nullable

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:00:00

``POST /credentials/issue`` signs a credential the caller wrote, not one made from a
published specification; it is stored, given a status entry and audited like any other
(so it can be revoked and suspended), with no specification version.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.alter_column("spec_version_id", existing_type=sa.String(length=36), nullable=True)


def downgrade() -> None:
    # Credentials without a specification cannot be kept under the old schema.
    op.execute("DELETE FROM credentials WHERE spec_version_id IS NULL")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.alter_column("spec_version_id", existing_type=sa.String(length=36), nullable=False)
