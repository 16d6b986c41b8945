"""Dependencies: the instance of this app, and the organisation a bearer token speaks for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from microcred.api.errors import ApiError
from microcred.services import holders, tokens
from microcred.services.holders import HolderView
from microcred.services.instance import Instance
from microcred.services.throttle import Throttled
from microcred.services.tokens import Principal

bearer = HTTPBearer(auto_error=False, description="an organisation's API token (mc_...)")


def get_instance(request: Request) -> Instance:
    instance: Instance = request.app.state.instance
    return instance


InstanceDep = Annotated[Instance, Depends(get_instance)]


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="microcred"'}
    )


def client_host(request: Request) -> str:
    """The client's address (behind a proxy, what uvicorn's --proxy-headers made of it)."""
    return request.client.host if request.client else "unknown"


def too_many_attempts(exc: Throttled) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        f"too many failed attempts with unknown or revoked tokens from this address; "
        f"try again in {exc.retry_after} seconds",
        "Authorization",
        headers={"Retry-After": str(exc.retry_after)},
    )


async def get_principal(
    request: Request,
    instance: InstanceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("an API token is required: Authorization: Bearer mc_...")
    try:
        principal = await run_in_threadpool(
            tokens.identify, instance, credentials.credentials, address=client_host(request)
        )
    except Throttled as exc:
        raise too_many_attempts(exc) from None
    if principal is None:
        raise _unauthorized("the API token is not valid (unknown or revoked)")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def not_found_org(org: str) -> ApiError:
    # The same answer whether the organisation exists or not: nothing is revealed.
    return ApiError(404, "not_found", f"no organisation '{org[:100]}'", "org")


def org_access(scope: str | None) -> Callable[..., Principal]:
    """A dependency: the token is valid (401), its organisation is the one in the path
    (404 otherwise, as for an organisation that does not exist), and it has ``scope`` (403)."""

    def dependency(
        principal: PrincipalDep,
        org: Annotated[str, Path(description="organisation slug or id")],
    ) -> Principal:
        if org not in (principal.org_slug, principal.org_id):
            raise not_found_org(org)
        if not principal.allows(scope):
            raise ApiError(
                403,
                "forbidden",
                f"this token does not have the '{scope}' scope",
                "scope",
            )
        return principal

    return dependency


def token_scope(scope: str) -> Callable[..., Principal]:
    """A dependency for routes without an organisation in the path (the VC-API)."""

    def dependency(principal: PrincipalDep) -> Principal:
        if not principal.allows(scope):
            raise ApiError(
                403, "forbidden", f"this token does not have the '{scope}' scope", "scope"
            )
        return principal

    return dependency


OrgMember = Annotated[Principal, Depends(org_access(None))]
CanRead = Annotated[Principal, Depends(org_access("read"))]
CanIssue = Annotated[Principal, Depends(org_access("issue"))]
CanRevoke = Annotated[Principal, Depends(org_access("revoke"))]
CanAdmin = Annotated[Principal, Depends(org_access("admin"))]


# ---------------------------------------------------------------- holders (the wallet API)

holder_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="HolderToken",
    description="a holder's wallet token (mcw_...)",
)
MAX_TOKEN_LENGTH = 200


async def get_holder(
    request: Request,
    instance: InstanceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(holder_bearer)],
) -> HolderView:
    """The holder a wallet token (``Authorization: Bearer mcw_...``) belongs to, or 401
    (429 while this address is throttled for too many bad tokens)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("a wallet token is required: Authorization: Bearer mcw_...")
    secret = credentials.credentials
    if len(secret) > MAX_TOKEN_LENGTH:
        secret = ""  # never a token: counted as a failed one
    try:
        holder = await run_in_threadpool(
            holders.authenticate_token, instance, secret, address=client_host(request)
        )
    except Throttled as exc:
        raise too_many_attempts(exc) from None
    if holder is None:
        raise _unauthorized("the wallet token is not valid (unknown, expired or revoked)")
    return holder


HolderDep = Annotated[HolderView, Depends(get_holder)]
