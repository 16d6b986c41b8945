"""``/api/v1/orgs/{org}/tokens``: the organisation's API tokens (admin scope)."""

from __future__ import annotations

from fastapi import APIRouter

from microcred.api.deps import CanAdmin, InstanceDep
from microcred.api.errors import ORG_ROUTE_ERRORS
from microcred.api.schemas import TokenCreate, TokenCreated, TokenPublic
from microcred.services import tokens

router = APIRouter(prefix="/api/v1/orgs/{org}/tokens", tags=["tokens"], responses=ORG_ROUTE_ERRORS)


@router.post(
    "",
    response_model=TokenCreated,
    status_code=201,
    summary="Create a token; its secret is in this response only",
)
def create_token(instance: InstanceDep, principal: CanAdmin, body: TokenCreate) -> TokenCreated:
    view, secret = tokens.create(
        instance, principal.org_id, body.name, body.scopes, actor=principal.actor
    )
    return TokenCreated(token=TokenPublic(**view.to_json()), secret=secret)


@router.get("", response_model=list[TokenPublic], summary="The organisation's tokens")
def list_tokens(instance: InstanceDep, principal: CanAdmin) -> list[TokenPublic]:
    return [TokenPublic(**t.to_json()) for t in tokens.list_for(instance, principal.org_id)]


@router.delete("/{token_id}", response_model=TokenPublic, summary="Revoke a token")
def revoke_token(instance: InstanceDep, principal: CanAdmin, token_id: str) -> TokenPublic:
    view = tokens.revoke(instance, principal.org_id, token_id, actor=principal.actor)
    return TokenPublic(**view.to_json())
