"""``POST /api/v1/verify``: the verification report, as ``microcred verify --json`` prints it."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from microcred.api.deps import InstanceDep
from microcred.api.errors import ApiError, error_responses
from microcred.api.schemas import NOT_A_JWS, VerificationReportPublic, is_compact_jws
from microcred.services import vcapi

router = APIRouter(tags=["verification"])

_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object", "description": "a credential (JSON-LD)"},
                        {
                            "type": "object",
                            "properties": {"verifiableCredential": {}},
                            "required": ["verifiableCredential"],
                        },
                        {"type": "string", "description": "a vc+jwt"},
                    ]
                }
            },
            "text/plain": {"schema": {"type": "string", "description": "a vc+jwt or JSON"}},
            "application/vc+jwt": {"schema": {"type": "string"}},
            "image/png": {
                "schema": {"type": "string", "format": "binary"},
                "description": "a baked Open Badges 3.0 or 2.0 badge",
            },
            "image/svg+xml": {
                "schema": {"type": "string"},
                "description": "a baked Open Badges 3.0 or 2.0 badge",
            },
        },
    }
}


def parse_json_body(body: bytes) -> Any:
    """A JSON body, or a 400 that says what is wrong with it."""
    try:
        return json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "the request body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            400,
            "malformed_json",
            f"the request body is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
        ) from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "the request body is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ApiError(
            400, "malformed_json", f"the request body is not usable JSON ({exc})"
        ) from None


def credential_input(value: Any, field: str = "body") -> dict[str, Any] | str:
    if isinstance(value, dict) and "verifiableCredential" in value and "@context" not in value:
        value = value["verifiableCredential"]
        field = "verifiableCredential"
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        if is_compact_jws(value):
            return value
        raise ApiError(400, "bad_request", NOT_A_JWS, field)
    raise ApiError(
        400,
        "bad_request",
        'send a credential: a JSON object, {"verifiableCredential": ...}, or a JWT string',
        field,
    )


@router.post(
    "/api/v1/verify",
    response_model=VerificationReportPublic,
    response_model_exclude_none=True,
    summary="Verify a credential (public); 200 with the report, valid or not",
    description="A credential (JSON-LD, a vc+jwt, an Open Badges 2.0 assertion or signed "
    "assertion, a baked PNG or SVG badge) or a presentation. `valid` is true only for the "
    "status `valid`; `unchecked` means authentic, but its revocation could not be checked.",
    openapi_extra=_BODY_DOC,
    responses=error_responses(400, 422),
)
async def verify(
    request: Request,
    instance: InstanceDep,
    challenge: Annotated[
        str | None,
        Query(max_length=1000, description="for a presentation: the nonce this verifier asked for"),
    ] = None,
    domain: Annotated[
        str | None,
        Query(max_length=1000, description="for a presentation: the domain it was asked for"),
    ] = None,
    require_binding: Annotated[
        bool,
        Query(
            description="for a presentation: accept only credentials issued to the holder "
            "who signed it (otherwise an unbound credential, or no holder, is reported, not "
            "a failure)"
        ),
    ] = False,
) -> dict[str, Any]:
    body = await request.body()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw: dict[str, Any] | str | bytes
    if media == "application/json" or media.endswith("+json"):
        raw = credential_input(parse_json_body(body))
    elif not body.strip():
        raise ApiError(400, "bad_request", "the request body is empty; send a credential")
    else:
        raw = body  # text/plain or a JWT media type: the verifier reads JSON or a JWT
    from microcred.verify.presentation import is_presentation

    if is_presentation(raw):
        # A presentation: ?challenge=&domain= are what this verifier asked the holder for.
        result = await run_in_threadpool(
            vcapi.verify_presentation_report,
            instance,
            raw,
            now=instance.now(),
            challenge=challenge,
            domain=domain,
            require_binding=require_binding,
        )
        return result
    report = await run_in_threadpool(vcapi.verify, instance, raw, now=instance.now())
    # The report is already the documented shape (the CLI's --json): sent as it is, without
    # a second pass through the response model (a fifth of the route's time).
    return JSONResponse(_without_none(report.to_json()))  # type: ignore[return-value]


def _without_none(value: Any) -> Any:
    """What response_model_exclude_none would leave of the report."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value
