"""``/api/v1/orgs/{org}``: the organisation a token belongs to, and its audit log."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from microcred import errors
from microcred.api.deps import CanRead, InstanceDep, OrgMember
from microcred.api.errors import ORG_ROUTE_ERRORS
from microcred.api.schemas import AuditPublic, OrgPublic
from microcred.services import audit, audit_log, organisations

router = APIRouter(prefix="/api/v1/orgs/{org}", tags=["organisations"], responses=ORG_ROUTE_ERRORS)


@router.get("", response_model=OrgPublic, summary="The organisation (public information)")
def get_org(instance: InstanceDep, principal: OrgMember) -> OrgPublic:
    return OrgPublic(**organisations.get(instance, principal.org_id).to_json())


@router.get("/audit", response_model=list[AuditPublic], summary="The audit log, newest first")
def get_audit(
    instance: InstanceDep,
    principal: CanRead,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[
        str | None, Query(max_length=64, description="Only this action (credential.revoke, ...)")
    ] = None,
    actor: Annotated[str | None, Query(max_length=200, description="Part of the actor")] = None,
    since: Annotated[date | None, Query(alias="from", description="From this day (UTC)")] = None,
    until: Annotated[date | None, Query(alias="to", description="Up to this day (UTC)")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Part of the learner, course or details")
    ] = None,
) -> list[AuditPublic]:
    """The same filters as the console's audit log (and its CSV and JSON export)."""
    if action and action not in audit_log.ACTIONS:
        raise errors.InvalidInput(
            f"action: '{action}' is not an action of the audit log; use one of "
            + ", ".join(audit_log.ACTIONS),
            "action",
        )
    if since and until and since > until:
        raise errors.InvalidInput("to: the end date is before the start date", "to")
    if not (action or actor or since or until or q):
        entries = audit.entries(instance, principal.org_id, limit)
        return [AuditPublic(**e.to_json()) for e in entries]
    wanted = audit_log.AuditFilter(action or "", actor or "", since, until, q or "")
    lines = audit_log.export(instance, principal.org_id, wanted, limit=limit)
    return [
        AuditPublic(
            at=line.at,
            actor=line.actor,
            action=line.action,
            subject=line.subject,
            details=line.details,
        )
        for line in lines
    ]
