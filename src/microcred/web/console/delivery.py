"""Delivering an issued credential from its console page: e-mail the learner a claim link,
or withdraw the links not yet claimed (``services/delivery``). The page shows the state:
not sent, sent on, claimed on."""

from __future__ import annotations

import shutil
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from microcred.i18n import languages
from microcred.services import bulk_archive, bulk_jobs, delivery
from microcred.services.credentials import IssuedView
from microcred.services.delivery import DeliveryError
from microcred.services.organisations import OrganisationError
from microcred.web.console.members import Member, Posted, actor, posts, refusal, requires
from microcred.web.core import Page, finish, flash, instance_of, page, redirect, text_field

router = APIRouter(include_in_schema=False)


def delivery_ctx(request: Request, item: IssuedView) -> dict[str, Any]:
    """What the credential's page shows of its delivery, and the course's title."""
    p = page(request)
    return {
        "course": delivery.title_of(item, p.lang),
        "delivery": delivery.latest(instance_of(request), item.id),
        "learner_email": delivery.learner_email(item) or "",
        "mail_languages": languages(),
    }


def sent_message(p: Page, found: delivery.Delivered) -> str:
    if found.sent is None:
        return p.gettext(
            "The claim link was made, but the mail server did not take the message: %(reason)s"
        ) % {"reason": found.problem}
    if found.sent.via == "outbox":
        return p.gettext(
            "No mail server is set up: the message to %(email)s was written to the outbox, "
            "%(path)s."
        ) % {"email": found.delivery.email, "path": found.sent.path}
    return p.gettext("A claim link was e-mailed to %(email)s.") % {"email": found.delivery.email}


@router.post("/console/credentials/{cid}/deliver")
def deliver(request: Request, cid: str, posted: Annotated[Posted, posts("issue")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    try:
        found = delivery.send(
            instance_of(request),
            member.org.id,
            cid[:100],
            email=text_field(form, "email", 320) or None,
            lang=text_field(form, "lang", 8) or p.lang,
            actor=actor(member),
        )
    except (DeliveryError, OrganisationError) as exc:
        if exc.field == "email":
            message = p.gettext("Enter the learner's e-mail address (name@example.org).")
        elif "revoked" in str(exc):
            message = p.gettext("This credential is revoked: it cannot be delivered.")
        else:
            return refusal(request, p.gettext("No such credential."), 404)
        flash(request, message)
    else:
        flash(request, sent_message(p, found))
    return redirect(request, f"/console/credentials/{cid[:100]}")


@router.post("/console/credentials/{cid}/delivery/revoke")
def withdraw(request: Request, cid: str, posted: Annotated[Posted, posts("issue")]) -> Response:
    member = posted.member
    p = page(request)
    try:
        count = delivery.revoke(instance_of(request), member.org.id, cid[:100], actor=actor(member))
    except OrganisationError:
        return refusal(request, p.gettext("No such credential."), 404)
    flash(
        request,
        p.gettext("The claim link was withdrawn.") if count else p.gettext("No link to withdraw."),
    )
    return redirect(request, f"/console/credentials/{cid[:100]}")


@router.post("/console/bulk/{job_id}/deliver")
def deliver_job(
    request: Request, job_id: str, posted: Annotated[Posted, posts("issue")]
) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    try:
        found = delivery.send_job(
            instance_of(request),
            member.org.id,
            job_id[:40],
            lang=text_field(form, "lang", 8) or p.lang,
            actor=actor(member),
        )
    except (DeliveryError, OrganisationError):
        return refusal(request, p.gettext("No such bulk run."), 404)
    flash(
        request,
        p.gettext(
            "Claim links e-mailed: %(sent)s (to the outbox: %(outbox)s). Without an e-mail "
            "address: %(without)s. Delivered before: %(already)s. Refused by the mail "
            "server: %(failed)s."
        )
        % {
            "sent": found.sent,
            "outbox": found.outbox,
            "without": found.without_email,
            "already": found.already,
            "failed": found.failed,
        },
    )
    return redirect(request, f"/console/bulk/{job_id[:40]}")


@router.get("/console/bulk/{job_id}/credentials.zip")
async def job_files(
    request: Request, job_id: str, member: Annotated[Member, requires("read")]
) -> Response:
    """Every file of a finished run in one zip (a credential per learner, summary.json,
    errors.csv), made in a temporary directory that is removed once it is sent."""
    p = page(request)
    try:
        archive = await run_in_threadpool(
            bulk_archive.job_zip, instance_of(request), member.org.id, job_id[:40]
        )
    except bulk_jobs.JobNotFound:
        return refusal(request, p.gettext("No such bulk run."), 404)
    except bulk_archive.ArchiveNotReady:
        return refusal(
            request,
            p.gettext("The run is still issuing: download its files when it has finished."),
            409,
        )
    response = FileResponse(
        archive,
        media_type="application/zip",
        filename=archive.name,
        background=BackgroundTask(shutil.rmtree, archive.parent, ignore_errors=True),
    )
    return finish(request, response)
