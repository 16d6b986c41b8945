"""The organisation's members (people who sign in): invite by e-mail, change a role, disable
and enable. Administrators only (the ``admin`` scope, as for API tokens)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.i18n import languages
from microcred.services import member_mail, members
from microcred.services.members import MemberError, MemberInvalid
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


def _ctx(request: Request, member: Member, **extra: Any) -> dict[str, Any]:
    listed = members.list_for(instance_of(request), member.org.id)
    return member_ctx(
        member,
        "members",
        people=listed,
        roles=members.ROLES,
        role_labels=members.ROLE_LABELS,
        mail_languages=languages(),
        **extra,
    )


@router.get("/console/members")
def members_page(request: Request, member: Annotated[Member, requires("admin")]) -> Response:
    return render(request, "console/people.html", _ctx(request, member))


@router.post("/console/members")
def invite(request: Request, posted: Annotated[Posted, posts("admin")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    email = text_field(form, "email", 320)
    role = text_field(form, "role", 40)
    lang = text_field(form, "lang", 8) or p.lang
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = p.gettext("Enter the e-mail address of the person to invite.")
    else:
        try:  # said with the role's mistake, not after it is put right
            members.normalise_email(email)
        except MemberInvalid as exc:
            errors["email"] = _message(p, exc)
    if role not in members.ROLES:
        errors["role"] = p.gettext("Choose a role.")
    if not errors:
        inviter = member.person.name or member.person.email if member.person else member.org.name
        try:
            invited = member_mail.invite(
                instance_of(request),
                member.org.id,
                email,
                role,
                lang=lang,
                actor=actor(member),
                inviter=inviter,
            )
        except (MemberError, OrganisationError) as exc:
            errors["email" if exc.field != "role" else "role"] = _message(p, exc)
        else:
            if invited.sent is None:
                flash(
                    request,
                    p.gettext(
                        "The invitation was made, but the mail server did not take the "
                        "message: %(reason)s"
                    )
                    % {"reason": invited.problem},
                )
            elif invited.sent.via == "outbox":
                flash(
                    request,
                    p.gettext(
                        "No mail server is set up: the invitation to %(email)s was written to "
                        "the outbox, %(path)s."
                    )
                    % {"email": invited.member.email, "path": invited.sent.path},
                )
            else:
                flash(
                    request,
                    p.gettext("An invitation was sent to %(email)s.")
                    % {"email": invited.member.email},
                )
            return redirect(request, "/console/members")
    ctx = _ctx(request, member, email=email, role=role)
    ctx["errors"] = errors
    return render(request, "console/people.html", ctx, status=422)


def _message(p: Any, exc: Exception) -> str:
    field = getattr(exc, "field", None)
    if field == "email" and "already a member" in str(exc):
        return str(p.gettext("This person is already a member of the organisation."))
    if field == "email":
        return str(p.gettext("This is not an e-mail address (name@example.org)."))
    if "no administrator left" in str(exc):
        return str(p.gettext("The organisation would have no administrator left."))
    return str(exc)


@router.post("/console/members/{member_id}")
def change(request: Request, member_id: str, posted: Annotated[Posted, posts("admin")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    action = text_field(form, "action", 20)
    instance = instance_of(request)
    try:
        if action == "role":
            changed = members.change_role(
                instance,
                member.org.id,
                member_id[:40],
                text_field(form, "role", 40),
                actor=actor(member),
            )
            flash(
                request,
                p.gettext("%(email)s is now %(role)s.")
                % {"email": changed.email, "role": p.gettext(members.ROLE_LABELS[changed.role])},
            )
        elif action in ("disable", "enable"):
            changed = members.set_disabled(
                instance, member.org.id, member_id[:40], action == "disable", actor=actor(member)
            )
            flash(
                request,
                (
                    p.gettext("%(email)s is disabled and signed out.")
                    if action == "disable"
                    else p.gettext("%(email)s may sign in again.")
                )
                % {"email": changed.email},
            )
        else:
            return refusal(request, p.gettext("Choose what to change."), 422)
    except members.MemberNotFound:
        return refusal(request, p.gettext("No such member."), 404)
    except MemberError as exc:
        flash(request, _message(p, exc))
    return redirect(request, "/console/members")
