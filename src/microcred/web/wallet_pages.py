"""The learner's wallet: sign in, import, portfolio with charts, credential detail with the PDF
certificate, share links with QR codes, and progress towards pathways."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from microcred.services import holders, import_texts, sharing, wallet
from microcred.services.holders import HolderError, HolderView
from microcred.services.throttle import Throttled
from microcred.services.wallet import WalletItem
from microcred.services.wallet.names import someone_else
from microcred.web import charts
from microcred.web import report as reports
from microcred.web.claim_after import CLAIM_PATH, claim_after_sign_in
from microcred.web.console import TurnedAway
from microcred.web.core import (
    CsrfError,
    Page,
    checked_form,
    client_host,
    finish,
    flash,
    instance_of,
    page,
    redirect,
    render,
    retry_message,
    run_password_work,
    safe_next,
    session_of,
    sign_in,
    sign_out,
    text_field,
)

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 5 * 1024 * 1024
STATUSES = ("valid", "unchecked", "revoked", "suspended", "expired", "invalid")


def current_holder(request: Request) -> HolderView | None:
    session = session_of(request)
    if not session.holder:
        return None
    try:
        return holders.get(instance_of(request), session.holder)
    except HolderError:
        return None


def _login_redirect(request: Request) -> Response:
    return redirect(request, f"/wallet/login?next={request.url.path}")


def _forbidden(request: Request, message: str) -> Response:
    return render(
        request,
        "error.html",
        {"message": message, "active": "wallet", "back": "/wallet"},
        status=403,
    )


def signed_in(request: Request) -> HolderView:
    """A wallet page's dependency (``holder: SignedIn``): the signed-in holder, or the sign-in
    page (:class:`TurnedAway`). A plain def: FastAPI looks the holder up off the event loop."""
    holder = current_holder(request)
    if holder is None:
        raise TurnedAway(_login_redirect(request))
    return holder


async def checked(request: Request) -> FormData:
    """A wallet form post's dependency (``form: CheckedForm``): the form, its CSRF token
    checked, or the refusal page."""
    try:
        return await checked_form(request)
    except CsrfError as exc:
        raise TurnedAway(_forbidden(request, str(exc))) from None


SignedIn = Annotated[HolderView, Depends(signed_in)]
CheckedForm = Annotated[FormData, Depends(checked)]


# ---------------------------------------------------------------- sign in / out


@router.get("/wallet/login")
def login_page(request: Request) -> Response:
    nxt = safe_next(request.query_params.get("next"), "")
    claiming = request.query_params.get("claim") == "1" and bool(CLAIM_PATH.match(nxt))
    return render(
        request,
        "wallet/login.html",
        {"active": "wallet", "errors": {}, "next": nxt, "claiming": claiming},
    )


@router.post("/wallet/login")
async def login(request: Request) -> Response:
    p = page(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return _forbidden(request, str(exc))
    handle = text_field(form, "handle", 64)
    password = text_field(form, "password", 1000)
    # where to go after signing in: kept through a wrong password (a path on this site only)
    nxt = safe_next(text_field(form, "next", 500), "")
    claiming = form.get("claim") == "1" and bool(CLAIM_PATH.match(nxt))
    errors: dict[str, str] = {}
    if not handle:
        errors["handle"] = p.gettext("Enter your user name.")
    if not password:
        errors["password"] = p.gettext("Enter your password.")
    holder = None
    if not errors:
        try:
            # Throttled per account and address; the password hash runs in a worker thread.
            holder = await run_password_work(
                holders.sign_in, instance_of(request), handle, password, client_host(request)
            )
        except Throttled as exc:
            return render(
                request,
                "wallet/login.html",
                {
                    "active": "wallet",
                    "errors": {},
                    "handle": handle,
                    "next": nxt,
                    "claiming": claiming,
                    "notice": retry_message(p, exc),
                },
                status=429,
                headers={"Retry-After": str(exc.retry_after)},
            )
        if holder is None:
            errors["password"] = p.gettext("The user name or the password is not right.")
    if holder is None:
        return render(
            request,
            "wallet/login.html",
            {
                **{"active": "wallet", "errors": errors, "handle": handle},
                "next": nxt,
                "claiming": claiming,
            },
            status=422,
        )
    await sign_in(request, holder=holder.id)
    claimed = await claim_after_sign_in(request, holder.id, nxt, form)
    return claimed or redirect(request, nxt or "/wallet")


@router.post("/wallet/logout")
async def logout(request: Request) -> Response:
    try:
        await checked_form(request)
    except CsrfError as exc:
        return _forbidden(request, str(exc))
    await sign_out(request)
    return redirect(request, "/wallet/login")


@router.get("/wallet/password")
def password_page(request: Request, holder: SignedIn) -> Response:
    return render(
        request,
        "wallet/password.html",
        {"active": "wallet", "section": "password", "holder": holder, "errors": {}},
    )


@router.post("/wallet/password")
async def change_password(request: Request, holder: SignedIn) -> Response:
    """A new password: every other signed-in browser of the holder is signed out."""
    p = page(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return _forbidden(request, str(exc))
    current = text_field(form, "current_password", 1000)
    new = text_field(form, "new_password", 1000)
    errors: dict[str, str] = {}
    if not current:
        errors["current_password"] = p.gettext("Enter your current password.")
    if len(new) < holders.MIN_PASSWORD_LENGTH:
        errors["new_password"] = p.gettext("The new password needs at least %(n)s characters.") % {
            "n": holders.MIN_PASSWORD_LENGTH
        }
    context: dict[str, Any] = {
        "active": "wallet",
        "section": "password",
        "holder": holder,
        "errors": errors,
    }
    if not errors:
        try:
            await run_password_work(
                holders.change_password,
                instance_of(request),
                holder.id,
                current,
                new,
                keep_session=session_of(request).sid,
                address=client_host(request),
            )
        except Throttled as exc:
            context["notice"] = retry_message(p, exc)
            return render(
                request,
                "wallet/password.html",
                context,
                status=429,
                headers={"Retry-After": str(exc.retry_after)},
            )
        except HolderError as exc:
            if exc.field == "current_password":
                errors["current_password"] = p.gettext("This is not your current password.")
            else:
                errors["new_password"] = str(exc)
        else:
            flash(request, p.gettext("Your password is changed. Your other sessions are ended."))
            return redirect(request, "/wallet")
    return render(request, "wallet/password.html", context, status=422)


# ---------------------------------------------------------------- the portfolio


def skill_names(items: list[WalletItem], p: Page) -> dict[str, str]:
    """ESCO skill URIs with the names the credentials give them."""
    names: dict[str, str] = {}
    for item in items:
        spec = reports.section(item.model, "spec")
        for skill in spec.get("skills", []) or []:
            if isinstance(skill, dict) and skill.get("esco_uri"):
                label = reports.text(skill.get("name"), p)
                if label:
                    names.setdefault(str(skill["esco_uri"]), label)
        for outcome in spec.get("learning_outcomes", []) or []:
            if isinstance(outcome, dict) and outcome.get("esco_skill"):
                label = reports.text(outcome.get("text"), p)
                if label:
                    names.setdefault(str(outcome["esco_skill"]), label)
    return names


def _filters(request: Request, p: Page) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    q = request.query_params
    raw = {
        k: (q.get(k) or "").strip()[:200]
        for k in ("issuer", "skill", "eqf", "status", "from", "to")
    }
    errors: dict[str, str] = {}
    args: dict[str, Any] = {}
    if raw["issuer"]:
        args["issuer"] = raw["issuer"]
    if raw["skill"]:
        args["skill"] = raw["skill"]
    if raw["eqf"]:
        if raw["eqf"].isdigit() and 1 <= int(raw["eqf"]) <= 8:
            args["eqf_level"] = int(raw["eqf"])
        else:
            errors["eqf"] = p.gettext("The EQF level is a number from 1 to 8.")
    if raw["status"]:
        if raw["status"] in STATUSES:
            args["status"] = raw["status"]
        else:
            errors["status"] = p.gettext("Choose a status from the list.")
    for key, arg in (("from", "date_from"), ("to", "date_to")):
        if raw[key]:
            try:
                args[arg] = date.fromisoformat(raw[key])
            except ValueError:
                errors[key] = p.gettext("Write the date as YYYY-MM-DD.")
    return args, raw, errors


def portfolio_context(request: Request, holder: HolderView) -> dict[str, Any]:
    p = page(request)
    instance = instance_of(request)
    args, raw, errors = _filters(request, p)
    everything = wallet.list_items(instance, holder.id)
    items = wallet.list_items(instance, holder.id, **args) if not errors else everything
    totals = wallet.totals(items)
    timeline = wallet.timeline(items)
    by_day: dict[str, float] = {}
    for point in timeline:
        if point["date"]:
            by_day[point["date"]] = point["ects_total"]
    ects_points = [(p.date(day), value) for day, value in by_day.items()]
    names = skill_names(everything, p)
    counts = Counter(s for i in items if i.status == "valid" for s in i.skills)
    skills = [
        (names.get(uri, uri.rsplit("/", 1)[-1]), float(n)) for uri, n in counts.most_common(12)
    ]
    ects_chart = charts.steps(
        ects_points,
        title=p.gettext("ECTS credits earned over time"),
        desc=p.gettext("Running total of ECTS credits of valid credentials, by date of issue."),
        ident="ects",
    )
    skills_chart = charts.hbars(
        skills,
        title=p.gettext("Skills covered"),
        desc=p.gettext("ESCO skills and how many valid credentials cover each."),
        ident="skills",
    )
    return {
        "active": "wallet",
        "section": "portfolio",
        "holder": holder,
        "items": items,
        "totals": totals,
        "filters": raw,
        "errors": errors,
        "ects_points": ects_points,
        "ects_chart": ects_chart,
        "skills": skills,
        "skills_chart": skills_chart,
        "statuses": STATUSES,
        "status_words": {s: p.gettext(reports.STATUS_WORDS[s]) for s in STATUSES},
    }


@router.get("/wallet")
def portfolio(request: Request, holder: SignedIn) -> Response:
    context = portfolio_context(request, holder)
    status = 422 if context["errors"] and request.headers.get("hx-request") != "true" else 200
    return render(request, "wallet/portfolio.html", context, status=status)


# ---------------------------------------------------------------- import


@router.get("/wallet/import")
def import_page(request: Request, holder: SignedIn) -> Response:
    return render(
        request,
        "wallet/import.html",
        {"active": "wallet", "section": "import", "holder": holder, "errors": {}},
    )


@router.post("/wallet/import")
async def import_submit(request: Request, holder: SignedIn) -> Response:
    p = page(request)
    instance = instance_of(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return _forbidden(request, str(exc))
    errors: dict[str, str] = {}
    raw: bytes | None = None
    filename = None
    source = None
    field = "text"
    upload = form.get("file")
    url = text_field(form, "url", 2000)
    pasted = text_field(form, "text", MAX_UPLOAD)
    if isinstance(upload, UploadFile) and upload.filename:
        field, filename = "file", upload.filename[:200]
        raw = await upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            errors["file"] = p.gettext("The file is larger than 5 MB.")
    elif url:
        field, source = "url", url
        try:
            raw = await run_in_threadpool(wallet.fetch_url, instance, url)
        except HolderError as exc:
            errors["url"] = (
                p.gettext(
                    "Could not fetch this address: the host is not allowed or did not answer."
                )
                if str(exc) == wallet.URL_REFUSED
                else str(exc)
            )
    elif pasted:
        raw = pasted.encode("utf-8")
    else:
        errors["text"] = p.gettext("Choose a file, enter a web address, or paste a credential.")
    if raw is not None and not errors:
        try:
            item, new = await run_in_threadpool(
                lambda: wallet.import_bytes(
                    instance, holder.id, raw, filename=filename, source=source
                )
            )
        except HolderError as exc:
            errors[field] = import_texts.message_in(str(exc), p)
        except Exception:  # noqa: BLE001 - whatever was uploaded, a message and never a 500
            errors[field] = p.gettext("This is not a credential this page can read.")
        else:
            other = someone_else(item.learner_name, holder.name)
            if other:  # said at once; the credential page keeps saying it
                flash(
                    request,
                    p.gettext("Imported, but it names %(other)s, not you: remove it if not yours.")
                    % {"other": other},
                )
            elif new:
                flash(request, p.gettext("Imported: %(title)s") % {"title": item.title_in(p.lang)})
            else:
                flash(
                    request,
                    p.gettext("Already in your wallet: %(title)s")
                    % {"title": item.title_in(p.lang)},
                )
            return redirect(request, f"/wallet/credentials/{item.id}")
    return render(
        request,
        "wallet/import.html",
        {
            "active": "wallet",
            "section": "import",
            "holder": holder,
            "errors": errors,
            "url": url,
            "text": pasted[:20000],
        },
        status=422,
    )


# ---------------------------------------------------------------- one credential


def _item(request: Request, holder: HolderView, item_id: str) -> WalletItem | None:
    try:
        return wallet.get_item(instance_of(request), holder.id, item_id[:100])
    except HolderError:
        return None


def _not_found(request: Request) -> Response:
    p = page(request)
    return render(
        request,
        "error.html",
        {
            "title": p.gettext("Not found"),
            "message": p.gettext("There is no such credential in your wallet."),
            "active": "wallet",
            "back": "/wallet",
        },
        status=404,
    )


@router.get("/wallet/credentials/{item_id}")
def credential_page(request: Request, item_id: str, holder: SignedIn) -> Response:
    item = _item(request, holder, item_id)
    if item is None:
        return _not_found(request)
    p = page(request)
    document = item.document()
    view = reports.build(
        item.report, item.model, document if isinstance(document, dict) else None, p
    )
    shares = [
        s
        for s in sharing.list_shares(instance_of(request), holder.id)
        if item.id in s.credential_ids
    ]
    return render(
        request,
        "wallet/credential.html",
        {
            "active": "wallet",
            "section": "portfolio",
            "holder": holder,
            "item": item,
            "view": view,
            "shares": shares,
            "errors": {},
            "named_other": someone_else(item.learner_name, holder.name),
        },
    )


@router.post("/wallet/credentials/{item_id}/reverify")
async def reverify(request: Request, item_id: str, holder: SignedIn) -> Response:
    try:
        await checked_form(request)
    except CsrfError as exc:
        return _forbidden(request, str(exc))
    item = _item(request, holder, item_id)
    if item is None:
        return _not_found(request)
    await run_in_threadpool(wallet.reverify, instance_of(request), holder.id, [item.id])
    flash(request, page(request).gettext("Verified again just now."))
    return redirect(request, f"/wallet/credentials/{item.id}")


def _certificate(request: Request, item: WalletItem, url: str) -> Response:
    from microcred.documents import certificate_pdf

    pdf = certificate_pdf(item.model, verification_url=url, report=item.report)
    response = Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="certificate.pdf"',
            "Cache-Control": "no-store",
        },
    )
    return finish(request, response)


def _error(request: Request, item: WalletItem, message: str) -> Response:
    back = f"/wallet/credentials/{item.id}"
    return render(
        request, "error.html", {"message": message, "active": "wallet", "back": back}, status=422
    )


@router.get("/wallet/credentials/{item_id}/certificate.pdf")
def certificate(request: Request, item_id: str, holder: SignedIn) -> Response:
    """The certificate with a QR code of the public verify page: downloading never creates a
    share link (the POST below puts one that the learner made on it)."""
    item = _item(request, holder, item_id)
    if item is None:
        return _not_found(request)
    return _certificate(request, item, sharing.verify_page_url(instance_of(request)))


@router.post("/wallet/credentials/{item_id}/certificate.pdf")
def certificate_with_share(
    request: Request, item_id: str, holder: SignedIn, form: CheckedForm
) -> Response:
    """The certificate with a QR code of a share link the learner made (``share_url``)."""
    item = _item(request, holder, item_id)
    if item is None:
        return _not_found(request)
    url = text_field(form, "share_url", 2000)
    try:
        sharing.chosen_share(instance_of(request), holder.id, url, [item.id])
    except HolderError:
        return _error(
            request,
            item,
            page(request).gettext(
                "This share link does not show this credential, has expired or was revoked. "
                "Create a new share link of this credential and try again."
            ),
        )
    return _certificate(request, item, url)


@router.post("/wallet/credentials/{item_id}/linkedin")
def linkedin(request: Request, item_id: str, holder: SignedIn, _form: CheckedForm) -> Response:
    """Add to LinkedIn: this POST makes a share link of the credential, valid for a year, and
    shows it once, with the link to LinkedIn's "add to profile" page that carries it."""
    item = _item(request, holder, item_id)
    if item is None:
        return _not_found(request)
    instance = instance_of(request)
    try:  # a credential LinkedIn cannot show (no name, no issuer name): said before any share
        sharing.linkedin_url(instance, holder.id, item.id)
    except ValueError as exc:
        return _error(request, item, str(exc))
    created = sharing.create_share(
        instance, holder.id, [item.id], expires_in_days=sharing.MAX_SHARE_DAYS
    )
    context = _shares_context(request, holder, back=f"/wallet/credentials/{item.id}")
    _show_created(request, holder, created, context)
    return render(request, "wallet/shares.html", context)


