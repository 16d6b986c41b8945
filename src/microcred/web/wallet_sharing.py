"""The wallet's sharing and hygiene pages: the share sheet (copy, QR downloads, e-mail,
LinkedIn), the public portfolio page ``/p/<token>`` and its switch, the portfolio PDF, and
removing a credential (a confirmation first). Downloads create nothing."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from microcred.documents.qr import qr_png, qr_svg
from microcred.services import public_portfolios, sharing, wallet
from microcred.services.holders import HolderError, HolderView
from microcred.services.public_portfolios import PortfolioGone
from microcred.services.wallet import WalletItem
from microcred.services.wallet.names import someone_else
from microcred.web.core import Page, finish, flash, instance_of, page, redirect, render
from microcred.web.verify_pages import shared_views
from microcred.web.wallet_pages import CheckedForm, SignedIn

router = APIRouter(include_in_schema=False)

# The public page: never kept by a cache (a revoked credential must not show as valid), the
# address is not sent on as a referrer, and search engines do not index it.
PUBLIC_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def share_sheet(p: Page, url: str, *, name: str, linkedin: str | None = None) -> dict[str, Any]:
    """Everything to pass a link on: the QR code as PNG and SVG (data: URIs, so a download
    needs no second request and creates nothing), a mailto: with a subject and a body in the
    viewer's language, and the LinkedIn "add to profile" link when there is one."""
    png = base64.b64encode(qr_png(url, scale=8)).decode("ascii")
    svg = base64.b64encode(qr_svg(url, title=p.gettext("QR code of the link")).encode()).decode()
    subject = p.gettext("My micro-credentials, verified")
    body = p.gettext(
        "You can check my micro-credentials at this address; each is verified when the page opens:"
    )
    mail = urlencode({"subject": subject, "body": f"{body}\n\n{url}\n\n{name}"}, quote_via=quote)
    return {
        "url": url,
        "qr_png": f"data:image/png;base64,{png}",
        "qr_svg": f"data:image/svg+xml;base64,{svg}",
        "mailto": f"mailto:?{mail}",
        "linkedin": linkedin,
    }


def someone_else_named(item: WalletItem, holder: HolderView) -> str | None:
    """The name in the credential when it names someone other than the holder."""
    return someone_else(item.learner_name, holder.name)


# ---------------------------------------------------------------- the public portfolio page


def _public_context(request: Request, holder: HolderView, **extra: Any) -> dict[str, Any]:
    instance = instance_of(request)
    setting = public_portfolios.setting(instance, holder.id)
    items = wallet.list_items(instance, holder.id)
    chosen = set(setting.credential_ids) if setting.credential_ids else set()
    if not setting.enabled and not chosen:  # a first visit: the valid ones are ticked
        chosen = {i.id for i in items if i.status == "valid"}
    sheet = share_sheet(page(request), setting.url, name=holder.name) if setting.url else None
    return {
        "active": "wallet",
        "section": "shares",
        "holder": holder,
        "setting": setting,
        "items": items,
        "chosen": chosen,
        "sheet": sheet,
        "errors": {},
        **extra,
    }


@router.get("/wallet/public")
def public_settings(request: Request, holder: SignedIn) -> Response:
    return render(request, "wallet/public.html", _public_context(request, holder))


@router.post("/wallet/public")
def public_switch(request: Request, holder: SignedIn, form: CheckedForm) -> Response:
    p = page(request)
    instance = instance_of(request)
    if form.get("action") == "off":
        public_portfolios.switch_off(instance, holder.id)
        flash(request, p.gettext("Your public page is off: its address no longer opens."))
        return redirect(request, "/wallet/public")
    ids = [v for v in form.getlist("credential") if isinstance(v, str)][:200]
    try:
        public_portfolios.switch_on(instance, holder.id, ids)
    except HolderError:
        errors = {"credential": p.gettext("Choose at least one credential of your wallet.")}
        context = _public_context(request, holder, errors=errors, chosen=set(ids))
        return render(request, "wallet/public.html", context, status=422)
    flash(request, p.gettext("Your public page is on and shows the credentials you chose."))
    return redirect(request, "/wallet/public")


