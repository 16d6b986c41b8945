"""jobs: bulk_jobs and bulk_chunks; procrastinate's queue schema on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00

On PostgreSQL this also installs procrastinate's own schema (tables
``procrastinate_*``, its functions and triggers) unless it is already there:
an existing installation, made by ``procrastinate schema --apply`` or an
earlier run, is left as it is. The check runs under a transaction-scoped
advisory lock, so two processes migrating at once cannot both apply it.
The downgrade drops microcred's tables only, never the queue.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Any constant: serialises concurrent installs of procrastinate's schema.
_SCHEMA_LOCK = 0x6D637270


def _install_procrastinate_schema() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite: jobs run in-process, there is no queue
    from procrastinate.schema import SchemaManager

    bind.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
    present = bind.execute(sa.text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL"))
    if present.scalar():
        return
    # The raw psycopg connection: the schema is many statements with $$ bodies and %
    # signs, sent as one simple query (no parameters, so nothing is interpolated).
    raw = bind.connection.driver_connection
    assert raw is not None
    raw.execute(SchemaManager.get_schema())


def upgrade() -> None:
    op.create_table(
        "bulk_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("spec_version_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["spec_version_id"], ["specifications.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_jobs_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bulk_jobs_digest"), ["digest"], unique=False)
        batch_op.create_index(batch_op.f("ix_bulk_jobs_created_at"), ["created_at"], unique=False)

    op.create_table(
        "bulk_chunks",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("already_issued", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("row_keys", sa.JSON(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["bulk_jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "seq"),
    )
    _install_procrastinate_schema()


def downgrade() -> None:
    op.drop_table("bulk_chunks")
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_jobs_created_at"))
        batch_op.drop_index(batch_op.f("ix_bulk_jobs_digest"))
        batch_op.drop_index(batch_op.f("ix_bulk_jobs_org_id"))
    op.drop_table("bulk_jobs")
