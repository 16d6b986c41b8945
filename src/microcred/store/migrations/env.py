from __future__ import annotations

from alembic import context

from microcred.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always run through microcred.store.db.migrate
    raise RuntimeError("run migrations through microcred.store.db.migrate(engine)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
