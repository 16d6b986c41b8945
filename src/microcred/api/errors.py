"""One error shape for every failure: ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from microcred import errors
from microcred.http_status import status_for
from microcred.jsonld.errors import JsonLdError
from microcred.model.validation import SpecificationError
from microcred.proofs.errors import ProofError
from microcred.services.secrets import SecretKeyError

log = logging.getLogger("microcred.api")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
        self.extra = extra or {}


class ProblemItem(BaseModel):
    field: str | None
    message: str


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str = Field(description="machine-readable, e.g. not_found, validation_error")
    message: str = Field(description="what is wrong and how to fix it, in English")
    field: str | None = Field(description="the field, parameter or header at fault, if one is")
    problems: list[ProblemItem] | None = Field(
        None, description="for validation errors: every problem found, not just the first"
    )


class ErrorBody(BaseModel):
    """Every error answer of the API (and its only shape)."""

    error: ErrorDetail


_ERROR_DESCRIPTIONS = {
    400: "the request cannot be read (malformed JSON, a NUL character in the URL) or "
    "carried out as asked",
    401: "no token, or a token that is unknown, expired or revoked",
    403: "the token lacks the scope this route needs",
    404: "no such resource (or one of another organisation or holder)",
    409: "the request conflicts with the current state",
    413: "the request body is larger than the limit",
    422: "a field or parameter is not valid: error.field names it, error.problems lists all",
    429: "too many failed attempts from this address: wait Retry-After seconds",
}
_ERROR_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a router or a route: the error answers it gives, in the one shape."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry: dict[str, Any] = {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS[code]}
        if code in _ERROR_HEADERS:
            entry["headers"] = _ERROR_HEADERS[code]
        out[code] = entry
    return out


# What a route behind a token answers: an organisation's (token, scope, organisation in the
# path) and a holder's wallet (token; the objects of the wallet).
ORG_ROUTE_ERRORS = error_responses(401, 403, 404, 422, 429)
HOLDER_ROUTE_ERRORS = error_responses(401, 404, 422, 429)

ERROR_REF = "#/components/schemas/ErrorBody"
_BODY_METHODS = {"post", "put", "patch", "delete"}


def _error_answer(code: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": _ERROR_DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }
    if code in _ERROR_HEADERS:
        answer["headers"] = _ERROR_HEADERS[code]
    return answer


def document_app_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """What every route answers whatever its router says, added to the OpenAPI document: 400
    (``BodyLimit`` refuses a NUL character in the URL; a body that is not JSON), 413 (a body
    over the limit, for methods with a body), and 422 in the app's error shape (FastAPI's own
    ``HTTPValidationError`` is never what this app sends)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorBody" not in components:
        for name, definition in (
            ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
            .pop("$defs", {})
            .items()
        ):
            components.setdefault(name, definition)
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        body.pop("$defs", None)
        components["ErrorBody"] = body
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.setdefault("400", _error_answer(400))
            if method in _BODY_METHODS:
                responses.setdefault("413", _error_answer(413))
            validation = responses.get("422")
            if validation is not None:
                content = validation.get("content", {}).get("application/json", {})
                if content.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                    responses["422"] = _error_answer(422)
    text = repr(schema.get("paths", {}))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"/{unused}'" not in text:
            components.pop(unused, None)
    return schema


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, field, **extra), status, headers=headers)


# What the award model calls a field, by the name the API request gives it.
_AWARD_FIELDS = {
    "learner.name": "learner_name",
    "learner.identifier": "learner_id",
    "learner": "learner_id",
}


def _field_from_loc(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


def _message(msg: Any) -> str:
    """pydantic's message, without the "Value error, " it puts before our own validators'."""
    return str(msg).removeprefix("Value error, ")


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


def domain_error_response(exc: errors.MicrocredError) -> JSONResponse:
    status, code = status_for(exc)
    headers = None
    if isinstance(exc, errors.TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    return error_response(status, code, str(exc), exc.field, headers=headers)


def install(app: FastAPI) -> None:
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_app_errors(build_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(
            exc.status, exc.code, exc.message, exc.field, headers=exc.headers, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        for error in errors:
            if error.get("type") == "json_invalid":
                ctx = error.get("ctx") or {}
                detail = ctx.get("error") if isinstance(ctx, dict) else None
                return error_response(
                    400,
                    "malformed_json",
                    "the request body is not valid JSON" + (f" ({detail})" if detail else ""),
                )
        first = errors[0] if errors else {}
        field = _field_from_loc(first.get("loc", ()))
        message = _message(first.get("msg", "invalid input"))
        if first.get("type") == "missing":
            message = f"{field} is required" if field else "the request body is required"
        elif field:
            message = f"{field}: {message}"
        problems = [
            {"field": _field_from_loc(e.get("loc", ())), "message": _message(e.get("msg", ""))}
            for e in errors
        ]
        return error_response(422, "validation_error", message, field, problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = "no such resource"
        if exc.status_code == 400 and message == "There was an error parsing the body":
            # FastAPI's answer for a body json.loads could not take (not UTF-8, too deep).
            code = "malformed_json"
            message = "the request body is not valid JSON (not UTF-8 text, or nested too deeply)"
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, code, message, headers=headers)

    @app.exception_handler(SpecificationError)
    async def _spec(_request: Request, exc: SpecificationError) -> JSONResponse:
        problems = [
            {"field": _AWARD_FIELDS.get(p.path, p.path), "message": p.message} for p in exc.problems
        ]
        first = problems[0] if problems else {"field": None, "message": str(exc)}
        return error_response(
            422,
            "validation_error",
            f"{first['field']}: {first['message']}" if first["field"] else str(first["message"]),
            first["field"],
            problems=problems,
        )

    @app.exception_handler(errors.MicrocredError)
    async def _domain(_request: Request, exc: errors.MicrocredError) -> JSONResponse:
        return domain_error_response(exc)

    @app.exception_handler(JsonLdError)
    async def _jsonld(_request: Request, exc: JsonLdError) -> JSONResponse:
        return error_response(400, "invalid_jsonld", str(exc))

    @app.exception_handler(ProofError)
    async def _proof(_request: Request, exc: ProofError) -> JSONResponse:
        return error_response(400, "proof_error", str(exc))

    @app.exception_handler(SecretKeyError)
    async def _secret(_request: Request, exc: SecretKeyError) -> JSONResponse:
        log.error("instance secret: %s", exc)
        return error_response(500, "server_misconfigured", "the instance secret is not usable")

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses (the routes check what they can before it gets here).
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        return error_response(400, "bad_request", "a value in the request cannot be stored")

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "an internal error occurred")
