"""`microcred wallet ...`: the learner's wallet (their account is `microcred holder`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from microcred.cli.common import handles_errors, read_json_file, write_text
from microcred.cli.instance import open_instance
from microcred.cli.output import console, err_console, fail_usage, print_json
from microcred.cli.wallet_pending import pending_line
from microcred.services import holders, sharing, wallet
from microcred.services.wallet import openid4vci_receive

app = typer.Typer(help="The learner's wallet: import, keep, verify, share and export credentials.")

HolderOpt = Annotated[str, typer.Option("--holder", help="Holder handle or id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("import")
@handles_errors()
def import_(
    source: Annotated[
        str, typer.Argument(help="A file, an https:// URL, or - for standard input.")
    ],
    holder: HolderOpt,
    as_json: JsonOpt = False,
) -> None:
    """Import a credential (OB 3.0, VC 1.1/2.0, VC-JWT, OB 2.0, baked PNG/SVG badge, Europass ELM); it is verified and kept."""
    instance = open_instance()
    if source == "-":
        raw, name, origin = sys.stdin.buffer.read(wallet.MAX_DOWNLOAD_BYTES + 1), None, "paste"
    elif source.startswith(("https://", "http://")):
        raw, name, origin = wallet.fetch_url(instance, source), source, "url"
    else:
        path = Path(source)
        if not path.is_file():
            fail_usage(f"{source}: no such file")
        if path.stat().st_size > wallet.MAX_DOWNLOAD_BYTES:
            fail_usage(f"{source}: larger than {wallet.MAX_DOWNLOAD_BYTES // 1_048_576} MB")
        raw, name, origin = path.read_bytes(), path.name, None
    item, created = wallet.import_bytes(instance, holder, raw, filename=name, source=origin)
    if as_json:
        print_json({**item.to_json(), "created": created})
    else:
        state = "imported" if created else "already in the wallet"
        console.print(
            f"{item.title}: {state}, status [bold]{item.status}[/] (id {item.id})", highlight=False
        )


@app.command("receive")
@handles_errors("cannot receive")
def receive(
    offer: Annotated[
        str,
        typer.Argument(
            help="The credential offer: an openid-credential-offer:// link (by value or with "
            "credential_offer_uri), its JSON, or - for standard input."
        ),
    ],
    holder: HolderOpt,
    tx_code: Annotated[
        str | None, typer.Option("--tx-code", help="The PIN the issuer sent (transaction code).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Receive credentials from an issuer over OpenID4VCI (pre-authorized code, DPoP, proof of possession); each is verified and kept."""
    text = sys.stdin.read(64 * 1024) if offer == "-" else offer
    try:
        kept = openid4vci_receive.receive(open_instance(), holder, text, tx_code=tx_code)
    except openid4vci_receive.ReceiveError as exc:
        if as_json:
            print_json(
                {"error": {"step": exc.step, "oauth_error": exc.oauth_error, "message": str(exc)}}
            )
        raise
    if as_json:
        print_json(
            {
                "credentials": [
                    {**item.to_json(), "created": created, "report": item.report}
                    for item, created in kept
                ],
                "pending": [view.to_json() for view in kept.pending],
            }
        )
        return
    for item, created in kept:
        state = "received" if created else "already in the wallet"
        console.print(
            f"{item.title}: {state}, status [bold]{item.status}[/] (id {item.id})", highlight=False
        )
    for view in kept.pending:  # deferred: `microcred wallet collect` asks again
        console.print(pending_line(view), highlight=False)