@router.get("/p/{token}")
def public_page(request: Request, token: str) -> Response:
    """The learner's public portfolio: each chosen credential verified at this view."""
    p = page(request)
    instance = instance_of(request)
    try:
        name, shown = public_portfolios.open_page(instance, token[:100])
    except HolderError as exc:
        gone = isinstance(exc, PortfolioGone)
        message = (
            p.gettext("The owner switched this page off.")
            if gone
            else p.gettext("There is no page at this address.")
        )
        missing = {"title": p.gettext("Not found"), "message": message, "active": ""}
        return render(
            request, "error.html", missing, status=410 if gone else 404, headers=PUBLIC_HEADERS
        )
    context: dict[str, Any] = {
        "holder_name": name,
        "results": shared_views(instance, shown, p),
        "presentation": None,
        "errors": {},
        "note": "",
        "technical_details": False,
        "active": "",
    }
    return render(request, "public_portfolio.html", context, headers=PUBLIC_HEADERS)


# ---------------------------------------------------------------- the portfolio PDF


@router.get("/wallet/portfolio.pdf")
def portfolio_file(request: Request, holder: SignedIn) -> Response:
    """The valid credentials, each course once (the one the totals count), as a PDF with
    the public verify page's address. Downloading creates nothing (no share link, no row)."""
    from microcred.documents import portfolio_pdf

    instance = instance_of(request)
    items = wallet.list_items(instance, holder.id)
    counted = wallet.same_course(items)
    url = sharing.verify_page_url(instance)
    entries: list[Any] = [
        {"award": i.model, "report": i.report, "status": i.status, "verification_url": url}
        for i in items
        if counted.get(i.id) == i.id
    ]
    pdf = portfolio_pdf(holder.name, entries)
    headers = {
        "Content-Disposition": 'attachment; filename="portfolio.pdf"',
        "Cache-Control": "no-store",
    }
    return finish(request, Response(pdf, media_type="application/pdf", headers=headers))


# ---------------------------------------------------------------- remove a credential


def _item_or_none(request: Request, holder: HolderView, item_id: str) -> WalletItem | None:
    try:
        return wallet.get_item(instance_of(request), holder.id, item_id[:100])
    except HolderError:
        return None


def _missing(request: Request) -> Response:
    p = page(request)
    message = p.gettext("There is no such credential in your wallet.")
    context = {"title": p.gettext("Not found"), "message": message, "back": "/wallet"}
    return render(request, "error.html", {**context, "active": "wallet"}, status=404)


@router.get("/wallet/credentials/{item_id}/remove")
def remove_confirm(request: Request, item_id: str, holder: SignedIn) -> Response:
    """The confirmation: what removing changes (the share links that show it)."""
    item = _item_or_none(request, holder, item_id)
    if item is None:
        return _missing(request)
    shares = [
        s
        for s in sharing.list_shares(instance_of(request), holder.id)
        if item.id in s.credential_ids and not s.revoked
    ]
    context = {
        "active": "wallet",
        "section": "portfolio",
        "holder": holder,
        "item": item,
        "ending": sum(1 for s in shares if len(s.credential_ids) == 1),
        "changing": sum(1 for s in shares if len(s.credential_ids) > 1),
    }
    return render(request, "wallet/remove.html", context)


@router.post("/wallet/credentials/{item_id}/remove")
async def remove(request: Request, item_id: str, holder: SignedIn, form: CheckedForm) -> Response:
    p = page(request)
    try:
        removed = await run_in_threadpool(
            wallet.delete_item, instance_of(request), holder.id, item_id[:100]
        )
    except HolderError:
        return _missing(request)
    message = p.gettext("The credential was removed from your wallet.")
    if removed.shares_ended:
        message += " " + p.ngettext(
            "%(num)d share link that showed only it was revoked.",
            "%(num)d share links that showed only it were revoked.",
            removed.shares_ended,
        ) % {"num": removed.shares_ended}
    if removed.shares_changed:
        message += " " + p.ngettext(
            "%(num)d share link no longer shows it.",
            "%(num)d share links no longer show it.",
            removed.shares_changed,
        ) % {"num": removed.shares_changed}
    flash(request, message)
    return redirect(request, "/wallet")
