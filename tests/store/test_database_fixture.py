"""The ``database_url`` fixture: a real, isolated database per test, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

ROWS_PER_WRITER = 50

metadata = sa.MetaData()
items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("writer", sa.String(20), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
)

# URLs handed out in this process: two tests must never share one.
_seen_urls: set[str] = set()


def make_engine(url: str, *, immediate: bool = False) -> Engine:
    """An engine; for SQLite, ``immediate`` makes every transaction ``BEGIN IMMEDIATE``.

    A deferred SQLite transaction that upgrades from a read to a write lock can
    fail at once with "database is locked" when another writer is active;
    taking the write lock at BEGIN makes concurrent writers wait their turn
    instead (the pysqlite driver's own BEGIN handling is switched off for it).
    """
    engine = sa.create_engine(url)
    if immediate and engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _no_driver_begin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url, immediate=True)
    yield eng
    eng.dispose()


def _run_threads(*targets: Any) -> None:
    errors: list[BaseException] = []

    def wrap(fn: Any) -> Any:
        def run() -> None:
            try:
                fn()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "thread hung"
    if errors:
        raise errors[0]


def test_backend_is_what_the_id_says(database_url: str, engine: Engine) -> None:
    backend = make_url(database_url).get_backend_name()
    with engine.connect() as conn:
        if backend == "postgresql":
            version = conn.execute(sa.text("SELECT version()")).scalar_one()
            assert "PostgreSQL" in version
            dbname = conn.execute(sa.text("SELECT current_database()")).scalar_one()
            assert dbname.startswith("test_")
            assert dbname != "microcred_test"
        else:
            assert backend == "sqlite"
            assert conn.execute(sa.text("SELECT sqlite_version()")).scalar_one()


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_its_own_empty_database(database_url: str, engine: Engine, run: int) -> None:
    assert database_url not in _seen_urls
    _seen_urls.add(database_url)
    assert sa.inspect(engine).get_table_names() == []
    # Would fail in whichever run came second if the two shared a database
    # (whatever the order or the xdist worker).
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE marker (run integer NOT NULL)"))
        conn.execute(sa.text("INSERT INTO marker (run) VALUES (:run)"), {"run": run})


def test_concurrent_writers_on_separate_connections(engine: Engine) -> None:
    metadata.create_all(engine)
    start = threading.Barrier(2, timeout=30)

    def writer(name: str) -> None:
        with engine.connect() as conn:
            start.wait()
            for n in range(ROWS_PER_WRITER):
                with conn.begin():
                    conn.execute(items.insert().values(writer=name, n=n))

    _run_threads(lambda: writer("a"), lambda: writer("b"))

    with engine.connect() as conn:
        rows = conn.execute(sa.select(items.c.writer, items.c.n)).all()
    assert len(rows) == 2 * ROWS_PER_WRITER
    for name in ("a", "b"):
        assert sorted(n for w, n in rows if w == name) == list(range(ROWS_PER_WRITER))


def test_uncommitted_rows_are_invisible_to_another_connection(
    database_url: str, engine: Engine
) -> None:
    metadata.create_all(engine)
    # The reader takes no write lock (plain deferred transactions on SQLite).
    reader_engine = make_engine(database_url)
    inserted, counted, rolled_back = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def count() -> int:
        with reader_engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(items)).scalar_one())

    def writer() -> None:
        with engine.connect() as conn:
            tx = conn.begin()
            conn.execute(items.insert(), [{"writer": "w", "n": n} for n in range(10)])
            inserted.set()
            assert counted.wait(30)
            tx.rollback()
            rolled_back.set()
            with conn.begin():
                conn.execute(items.insert(), [{"writer": "w", "n": n} for n in range(3)])

    def reader() -> None:
        assert inserted.wait(30)
        seen["during"] = count()
        counted.set()
        assert rolled_back.wait(30)

    try:
        _run_threads(writer, reader)
        assert seen["during"] == 0
        assert count() == 3
    finally:
        reader_engine.dispose()
