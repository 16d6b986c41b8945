"""Finding 13: the instance home and the SQLite database are the owner's alone.

A fresh instance, however it is first created (a CLI command, the demo, the server), has its
home 0700 and its database file 0600, and SQLite's ``-wal`` and ``-shm`` files (which hold
the same rows) 0600 too, under the usual umask 022 that would otherwise leave them 0755/0644.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from microcred.services import organisations
from microcred.services.instance import Instance
from microcred.settings import Settings

MICROCRED = Path(sys.executable).with_name("microcred")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run(*args: str, home: Path | None = None, env: dict[str, str] | None = None) -> str:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}
    if home is not None:
        full_env["MICROCRED_HOME"] = str(home)
    full_env.update(env or {})
    result = subprocess.run(
        [str(MICROCRED), *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask: files 0644, folders 0755
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _assert_private(home: Path, db: Path) -> None:
    assert _mode(home) == 0o700, f"{home} is {_mode(home):o}"
    assert _mode(db) == 0o600, f"{db} is {_mode(db):o}"
    for extra in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if extra.exists():
            assert _mode(extra) == 0o600, f"{extra} is {_mode(extra):o}"
    key = home / "secret.key"
    if key.exists():
        assert _mode(key) == 0o600


def test_a_cli_command_creates_a_private_home_and_database(tmp_path):
    home = tmp_path / "fresh" / "home"
    out = _run("org", "create", "--name", "Rīgas koledža", "--country", "LV", "--json", home=home)
    assert json.loads(out)["slug"]
    assert (home / "secret.key").exists()
    _assert_private(home, home / "microcred.db")
    # the folder above the home is the user's own: left as it was
    assert _mode(tmp_path / "fresh") == 0o755


def test_the_demo_creates_a_private_home_and_database(tmp_path):
    home = tmp_path / "demo"
    _run("demo", "--home", str(home), "--no-serve", "--json")
    _assert_private(home, home / "microcred.db")


def test_a_database_elsewhere_is_private_and_its_wal_and_shm_too(tmp_path):
    home, db = tmp_path / "home", tmp_path / "data" / "store.db"
    settings = Settings(home=home, database_url=f"sqlite:///{db}", base_url="http://testserver")
    with _umask(0o022):
        instance = Instance(settings)
        try:
            _ = instance.secret  # the key file, in the home
            organisations.create(instance, name="Tallinn Training Centre", country="EE")
            wal, shm = db.with_name("store.db-wal"), db.with_name("store.db-shm")
            assert wal.exists() and shm.exists()  # open now, as long as the engine is
            assert (_mode(wal), _mode(shm)) == (0o600, 0o600)
            assert _mode(db) == 0o600
            assert _mode(db.parent) == 0o700
            assert _mode(home) == 0o700
        finally:
            instance.close()


@pytest.mark.parametrize("mode", [0o755, 0o750])
def test_an_existing_home_is_the_users_choice(tmp_path, mode):
    """A folder the user made (and chose the mode of) is not changed; new files are private."""
    home = tmp_path / "mine"
    home.mkdir()
    home.chmod(mode)
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'm.db'}")
    with _umask(0o022):
        instance = Instance(settings)
        try:
            _ = instance.engine
            _ = instance.secret
        finally:
            instance.close()
    assert _mode(home) == mode
    assert _mode(home / "m.db") == 0o600
    assert _mode(home / "secret.key") == 0o600
