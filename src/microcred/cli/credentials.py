"""`microcred revoke`, `suspend`, `unsuspend`, `audit`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, print_json
from microcred.services import credentials


@handles_errors()
def revoke(
    credential_id: Annotated[str, typer.Argument(help="The credential's id (urn:uuid:...).")],
    reason: Annotated[str, typer.Option(help="Why it is revoked (kept in the audit log).")],
    org: Annotated[str | None, typer.Option(help="Only if issued by this organisation.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Revoke a credential for good (Bitstring Status List, purpose revocation)."""
    result = credentials.revoke(open_instance(), credential_id, reason=reason, org_ref=org)
    _done(result, "revoked", as_json)


@handles_errors()
def suspend(
    credential_id: Annotated[str, typer.Argument(help="The credential's id.")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
    org: Annotated[str | None, typer.Option(help="Only if issued by this organisation.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Suspend a credential (it can be unsuspended)."""
    result = credentials.set_suspended(
        open_instance(), credential_id, True, reason=reason, org_ref=org
    )
    _done(result, "suspended", as_json)


@handles_errors()
def unsuspend(
    credential_id: Annotated[str, typer.Argument(help="The credential's id.")],
    org: Annotated[str | None, typer.Option(help="Only if issued by this organisation.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Lift a suspension."""
    result = credentials.set_suspended(open_instance(), credential_id, False, org_ref=org)
    _done(result, "active again", as_json)


def _done(result: credentials.IssuedView, what: str, as_json: bool) -> None:
    if as_json:
        print_json(result.to_json(with_document=False))
    else:
        console.print(f"{result.id}: {what}", highlight=False)


@handles_errors()
def audit(
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    limit: Annotated[int, typer.Option(help="How many entries, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the audit log of an organisation (issuance, revocation, suspension, tokens)."""
    from microcred.services import audit as audit_service

    instance = open_instance()
    entries = audit_service.entries(instance, org, limit)
    if as_json:
        print_json([e.to_json() for e in entries])
        return
    table = Table("when", "who", "action", "subject", box=None)
    for e in entries:
        table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action, e.subject or "")
    console.print(table)
