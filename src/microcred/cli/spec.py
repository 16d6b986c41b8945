"""`microcred spec ...`: write, validate and inspect specification files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from microcred.cli.common import handles_errors
from microcred.cli.output import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    console,
    err_console,
    fail_usage,
    print_json,
)
from microcred.model.files import SpecFileError, load_data
from microcred.model.validation import Problem, validate_specification

app = typer.Typer(help="Write and check micro-credential specification files (YAML or JSON).")


def template_text() -> str:
    return resources.files("microcred").joinpath("data/spec-template.yaml").read_text("utf-8")


@app.command("new")
def new(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented template with every element of the EU standard."""
    text = template_text()
    if out is None:
        typer.echo(text, nl=False)
        return
    if out.exists() and not force:
        fail_usage(f"{out} exists; choose another name or pass --force to overwrite it")
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail_usage(f"{out}: cannot write ({exc.strerror})")
    err_console.print(f"Wrote {out}. Fill it in, then run: microcred spec validate {out}")


@app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(help="Specification files (.yaml, .yml, .json).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Check files against the EU standard and report every problem with its path.

    Exit 0 when all files are valid, 1 when any is not, 2 when a file cannot be read.
    """
    results: list[dict[str, object]] = []
    usage_errors: list[str] = []
    for path in files:
        try:
            data = load_data(path)
        except SpecFileError as exc:
            usage_errors.append(str(exc))
            results.append(
                {
                    "file": str(path),
                    "valid": False,
                    "errors": [{"path": "(file)", "message": str(exc)}],
                }
            )
            continue
        problems = validate_specification(data)
        results.append(
            {"file": str(path), "valid": not problems, "errors": [p.to_dict() for p in problems]}
        )
    if as_json:
        print_json(results)
    else:
        for result, path in zip(results, files, strict=True):
            _print_result(path, result)
    if usage_errors:
        if not as_json:
            for line in usage_errors:
                err_console.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_OK if all(r["valid"] for r in results) else EXIT_INVALID)


def _print_result(path: Path, result: dict[str, object]) -> None:
    errors = result["errors"]
    assert isinstance(errors, list)
    if result["valid"]:
        console.print(f"[green]✓[/] {path}: valid", highlight=False)
        return
    if errors and errors[0]["path"] == "(file)":
        return  # reported once on stderr as a usage error
    console.print(f"[red]✗[/] {path}: {len(errors)} problem(s)", highlight=False)
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    table.add_column("element")
    table.add_column("problem and fix")
    for error in errors:
        table.add_row(error["path"], error["message"])
    console.print(table)


__all__ = ["Problem", "app"]


@app.command("publish")
@handles_errors()
def publish(
    file: Annotated[Path, typer.Argument(help="Specification file (YAML or JSON).")],
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the stored version as JSON.")
    ] = False,
) -> None:
    """Store a validated specification as a new version for an organisation."""
    from microcred.cli.instance import open_instance
    from microcred.model.validation import SpecificationError
    from microcred.services import specifications

    try:
        data = load_data(file)
    except SpecFileError as exc:
        fail_usage(str(exc))
    try:
        stored = specifications.publish(open_instance(), org, data)
    except SpecificationError as exc:
        for problem in exc.problems:
            err_console.print(f"[red]✗[/] {problem.path}: {problem.message}", highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    if as_json:
        print_json(stored.to_json())
    else:
        state = "published" if stored.created else "unchanged, already published"
        console.print(
            f"{stored.title}: version {stored.version} {state} (id {stored.id})", highlight=False
        )


@app.command("list")
@handles_errors()
def list_specs(
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List an organisation's specifications and their versions."""
    from microcred.cli.instance import open_instance
    from microcred.services import specifications

    items = specifications.list_for(open_instance(), org)
    if as_json:
        print_json([s.to_json() for s in items])
        return
    table = Table("id", "version", "title", "spec_key", box=None)
    for s in items:
        table.add_row(s.id, str(s.version), s.title, s.spec_key)
    console.print(table)