@app.command("list")
@handles_errors()
def list_(
    holder: HolderOpt,
    issuer: Annotated[str | None, typer.Option(help="Filter: issuer name or id contains.")] = None,
    skill: Annotated[str | None, typer.Option(help="Filter: ESCO skill URI contains.")] = None,
    eqf: Annotated[int | None, typer.Option(help="Filter: EQF level.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Filter: issued on or after (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Filter: issued on or before (YYYY-MM-DD).")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="Filter: valid, invalid, revoked, suspended, expired.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The portfolio, with totals (ECTS and hours of the valid credentials)."""
    try:
        items = wallet.list_items(
            open_instance(),
            holder,
            issuer=issuer,
            skill=skill,
            eqf_level=eqf,
            date_from=date.fromisoformat(since) if since else None,
            date_to=date.fromisoformat(until) if until else None,
            status=status,
        )
    except ValueError as exc:
        fail_usage(f"dates are YYYY-MM-DD ({exc})")
    totals = wallet.totals(items)
    if as_json:
        print_json(
            {
                "credentials": [i.to_json() for i in items],
                "totals": totals,
                "timeline": wallet.timeline(items),
            }
        )
        return
    table = Table("id", "title", "issuer", "issued", "ECTS", "EQF", "status", box=None)
    for i in items:
        table.add_row(
            i.id[:8],
            i.title,
            i.issuer_name or "",
            i.issued_on.date().isoformat() if i.issued_on else "",
            i.ects or "",
            str(i.eqf_level or ""),
            i.status,
        )
    console.print(table)
    console.print(
        f"{totals['count']} credentials, {totals['valid']} valid: {totals['ects']:g} ECTS, {totals['hours']:g} hours",
        highlight=False,
    )


def _full_id(instance: Any, holder: str, short: str) -> str:
    if len(short) >= 36:
        return short
    matches = [i.id for i in wallet.list_items(instance, holder) if i.id.startswith(short)]
    if len(matches) != 1:
        fail_usage(f"'{short}' matches {len(matches)} credentials; give the full id")
    return matches[0]


@app.command("verify")
@handles_errors()
def reverify(
    holder: HolderOpt,
    ids: Annotated[list[str] | None, typer.Argument(help="Credential ids (default: all).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify the wallet's credentials again (a revoked one changes its mark)."""
    instance = open_instance()
    changes = wallet.reverify(
        instance, holder, [_full_id(instance, holder, i) for i in ids or []] or None
    )
    if as_json:
        print_json(changes)
    else:
        for change in changes:
            mark = "" if change["before"] == change["after"] else "  (changed)"
            console.print(f"{change['id'][:8]}: {change['after']}{mark}", highlight=False)


@app.command("share")
@handles_errors()
def share(
    holder: HolderOpt,
    ids: Annotated[list[str], typer.Argument(help="Credential ids to share.")],
    expires_in_days: Annotated[
        int, typer.Option(help="The link expires after this many days.")
    ] = sharing.DEFAULT_SHARE_DAYS,
    qr: Annotated[
        Path | None, typer.Option(help="Also write a QR code of the link (.png or .svg).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a share link (unguessable, expiring, revocable) for chosen credentials."""
    instance = open_instance()
    created = sharing.create_share(
        instance,
        holder,
        [_full_id(instance, holder, i) for i in ids],
        expires_in_days=expires_in_days,
    )
    if qr is not None and created.url:
        from microcred.documents import qr as qr_codes

        if qr.suffix.lower() == ".svg":
            write_text(qr, qr_codes.qr_svg(created.url))
        else:
            qr.write_bytes(qr_codes.qr_png(created.url))
    if as_json:
        print_json(created.to_json())
    else:
        console.print(
            f"Share link (shown once): {created.url}\nexpires {created.expires_at.date()}, id {created.id}",
            highlight=False,
        )


@app.command("unshare")
@handles_errors()
def unshare(share_id: Annotated[str, typer.Argument(help="The share's id.")]) -> None:
    """Revoke a share link: it answers 404 from now on."""
    sharing.revoke_share_by_id(open_instance(), share_id)
    console.print(f"Share {share_id} revoked", highlight=False)


@app.command("present")
@handles_errors()
def present(
    holder: HolderOpt,
    ids: Annotated[list[str], typer.Argument(help="Credential ids to present.")],
    challenge: Annotated[str, typer.Option(help="The verifier's challenge (nonce).")],
    domain: Annotated[str, typer.Option(help="The verifier's domain.")],
    out: Annotated[Path, typer.Option("--out", "-o")],
    fmt: Annotated[
        str, typer.Option("--format", help="ldp (Data Integrity) or jwt (vp+jwt).")
    ] = "ldp",
) -> None:
    """Sign a verifiable presentation with the holder's key for a verifier."""
    instance = open_instance()
    vp = sharing.present(
        instance,
        holder,
        [_full_id(instance, holder, i) for i in ids],
        challenge=challenge,
        domain=domain,
        fmt=fmt,
    )
    write_text(
        out, (vp if isinstance(vp, str) else json.dumps(vp, ensure_ascii=False, indent=2)) + "\n"
    )
    err_console.print(
        f"Wrote {out}; check it with: microcred verify {out} --challenge {challenge} --domain {domain}"
    )


@app.command("export")
@handles_errors()
def export(holder: HolderOpt, out: Annotated[Path, typer.Option("--out", "-o")]) -> None:
    """Export the whole wallet as a JSON bundle (re-imports losslessly)."""
    bundle = wallet.export_bundle(open_instance(), holder)
    write_text(out, json.dumps(bundle, ensure_ascii=False, indent=2) + "\n")
    err_console.print(f"Wrote {len(bundle['credentials'])} credentials to {out}")


@app.command("import-bundle")
@handles_errors()
def import_bundle(
    file: Annotated[Path, typer.Argument()], holder: HolderOpt, as_json: JsonOpt = False
) -> None:
    """Import a wallet bundle written by `microcred wallet export`."""
    bundle = read_json_file(file, "a wallet bundle")
    counts = wallet.import_bundle(open_instance(), holder, bundle)
    if as_json:
        print_json(counts)
    else:
        console.print(
            f"{counts['added']} added, {counts['already_there']} already in the wallet",
            highlight=False,
        )


ShareUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--share-url",
        help="A share link of this credential (`wallet share`) to put on it; "
        "without it, the public verify page.",
    ),
]


def _link(instance: Any, holder: str, item_id: str, share_url: str | None) -> str:
    """The chosen share link (checked: live, this holder's, showing the credential), or the
    public verify page. Never a new share: `wallet share` makes one."""
    if share_url is None:
        return sharing.verify_page_url(instance)
    return sharing.chosen_share(instance, holder, share_url, [item_id]).url or share_url


@app.command("pdf")
@handles_errors()
def pdf(
    credential_id: Annotated[str, typer.Argument()],
    holder: HolderOpt,
    out: Annotated[Path, typer.Option("--out", "-o")],
    share_url: ShareUrlOpt = None,
) -> None:
    """A PDF certificate with every EU element and a QR code to verify it."""
    from microcred.documents import certificate_pdf

    instance = open_instance()
    item = wallet.get_item(instance, holder, _full_id(instance, holder, credential_id))
    url = _link(instance, holder, item.id, share_url)
    out.write_bytes(certificate_pdf(item.model, verification_url=url, report=item.report))
    err_console.print(f"Wrote {out} (its QR code opens {url})", highlight=False)


@app.command("portfolio-pdf")
@handles_errors()
def portfolio_pdf(
    holder: HolderOpt,
    out: Annotated[Path, typer.Option("--out", "-o")],
    ids: Annotated[list[str] | None, typer.Argument()] = None,
) -> None:
    """A portfolio PDF of chosen credentials (default: all valid ones), for a job application."""
    from microcred.documents import portfolio_pdf as make_pdf

    instance = open_instance()
    person = holders.get(instance, holder)
    items = wallet.list_items(instance, holder)
    chosen = [
        i
        for i in items
        if (i.id in {_full_id(instance, holder, x) for x in ids} if ids else i.status == "valid")
    ]
    entries: list[Mapping[str, Any]] = [
        {"award": i.model, "report": i.report, "status": i.status} for i in chosen
    ]
    out.write_bytes(make_pdf(person.name, entries))
    err_console.print(f"Wrote {out} ({len(chosen)} credentials)")


@app.command("linkedin")
@handles_errors()
def linkedin(
    credential_id: Annotated[str, typer.Argument()],
    holder: HolderOpt,
    share_url: ShareUrlOpt = None,
) -> None:
    """Print the LinkedIn "add to profile" link for a credential."""
    instance = open_instance()
    try:
        item_id = _full_id(instance, holder, credential_id)
        url = _link(instance, holder, item_id, share_url)
        typer.echo(sharing.linkedin_url(instance, holder, item_id, share=url))
    except ValueError as exc:  # no name or no issuer name to show on LinkedIn
        fail_usage(str(exc))
