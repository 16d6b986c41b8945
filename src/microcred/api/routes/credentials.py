"""``/api/v1/orgs/{org}/credentials``: issuing, reading, revoking and suspending."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from microcred.api.deps import CanIssue, CanRead, CanRevoke, InstanceDep
from microcred.api.errors import ORG_ROUTE_ERRORS
from microcred.api.schemas import (
    CredentialCreate,
    CredentialList,
    CredentialPublic,
    RevokeRequest,
    SuspendRequest,
)
from microcred.services import credentials
from microcred.services.credentials import IssueRequest

router = APIRouter(
    prefix="/api/v1/orgs/{org}/credentials", tags=["credentials"], responses=ORG_ROUTE_ERRORS
)


def _public(view: credentials.IssuedView, *, with_document: bool = True) -> CredentialPublic:
    return CredentialPublic(**view.to_json(with_document=with_document))


@router.post(
    "",
    response_model=CredentialPublic,
    status_code=201,
    summary="Issue one credential (idempotent by row_key)",
    responses={200: {"description": "a credential with this row_key was issued before"}},
)
def issue_credential(
    instance: InstanceDep, principal: CanIssue, body: CredentialCreate, response: Response
) -> CredentialPublic:
    request = IssueRequest(
        learner_name=body.learner_name,
        learner_id=body.learner_id,
        issued_on=body.issued_on or datetime.now(UTC).date(),
        grade=body.grade,
        narrative=body.narrative,
        evidence_url=body.evidence_url,
        row_key=body.row_key,
        given_name=body.given_name,
        family_name=body.family_name,
    )
    view = credentials.issue(
        instance, principal.org_id, body.spec_id, request, fmt=body.format, actor=principal.actor
    )
    if not view.created:
        response.status_code = 200
    return _public(view)


@router.get("", response_model=CredentialList, summary="Issued credentials, newest first")
def list_credentials(
    instance: InstanceDep,
    principal: CanRead,
    search: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    include_document: bool = False,
) -> CredentialList:
    views = credentials.list_for(
        instance, principal.org_id, search=search or None, limit=limit, offset=offset
    )
    return CredentialList(
        items=[_public(v, with_document=include_document) for v in views],
        limit=limit,
        offset=offset,
    )


@router.get("/{credential_id}", response_model=CredentialPublic, summary="One credential")
def get_credential(
    instance: InstanceDep, principal: CanRead, credential_id: str
) -> CredentialPublic:
    return _public(credentials.get(instance, credential_id, org_ref=principal.org_id))


@router.post("/{credential_id}/revoke", response_model=CredentialPublic, summary="Revoke for good")
def revoke_credential(
    instance: InstanceDep, principal: CanRevoke, credential_id: str, body: RevokeRequest
) -> CredentialPublic:
    view = credentials.revoke(
        instance,
        credential_id,
        reason=body.reason,
        org_ref=principal.org_id,
        actor=principal.actor,
    )
    return _public(view, with_document=False)


@router.post("/{credential_id}/suspend", response_model=CredentialPublic, summary="Suspend")
def suspend_credential(
    instance: InstanceDep,
    principal: CanRevoke,
    credential_id: str,
    body: SuspendRequest | None = None,
) -> CredentialPublic:
    view = credentials.set_suspended(
        instance,
        credential_id,
        True,
        reason=body.reason if body else None,
        org_ref=principal.org_id,
        actor=principal.actor,
    )
    return _public(view, with_document=False)


@router.post(
    "/{credential_id}/unsuspend", response_model=CredentialPublic, summary="Lift a suspension"
)
def unsuspend_credential(
    instance: InstanceDep, principal: CanRevoke, credential_id: str
) -> CredentialPublic:
    view = credentials.set_suspended(
        instance, credential_id, False, org_ref=principal.org_id, actor=principal.actor
    )
    return _public(view, with_document=False)
