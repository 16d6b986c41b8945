"""`microcred status token ...`: an organisation's IETF Token Status List token."""

from __future__ import annotations

import base64
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, fail_usage, print_json
from microcred.formats.token_status_list import (
    INVALID,
    SUSPENDED,
    TokenStatusListError,
    get_status,
    read_token_claims,
    statuses,
)
from microcred.services import status_lists, token_status

status_app = typer.Typer(help="The instance's status lists as IETF Token Status List tokens.")


def _claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return claims


def _when(seconds: float | None) -> str | None:
    return datetime.fromtimestamp(seconds, UTC).isoformat() if seconds is not None else None


@status_app.command("token")
@handles_errors("cannot show the status list token")
def token(
    list_id: Annotated[int, typer.Argument(help="The status list's number (in its URL).", min=1)],
    org: Annotated[str, typer.Option("--org", help="Organisation slug.")],
    index: Annotated[
        int | None, typer.Option("--index", help="Also show the status at this index.", min=0)
    ] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Print only the signed token.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The signed statuslist+jwt of a status list (as served at its URL), decoded."""
    instance = open_instance()
    signed = token_status.published_token(instance, org, list_id)
    if raw:
        sys.stdout.write(signed + "\n")
        return
    try:
        claims = read_token_claims(_claims(signed))
        raw_list = claims.list_bytes()
        at = get_status(raw_list, index, claims.bits) if index is not None else None
    except TokenStatusListError as exc:
        fail_usage(f"--index: {exc}" if exc.field == "idx" else str(exc))
    counts = Counter(statuses(raw_list, claims.bits))
    summary: dict[str, Any] = {
        "uri": status_lists.token_status_url(instance, org, list_id),
        "iat": _when(claims.iat),
        "exp": _when(claims.exp),
        "ttl": claims.ttl,
        "bits": claims.bits,
        "entries": len(raw_list) * 8 // claims.bits,
        "revoked": counts[INVALID],
        "suspended": counts[SUSPENDED],
    }
    if index is not None:
        summary["index"], summary["status"] = index, at
    if as_json:
        print_json({**summary, "token": signed})
        return
    for key, value in summary.items():
        console.print(f"  {key:<10} {value}", highlight=False)