# ---------------------------------------------------------------- share links


def _shares_context(request: Request, holder: HolderView, **extra: Any) -> dict[str, Any]:
    instance = instance_of(request)
    items = {i.id: i for i in wallet.list_items(instance, holder.id)}
    shares = sharing.list_shares(instance, holder.id)
    return {
        "active": "wallet",
        "section": "shares",
        "holder": holder,
        "shares": shares,
        "items": items,
        "errors": {},
        **extra,
    }


def _show_created(
    request: Request, holder: HolderView, created: sharing.ShareView, context: dict[str, Any]
) -> None:
    """A new share link on the page (shown this once) with its QR code; for one credential,
    also the certificate with it and the LinkedIn "add to profile" link with it."""
    from microcred.web.wallet_sharing import share_sheet

    assert created.url is not None
    context["created"] = created
    linkedin = None
    if len(created.credential_ids) == 1:
        item_id = created.credential_ids[0]
        context["created_item"] = item_id
        try:
            linkedin = sharing.linkedin_url(
                instance_of(request), holder.id, item_id, share=created.url
            )
        except (ValueError, HolderError):  # LinkedIn cannot show it: no such link
            pass
    context["created_sheet"] = share_sheet(
        page(request), created.url, name=holder.name, linkedin=linkedin
    )


