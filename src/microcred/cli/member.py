"""`microcred member ...`: the people who sign in to an organisation's console or the
authority desk (e-mail address, password, role)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, print_json
from microcred.services import member_mail, members, organisations

member_app = typer.Typer(
    help="People of an organisation who sign in with e-mail and password, in one role each."
)
ROLE_HELP = "administrator, issuer, revoker, viewer or recognition_officer."


@member_app.command("add")
@handles_errors()
def member_add(
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    email: Annotated[str, typer.Option(help="The member's e-mail address (they sign in with it).")],
    role: Annotated[str, typer.Option(help=ROLE_HELP)],
    name: Annotated[str, typer.Option(help="The member's name.")] = "",
    lang: Annotated[str, typer.Option(help="Language of the e-mail (en, lv).")] = "en",
    send: Annotated[
        bool, typer.Option("--send", help="Also e-mail the invitation (or write it to the outbox).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Invite a member: prints a one-time link where they choose their password."""
    invited = member_mail.invite(
        open_instance(), org, email, role, name=name, lang=lang, send=send, inviter=""
    )
    via = invited.sent.via if invited.sent else ("failed" if send else None)
    if as_json:
        print_json({"member": invited.member.to_json(), "link": invited.link, "mail": via})
        return
    view = invited.member
    console.print(
        f"Member [bold]{view.email}[/] of {view.org_slug}, role {view.role}\n"
        f"  Set-password link (works once, for {members.INVITATION_DAYS} days):\n  {invited.link}",
        highlight=False,
        soft_wrap=True,
    )
    if invited.sent is not None and invited.sent.via == "outbox":
        console.print(
            f"  No SMTP server set up: the mail is in {invited.sent.path}", highlight=False
        )
    elif invited.sent is not None:
        console.print(f"  Invitation e-mailed to {view.email}", highlight=False, soft_wrap=True)
    elif send:
        console.print(
            f"  The mail was not sent: {invited.problem}", highlight=False, soft_wrap=True
        )


@member_app.command("list")
@handles_errors()
def member_list(
    org: Annotated[
        str | None, typer.Option(help="Organisation slug or id (all when left out).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List members (never their passwords)."""
    instance = open_instance()
    refs = [org] if org else [o.slug for o in organisations.list_all(instance)]
    views = [m for ref in refs for m in members.list_for(instance, ref)]
    if as_json:
        print_json([v.to_json() for v in views])
        return
    table = Table("org", "e-mail", "name", "role", "state", "id", box=None)
    for v in views:
        table.add_row(v.org_slug, v.email, v.name, v.role, v.to_json()["state"], v.id)
    console.print(table)


@member_app.command("role")
@handles_errors()
def member_role(
    member_id: Annotated[str, typer.Argument(help="The member's id (from `member list`).")],
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    role: Annotated[str, typer.Option(help=ROLE_HELP)],
) -> None:
    """Change a member's role."""
    view = members.change_role(open_instance(), org, member_id, role)
    console.print(f"{view.email}: {view.role}", highlight=False, soft_wrap=True)


@member_app.command("disable")
@handles_errors()
def member_disable(
    member_id: Annotated[str, typer.Argument(help="The member's id (from `member list`).")],
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the member again.")] = False,
) -> None:
    """Disable a member (signed out at once), or enable them again with --enable."""
    view = members.set_disabled(open_instance(), org, member_id, not enable)
    console.print(
        f"{view.email}: {'enabled' if enable else 'disabled'}", highlight=False, soft_wrap=True
    )
