"""`microcred serve` (the REST API with uvicorn) and `microcred token ...` (API tokens)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from microcred.cli.common import settings
from microcred.cli.instance import open_instance
from microcred.cli.output import console, fail_usage, print_json
from microcred.services import tokens
from microcred.services.organisations import OrganisationError


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Run the REST API (OpenAPI at /docs) over this instance's database."""
    import uvicorn

    from microcred.api.log_redaction import log_config

    config = settings()
    open_instance().close()  # a database or secret that cannot be used is a usage error now
    console.print(
        f"microcred API on http://{host}:{port}  (docs: http://{host}:{port}/docs; "
        f"public base URL {config.base_url})",
        highlight=False,
    )
    if workers > 1 or reload:
        # Several processes (or reloading) need an import string: each builds its own app.
        uvicorn.run(
            "microcred.api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers if not reload else None,
            reload=reload,
            log_config=log_config(),  # no secret in any log line (share tokens, queries, headers)
        )
        return
    from microcred.api import create_app

    uvicorn.run(create_app(config), host=host, port=port, log_config=log_config())


token_app = typer.Typer(help="API tokens of an organisation (the secret is shown once).")


@token_app.command("create")
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
    try:
        view, secret = tokens.create(open_instance(), org, name, scope)
    except OrganisationError as exc:
        fail_usage(f"{exc.field}: {exc}" if exc.field else str(exc))
    if as_json:
        print_json({"token": view.to_json(), "secret": secret})
        return
    console.print(
        f"Token [bold]{view.name}[/] ({view.id}) for {view.org}, scopes {', '.join(view.scopes)}\n"
        f"  {secret}\nKeep it now: it is not shown again.",
        highlight=False,
    )


@token_app.command("list")
def token_list(
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List an organisation's tokens (never their secrets)."""
    try:
        views = tokens.list_for(open_instance(), org)
    except OrganisationError as exc:
        fail_usage(str(exc))
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
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `token list`).")],
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
) -> None:
    """Revoke a token: it stops working at once."""
    try:
        view = tokens.revoke(open_instance(), org, token_id)
    except OrganisationError as exc:
        fail_usage(str(exc))
    console.print(f"{view.id}: revoked", highlight=False)
