"""`microcred contexts ...`: the bundled JSON-LD contexts, for configuring other verifiers offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from microcred.cli.output import console, fail_usage
from microcred.jsonld.contexts import (
    BUNDLED_CONTEXT_URLS,
    ContextFileError,
    export_contexts,
    is_known_context,
    parse_context_assignments,
    read_context_file,
)

app = typer.Typer(help="The JSON-LD contexts bundled with microcred (nothing is ever fetched).")


@app.command("list")
def list_contexts() -> None:
    """List the bundled context URLs."""
    for url in sorted(BUNDLED_CONTEXT_URLS):
        typer.echo(url)


@app.command("export")
def export(directory: Annotated[Path, typer.Argument(help="Folder to write into.")]) -> None:
    """Write every bundled context as a file plus index.json (context URL to file name)."""
    try:
        export_contexts(directory)
    except OSError as exc:
        fail_usage(f"{directory}: cannot write ({exc.strerror})")
    console.print(f"Wrote {len(BUNDLED_CONTEXT_URLS)} contexts and index.json to {directory}")


@app.command("check")
def check(
    assignment: Annotated[
        list[str], typer.Argument(help="URL=FILE: the context URL and the file that holds it.")
    ],
) -> None:
    """Check that each FILE is a JSON-LD context usable for URL (as verify --context and
    MICROCRED_EXTRA_CONTEXTS take it); nothing is fetched."""
    try:
        pairs = parse_context_assignments(assignment)
        for url, path in pairs:
            read_context_file(url, path)
            note = (
                " (bundled: the file must have the same content)" if is_known_context(url) else ""
            )
            typer.echo(f"{url}: {path} is a JSON-LD context{note}")
    except ContextFileError as exc:
        fail_usage(str(exc))
