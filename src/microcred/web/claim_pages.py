"""The learner's claim page, ``/claim/<secret>``, reached from the issuer's e-mail: the
credential as the verify page shows it, its file, its PDF certificate, "add to my microcred
wallet" (signing in or signing up first) and an OpenID4VCI offer as a QR code for any
other wallet. GET pages change nothing; the offer and the claim are form posts."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from microcred.documents.qr import qr_svg
from microcred.errors import MicrocredError
from microcred.formats.reading import read_model
from microcred.services import delivery, sharing, verifying
from microcred.services.delivery import ClaimInvalid, ClaimTaken
from microcred.verify import verify_credential
from microcred.web.claim_after import claim_query
from microcred.web.core import (
    CsrfError,
    checked_form,
    finish,
    flash,
    instance_of,
    page,
    redirect,
    render,
)
from microcred.web.verify_pages import verify_raw
from microcred.web.wallet_pages import current_holder

router = APIRouter(include_in_schema=False)


def _gone(request: Request, status: int = 404) -> Response:
    p = page(request)
    message = p.gettext(
        "This claim link is not valid: it expired, or the issuer withdrew it. Ask the issuer "
        "to send it again."
    )
    return render(request, "error.html", {"message": message, "active": ""}, status=status)


def _offer_hook(request: Request, claim: delivery.Claim) -> dict[str, Any] | None:
    """An OpenID4VCI credential offer of this credential for any wallet (single use,
    expiring; services/openid4vci/offers), or None when the instance cannot make one."""
    try:
        from microcred.services.openid4vci import offers
    except ImportError:  # the OpenID4VCI issuer is not part of this build
        return None
    try:
        view = offers.create(
            instance_of(request),
            claim.credential.org,
            claim.credential.id,
            pre_authorized=True,
            actor="claim-page",
        )
    except MicrocredError:
        return None
    return {"uri": view.offer, "svg": qr_svg(view.offer, title="OpenID4VCI")}


def _page(request: Request, secret: str, claim: delivery.Claim, **extra: Any) -> Response:
    p = page(request)
    instance = instance_of(request)
    holder = current_holder(request)
    results = verify_raw(instance, claim.credential.document, p)
    ctx = {
        "active": "",
        "secret": secret,
        "claim": claim,
        "results": results,
        "title": delivery.title_of(claim.credential, p.lang) or claim.credential.learner_name,
        "holder": holder,
        "mine": holder is not None and claim.claimed_by == holder.id,
        "taken": claim.claimed_by is not None and (holder is None or claim.claimed_by != holder.id),
        "next": f"/claim/{secret}",
        "claim_query": claim_query(secret),
        "offer": None,
        **extra,
    }
    return render(request, "claim.html", ctx)


@router.get("/claim/{secret}")
def claim_page(request: Request, secret: str) -> Response:
    try:
        claim = delivery.open_claim(instance_of(request), secret)
    except ClaimInvalid:
        return _gone(request)
    return _page(request, secret, claim)


@router.get("/claim/{secret}/credential.json")
def claim_file(request: Request, secret: str) -> Response:
    try:
        claim = delivery.open_claim(instance_of(request), secret)
    except ClaimInvalid:
        return _gone(request)
    document = claim.credential.credential()
    jwt = isinstance(document, str)
    body = document if jwt else json.dumps(document, indent=2, ensure_ascii=False)
    response = Response(
        body,
        media_type="application/jwt" if jwt else "application/json",
        headers={
            "Content-Disposition": f'attachment; filename="credential.{"jwt" if jwt else "json"}"'
        },
    )
    return finish(request, response)


@router.get("/claim/{secret}/certificate.pdf")
def claim_certificate(request: Request, secret: str) -> Response:
    from microcred.documents import certificate_pdf

    instance = instance_of(request)
    try:
        claim = delivery.open_claim(instance, secret)
    except ClaimInvalid:
        return _gone(request)
    raw = claim.credential.document
    report = verify_credential(raw, verifying.verifier_context(instance, now=instance.now()))
    try:
        document = claim.credential.credential()
        reading = read_model(document if isinstance(document, dict) else {})
        award = reading.award.to_data() if reading.award is not None else reading.data
    except Exception:  # noqa: BLE001 - a credential that does not read prints what it has
        award = {}
    model = json.loads(json.dumps(award, default=str)) if isinstance(award, dict) else {}
    pdf = certificate_pdf(
        model, verification_url=sharing.verify_page_url(instance), report=report.to_json()
    )
    response = Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="certificate.pdf"'},
    )
    return finish(request, response)


@router.post("/claim/{secret}/offer")
async def claim_offer(request: Request, secret: str) -> Response:
    try:
        await checked_form(request)
    except CsrfError as exc:
        return render(request, "error.html", {"message": str(exc), "active": ""}, status=403)
    try:
        claim = await run_in_threadpool(delivery.open_claim, instance_of(request), secret)
    except ClaimInvalid:
        return _gone(request)
    offer = await run_in_threadpool(_offer_hook, request, claim)
    return await run_in_threadpool(
        lambda: _page(request, secret, claim, offer=offer, offer_tried=True)
    )


@router.post("/claim/{secret}/wallet")
async def claim_into_wallet(request: Request, secret: str) -> Response:
    p = page(request)
    try:
        await checked_form(request)
    except CsrfError as exc:
        return render(request, "error.html", {"message": str(exc), "active": ""}, status=403)
    holder = await run_in_threadpool(current_holder, request)
    if holder is None:
        return redirect(request, f"/wallet/signup?{claim_query(secret)}")
    try:
        _, item = await run_in_threadpool(delivery.claim, instance_of(request), secret, holder.id)
    except ClaimInvalid:
        return _gone(request)
    except ClaimTaken:
        message = p.gettext(
            "This credential was already added to another wallet. Ask the issuer if it was not you."
        )
        return render(request, "error.html", {"message": message, "active": ""}, status=409)
    flash(request, p.gettext("The credential is in your wallet."))
    return redirect(request, f"/wallet/credentials/{item.id}")
