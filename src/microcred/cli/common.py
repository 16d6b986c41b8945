"""Helpers the CLI commands share: settings, reading JSON files, the instance secret."""

from __future__ import annotations

import functools
import inspect
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from typer.models import OptionInfo

from microcred.cli.output import fail_usage
from microcred.errors import MicrocredError, NotFound
from microcred.services.secrets import SecretKeyError, instance_key
from microcred.settings import Settings, SettingsError, load_settings

MAX_JSON_FILE_BYTES = 5 * 1024 * 1024

P = ParamSpec("P")
R = TypeVar("R")

# Where to look when something named on the command line is not there (keyed by the field).
_LOOKUP_HINTS = {
    "org": "see `microcred org list`",
    "spec": "see `microcred spec list`",
    "pathway": "see `microcred pathway list`",
    "holder": "create one with `microcred holder create`",
}
# A field of the services' errors that a command's option of another name gives.
_FIELD_PARAMS = {"scopes": "scope", "credential_ids": "item", "expires_in_minutes": "minutes"}


def _option_for(func: Callable[..., Any], field: str) -> str | None:
    """The command's own option (``--reason``) for an error's ``field``, if it has one."""
    try:
        parameters = inspect.signature(func, eval_str=True).parameters
    except (NameError, TypeError, ValueError):  # pragma: no cover - an unusual signature
        return None
    parameter = parameters.get(_FIELD_PARAMS.get(field, field))
    if parameter is None:
        return None
    for meta in getattr(parameter.annotation, "__metadata__", ()):
        if isinstance(meta, OptionInfo):
            decls = [d for d in meta.param_decls or () if d.startswith("--")]
            return decls[0] if decls else "--" + parameter.name.replace("_", "-")
    return None


def error_message(exc: MicrocredError, func: Callable[..., Any] | None = None) -> str:
    """A domain error as the CLI says it, with the CLI's own hint: the command's option for
    the field at fault, or where to look for what was not found."""
    message = str(exc)
    if exc.field is None:
        return message
    if isinstance(exc, NotFound) and exc.field in _LOOKUP_HINTS:
        return f"{message}; {_LOOKUP_HINTS[exc.field]}"
    option = _option_for(func, exc.field) if func is not None else None
    if option is not None:
        return f"{message} ({option})"
    if message.startswith(exc.field):
        return message
    return f"{exc.field}: {message}"


def handles_errors(prefix: str = "") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A command whose domain errors (:class:`microcred.errors.MicrocredError`) end it with one
    line on stderr and exit 2 (:func:`fail_usage`), never a traceback: the one place that
    maps them to the CLI's exit code. ``prefix`` goes before the message ("cannot issue")."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def command(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except MicrocredError as exc:
                message = error_message(exc, func)
                fail_usage(f"{prefix}: {message}" if prefix else message)

        return command

    return decorate


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
