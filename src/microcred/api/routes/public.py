"""Public documents the verifiers need: DID documents, status lists, JSON-LD contexts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from microcred.api.deps import InstanceDep
from microcred.api.errors import ApiError, error_responses
from microcred.api.schemas import Health
from microcred.jsonld.contexts import CONTEXT_FILES, MICROCRED_CONTEXT_V1, context_bytes
from microcred.services import organisations, status_lists

router = APIRouter(tags=["public documents"])

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
# A status list's Cache-Control follows its `ttl` (Bitstring Status List v1.0 §2.2 asks so).
MAX_STATUS_CACHE_SECONDS = int(status_lists.LIST_TTL.total_seconds())
JSON_LD = "application/ld+json"

# Stable paths for the bundled contexts: /contexts/<file name>, and the project's own
# extension context also at /contexts/microcred/v1.
CONTEXT_PATHS: dict[str, str] = {name: url for url, name in CONTEXT_FILES.items()}
CONTEXT_PATHS["microcred/v1"] = MICROCRED_CONTEXT_V1


def _json(document: Any, media_type: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(document, ensure_ascii=False, indent=None).encode("utf-8"),
        media_type=media_type,
        headers=headers,
    )


@router.get("/healthz", response_model=Health, summary="Liveness and database check")
def healthz(instance: InstanceDep) -> Health:
    instance.check_database()
    return Health(status="ok", database="ok")


@router.get(
    "/orgs/{slug}/did.json",
    summary="An organisation's did:web document (public keys only)",
    response_class=Response,
    responses={
        200: {"content": {"application/did+ld+json": {}, "application/json": {}}},
        **error_responses(404),
    },
)
def did_document(slug: str, instance: InstanceDep, request: Request) -> Response:
    if not SLUG.match(slug):
        raise ApiError(404, "not_found", "no such organisation", "slug")
    try:
        document = organisations.did_document(instance, slug)
    except organisations.NotFound:
        raise ApiError(404, "not_found", "no such organisation", "slug") from None
    if not str(document.get("id", "")).endswith(f":orgs:{slug}"):  # looked up by id, not slug
        raise ApiError(404, "not_found", "no such organisation", "slug")
    accept = request.headers.get("accept", "")
    media = "application/did+ld+json" if "application/did+ld+json" in accept else "application/json"
    return _json(document, media, {"Cache-Control": "max-age=300"})


@router.get(
    "/status/messages",
    summary="What each value of this instance's status lists means (their statusReference)",
)
def status_messages(instance: InstanceDep) -> dict[str, Any]:
    return status_lists.messages_document(instance)


@router.get(
    "/status/{slug}/{list_id}/{purpose}",
    summary="A signed Bitstring Status List credential",
    response_class=Response,
    responses={
        200: {"content": {"application/vc+ld+json": {}, "application/json": {}}},
        **error_responses(404),
    },
)
async def status_list(
    slug: str, list_id: str, purpose: str, instance: InstanceDep, request: Request
) -> Response:
    if not SLUG.match(slug) or not re.fullmatch(r"[0-9]{1,9}", list_id):
        raise ApiError(404, "not_found", "no such status list")
    if purpose not in status_lists.PURPOSES:
        raise ApiError(
            404, "not_found", "no such status list (purpose: message, revocation or suspension)"
        )
    try:
        document = await run_in_threadpool(
            status_lists.published, instance, slug, int(list_id), purpose
        )
    except organisations.NotFound:
        raise ApiError(404, "not_found", "no such status list") from None
    max_age = MAX_STATUS_CACHE_SECONDS
    valid_until = document.get("validUntil")
    if isinstance(valid_until, str):
        try:
            remaining = datetime.fromisoformat(valid_until) - datetime.now(UTC)
            max_age = max(0, min(max_age, int(remaining.total_seconds())))
        except ValueError:
            pass
    accept = request.headers.get("accept", "")
    media = (
        "application/json"
        if "application/json" in accept and "vc" not in accept
        else ("application/vc+ld+json")
    )
    return _json(document, media, {"Cache-Control": f"public, max-age={max_age}"})


@router.get("/contexts", summary="The bundled JSON-LD contexts: URL -> path on this server")
def context_index(request: Request) -> dict[str, str]:
    base = str(request.base_url).rstrip("/")
    return {url: f"{base}/contexts/{path}" for path, url in sorted(CONTEXT_PATHS.items())}


@router.get(
    "/contexts/{path:path}",
    summary="A bundled JSON-LD context",
    response_class=Response,
    responses={200: {"content": {JSON_LD: {}}}, **error_responses(404)},
)
def context(path: str) -> Response:
    url = CONTEXT_PATHS.get(path)
    if url is None:
        raise ApiError(404, "not_found", f"no bundled context at /contexts/{path[:200]}")
    return Response(
        context_bytes(url),
        media_type=JSON_LD,
        headers={"Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*"},
    )
