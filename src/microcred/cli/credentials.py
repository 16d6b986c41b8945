"""`microcred revoke`, `suspend`, `unsuspend`, `audit`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from microcred import i18n
from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, fail_usage, print_json
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
    as_json: Annotated[bool, typer.Option("--json", help="The raw entries as JSON.")] = False,
    lang: Annotated[
        str, typer.Option(help="Language of the sentences (any language with a catalogue).")
    ] = i18n.DEFAULT_LANGUAGE,
) -> None:
    """Show the audit log of an organisation in plain sentences (issuance, revocation,
    suspension, tokens, members), newest first."""
    from microcred.services import audit as audit_service
    from microcred.services import audit_log

    if lang not in i18n.languages():
        fail_usage(f"--lang: one of {', '.join(i18n.languages())}")
    instance = open_instance()
    if as_json:
        print_json([e.to_json() for e in audit_service.entries(instance, org, limit)])
        return
    t = i18n.translator(lang)
    found = audit_log.search(instance, org, audit_log.AuditFilter(), size=max(1, limit))
    table = Table(t.gettext("When"), t.gettext("What happened"), box=None)
    for line in found.items:
        table.add_row(line.at.strftime("%Y-%m-%d %H:%M:%S"), line.sentence(t))
    console.print(table)
