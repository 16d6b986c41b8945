"""`microcred offer`: an OpenID4VCI credential offer of an issued credential, as a link and
a terminal QR code (or JSON)."""

from __future__ import annotations

import io
from typing import Annotated

import typer

from microcred.cli.common import handles_errors
from microcred.cli.instance import open_instance
from microcred.cli.output import console, print_json
from microcred.services.openid4vci import metadata, offers
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


@handles_errors()
def offer(
    org: Annotated[str, typer.Option(help="Organisation slug or id.")],
    credential: Annotated[str, typer.Option(help="The issued credential's id.")],
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
    qr: Annotated[bool, typer.Option(help="Draw the QR code in the terminal.")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Offer an issued credential over OpenID4VCI (single use, expiring, audited)."""
    view = offers.create(
        open_instance(),
        org,
        credential,
        pre_authorized=pre_authorized,
        tx_code=tx_code,
        configuration_ids=configuration or None,
        actor="cli",
    )
    if as_json:
        print_json(view.to_json())
        return
    print_offer(view, qr=qr)
