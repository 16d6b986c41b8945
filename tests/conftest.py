"""Suite-wide fixtures: ``database_url``, one isolated database per test.

``database_url`` runs each test that asks for it twice, against SQLite and
against PostgreSQL, and hands it a SQLAlchemy URL of a database of its own:

* ``sqlite``: a fresh file in ``tmp_path``;
* ``postgresql``: a fresh database ``test_<random>`` on the server named by
  ``MICROCRED_TEST_POSTGRES_URL`` (``make pg-test-server`` starts one and writes
  its URL to ``.pg-test-url``; ``make unit`` exports it), dropped ``WITH
  (FORCE)`` at teardown. Creating one takes ~50 ms, so a database (not just a
  schema) per test is affordable, and per-test databases make
  ``pytest -n auto`` safe.

Without ``MICROCRED_TEST_POSTGRES_URL`` the PostgreSQL variant FAILS (CI must
prove PostgreSQL works) unless ``MICROCRED_TESTS_SQLITE_ONLY=1`` is set, for a
quick local run, which skips it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

POSTGRES_URL_ENV = "MICROCRED_TEST_POSTGRES_URL"
SQLITE_ONLY_ENV = "MICROCRED_TESTS_SQLITE_ONLY"
TEST_DATABASE_PREFIX = "test_"


class PostgresAdmin:
    """An autocommit connection to the admin database that creates and drops test databases."""

    def __init__(self, url: str) -> None:
        self.url: URL = make_url(url)
        if self.url.get_backend_name() != "postgresql":
            raise ValueError(f"{POSTGRES_URL_ENV} is not a PostgreSQL URL: {self.safe_url}")
        self.conn = psycopg.connect(**self._connect_args(self.url.database), autocommit=True)

    @property
    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def _connect_args(self, dbname: str | None) -> dict[str, object]:
        args: dict[str, object] = {
            "host": self.url.host or "127.0.0.1",
            "port": self.url.port or 5432,
            "user": self.url.username,
            "password": self.url.password,
            "dbname": dbname,
            "connect_timeout": 10,
        }
        return {k: v for k, v in args.items() if v is not None}

    def create_database(self) -> str:
        """Create an empty database; return its SQLAlchemy URL (same driver, user and host)."""
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        name = f"{TEST_DATABASE_PREFIX}{worker + '_' if worker else ''}{secrets.token_hex(6)}"
        self.conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        assert name and name.startswith(TEST_DATABASE_PREFIX), name
        # FORCE ends the connections a test (or a leaked engine pool) left open.
        self.conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def close(self) -> None:
        self.conn.close()


def _postgres_missing(reason: str) -> NoReturn:
    if os.environ.get(SQLITE_ONLY_ENV) == "1":
        pytest.skip(f"{SQLITE_ONLY_ENV}=1: PostgreSQL variant not run ({reason})")
    pytest.fail(
        f"{reason}. Start the test server with `make pg-test-server` and export "
        f"{POSTGRES_URL_ENV}=$(cat .pg-test-url) (or set {SQLITE_ONLY_ENV}=1 "
        "to skip the PostgreSQL variants in a quick local run).",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[PostgresAdmin]:
    """One admin connection per pytest process (per xdist worker)."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not url:
        _postgres_missing(f"{POSTGRES_URL_ENV} is not set")
    try:
        admin = PostgresAdmin(url)
    except psycopg.OperationalError as exc:
        error = str(exc)
    else:
        yield admin
        admin.close()
        return
    safe = make_url(url).render_as_string(hide_password=True)
    pytest.fail(
        f"cannot connect to the PostgreSQL test server {safe}: {error}\n"
        "Is it running? `make pg-test-server` starts it.",
        pytrace=False,
    )


@pytest.fixture(
    params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgresql", id="postgresql")]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database that belongs to this test alone."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    admin: PostgresAdmin = request.getfixturevalue("postgres_admin")
    url = admin.create_database()
    try:
        yield url
    finally:
        admin.drop_database(url)
