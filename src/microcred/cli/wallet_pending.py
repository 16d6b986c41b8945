"""`microcred wallet pending` and `microcred wallet collect`: the credentials an issuer gives
later (OpenID4VCI deferred issuance), listed and asked for again."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, print_json
from microcred.services.wallet import openid4vci_receive
from microcred.services.wallet.openid4vci_receive import Collected, PendingView

HolderOpt = Annotated[str, typer.Option("--holder", help="Holder handle or id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
MAX_WAIT = 3600


def pending_line(view: PendingView) -> str:
    after = view.next_check_at.isoformat(timespec="seconds") if view.next_check_at else "now"
    line = (
        f"{view.title}: pending at {view.credential_issuer} (id {view.id}; ask again after {after})"
    )
    return f"{line}; last try: {view.last_error}" if view.last_error else line


@handles_errors()
def pending(holder: HolderOpt, as_json: JsonOpt = False) -> None:
    """The credentials the issuers will give later (deferred issuance)."""
    views = openid4vci_receive.list_pending(open_instance(), holder)
    if as_json:
        print_json({"pending": [v.to_json() for v in views]})
        return
    if not views:
        console.print("Nothing pending.")
    for view in views:
        console.print(pending_line(view), highlight=False)


def _json(done: Collected) -> dict[str, Any]:
    return {
        "id": done.id,
        "title": done.title,
        "outcome": done.outcome,
        "credentials": [
            {**item.to_json(), "created": created, "report": item.report}
            for item, created in done.kept
        ],
        "pending": done.pending.to_json() if done.pending else None,
        "message": done.message,
    }


@handles_errors("cannot collect")
def collect(
    holder: HolderOpt,
    pending_id: Annotated[
        str | None, typer.Argument(help="The pending credential's id (all of them without).")
    ] = None,
    wait: Annotated[
        int,
        typer.Option(
            "--wait",
            help="Keep asking, at the issuer's interval, for up to this many seconds.",
            min=0,
            max=MAX_WAIT,
        ),
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Ask the issuers again for deferred credentials, each no sooner than its interval; keep those given."""
    instance = open_instance()
    deadline = time.monotonic() + wait
    results: dict[str, Collected] = {}
    while True:
        for done in openid4vci_receive.collect(instance, holder, pending_id):
            if done.outcome != "waiting" or done.id not in results:
                results[done.id] = done
        waiting = [d for d in results.values() if d.outcome in ("pending", "waiting")]
        if not waiting or time.monotonic() >= deadline:
            break
        next_at = min(
            d.pending.next_check_at for d in waiting if d.pending and d.pending.next_check_at
        )
        pause = (next_at - instance.now()).total_seconds() if next_at else 1.0
        time.sleep(min(max(pause, 0.2), max(deadline - time.monotonic(), 0.0)))
    if as_json:
        print_json({"collected": [_json(d) for d in results.values()]})
        return
    if not results:
        console.print("Nothing pending.")
    for done in results.values():
        if done.outcome == "received":
            for item, _created in done.kept:
                console.print(
                    f"{item.title}: received, status [bold]{item.status}[/] (id {item.id})",
                    highlight=False,
                )
        elif done.pending is not None and done.outcome != "failed":
            console.print(pending_line(done.pending), highlight=False)
        else:
            console.print(f"{done.title}: {done.message}", highlight=False)
