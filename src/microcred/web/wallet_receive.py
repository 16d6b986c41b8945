"""The wallet page "Receive from an issuer": paste a credential offer (OpenID4VCI), give the
PIN the issuer sent, and the credentials are received, verified and kept.

An offer with the authorization code grant (only that one, or both when the learner chooses
to sign in) sends the browser to the issuer's authorization endpoint; the issuer sends it back
to ``/wallet/receive/callback``, where the pending authorization is found by ``state`` (single
use, bound to this web session) and finished. Credentials the issuer gives later (deferred)
are listed on the page, each with a "Check again" button.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.services.holders import HolderError, HolderNotFound, HolderView
from microcred.services.wallet import openid4vci_receive
from microcred.services.wallet.openid4vci_client import MAX_OFFER_LENGTH, MAX_TX_CODE
from microcred.web import report as reports
from microcred.web.core import (
    flash,
    instance_of,
    page,
    redirect,
    render,
    session_of,
    text_field,
)
from microcred.web.wallet_pages import STATUSES, CheckedForm, SignedIn

router = APIRouter(include_in_schema=False)
CALLBACK = "/wallet/receive/callback"
MAX_ANSWER_VALUE = 4096


def _context(request: Request, holder: HolderView, **extra: object) -> dict[str, object]:
    p = page(request)
    return {
        "active": "wallet",
        "section": "receive",
        "holder": holder,
        "errors": {},
        "received": [],
        "pending": openid4vci_receive.list_pending(instance_of(request), holder.id),
        "status_words": {s: p.gettext(reports.STATUS_WORDS[s]) for s in STATUSES},
        **extra,
    }


def _done(request: Request, holder: HolderView, receipt: openid4vci_receive.Receipt) -> Response:
    """After a flow: one credential is shown; several are listed; deferred ones wait below."""
    p = page(request)
    for view in receipt.pending:
        flash(
            request,
            p.gettext("%(title)s: the issuer will give it later; it waits on this page.")
            % {"title": view.title},
        )
    if len(receipt) == 1 and not receipt.pending:
        item, new = receipt[0]
        word = (
            p.gettext("Received: %(title)s")
            if new
            else p.gettext("Already in your wallet: %(title)s")
        )
        flash(request, word % {"title": item.title})
        return redirect(request, f"/wallet/credentials/{item.id}")
    if not receipt:
        return redirect(request, "/wallet/receive")
    items = [item for item, _new in receipt]
    return render(request, "wallet/receive.html", _context(request, holder, received=items))


@router.get("/wallet/receive")
def receive_page(request: Request, holder: SignedIn) -> Response:
    offer = request.query_params.get("offer", "")[:MAX_OFFER_LENGTH]
    return render(request, "wallet/receive.html", _context(request, holder, offer=offer))


@router.post("/wallet/receive")
def receive_submit(request: Request, holder: SignedIn, form: CheckedForm) -> Response:
    p = page(request)
    offer = text_field(form, "offer", MAX_OFFER_LENGTH + 1)
    tx_code = text_field(form, "tx_code", MAX_TX_CODE + 1) or None
    sign_in = form.get("sign_in") == "1"
    errors: dict[str, str] = {}
    if not offer:
        errors["offer"] = p.gettext("Paste the credential offer the issuer gave you.")
    else:
        base = instance_of(request).settings.base_url.rstrip("/")
        try:
            started = openid4vci_receive.begin(
                instance_of(request),
                holder.id,
                offer,
                tx_code=tx_code,
                client_id=base,
                redirect_uri=base + CALLBACK,
                session_secret=session_of(request).sid or "",
                use_authorization_code=sign_in,
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
            if isinstance(started, openid4vci_receive.Authorization):
                return redirect(request, started.url)  # to the issuer, and back to CALLBACK
            return _done(request, holder, started)
    context = _context(
        request, holder, errors=errors, offer=offer[:MAX_OFFER_LENGTH], sign_in=sign_in
    )
    return render(request, "wallet/receive.html", context, status=422)


@router.get(CALLBACK)
def receive_callback(request: Request, holder: SignedIn) -> Response:
    """The issuer's authorization answer (``code``, ``state``, ``iss`` or ``error``)."""
    p = page(request)
    answer = {
        name: value[:MAX_ANSWER_VALUE]
        for name, value in request.query_params.items()
        if name in ("code", "state", "iss", "error", "error_description")
    }
    try:
        receipt = openid4vci_receive.complete(
            instance_of(request), holder.id, answer, session_secret=session_of(request).sid
        )
    except openid4vci_receive.ReceiveError as exc:
        problem = p.gettext("The issuer's answer could not be used (%(step)s): %(message)s") % {
            "step": exc.step,
            "message": str(exc).split(": ", 1)[-1],
        }
        context = _context(request, holder, problem=problem)
        return render(request, "wallet/receive.html", context, status=400)
    return _done(request, holder, receipt)


@router.post("/wallet/receive/pending/{pending_id}")
def check_again(
    request: Request, pending_id: str, holder: SignedIn, _form: CheckedForm
) -> Response:
    """Ask the issuer again for one deferred credential (no sooner than its interval)."""
    p = page(request)
    try:
        [done] = openid4vci_receive.collect(instance_of(request), holder.id, pending_id[:64])
    except HolderNotFound:
        context = _context(
            request, holder, problem=p.gettext("This credential is no longer awaited.")
        )
        return render(request, "wallet/receive.html", context, status=404)
    if done.outcome == "received" and done.kept:
        item, _new = done.kept[0]
        flash(request, p.gettext("Received: %(title)s") % {"title": item.title})
        return redirect(request, f"/wallet/credentials/{item.id}")
    if done.outcome == "failed":
        flash(
            request,
            p.gettext("%(title)s could not be had: %(message)s")
            % {"title": done.title, "message": done.message or ""},
        )
    else:
        when = done.pending.next_check_at if done.pending else None
        flash(
            request,
            p.gettext("Not ready yet: %(title)s. Check again after %(when)s.")
            % {"title": done.title, "when": p.datetime(when)},
        )
    return redirect(request, "/wallet/receive")
