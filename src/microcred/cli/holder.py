"""`microcred holder ...`: learners' accounts on this instance."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from microcred.cli.common import handles_errors, write_text
from microcred.cli.instance import open_instance
from microcred.cli.output import console, err_console, fail_usage, print_json
from microcred.services import holders, privacy

holder_app = typer.Typer(help="Learners' accounts on this instance.")

HolderOpt = Annotated[str, typer.Option("--holder", help="Holder handle or id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@holder_app.command("create")
@handles_errors()
def holder_create(
    name: Annotated[str, typer.Option(help="The learner's name.")],
    handle: Annotated[
        str | None, typer.Option(help="Sign-in name (default: from the name).")
    ] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    password_env: Annotated[
        str | None, typer.Option(help="Read the web password from this environment variable.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a holder with their own did:key."""
    password = os.environ.get(password_env) if password_env else None
    if password_env and password is None:
        fail_usage(f"the environment variable {password_env} is not set")
    created = holders.create(
        open_instance(), name=name, handle=handle, email=email, password=password
    )
    if as_json:
        print_json(created.to_json())
    else:
        console.print(f"Created holder {created.handle} ({created.did})", highlight=False)


@holder_app.command("token")
@handles_errors()
def holder_token(
    holder: HolderOpt, name: Annotated[str, typer.Option(help="What the token is for.")] = "api"
) -> None:
    """Create an API token for a holder's wallet (shown once)."""
    token_id, secret = holders.create_token(open_instance(), holder, name)
    print_json({"id": token_id, "token": secret})


@holder_app.command("password")
@handles_errors()
def holder_password(
    holder: HolderOpt,
    password_env: Annotated[
        str, typer.Option(help="Read the new web password from this environment variable.")
    ],
) -> None:
    """Set a holder's web password; every browser signed in as the holder is signed out."""
    password = os.environ.get(password_env)
    if password is None:
        fail_usage(f"the environment variable {password_env} is not set")
    ended = holders.set_password(open_instance(), holder, password)
    console.print(f"Password set; {ended} signed-in session(s) ended.", highlight=False)


@holder_app.command("data")
@handles_errors()
def holder_data(holder: HolderOpt, out: Annotated[Path, typer.Option("--out", "-o")]) -> None:
    """Download everything this instance holds about a holder."""
    data = privacy.personal_data(open_instance(), holder)
    write_text(out, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    err_console.print(f"Wrote {out}")


@holder_app.command("delete")
@handles_errors()
def holder_delete(
    holder: Annotated[str, typer.Argument(help="Holder handle or id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete a holder's account, wallet and shares (issuers' records stay)."""
    if not yes:
        fail_usage("deleting an account cannot be undone: add --yes to confirm")
    counts = privacy.delete_holder(open_instance(), holder)
    if as_json:
        print_json({"deleted": holder, **counts})
    else:
        console.print(
            f"Deleted {holder}: {counts['credentials']} credentials, {counts['shares']} shares",
            highlight=False,
        )
