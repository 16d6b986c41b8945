"""``/api/v1/orgs/{org}/specs``: publishing and listing micro-credential specifications."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response

from microcred.api.deps import CanIssue, CanRead, InstanceDep
from microcred.api.errors import ORG_ROUTE_ERRORS, ApiError
from microcred.api.schemas import SpecPublic, nul_path
from microcred.services import specifications

router = APIRouter(
    prefix="/api/v1/orgs/{org}/specs", tags=["specifications"], responses=ORG_ROUTE_ERRORS
)


@router.post(
    "",
    response_model=SpecPublic,
    status_code=201,
    summary="Publish a specification (a new version, or the same latest version when unchanged)",
    responses={200: {"description": "unchanged: the latest version already has this content"}},
)
def publish_spec(
    instance: InstanceDep,
    principal: CanIssue,
    response: Response,
    spec: dict[str, Any] = Body(..., description="the specification (as in `microcred spec new`)"),
) -> SpecPublic:
    where = nul_path(spec)
    if where is not None:
        raise ApiError(422, "validation_error", f"{where}: must not contain NUL characters", where)
    view = specifications.publish(instance, principal.org_id, spec, actor=principal.actor)
    if not view.created:
        response.status_code = 200
    return SpecPublic(**view.to_json())


@router.get("", response_model=list[SpecPublic], summary="Every version of every specification")
def list_specs(instance: InstanceDep, principal: CanRead) -> list[SpecPublic]:
    return [SpecPublic(**v.to_json()) for v in specifications.list_for(instance, principal.org_id)]
