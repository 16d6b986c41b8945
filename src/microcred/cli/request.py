"""`microcred request ...`: an employer asks a wallet for credentials (OpenID4VP 1.0, DCQL)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, fail_usage, print_json
from microcred.services import presentation_requests

request_app = typer.Typer(
    help="Ask any OpenID4VP wallet for credentials (a DCQL query) and see the answer."
)

MAX_DCQL_FILE = 64 * 1024


def _read_dcql(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_DCQL_FILE:
            fail_usage(f"--dcql {path}: larger than {MAX_DCQL_FILE} bytes")
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail_usage(f"--dcql {path}: cannot be read ({exc.strerror})")
    except ValueError as exc:
        fail_usage(f"--dcql {path}: not JSON ({exc})")


@request_app.command("create")
@handles_errors()
def request_create(
    org: Annotated[str, typer.Option(help="Organisation slug or id (the verifier).")],
    dcql: Annotated[Path, typer.Option(help="A JSON file with the DCQL query.")],
    response_mode: Annotated[
        str, typer.Option(help="direct_post.jwt (encrypted, HAIP) or direct_post.")
    ] = "direct_post.jwt",
    client_id_prefix: Annotated[
        str, typer.Option(help="x509_hash (HAIP), x509_san_dns or redirect_uri.")
    ] = "x509_hash",
    minutes: Annotated[int, typer.Option(help="How long the wallet may answer.")] = 10,
    keep_days: Annotated[int, typer.Option(help="Days the answer is kept, then deleted.")] = 7,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a presentation request; print its openid4vp:// link and request_uri."""
    created = presentation_requests.create(
        open_instance(),
        org,
        _read_dcql(dcql),
        response_mode=response_mode,  # type: ignore[arg-type]
        client_id_prefix=client_id_prefix,  # type: ignore[arg-type]
        lifetime=timedelta(minutes=minutes),
        keep=timedelta(days=keep_days),
    )
    if as_json:
        print_json(created.to_json())
        return
    console.print(
        f"Presentation request {created.id} (answer before {created.expires_at:%H:%M} UTC)\n"
        f"  wallet link: {created.link}\n  HAIP link:   {created.haip_link}\n"
        f"  request_uri: {created.request_uri}\n"
        f"See the answer: microcred request show {created.id}",
        highlight=False,
        soft_wrap=True,
    )


@request_app.command("show")
@handles_errors()
def request_show(
    request_id: Annotated[str, typer.Argument(help="The request's id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a request's state and, once answered, each credential's report and claims."""
    view = presentation_requests.get(open_instance(), None, request_id)
    if as_json:
        print_json(view.to_json())
        return
    console.print(f"Request {view.id} of {view.org}: {view.status}", highlight=False)
    result = view.result or {}
    if "error" in result:
        console.print(f"  the wallet refused: {result['error']}", highlight=False)
    for entry in result.get("credentials", []):
        title = (entry.get("summary") or {}).get("title") or entry.get("format")
        console.print(f"  {entry.get('query')}: {title}: {entry.get('status')}", highlight=False)
        for name, value in (entry.get("claims") or {}).items():
            if entry.get("format") == "dc+sd-jwt":
                console.print(
                    f"    {name}: {json.dumps(value, ensure_ascii=False)}", highlight=False
                )
    for problem in result.get("problems", []):
        console.print(f"  problem: {problem}", highlight=False)
