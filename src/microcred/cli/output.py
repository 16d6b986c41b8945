"""Shared CLI helpers: consoles, JSON output and the exit codes every command uses."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_UNCHECKED = 3  # `microcred verify`: authentic, but its status could not be checked

console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def fail_usage(message: str) -> NoReturn:
    """One clear line on stderr and exit 2: never a traceback."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)
