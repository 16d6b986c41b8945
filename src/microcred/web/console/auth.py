"""Signing in to the console and the authority's desk: a member with an e-mail address and a
password (``services/members``), or, for machines and operators, one of the organisation's
API tokens; ``next=`` brings the visitor back to the page they came from (a path on this
site only); signing out ends the session on the server."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from microcred.services import members, tokens
from microcred.services.throttle import Throttled
from microcred.web.console.members import refusal
from microcred.web.core import (
    CsrfError,
    checked_form,
    client_host,
    instance_of,
    page,
    redirect,
    render,
    retry_message,
    run_password_work,
    safe_next,
    sign_in,
    sign_out,
    text_field,
)

router = APIRouter(include_in_schema=False)


def _desk(request: Request) -> bool:
    return request.url.path.startswith("/authority")


def _ctx(request: Request, **extra: Any) -> dict[str, Any]:
    desk = _desk(request)
    default = "/authority" if desk else "/console"
    asked = request.query_params.get("next") or ""
    return {
        "active": "authority" if desk else "console",
        "desk": desk,
        "action": "/authority/login" if desk else "/console/login",
        "next": safe_next(asked, default),
        "errors": {},
        **extra,
    }


@router.get("/console/login")
@router.get("/authority/login")
def login_page(request: Request) -> Response:
    return render(request, "console/login.html", _ctx(request))


@router.post("/console/login")
@router.post("/authority/login")
async def login(request: Request) -> Response:
    p = page(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return refusal(request, str(exc))
    desk = _desk(request)
    target = safe_next(text_field(form, "next", 600), "/authority" if desk else "/console")
    secret = text_field(form, "token", 300)
    email = text_field(form, "email", 320)
    password = form.get("password")
    password = password[:1000] if isinstance(password, str) else ""
    ctx = _ctx(request, next=target, email=email)
    errors: dict[str, str] = {}
    try:
        if secret:
            principal = await run_in_threadpool(
                tokens.identify, instance_of(request), secret, address=client_host(request)
            )
            if principal is not None:
                await sign_in(request, org=principal.org_id, token=principal.token_id)
                return redirect(request, target)
            errors["token"] = p.gettext("This token is not valid: it is unknown or was revoked.")
        elif email or password:
            if not email:
                errors["email"] = p.gettext("Enter your e-mail address.")
            if not password:
                errors["password"] = p.gettext("Enter your password.")
            if not errors:
                person = await run_password_work(
                    members.sign_in,
                    instance_of(request),
                    email,
                    password,
                    client_host(request),
                    prefer_role="recognition_officer" if desk else None,
                )
                if person is not None:
                    await sign_in(request, org=person.org_id, member=person.id)
                    return redirect(request, target)
                errors["password"] = p.gettext("The e-mail address or the password is not right.")
        else:
            errors["email"] = p.gettext(
                "Enter your e-mail address and password (or, for machines, an API token)."
            )
    except Throttled as exc:
        ctx["notice"] = retry_message(p, exc)
        return render(
            request,
            "console/login.html",
            ctx,
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    return render(request, "console/login.html", {**ctx, "errors": errors}, status=422)


@router.post("/console/logout")
@router.post("/authority/logout")
async def logout(request: Request) -> Response:
    try:
        await checked_form(request)
    except CsrfError as exc:
        return refusal(request, str(exc))
    await sign_out(request)
    return redirect(request, "/authority/login" if _desk(request) else "/console/login")
