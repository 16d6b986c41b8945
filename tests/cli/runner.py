"""The CLI run in-process (Typer's CliRunner) in a fresh home, for the CLI tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from microcred.cli.main import app


def cli_in(monkeypatch: pytest.MonkeyPatch, home: Path, **env: str | None) -> Callable[..., Result]:
    """``run(*args)``: microcred with MICROCRED_HOME=``home`` and no MICROCRED_SECRET_KEY;
    each ``NAME=value`` of ``env`` sets MICROCRED_NAME (None removes it)."""
    monkeypatch.setenv("MICROCRED_HOME", str(home))
    monkeypatch.delenv("MICROCRED_SECRET_KEY", raising=False)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(f"MICROCRED_{name}", raising=False)
        else:
            monkeypatch.setenv(f"MICROCRED_{name}", value)
    runner = CliRunner()

    def run(*args: object) -> Result:
        return runner.invoke(app, [str(a) for a in args])

    return run
