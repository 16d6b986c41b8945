"""``/api/v1/orgs/{org}/members``: the people of the organisation (admin scope): list,
invite by e-mail, change a role, disable or enable. The console's members page does the
same through services/members."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from microcred.api.deps import CanAdmin, InstanceDep
from microcred.api.errors import ORG_ROUTE_ERRORS, error_responses
from microcred.services import member_mail, members

router = APIRouter(
    prefix="/api/v1/orgs/{org}/members", tags=["members"], responses=ORG_ROUTE_ERRORS
)
Role = Literal["administrator", "issuer", "revoker", "viewer", "recognition_officer"]


class MemberPublic(BaseModel):
    id: str
    org: str
    email: str
    name: str
    role: Role
    scopes: list[str]
    state: Literal["invited", "active", "disabled"]
    created_at: datetime


class MemberInvite(BaseModel):
    email: str = Field(min_length=3, max_length=320, description="the invitee's e-mail address")
    role: Role
    lang: str = Field("en", max_length=8, description="the language of the invitation mail")
    name: str = Field("", max_length=300)


class MemberInvited(BaseModel):
    member: MemberPublic
    mail: Literal["smtp", "outbox", "failed"] = Field(
        description="sent through the mail server, written to the instance's outbox (no "
        "SMTP server set up), or refused by the mail server (invite again later)"
    )


class MemberChange(BaseModel):
    role: Role | None = None
    disabled: bool | None = None


def _public(view: members.MemberView) -> MemberPublic:
    return MemberPublic.model_validate(view.to_json())


@router.get("", response_model=list[MemberPublic], summary="The organisation's members")
def list_members(instance: InstanceDep, principal: CanAdmin) -> list[MemberPublic]:
    return [_public(m) for m in members.list_for(instance, principal.org_id)]


@router.post(
    "",
    response_model=MemberInvited,
    status_code=201,
    summary="Invite a member: an e-mail with a one-time set-password link",
    responses=error_responses(409),
)
def invite_member(instance: InstanceDep, principal: CanAdmin, body: MemberInvite) -> MemberInvited:
    invited = member_mail.invite(
        instance,
        principal.org_id,
        body.email,
        body.role,
        lang=body.lang,
        name=body.name,
        actor=principal.actor,
    )
    via = invited.sent.via if invited.sent else "failed"
    return MemberInvited(member=_public(invited.member), mail=via)


@router.patch(
    "/{member_id}",
    response_model=MemberPublic,
    summary="Change a member's role, or disable (sign out) / enable them",
    responses=error_responses(409),
)
def change_member(
    instance: InstanceDep, principal: CanAdmin, member_id: str, body: MemberChange
) -> MemberPublic:
    view = None
    if body.role is not None:
        view = members.change_role(
            instance, principal.org_id, member_id, body.role, actor=principal.actor
        )
    if body.disabled is not None:
        view = members.set_disabled(
            instance, principal.org_id, member_id, body.disabled, actor=principal.actor
        )
    if view is None:
        view = next(
            (m for m in members.list_for(instance, principal.org_id) if m.id == member_id), None
        )
        if view is None:
            raise members.MemberNotFound("no such member in this organisation", "member_id")
    return _public(view)
