"""The credentials the organisation issued: search, one credential, revoke or suspend it."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.http_status import status_for
from microcred.services import credential_history, credential_listing, credentials
from microcred.services.organisations import OrganisationError
from microcred.web.console.delivery import delivery_ctx
from microcred.web.console.members import (
    Member,
    Posted,
    actor,
    member_ctx,
    posts,
    refusal,
    requires,
)
from microcred.web.console.offers import offers_ctx
from microcred.web.console.query import query_day, query_page, query_text
from microcred.web.core import flash, instance_of, page, redirect, render, text_field

router = APIRouter(include_in_schema=False)


def _filter(request: Request, errors: dict[str, str]) -> credential_listing.CredentialFilter:
    status = query_text(request, "status", 20)
    if status not in ("", "active", "revoked", "suspended"):
        errors["status"] = page(request).gettext("Choose a status from the list.")
        status = ""
    wanted = credential_listing.CredentialFilter(
        search=query_text(request, "q"),
        status=status,  # type: ignore[arg-type]  # checked just above
        course=query_text(request, "course", 500),
        issued_from=query_day(request, "from", errors),
        issued_to=query_day(request, "to", errors),
    )
    if wanted.issued_from and wanted.issued_to and wanted.issued_from > wanted.issued_to:
        errors["to"] = page(request).gettext("The end date is before the start date.")
    return wanted


@router.get("/console/credentials")
def credentials_page(request: Request, member: Annotated[Member, requires("read")]) -> Response:
    """Every credential the organisation issued, with its course, filtered and paged, with the
    counts of the selection by status (the console at scale)."""
    errors: dict[str, str] = {}
    wanted = _filter(request, errors)
    number = query_page(request)
    found = credential_listing.list_page(instance_of(request), member.org.id, wanted, page=number)
    query = {
        key: value
        for key, value in (
            ("q", wanted.search),
            ("status", wanted.status),
            ("course", wanted.course),
            ("from", wanted.issued_from.isoformat() if wanted.issued_from else ""),
            ("to", wanted.issued_to.isoformat() if wanted.issued_to else ""),
        )
        if value
    }
    ctx = member_ctx(member, "credentials", listing=found, wanted=wanted, q=wanted.search,
                     query=query)  # fmt: skip
    ctx["errors"] = errors
    return render(request, "console/credentials.html", ctx, status=422 if errors else 200)


def _credential(request: Request, member: Member, cid: str) -> Any:
    try:
        return credentials.get(instance_of(request), cid[:200], org_ref=member.org.id)
    except OrganisationError:
        return None


def _reason(request: Request, member: Member, cid: str) -> tuple[Any, str | None]:
    return credential_history.revocation(instance_of(request), cid, org_id=member.org.id)


@router.get("/console/credentials/{cid}")
def credential_page(
    request: Request, cid: str, member: Annotated[Member, requires("read")]
) -> Response:
    item = _credential(request, member, cid)
    if item is None:
        return refusal(request, page(request).gettext("No such credential."), 404)
    revoked_at, reason = _reason(request, member, cid)
    return render(
        request,
        "console/credential.html",
        member_ctx(member, "credentials", item=item, revoked_at=revoked_at, reason=reason,
             document=json.dumps(item.credential(), indent=2, ensure_ascii=False)
             if item.format != "jwt" else item.document, **delivery_ctx(request, item),
             **offers_ctx(request, member, item)),
    )  # fmt: skip


@router.post("/console/credentials/{cid}/status")
def change_status(
    request: Request, cid: str, posted: Annotated[Posted, posts("revoke")]
) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    item = _credential(request, member, cid)
    if item is None:
        return refusal(request, p.gettext("No such credential."), 404)
    action = text_field(form, "action", 20)
    reason = text_field(form, "reason", 500)
    errors: dict[str, str] = {}
    status = 422  # the form's own checks; a domain error answers with the API's status
    if action not in ("revoke", "suspend", "unsuspend"):
        errors["action"] = p.gettext("Choose what to do.")
    elif action != "unsuspend" and not reason:
        errors["reason"] = p.gettext("Give a reason: the audit log keeps it.")
    if not errors and action in ("revoke", "suspend") and text_field(form, "confirm", 5) != "yes":
        # A confirmation step that works without JavaScript: the same post again, confirmed,
        # once the member has read whose credential, which course, and what it means.
        ctx = member_ctx(member, "credentials", item=item, action=action, form_reason=reason,
                         **delivery_ctx(request, item))  # fmt: skip
        return render(request, "console/confirm_status.html", ctx)
    if not errors:
        try:
            if action == "revoke":
                credentials.revoke(
                    instance_of(request), item.id, reason=reason, org_ref=member.org.id,
                    actor=actor(member),
                )  # fmt: skip
                flash(request, p.gettext("The credential was revoked."))
            else:
                credentials.set_suspended(
                    instance_of(request), item.id, action == "suspend", reason=reason or None,
                    org_ref=member.org.id, actor=actor(member),
                )  # fmt: skip
                flash(
                    request,
                    p.gettext("The credential was suspended.")
                    if action == "suspend"
                    else p.gettext("The suspension was lifted."),
                )
            if not member.can("read"):  # the credential's page needs read
                return redirect(request, "/console")
            return redirect(request, f"/console/credentials/{item.id}")
        except OrganisationError as exc:
            errors["action"] = str(exc)
            status = status_for(exc)[0]
    if not member.can("read"):
        return refusal(request, " ".join(errors.values()), status)
    revoked_at, old_reason = _reason(request, member, cid)
    ctx = member_ctx(member, "credentials", item=item, revoked_at=revoked_at, reason=old_reason,
               document=item.document, form_reason=reason,
               **delivery_ctx(request, item), **offers_ctx(request, member, item))  # fmt: skip
    ctx["errors"] = errors
    return render(request, "console/credential.html", ctx, status=status)
