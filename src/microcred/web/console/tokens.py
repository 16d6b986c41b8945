"""The organisation's API tokens: list, create, revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.services import tokens
from microcred.services.audit_log import SCOPES as SCOPE_LABELS
from microcred.services.organisations import OrganisationError
from microcred.web.console.members import (
    Member,
    Posted,
    actor,
    member_ctx,
    posts,
    refusal,
    requires,
)
from microcred.web.core import flash, instance_of, page, redirect, render, text_field

router = APIRouter(include_in_schema=False)


@router.get("/console/tokens")
def tokens_page(request: Request, member: Annotated[Member, requires("admin")]) -> Response:
    return render(request, "console/tokens.html", _tokens_ctx(request, member))


def _tokens_ctx(request: Request, member: Member, **extra: Any) -> dict[str, Any]:
    listed = tokens.list_for(instance_of(request), member.org.id) if member.can("admin") else []
    return member_ctx(
        member,
        "tokens",
        tokens=listed,
        all_scopes=tokens.SCOPES,
        scope_labels=SCOPE_LABELS,  # the scope's word in the reader's language
        **extra,
    )


@router.post("/console/tokens")
def create_token(request: Request, posted: Annotated[Posted, posts("admin")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    name = text_field(form, "name", 300)
    scopes = [s for s in form.getlist("scope") if isinstance(s, str)][:10]
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = p.gettext("Give the token a name, e.g. the system that will use it.")
    if not scopes:
        errors["scope"] = p.gettext("Choose at least one scope.")
    secret = None
    if not errors:
        try:
            _, secret = tokens.create(
                instance_of(request), member.org.id, name, scopes, actor=actor(member)
            )
        except OrganisationError as exc:
            errors["scope" if exc.field == "scopes" else "name"] = str(exc)
    ctx = _tokens_ctx(request, member, secret=secret, name=name if errors else "")
    ctx["errors"] = errors
    return render(request, "console/tokens.html", ctx, status=422 if errors else 200)


@router.post("/console/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: str, posted: Annotated[Posted, posts("admin")]
) -> Response:
    member = posted.member
    p = page(request)
    try:
        tokens.revoke(instance_of(request), member.org.id, token_id[:40], actor=actor(member))
    except OrganisationError:
        return refusal(request, p.gettext("No such token."), 404)
    flash(request, p.gettext("The token was revoked."))
    return redirect(request, "/console/tokens")
