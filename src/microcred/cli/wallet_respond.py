"""`microcred wallet respond`: answer an OpenID4VP request (an employer's) from the wallet."""

from __future__ import annotations

from typing import Annotated

import typer

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, print_json
from microcred.services.wallet import openid4vp_respond


@handles_errors("cannot answer")
def respond(
    link: Annotated[str, typer.Argument(help="The openid4vp:// (or haip-vp://) link.")],
    holder: Annotated[str, typer.Option("--holder", help="Holder handle or id.")],
    credential: Annotated[
        list[str] | None,
        typer.Option("--credential", help="Wallet credential id to present (repeatable)."),
    ] = None,
    disclose: Annotated[
        list[str] | None,
        typer.Option("--disclose", help="Also disclose this claim (repeatable)."),
    ] = None,
    refuse: Annotated[
        bool, typer.Option("--refuse", help="Decline, and tell the verifier.")
    ] = False,
    show: Annotated[
        bool, typer.Option("--show", help="Only show who asks and what; send nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Answer a presentation request: only the claims asked for (and --disclose) are shown."""
    instance = open_instance()
    if show:
        opened = openid4vp_respond.open_request(instance, link)
        if as_json:
            print_json(opened.to_json())
            return
        console.print(
            f"{opened.verifier} ({'verified' if opened.verified else 'NOT verified'}) asks for:",
            highlight=False,
        )
        for query in opened.query.credentials:
            paths = ["/".join(str(p) for p in c.path) for c in query.claims or ()]
            console.print(f"  {query.id} ({query.format}): {', '.join(paths)}", highlight=False)
        return
    result = openid4vp_respond.respond(
        instance, holder, link, credential or [], disclose_more=disclose or [], refuse=refuse
    )
    if as_json:
        print_json(result)
        return
    verdict = "accepted" if result["accepted"] else f"refused ({result['answer']})"
    what = "declined" if refuse else "sent"
    console.print(f"{what} to {result['request']['verifier']}: {verdict}", highlight=False)
    for query_id, items in result["sent"].items():
        for item in items:
            console.print(f"  {query_id}: {', '.join(item['disclosed'])}", highlight=False)
