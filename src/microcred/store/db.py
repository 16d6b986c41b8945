"""Engines, sessions and migrations. SQLite by default, PostgreSQL when the URL says so."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(Exception):
    pass


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def normalise_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def private_directory(path: Path) -> None:
    """Make the folder ``path`` if it is missing, readable by its owner only (0700): an
    instance's home and the folder of its database hold personal data and keys. Folders above
    it that are missing are made as usual; a folder that exists is the user's choice and is
    left as it is."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:  # made by another process at the same moment
        pass


def _private_sqlite_file(path: Path) -> None:
    """Create the database file empty, 0600, before SQLite opens it (SQLite would make it 0644
    under the usual umask). SQLite gives its -wal and -shm files the mode of this file."""
    private_directory(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:" and not path.startswith("file:"):
            _private_sqlite_file(Path(path.split("?", 1)[0]))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)

        # pysqlite's own transaction handling defers BEGIN; take the write lock at
        # the start so that concurrent issuers serialise instead of failing.
        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Readers (read_transaction) take no lock: in WAL mode they never wait, whereas
            # an IMMEDIATE transaction queues behind every other writer and reader-as-writer
            # (SQLite's busy handler sleeps up to 100 ms a round: the verify route's tail).
            read_only = conn.get_execution_options().get(_READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    if url.startswith("postgresql"):
        # No server-side prepared statements: psycopg prepares a query after 5 runs, and
        # PostgreSQL's generic plan for "org_id = $1 AND row_key IN ($2, ...)" scans the
        # whole organisation (measured: 160 ms instead of 8 ms per bulk chunk lookup).
        # Also what connection poolers such as PgBouncer (transaction mode) need.
        return create_engine(url, pool_pre_ping=True, connect_args={"prepare_threshold": None})
    raise StoreError(
        f"unsupported database URL '{url.split(':', 1)[0]}:...'; use sqlite:///PATH or "
        "postgresql+psycopg://USER:PASSWORD@HOST/DB"
    )


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_READ_ONLY = "microcred_read_only"


@contextmanager
def read_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work that only reads: on SQLite it does not take the write lock."""
    session = factory()
    try:
        session.connection(execution_options={_READ_ONLY: True})
        yield session
        session.rollback()  # nothing to keep (a write made here would be discarded)
    finally:
        session.close()


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit at the end, roll back on any error (services commit)."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
