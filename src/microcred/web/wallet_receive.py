"""The wallet page "Receive from an issuer": paste a credential offer (OpenID4VCI), give the
PIN the issuer sent, and the credentials are received, verified and kept."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.services.holders import HolderError, HolderView
from microcred.services.wallet import openid4vci_receive
from microcred.services.wallet.openid4vci_client import MAX_OFFER_LENGTH, MAX_TX_CODE
from microcred.web import report as reports
from microcred.web.core import flash, instance_of, page, redirect, render, text_field
from microcred.web.wallet_pages import STATUSES, CheckedForm, SignedIn

router = APIRouter(include_in_schema=False)


def _context(request: Request, holder: HolderView, **extra: object) -> dict[str, object]:
    p = page(request)
    return {
        "active": "wallet",
        "section": "receive",
        "holder": holder,
        "errors": {},
        "received": [],
        "status_words": {s: p.gettext(reports.STATUS_WORDS[s]) for s in STATUSES},
        **extra,
    }


@router.get("/wallet/receive")
def receive_page(request: Request, holder: SignedIn) -> Response:
    offer = request.query_params.get("offer", "")[:MAX_OFFER_LENGTH]
    return render(request, "wallet/receive.html", _context(request, holder, offer=offer))


@router.post("/wallet/receive")
def receive_submit(request: Request, holder: SignedIn, form: CheckedForm) -> Response:
    p = page(request)
    offer = text_field(form, "offer", MAX_OFFER_LENGTH + 1)
    tx_code = text_field(form, "tx_code", MAX_TX_CODE + 1) or None
    errors: dict[str, str] = {}
    if not offer:
        errors["offer"] = p.gettext("Paste the credential offer the issuer gave you.")
    else:
        try:
            kept = openid4vci_receive.receive(
                instance_of(request), holder.id, offer, tx_code=tx_code
            )
        except openid4vci_receive.ReceiveError as exc:
            field = "tx_code" if exc.field == "tx_code" else "offer"
            errors[field] = p.gettext("The issuer's flow stopped (%(step)s): %(message)s") % {
                "step": exc.step,
                "message": str(exc).split(": ", 1)[-1],
            }
        except HolderError as exc:
            errors["offer"] = str(exc)
        else:
            if len(kept) == 1:
                item, new = kept[0]
                word = (
                    p.gettext("Received: %(title)s")
                    if new
                    else p.gettext("Already in your wallet: %(title)s")
                )
                flash(request, word % {"title": item.title})
                return redirect(request, f"/wallet/credentials/{item.id}")
            items = [item for item, _new in kept]
            return render(request, "wallet/receive.html", _context(request, holder, received=items))
    context = _context(request, holder, errors=errors, offer=offer[:MAX_OFFER_LENGTH])
    return render(request, "wallet/receive.html", context, status=422)
