"""Helpers the CLI commands share: settings, reading JSON files, the instance secret."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from microcred.cli.output import fail_usage
from microcred.services.secrets import SecretKeyError, instance_key
from microcred.settings import Settings, SettingsError, load_settings

MAX_JSON_FILE_BYTES = 5 * 1024 * 1024


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail_usage(str(exc))


def secret_key(config: Settings) -> bytes:
    try:
        return instance_key(config.secret_key, config.secret_key_file)
    except (SecretKeyError, OSError) as exc:
        fail_usage(f"instance secret: {exc}")


def read_json_file(path: Path, what: str) -> Any:
    """Read a JSON file the user named; any problem is one clear usage error."""
    try:
        size = path.stat().st_size
        if size > MAX_JSON_FILE_BYTES:
            fail_usage(f"{path}: {size / 1_048_576:.1f} MB is too large for {what}")
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail_usage(f"{path}: no such file ({what})")
    except IsADirectoryError:
        fail_usage(f"{path}: is a directory, not {what}")
    except UnicodeDecodeError:
        fail_usage(f"{path}: not UTF-8 text ({what} must be JSON)")
    except json.JSONDecodeError as exc:
        fail_usage(f"{path}: not valid JSON ({what}; line {exc.lineno}: {exc.msg})")
    except RecursionError:
        fail_usage(f"{path}: nested too deeply ({what})")
    except OSError as exc:
        fail_usage(f"{path}: cannot read ({exc.strerror})")


def write_private_file(path: Path, text: str, *, force: bool = False) -> None:
    """Write a file only the owner can read (keys), refusing to overwrite unless forced."""
    if path.exists() and not force:
        fail_usage(f"{path} exists; choose another name or pass --force")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(path, 0o600)
    except OSError as exc:
        fail_usage(f"{path}: cannot write ({exc.strerror})")


def write_text(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail_usage(f"{path}: cannot write ({exc.strerror})")
