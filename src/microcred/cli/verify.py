"""`microcred verify`: check a credential and explain the result."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from microcred.cli.common import read_json_file, settings
from microcred.cli.output import EXIT_INVALID, EXIT_OK, console, fail_usage, print_json
from microcred.formats.inputs import MAX_INPUT_BYTES
from microcred.verify import (
    TrustList,
    VerificationReport,
    load_trust_list,
    verify_credential,
)
from microcred.verify.presentation import PresentationReport, is_presentation, verify_presentation
from microcred.verify.summary import EMPTY_SUMMARY
from microcred.verify.trust import TrustListError

MARKS = {
    "pass": "[green]✓ pass[/]",
    "fail": "[red]✗ fail[/]",
    "warn": "[yellow]! warn[/]",
    "skip": "[dim]– skip[/]",
}
HEADLINES = {
    "valid": "[bold green]Valid[/]: the credential is authentic, unaltered and in force.",
    "invalid": "[bold red]Not valid[/]: see the failed checks below.",
    "revoked": "[bold red]Revoked[/]: the issuer has withdrawn this credential.",
    "suspended": "[bold yellow]Suspended[/]: the issuer has suspended this credential for now.",
    "expired": "[bold yellow]Expired[/]: the credential is authentic but no longer valid.",
}
VP_HEADLINES = {
    "valid": "[bold green]Valid[/]: presented by its holder, and every credential in it is valid.",
    "invalid": "[bold red]Not valid[/]: see the failed checks below.",
    "revoked": "[bold red]Revoked[/]: a credential in the presentation has been withdrawn.",
    "suspended": "[bold yellow]Suspended[/]: a credential in the presentation is suspended.",
    "expired": "[bold yellow]Expired[/]: a credential in the presentation is no longer valid.",
}


def _read_input(file: str) -> bytes:
    try:
        if file == "-":
            return sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        path = Path(file)
        with path.open("rb") as handle:
            return handle.read(MAX_INPUT_BYTES + 1)  # bounded: a 50 MB file is never read whole
    except FileNotFoundError:
        fail_usage(f"{file}: no such file")
    except IsADirectoryError:
        fail_usage(f"{file}: is a directory, not a credential")
    except OSError as exc:
        fail_usage(f"{file}: cannot read ({exc.strerror})")


def parse_resolve(items: list[str]) -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for item in items:
        url, sep, file = item.partition("=")
        if not sep or not url or not file:
            fail_usage(f"--resolve expects URL=FILE, got '{item}'")
        doc = read_json_file(Path(file), f"the document for {url}")
        if not isinstance(doc, dict):
            fail_usage(f"{file}: the document for {url} must be a JSON object")
        documents[url] = doc
    return documents


def render(report: VerificationReport) -> None:
    console.print(HEADLINES[report.status])
    summary = report.summary
    if summary is not EMPTY_SUMMARY:  # the credential was read as far as its summary
        console.print(
            f"  credential: {summary.title_in() or '-'}  ({summary.id or 'no id'})",
            highlight=False,
        )
        where = f", {summary.issuer_country}" if summary.issuer_country else ""
        console.print(
            f"  issuer:     {summary.issuer_name_in() or '-'}{where}  ({summary.issuer_id})",
            highlight=False,
        )
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    table.add_column("check")
    table.add_column("result")
    table.add_column("what it means")
    for check in report.checks:
        table.add_row(check.id, MARKS[check.status], check.message)
    console.print(table)


def render_presentation(report: PresentationReport) -> None:
    console.print(VP_HEADLINES[report.status])
    console.print(f"  holder:     {report.summary.get('holder') or '-'}", highlight=False)
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    table.add_column("check")
    table.add_column("result")
    table.add_column("what it means")
    for check in report.checks:
        table.add_row(check.id, MARKS[check.status], check.message)
    console.print(table)
    for item in report.credentials:
        console.print(f"\n[bold]{item.name}[/]", highlight=False)
        if item.binding.bound:
            console.print("  [green]issued to the person who presented it[/]", highlight=False)
        else:
            console.print(
                "  [yellow]not shown to belong to the person who presented it[/]: "
                + escape(item.binding.message),
                highlight=False,
            )
        render(item.report)


def _local_instance(config: Any) -> Any:
    """This instance's store, when there is one: its organisations' DID documents and
    status lists are then checked locally, and its organisations are trusted."""
    from microcred.services.instance import Instance

    url = config.database_url
    if url.startswith("sqlite") and not Path(url.split("///", 1)[-1]).is_file():
        return None
    try:
        instance = Instance(config)
        _ = instance.engine
        return instance
    except Exception:  # noqa: BLE001 - verification works without a store
        return None


def verify(
    file: Annotated[str, typer.Argument(help="Credential file (JSON-LD or JWT), or - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    resolve: Annotated[
        list[str] | None,
        typer.Option(
            "--resolve", help="Use a local file for a remote document: URL=FILE (repeatable)."
        ),
    ] = None,
    trust_list: Annotated[Path | None, typer.Option(help="Trust list file (JSON).")] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host", help="Allow fetching documents over HTTPS from this host (repeatable)."
        ),
    ] = None,
    challenge: Annotated[
        str | None,
        typer.Option(help="Presentations: the challenge (nonce) this verifier asked for."),
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="Presentations: the domain (aud) this verifier asked for.")
    ] = None,
) -> None:
    """Verify a credential or presentation offline and explain each check. Exit 0 if valid, 1 if not, 2 on usage errors."""
    documents = parse_resolve(resolve or [])
    config = settings()
    trust = TrustList.empty()
    path = trust_list or config.trust_list
    if path is not None:
        try:
            trust = load_trust_list(path)
        except TrustListError as exc:
            fail_usage(str(exc))
    raw = _read_input(file)
    from microcred.services.verifying import verifier_context

    context = verifier_context(
        _local_instance(config),
        now=datetime.now(UTC),
        allow_hosts=allow_host or (),
        documents=documents,
        trust=trust,
        settings=config,
    )
    if is_presentation(raw):
        presented = verify_presentation(raw, context, challenge=challenge, domain=domain)
        if as_json:
            print_json(presented.to_json())
        else:
            render_presentation(presented)
        raise typer.Exit(EXIT_OK if presented.valid else EXIT_INVALID)
    if challenge is not None or domain is not None:
        fail_usage("--challenge and --domain apply to presentations; FILE is not a presentation")
    report = verify_credential(raw, context)
    if as_json:
        print_json(report.to_json())
    else:
        render(report)
    raise typer.Exit(EXIT_OK if report.valid else EXIT_INVALID)
