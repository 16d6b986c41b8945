"""Console sign-in and sign-out, with one of the organisation's API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from microcred.services import tokens
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
    sign_in,
    sign_out,
    text_field,
)

router = APIRouter(include_in_schema=False)


@router.get("/console/login")
def login_page(request: Request) -> Response:
    return render(request, "console/login.html", {"active": "console", "errors": {}})


@router.post("/console/login")
async def login(request: Request) -> Response:
    p = page(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return refusal(request, str(exc))
    secret = text_field(form, "token", 300)
    errors = {}
    principal = None
    if not secret:
        errors["token"] = p.gettext("Paste your organisation's API token.")
    else:
        try:  # throttled per client address: unknown tokens are counted
            principal = await run_in_threadpool(
                tokens.identify, instance_of(request), secret, address=client_host(request)
            )
        except Throttled as exc:
            return render(
                request,
                "console/login.html",
                {"active": "console", "errors": {}, "notice": retry_message(p, exc)},
                status=429,
                headers={"Retry-After": str(exc.retry_after)},
            )
        if principal is None:
            errors["token"] = p.gettext("This token is not valid: it is unknown or was revoked.")
    if principal is None:
        return render(
            request, "console/login.html", {"active": "console", "errors": errors}, status=422
        )
    await sign_in(request, org=principal.org_id, token=principal.token_id)
    return redirect(request, "/console")


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    try:
        await checked_form(request)
    except CsrfError as exc:
        return refusal(request, str(exc))
    await sign_out(request)
    return redirect(request, "/console/login")
