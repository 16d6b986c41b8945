"""A member's own account pages, reached from an e-mail: accepting an invitation (choosing a
password), asking for a password reset (the same answer whether or not the address is known)
and choosing a new password from the reset link. Each link is single use and expires."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from microcred.services import member_mail, members, password_resets
from microcred.services.mail import MailError
from microcred.services.members import LinkInvalid, MemberInvalid
from microcred.web.console.members import refusal
from microcred.web.core import (
    CsrfError,
    Page,
    checked_form,
    flash,
    instance_of,
    page,
    redirect,
    render,
    run_password_work,
    text_field,
)

router = APIRouter(include_in_schema=False)
LOG = logging.getLogger("microcred.web")


def _gone(request: Request) -> Response:
    p = page(request)
    return render(
        request,
        "error.html",
        {
            "message": p.gettext(
                "This link is not valid any more: it was used already, or it expired. "
                "Ask your administrator for a new invitation, or ask for a new password reset."
            ),
            "active": "console",
            "back": "/console/login",
        },
        status=410,
    )


def _password_errors(p: Page, form_password: str, confirm: str) -> dict[str, str]:
    errors = {}
    if len(form_password) < members.MIN_PASSWORD_LENGTH:
        errors["password"] = p.gettext("Choose a password of at least %(n)s characters.") % {
            "n": members.MIN_PASSWORD_LENGTH
        }
    elif form_password != confirm:
        errors["confirm"] = p.gettext("The two passwords are not the same.")
    return errors


@router.get("/console/invitation/{secret}")
def invitation_page(request: Request, secret: str) -> Response:
    try:
        person = members.invitation(instance_of(request), secret)
    except LinkInvalid:
        return _gone(request)
    ctx = {"active": "console", "person": person, "errors": {}, "secret": secret}
    return render(request, "console/invitation.html", {**ctx, "role_labels": members.ROLE_LABELS})


@router.post("/console/invitation/{secret}")
async def accept_invitation(request: Request, secret: str) -> Response:
    p = page(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return refusal(request, str(exc))
    instance = instance_of(request)
    try:
        person = await run_in_threadpool(members.invitation, instance, secret)
    except LinkInvalid:
        return _gone(request)
    password = str(form.get("password") or "")[:1000]
    errors = _password_errors(p, password, str(form.get("confirm") or "")[:1000])
    name = text_field(form, "name", 300)
    if not errors:
        try:
            await run_password_work(members.accept, instance, secret, password, name=name)
        except LinkInvalid:
            return _gone(request)
        except MemberInvalid as exc:
            errors["password"] = str(exc)
    if errors:
        ctx = {"active": "console", "person": person, "errors": errors, "secret": secret}
        ctx |= {"name": name, "role_labels": members.ROLE_LABELS}
        return render(request, "console/invitation.html", ctx, status=422)
    flash(request, p.gettext("Your password is set. Sign in with your e-mail address."))
    return redirect(request, "/console/login")


@router.get("/console/forgot")
def forgot_page(request: Request) -> Response:
    return render(request, "console/forgot.html", {"active": "console", "errors": {}})


@router.post("/console/forgot")
async def forgot(request: Request) -> Response:
    p = page(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return refusal(request, str(exc))
    email = text_field(form, "email", 320)
    errors: dict[str, str] = {}
    if not email:
        errors = {"email": p.gettext("Enter your e-mail address.")}
    else:
        try:
            members.normalise_email(email)
        except MemberInvalid:  # a typo is said next to the field; it tells nothing of accounts
            errors = {"email": p.gettext("This is not an e-mail address (name@example.org).")}
    if errors:
        ctx = {"active": "console", "errors": errors, "email": email}
        return render(request, "console/forgot.html", ctx, status=422)
    try:
        await run_in_threadpool(member_mail.send_reset, instance_of(request), email)
    except MailError as exc:
        # Said the same way as a sent mail: a different answer would tell that the address
        # has an account. The operator sees the server's refusal in the log.
        LOG.warning("password reset mail not sent: %s", exc)
    # One answer, known address or not (no account enumeration).
    return render(request, "console/forgot.html", {"active": "console", "errors": {}, "sent": True})


@router.get("/console/reset/{secret}")
def reset_page(request: Request, secret: str) -> Response:
    try:
        person = password_resets.check(instance_of(request), secret)
    except LinkInvalid:
        return _gone(request)
    ctx = {"active": "console", "person": person, "errors": {}, "secret": secret}
    return render(request, "console/reset.html", ctx)


@router.post("/console/reset/{secret}")
async def reset(request: Request, secret: str) -> Response:
    p = page(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return refusal(request, str(exc))
    instance = instance_of(request)
    try:
        person = await run_in_threadpool(password_resets.check, instance, secret)
    except LinkInvalid:
        return _gone(request)
    password = str(form.get("password") or "")[:1000]
    errors = _password_errors(p, password, str(form.get("confirm") or "")[:1000])
    if not errors:
        try:
            await run_password_work(password_resets.complete, instance, secret, password)
        except LinkInvalid:
            return _gone(request)
    if errors:
        ctx = {"active": "console", "person": person, "errors": errors, "secret": secret}
        return render(request, "console/reset.html", ctx, status=422)
    flash(request, p.gettext("Your new password is set. Sign in with it."))
    return redirect(request, "/console/login")
