"""The `microcred` command line."""

from __future__ import annotations

from importlib.metadata import version as _installed_version
from typing import Annotated

import typer

from microcred.cli import (
    certificates,
    contexts,
    convert,
    credentials,
    demo,
    holder,
    issue,
    jobs,
    keys,
    member,
    offer,
    org,
    request,
    serve,
    spec,
    stacking,
    status,
    token,
    verify,
    wallet,
    wallet_pending,
    wallet_respond,
)

app = typer.Typer(
    name="microcred",
    help=(
        "European micro-credentials: define them to the EU standard, issue them as signed "
        "Open Badges 3.0 credentials, keep them in a wallet and verify them anywhere."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(spec.app, name="spec")
app.add_typer(keys.app, name="keys")
app.add_typer(contexts.app, name="contexts")
app.add_typer(org.app, name="org")
org.app.add_typer(certificates.app, name="certificate")
app.add_typer(holder.holder_app, name="holder")
wallet.app.command("respond")(wallet_respond.respond)
wallet.app.command("pending")(wallet_pending.pending)
wallet.app.command("collect")(wallet_pending.collect)
app.add_typer(wallet.app, name="wallet")
app.add_typer(stacking.pathway_app, name="pathway")
app.add_typer(stacking.recognition_app, name="recognition")
app.command("issue")(issue.issue)
app.command("issue-bulk")(jobs.issue_bulk)
app.command("revoke")(credentials.revoke)
app.command("suspend")(credentials.suspend)
app.command("unsuspend")(credentials.unsuspend)
app.command("audit")(credentials.audit)
app.command("export")(convert.export)
app.command("convert")(convert.convert)
app.command("validate-elm")(convert.validate_elm)
app.command("verify")(verify.verify)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.add_typer(offer.app, name="offer")
app.add_typer(token.token_app, name="token")
app.add_typer(status.status_app, name="status")
app.add_typer(member.member_app, name="member")
app.command("worker")(jobs.worker)
app.add_typer(jobs.app, name="jobs")
app.add_typer(request.request_app, name="request")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"microcred {_installed_version('microcred')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """microcred command line."""


if __name__ == "__main__":
    app()
