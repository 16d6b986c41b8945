"""IETF Token Status List tokens (draft-ietf-oauth-status-list-14 §8): public, no
authentication, at the ``uri`` an SD-JWT VC's ``status.status_list`` names."""

from __future__ import annotations

import json
import re

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from microcred.api.deps import InstanceDep
from microcred.api.errors import ApiError, error_responses
from microcred.formats.token_status_list import JSON_MEDIA_TYPE, MEDIA_TYPE
from microcred.services import organisations, status_lists, token_status

router = APIRouter(tags=["public documents"])

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
# The token's `ttl`; clients give precedence to `exp` and `ttl` in the token (draft §8.2).
MAX_AGE = int(status_lists.LIST_TTL.total_seconds())


def _wants_json(accept: str) -> bool:
    """Only an explicit ask for the unsigned JSON form gets it; the default is the token."""
    kinds = [part.split(";", 1)[0].strip().lower() for part in accept.split(",")]
    return JSON_MEDIA_TYPE in kinds and MEDIA_TYPE not in kinds


@router.get(
    "/statuslists/{slug}",
    summary="An organisation's Status List Aggregation: the URLs of its status list tokens",
    responses=error_responses(404),
)
async def status_list_aggregation(slug: str, instance: InstanceDep) -> Response:
    if not SLUG.match(slug):
        raise ApiError(404, "not_found", "no such organisation", "slug")
    try:
        document = await run_in_threadpool(token_status.aggregation, instance, slug)
    except organisations.NotFound:
        raise ApiError(404, "not_found", "no such organisation", "slug") from None
    headers = {"Cache-Control": f"public, max-age={MAX_AGE}", "Access-Control-Allow-Origin": "*"}
    return Response(
        json.dumps(document).encode("utf-8"), media_type="application/json", headers=headers
    )


@router.get(
    "/statuslists/{slug}/{list_id}",
    summary="An IETF Token Status List token (statuslist+jwt) of an organisation's status list",
    response_class=Response,
    responses={
        200: {
            "content": {MEDIA_TYPE: {"schema": {"type": "string"}}, JSON_MEDIA_TYPE: {}},
            "description": "The signed Status List Token (compact JWS), or its claims as JSON "
            f"with Accept: {JSON_MEDIA_TYPE}",
        },
        **error_responses(404),
    },
)
async def status_list_token(
    slug: str, list_id: str, instance: InstanceDep, request: Request
) -> Response:
    if not SLUG.match(slug) or not re.fullmatch(r"[0-9]{1,9}", list_id):
        raise ApiError(404, "not_found", "no such status list")
    headers = {
        "Cache-Control": f"public, max-age={MAX_AGE}",
        "Access-Control-Allow-Origin": "*",  # draft §8.1: browser-based wallets may fetch it
        "Vary": "Accept",
    }
    try:
        if _wants_json(request.headers.get("accept", "")):
            claims = await run_in_threadpool(
                token_status.status_list_json, instance, slug, int(list_id)
            )
            body = json.dumps(claims, separators=(",", ":")).encode("utf-8")
            return Response(body, media_type=JSON_MEDIA_TYPE, headers=headers)
        token = await run_in_threadpool(token_status.published_token, instance, slug, int(list_id))
    except organisations.NotFound:
        raise ApiError(404, "not_found", "no such status list") from None
    return Response(token.encode("ascii"), media_type=MEDIA_TYPE, headers=headers)
