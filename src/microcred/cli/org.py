"""`microcred org ...`: issuing organisations on this instance."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, print_json
from microcred.services import organisations

app = typer.Typer(help="Issuing organisations: each with its own keys, did:web and did:key.")


@app.command("create")
@handles_errors()
def create(
    name: Annotated[str, typer.Option(help="The organisation's name.")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country code, e.g. LV.")],
    url: Annotated[str | None, typer.Option(help="Web address.")] = None,
    slug: Annotated[
        str | None, typer.Option(help="Short name used in URLs (default: from the name).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the created organisation as JSON.")
    ] = False,
) -> None:
    """Create an issuing organisation with a new Ed25519 key (encrypted at rest)."""
    instance = open_instance()
    org = organisations.create(instance, name=name, country=country, url=url, slug=slug)
    if as_json:
        print_json(org.to_json())
    else:
        console.print(
            f"Created [bold]{org.name}[/] ({org.slug})\n  did:web  {org.did}\n  did:key  {org.did_key}",
            highlight=False,
        )


@app.command("list")
def list_orgs(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the organisations on this instance."""
    orgs = organisations.list_all(open_instance())
    if as_json:
        print_json([o.to_json() for o in orgs])
        return
    table = Table("slug", "name", "country", "did", box=None)
    for o in orgs:
        table.add_row(o.slug, o.name, o.country, o.did)
    console.print(table)


@app.command("did")
@handles_errors()
def did(org: Annotated[str, typer.Argument(help="Organisation slug or id.")]) -> None:
    """Print the organisation's did:web document (public keys only)."""
    document = organisations.did_document(open_instance(), org)
    typer.echo(json.dumps(document, indent=2))
