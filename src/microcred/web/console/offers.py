"""Offering an issued credential to any wallet from the console (OpenID4VCI,
``services/openid4vci/offers``): on the credential's page, make an offer (pre-authorized,
optionally with a PIN) shown once as a QR code and a link to copy, list the credential's
offers with their state and revoke an unused one; on a bulk run's page, download an offer
for every issued row as CSV (``job_offers``). The scopes are the API's: making and revoking
offers is ``issue``, the list is ``read``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.documents.qr import qr_svg
from microcred.errors import MicrocredError
from microcred.services.bulk_jobs import JobNotFound
from microcred.services.credentials import IssuedView
from microcred.services.openid4vci import job_offers, offers
from microcred.services.openid4vci.offers import OfferConflict, OfferNotFound, OfferView
from microcred.web.console.members import Member, Posted, actor, member_ctx, posts, refusal
from microcred.web.core import Page, finish, flash, instance_of, page, redirect, render, text_field

router = APIRouter(include_in_schema=False)

# How long an offer made in the console lasts (minutes): the form's choices.
CREDENTIAL_CHOICES = (15, 60, 24 * 60, 7 * 24 * 60)
JOB_CHOICES = (24 * 60, 7 * 24 * 60, 30 * 24 * 60)


def lifetime_label(p: Page, minutes: int) -> str:
    """The form's name of a lifetime (the choices are fixed, so each is one whole text)."""
    labels = {
        15: p.pgettext("offer lifetime", "15 minutes"),
        60: p.pgettext("offer lifetime", "1 hour"),
        24 * 60: p.pgettext("offer lifetime", "1 day"),
        7 * 24 * 60: p.pgettext("offer lifetime", "7 days"),
        30 * 24 * 60: p.pgettext("offer lifetime", "30 days"),
    }
    return labels[minutes]


def _minutes(form: Any, choices: tuple[int, ...]) -> int:
    """The chosen lifetime, one of ``choices`` (the first when none or another is sent)."""
    value = text_field(form, "minutes", 8)
    return int(value) if value.isdigit() and int(value) in choices else choices[0]


def _shown(p: Page, view: OfferView) -> dict[str, Any]:
    """A new offer as the page shows it once: the short link (by reference) as QR and text,
    the PIN, the expiry."""
    link = view.by_reference
    return {
        "id": view.offer_id,
        "link": link,
        "svg": qr_svg(link, title=p.gettext("QR code of the credential offer")),
        "pin": view.tx_code,
        "expires_at": view.expires_at,
    }


def offers_ctx(request: Request, member: Member, item: IssuedView) -> dict[str, Any]:
    """What the credential's page shows of its offers: the one just made (once), the list
    (read scope) and the form's lifetimes."""
    p = page(request)
    listed = (
        offers.list_for(instance_of(request), member.org.id, item.id) if member.can("read") else []
    )
    return {
        "new_offer": getattr(request.state, "new_offer", None),
        "offer_list": listed,
        "offer_lifetimes": [(m, lifetime_label(p, m)) for m in CREDENTIAL_CHOICES],
    }


def _credential_page(request: Request, cid: str, member: Member) -> Response:
    from microcred.web.console.credentials import credential_page

    return credential_page(request, cid, member)


@router.post("/console/credentials/{cid}/offers")
def make_offer(request: Request, cid: str, posted: Annotated[Posted, posts("issue")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    try:
        view = offers.create(
            instance_of(request),
            member.org.id,
            cid[:200],
            pre_authorized=True,
            tx_code=text_field(form, "pin", 4) == "on",
            expires_in_minutes=_minutes(form, CREDENTIAL_CHOICES),
            actor=actor(member),
        )
    except OfferConflict:
        flash(request, p.gettext("This credential cannot be offered: it is revoked."))
        return redirect(request, f"/console/credentials/{cid[:200]}")
    except MicrocredError:
        return refusal(request, p.gettext("No such credential."), 404)
    shown = _shown(p, view)
    if not member.can("read"):  # the credential's page needs read: the offer alone
        return render(
            request, "console/offer.html", member_ctx(member, "credentials", new_offer=shown)
        )
    request.state.new_offer = shown
    return _credential_page(request, cid[:200], member)


@router.post("/console/credentials/{cid}/offers/{offer_id}/revoke")
def revoke_offer(
    request: Request, cid: str, offer_id: str, posted: Annotated[Posted, posts("issue")]
) -> Response:
    member = posted.member
    p = page(request)
    try:
        offers.revoke(
            instance_of(request), member.org.id, offer_id[:40], credential_id=cid[:200],
            actor=actor(member),
        )  # fmt: skip
    except OfferNotFound:
        return refusal(request, p.gettext("No such offer."), 404)
    except OfferConflict:
        flash(request, p.gettext("This offer was used or has expired: there is nothing to revoke."))
    else:
        flash(request, p.gettext("The offer was revoked: its link and PIN no longer work."))
    return redirect(
        request, f"/console/credentials/{cid[:200]}" if member.can("read") else "/console"
    )


def job_offers_ctx(request: Request) -> dict[str, Any]:
    """The bulk run page's offer form: its lifetimes."""
    p = page(request)
    return {"job_offer_lifetimes": [(m, lifetime_label(p, m)) for m in JOB_CHOICES]}


@router.post("/console/bulk/{job_id}/offers")
def job_offers_csv(
    request: Request, job_id: str, posted: Annotated[Posted, posts("issue")]
) -> Response:
    """A wallet offer for every issued row of the run, as a CSV download (rows without one
    say why)."""
    member, form = posted.member, posted.form
    p = page(request)
    try:
        found = job_offers.create_for_job(
            instance_of(request),
            member.org.id,
            job_id[:40],
            pre_authorized=True,
            tx_code=text_field(form, "pin", 4) == "on",
            expires_in_minutes=_minutes(form, JOB_CHOICES),
            actor=actor(member),
            with_learners=member.can("read"),
        )
    except JobNotFound:
        return refusal(request, p.gettext("No such bulk run."), 404)
    stamp = instance_of(request).now().strftime("%Y%m%d-%H%M")
    response = Response(
        found.to_csv().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="wallet-offers-{job_id[:8]}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
    return finish(request, response)