@router.get("/wallet/shares")
def shares_page(request: Request, holder: SignedIn) -> Response:
    return render(request, "wallet/shares.html", _shares_context(request, holder))


@router.post("/wallet/shares")
def create_share(request: Request, holder: SignedIn, form: CheckedForm) -> Response:
    p = page(request)
    ids = [v for v in form.getlist("credential") if isinstance(v, str)][:100]
    days_text = text_field(form, "days", 10) or "30"
    errors: dict[str, str] = {}
    if not ids:
        errors["credential"] = p.gettext("Choose at least one credential to share.")
    if not days_text.isdigit() or not 1 <= int(days_text) <= sharing.MAX_SHARE_DAYS:
        errors["days"] = p.gettext("A link lasts from 1 to %(max)s days.") % {
            "max": sharing.MAX_SHARE_DAYS
        }
    created = None
    if not errors:
        try:
            created = sharing.create_share(
                instance_of(request), holder.id, ids, expires_in_days=int(days_text)
            )
        except HolderError as exc:
            errors["credential"] = str(exc)
    context = _shares_context(request, holder)
    context["errors"] = errors
    if created is not None and created.url:
        _show_created(request, holder, created, context)
    back = text_field(form, "back", 200)
    if back.startswith("/wallet/credentials/") and created is not None and created.url:
        context["back"] = back
    return render(request, "wallet/shares.html", context, status=422 if errors else 200)


@router.post("/wallet/shares/{share_id}/revoke")
def revoke_share(request: Request, share_id: str, holder: SignedIn, _form: CheckedForm) -> Response:
    p = page(request)
    try:
        sharing.revoke_share(instance_of(request), holder.id, share_id[:100])
    except HolderError:
        return _not_found(request)
    flash(request, p.gettext("The link was revoked: it no longer opens."))
    return redirect(request, "/wallet/shares")
