"""A learner gets a wallet by signing up in the browser: a name, a user name, an optional
e-mail address and a password; then signed in and sent back to ``next`` (the claim page
they came from, a path on this site only). Sign-ups are counted per client address."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from microcred.services import holders, throttle
from microcred.services.holders import HolderConflict, HolderError
from microcred.services.throttle import Throttled
from microcred.web.claim_after import CLAIM_PATH, claim_after_sign_in
from microcred.web.core import (
    CsrfError,
    checked_form,
    client_host,
    flash,
    instance_of,
    page,
    redirect,
    render,
    retry_message,
    run_password_work,
    safe_next,
    sign_in,
    text_field,
)

router = APIRouter(include_in_schema=False)
# One client address: 20 new wallets an hour (a class signing up behind one NAT fits).
SIGNUPS = throttle.Rule("signup-address", 20, timedelta(hours=1), timedelta(hours=1))
FIELDS = ("name", "handle", "email")


@router.get("/wallet/signup")
def signup_page(request: Request) -> Response:
    nxt = safe_next(request.query_params.get("next"), "/wallet")
    claiming = request.query_params.get("claim") == "1" and bool(CLAIM_PATH.match(nxt))
    context = {"active": "wallet", "errors": {}, "next": nxt, "claiming": claiming}
    return render(request, "wallet/signup.html", context)


@router.post("/wallet/signup")
async def signup(request: Request) -> Response:
    p = page(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return render(request, "error.html", {"message": str(exc), "active": "wallet"}, status=403)
    values = {name: text_field(form, name, 300) for name in FIELDS}
    values["handle"] = values["handle"].lower()
    password = str(form.get("password") or "")[:1000]
    nxt = safe_next(text_field(form, "next", 500), "/wallet")
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = p.gettext("Enter your name as it appears on your credentials.")
    if not values["handle"]:
        errors["handle"] = p.gettext("Choose a user name (a-z, 0-9 and -).")
    if len(password) < holders.MIN_PASSWORD_LENGTH:
        errors["password"] = p.gettext("Choose a password of at least %(n)s characters.") % {
            "n": holders.MIN_PASSWORD_LENGTH
        }
    elif password != str(form.get("confirm") or ""):
        errors["confirm"] = p.gettext("The two passwords are not the same.")
    for field in holders.invalid_fields(handle=values["handle"], email=values["email"] or None):
        errors[field] = {
            "email": p.gettext("This is not an e-mail address (name@example.org)."),
            "handle": p.gettext("A user name may use a-z, 0-9 and - (at most 64)."),
        }[field]
    claiming = form.get("claim") == "1" and bool(CLAIM_PATH.match(nxt))
    ctx: dict[str, object] = {"active": "wallet", "next": nxt, "claiming": claiming, **values}
    if not errors:
        try:
            key = (SIGNUPS, throttle.client_address(client_host(request)))
            await run_in_threadpool(throttle.reserve, instance_of(request), [key])
            holder = await run_password_work(
                holders.create,
                instance_of(request),
                name=values["name"],
                handle=values["handle"],
                email=values["email"] or None,
                password=password,
            )
        except Throttled as exc:
            notice = {"errors": {}, "notice": retry_message(p, exc)}
            return render(request, "wallet/signup.html", {**ctx, **notice}, status=429)
        except HolderError as exc:
            if isinstance(exc, HolderConflict):
                errors["handle"] = p.gettext("This user name is taken: choose another.")
            elif exc.field in FIELDS:
                errors[exc.field or "name"] = {
                    "email": p.gettext("This is not an e-mail address (name@example.org)."),
                    "handle": p.gettext("A user name may use a-z, 0-9 and - (at most 64)."),
                }.get(exc.field or "", str(exc))
            else:
                errors["password"] = str(exc)
        else:
            await sign_in(request, holder=holder.id)
            claimed = await claim_after_sign_in(request, holder.id, nxt, form)
            if claimed is not None:  # its page says the credential is in the new wallet
                return claimed
            flash(request, p.gettext("Your wallet is ready."))
            return redirect(request, nxt)
    return render(request, "wallet/signup.html", {**ctx, "errors": errors}, status=422)
