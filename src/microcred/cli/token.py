"""`microcred token ...`: an organisation's API tokens (the secret is shown once)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, print_json
from microcred.services import tokens

token_app = typer.Typer(help="API tokens of an organisation (the secret is shown once).")


@token_app.command("create")
@handles_errors()
def token_create(
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    name: Annotated[str, typer.Option(help="What the token is for.")],
    scope: Annotated[
        list[str],
        typer.Option("--scope", help="issue, revoke, read or admin (repeatable)."),
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a token; its secret is printed this once (only its hash is stored)."""
    view, secret = tokens.create(open_instance(), org, name, scope)
    if as_json:
        print_json({"token": view.to_json(), "secret": secret})
        return
    console.print(
        f"Token [bold]{view.name}[/] ({view.id}) for {view.org}, scopes {', '.join(view.scopes)}\n"
        f"  {secret}\nKeep it now: it is not shown again.",
        highlight=False,
    )


@token_app.command("list")
@handles_errors()
def token_list(
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List an organisation's tokens (never their secrets)."""
    views = tokens.list_for(open_instance(), org)
    if as_json:
        print_json([v.to_json() for v in views])
        return
    table = Table("id", "name", "scopes", "created", "last used", "revoked", box=None)
    for v in views:
        table.add_row(
            v.id,
            v.name,
            ",".join(v.scopes),
            v.created_at.strftime("%Y-%m-%d %H:%M"),
            v.last_used_at.strftime("%Y-%m-%d %H:%M") if v.last_used_at else "-",
            v.revoked_at.strftime("%Y-%m-%d %H:%M") if v.revoked_at else "-",
        )
    console.print(table)


@token_app.command("revoke")
@handles_errors()
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `token list`).")],
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
) -> None:
    """Revoke a token: it stops working at once."""
    view = tokens.revoke(open_instance(), org, token_id)
    console.print(f"{view.id}: revoked", highlight=False)
