"""`microcred offer`: an OpenID4VCI credential offer of an issued credential, as a link and
a terminal QR code (or JSON), or one for every row of a bulk job (JSON, CSV);
`microcred offer list` and `microcred offer revoke`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, fail_usage, print_json
from microcred.services.openid4vci import job_offers, metadata, offers
from microcred.services.openid4vci.offers import OfferView


def terminal_qr(text: str) -> str:
    """``text`` as a QR code drawn with block characters (segno)."""
    import segno

    out = io.StringIO()
    segno.make(text, error="m").terminal(out=out, compact=True)
    return out.getvalue()


def print_offer(view: OfferView, *, qr: bool = True) -> None:
    """The offer as a person reads it: the QR of the short link, both links, the PIN."""
    if qr:
        console.print(terminal_qr(view.by_reference), highlight=False, markup=False)
    console.print(
        "Credential offer (scan the QR code with a wallet, or open the link):", highlight=False
    )
    console.print(f"  {view.by_reference}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"  offer URI: {view.offer_uri}", highlight=False, markup=False, soft_wrap=True)
    if view.tx_code:
        console.print(f"  PIN (tx_code) to give the learner: {view.tx_code}", highlight=False)
    console.print(
        f"  expires at {view.expires_at.isoformat()}; it can be used once", highlight=False
    )


app = typer.Typer(
    help="OpenID4VCI credential offers: make one for a credential or for every row of a bulk "
    "job, list a credential's offers, revoke one.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def _print_job(found: job_offers.JobOffers) -> None:
    console.print(
        f"{found.made} offer(s) made, valid until {found.expires_at.isoformat()}; each works once.",
        highlight=False,
    )
    for row in found.failed:
        console.print(
            f"  line {row.line} ({row.learner_name or 'no name'}): no offer, {row.problem}",
            highlight=False,
            markup=False,
        )


@app.callback()
@handles_errors()
def offer(
    ctx: typer.Context,
    org: Annotated[str | None, typer.Option(help="Organisation slug or id.")] = None,
    credential: Annotated[
        str | None, typer.Option(help="The issued credential's id (one offer).")
    ] = None,
    job: Annotated[
        str | None,
        typer.Option(help="A bulk job's id: an offer for every issued row of it."),
    ] = None,
    pre_authorized: Annotated[
        bool,
        typer.Option(
            "--pre-authorized",
            help="Add the pre-authorized code grant (no sign-in; the wallet redeems the offer).",
        ),
    ] = False,
    tx_code: Annotated[
        bool,
        typer.Option("--tx-code", help="Protect the pre-authorized code with a 6-digit PIN."),
    ] = False,
    configuration: Annotated[
        list[str] | None,
        typer.Option(
            "--configuration",
            help="Credential configuration to offer (repeatable): "
            + ", ".join(metadata.CONFIGURATIONS)
            + f"; default {metadata.SD_JWT}.",
        ),
    ] = None,
    minutes: Annotated[
        int | None,
        typer.Option(
            help="How long the offer lasts, 1 minute to 30 days (default: the instance's "
            "oid4vci_offer_minutes, 15).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="With --job: write the offers as CSV to this file."),
    ] = None,
    qr: Annotated[bool, typer.Option(help="Draw the QR code in the terminal.")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Offer an issued credential over OpenID4VCI (single use, expiring, audited); with
    --job, one offer for every issued row of a bulk job. Subcommands list and revoke."""
    if ctx.invoked_subcommand is not None:
        return
    if org is None:
        fail_usage("give the organisation: --org")
    if (credential is None) == (job is None):
        fail_usage("give one of --credential (one credential) or --job (every row of a job)")
    if out is not None and job is None:
        fail_usage("--out writes the offers of a job: give --job")
    instance = open_instance()
    if job is not None:
        found = job_offers.create_for_job(
            instance, org, job, pre_authorized=pre_authorized, tx_code=tx_code,
            configuration_ids=configuration or None, expires_in_minutes=minutes,
            actor="cli",
        )  # fmt: skip
        if out is not None:
            out.write_text(found.to_csv(), encoding="utf-8")
        if as_json:
            print_json(found.to_json())
        else:
            _print_job(found)
            if out is not None:
                console.print(f"Offers written to {out}", highlight=False, markup=False)
        return
    assert credential is not None
    view = offers.create(
        instance,
        org,
        credential,
        pre_authorized=pre_authorized,
        tx_code=tx_code,
        configuration_ids=configuration or None,
        expires_in_minutes=minutes,
        actor="cli",
    )
    if as_json:
        print_json(view.to_json())
        return
    print_offer(view, qr=qr)


@app.command("list")
@handles_errors()
def list_offers(
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    credential: Annotated[str, typer.Option(help="The issued credential's id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A credential's offers, newest first, with their state (open, used, locked, expired,
    revoked)."""
    found = offers.list_for(open_instance(), org, credential)
    if as_json:
        print_json([r.to_json() for r in found])
        return
    if not found:
        console.print("No offers of this credential.")
    for r in found:
        console.print(
            f"{r.id}  {r.state:<8} made {r.created_at.isoformat()}, expires "
            f"{r.expires_at.isoformat()}{', with PIN' if r.tx_code else ''}",
            highlight=False,
        )


@app.command("revoke")
@handles_errors()
def revoke(
    offer: Annotated[
        str,
        typer.Argument(help="The offer's offer_uri or link, or its id (offer list shows it)."),
    ],
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Revoke an unused offer: its link, code and PIN stop working at once (audited)."""
    found = offers.revoke(open_instance(), org, offer, actor="cli")
    if as_json:
        print_json(found.to_json())
        return
    console.print(f"Offer {found.id} is revoked.", highlight=False)
