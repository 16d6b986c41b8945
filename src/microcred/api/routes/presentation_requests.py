"""OpenID4VP 1.0: an organisation's presentation requests, and the two public endpoints a
wallet talks to.

* ``POST /api/v1/orgs/{org}/presentation-requests`` (scope ``read``): a DCQL query in, the
  ``openid4vp://`` / ``haip-vp://`` links and the ``request_uri`` out.
* ``GET /api/v1/orgs/{org}/presentation-requests/{id}``: its state and, once answered, the
  verification report per credential and the disclosed claims.
* ``POST /api/v1/orgs/{org}/presentation-requests/response-code``: same device, the
  ``response_code`` the wallet's redirect carried, checked once (HAIP 1.0 §5.1).
* ``GET|POST /oid4vp/requests/{id}`` (the ``request_uri``; POST is
  ``request_uri_method=post`` with ``wallet_nonce``): the request object,
  ``application/oauth-authz-req+jwt``.
* ``POST /oid4vp/responses/{id}`` (the ``response_uri``): ``response=<JWE>`` or
  ``vp_token`` + ``state``. Refusals are OAuth error bodies ``{"error",
  "error_description"}`` (OpenID4VP 1.0 §8.5), never this API's error shape.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from microcred.api.deps import CanRead, InstanceDep
from microcred.api.errors import ERROR_REF, ORG_ROUTE_ERRORS, error_responses
from microcred.services import presentation_requests
from microcred.services.presentation_requests import ProtocolError

router = APIRouter(tags=["presentation requests (OpenID4VP)"])

REQUEST_MEDIA_TYPE = "application/oauth-authz-req+jwt"
MAX_FORM_BYTES = 2_500_000
NO_STORE = {"Cache-Control": "no-store"}
RequestId = Annotated[str, Path(max_length=36, pattern=r"^[0-9a-f-]{36}$")]


class PresentationRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dcql_query: dict[str, Any] = Field(description="the DCQL query (OpenID4VP 1.0 §6)")
    response_mode: Literal["direct_post.jwt", "direct_post"] = "direct_post.jwt"
    client_id_prefix: Literal["x509_hash", "x509_san_dns", "redirect_uri"] = "x509_hash"
    lifetime_minutes: int = Field(10, ge=1, le=1440)
    keep_days: int = Field(7, ge=1, le=90, description="days the answer is kept, then deleted")
    redirect_uri: str | None = Field(
        None,
        max_length=1000,
        description="same device: where the wallet sends the browser back after answering, "
        "with #response_code=... (OpenID4VP 1.0 §8.2)",
    )


class PresentationRequestCreated(BaseModel):
    id: str
    link: str = Field(description="openid4vp://... (same device, or as a QR code)")
    haip_link: str = Field(description="haip-vp://... (HAIP 1.0)")
    request_uri: str
    response_uri: str
    client_id: str
    expires_at: str


class PresentationRequestPublic(BaseModel):
    id: str
    org: str
    status: Literal["pending", "answered", "refused", "failed", "expired"]
    client_id: str
    response_mode: str
    dcql_query: dict[str, Any]
    created_at: str
    expires_at: str
    answered_at: str | None
    delete_after: str
    result: dict[str, Any] | None = Field(
        description="once answered: valid, status, complete (DCQL), problems, and per "
        "credential its query id, format, report, key binding, summary and disclosed claims"
    )
    same_device: bool = Field(
        False, description="made with a redirect_uri: the wallet's redirect carries a code"
    )


class ResponseCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    response_code: str = Field(
        min_length=1,
        max_length=100,
        description="the response_code the wallet's redirect carried (#response_code=...)",
    )


@router.post(
    "/api/v1/orgs/{org}/presentation-requests",
    response_model=PresentationRequestCreated,
    status_code=201,
    summary="Ask a wallet for credentials (OpenID4VP 1.0 with DCQL)",
    responses={**ORG_ROUTE_ERRORS, **error_responses(400, 409)},
)
def create_request(
    instance: InstanceDep, principal: CanRead, body: PresentationRequestCreate
) -> PresentationRequestCreated:
    created = presentation_requests.create(
        instance,
        principal.org_id,
        body.dcql_query,
        response_mode=body.response_mode,
        client_id_prefix=body.client_id_prefix,
        lifetime=timedelta(minutes=body.lifetime_minutes),
        keep=timedelta(days=body.keep_days),
        redirect_uri=body.redirect_uri,
        actor=principal.actor,
    )
    return PresentationRequestCreated(**created.to_json())


@router.get(
    "/api/v1/orgs/{org}/presentation-requests/{request_id}",
    response_model=PresentationRequestPublic,
    summary="A presentation request: its state and, once answered, the reports",
    responses=ORG_ROUTE_ERRORS,
)
def get_request(
    instance: InstanceDep, principal: CanRead, request_id: RequestId
) -> PresentationRequestPublic:
    view = presentation_requests.get(instance, principal.org_id, request_id)
    return PresentationRequestPublic(**view.to_json())


@router.post(
    "/api/v1/orgs/{org}/presentation-requests/response-code",
    response_model=PresentationRequestPublic,
    summary="Same device: the request a wallet's redirect code belongs to (HAIP 1.0 §5.1)",
    description="The employer's front end received the browser back at its redirect_uri "
    "with #response_code=...; this checks the code (once: it is used up) and gives the "
    "request with its answer, so that only the browser the wallet came back to sees it.",
    responses=ORG_ROUTE_ERRORS,
)
def redeem_response_code(
    instance: InstanceDep, principal: CanRead, body: ResponseCode
) -> PresentationRequestPublic:
    request_id = presentation_requests.redeem_response_code(
        instance, principal.org_id, body.response_code
    )
    view = presentation_requests.get(instance, principal.org_id, request_id)
    return PresentationRequestPublic(**view.to_json())


def _oauth_error(exc: ProtocolError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.error, "error_description": str(exc)},
        status_code=exc.status,
        headers=NO_STORE,
    )


# The wallet endpoints answer OAuth error bodies; the app-wide answers (a NUL in the URL,
# a body over the limit, a malformed path parameter) keep this API's one error shape.
_OAUTH_ERROR: dict[str, Any] = {
    "description": "an OAuth error (invalid_request, invalid_request_uri, ...), or the "
    "app-wide error shape",
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {
                        "type": "object",
                        "properties": {
                            "error": {"type": "string"},
                            "error_description": {"type": "string"},
                        },
                        "required": ["error", "error_description"],
                    },
                    {"$ref": ERROR_REF},
                ]
            }
        }
    },
}
_REQUEST_OBJECT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {REQUEST_MEDIA_TYPE: {"schema": {"type": "string"}}},
        "description": "the request object (a signed JWT; unsigned for redirect_uri)",
    },
    400: _OAUTH_ERROR,
    404: _OAUTH_ERROR,
    413: _OAUTH_ERROR,
    422: _OAUTH_ERROR,
}


async def _form(request: Request) -> dict[str, str]:
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        raise ProtocolError("invalid_request", "the form is too large")
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise ProtocolError("invalid_request", "send application/x-www-form-urlencoded")
    form = await request.form(max_files=0, max_fields=20, max_part_size=MAX_FORM_BYTES)
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _request_object(instance: Any, request_id: str, wallet_nonce: str | None) -> Response:
    try:
        jwt = await run_in_threadpool(
            presentation_requests.request_object, instance, request_id, wallet_nonce=wallet_nonce
        )
    except ProtocolError as exc:
        return _oauth_error(exc)
    return Response(jwt, media_type=REQUEST_MEDIA_TYPE, headers=NO_STORE)


@router.get(
    "/oid4vp/requests/{request_id}",
    summary="The request object of a presentation request (its request_uri)",
    response_class=Response,
    responses=_REQUEST_OBJECT,
)
async def get_request_object(instance: InstanceDep, request_id: RequestId) -> Response:
    return await _request_object(instance, request_id, None)


@router.post(
    "/oid4vp/requests/{request_id}",
    summary="The request object, request_uri_method=post (wallet_metadata, wallet_nonce)",
    response_class=Response,
    responses=_REQUEST_OBJECT,
)
async def post_request_object(
    instance: InstanceDep, request_id: RequestId, request: Request
) -> Response:
    try:
        form = await _form(request)
    except ProtocolError as exc:
        return _oauth_error(exc)
    return await _request_object(instance, request_id, form.get("wallet_nonce"))


@router.post(
    "/oid4vp/responses/{request_id}",
    summary="A wallet's answer (response_uri): response=<JWE>, or vp_token and state",
    responses={
        200: {
            "description": "accepted; {} or, same device, {redirect_uri}",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        400: _OAUTH_ERROR,
        404: _OAUTH_ERROR,
        413: _OAUTH_ERROR,
        422: _OAUTH_ERROR,
    },
)
async def post_response(
    instance: InstanceDep, request_id: RequestId, request: Request
) -> JSONResponse:
    try:
        form = await _form(request)
        answer = await run_in_threadpool(presentation_requests.receive, instance, request_id, form)
    except ProtocolError as exc:
        return _oauth_error(exc)
    return JSONResponse(answer, headers=NO_STORE)
