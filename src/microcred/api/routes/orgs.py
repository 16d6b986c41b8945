"""``/api/v1/orgs/{org}``: the organisation a token belongs to, and its audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from microcred.api.deps import CanRead, InstanceDep, OrgMember
from microcred.api.errors import ORG_ROUTE_ERRORS
from microcred.api.schemas import AuditPublic, OrgPublic
from microcred.services import audit, organisations

router = APIRouter(prefix="/api/v1/orgs/{org}", tags=["organisations"], responses=ORG_ROUTE_ERRORS)


@router.get("", response_model=OrgPublic, summary="The organisation (public information)")
def get_org(instance: InstanceDep, principal: OrgMember) -> OrgPublic:
    return OrgPublic(**organisations.get(instance, principal.org_id).to_json())


@router.get("/audit", response_model=list[AuditPublic], summary="The audit log, newest first")
def get_audit(
    instance: InstanceDep,
    principal: CanRead,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditPublic]:
    entries = audit.entries(instance, principal.org_id, limit)
    return [AuditPublic(**e.to_json()) for e in entries]
