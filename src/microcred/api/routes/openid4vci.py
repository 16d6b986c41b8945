"""OpenID4VCI 1.0 credential issuer and OAuth 2 authorization server endpoints (HAIP 1.0).

Protocol endpoints answer in the protocols' own shapes (OAuth error bodies, RFC 6749 5.2),
so they are left out of the app's OpenAPI document (``include_in_schema=False``); the
offer route of an organisation's API is in it like any other.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from microcred.api.deps import CanIssue, InstanceDep
from microcred.api.errors import ORG_ROUTE_ERRORS
from microcred.errors import NotFound
from microcred.services.instance import Instance
from microcred.services.openid4vci import (
    attestation,
    authorization,
    dpop,
    grants,
    issuance,
    metadata,
    offers,
    rate,
)
from microcred.services.openid4vci.errors import OAuthError, invalid_request
from microcred.web import core as web

router = APIRouter(tags=["openid4vci"])
MAX_FORM_BYTES = 16_000
MAX_JSON_BYTES = 200_000
NO_STORE = {"Cache-Control": "no-store"}


def _instance(request: Request) -> Instance:
    instance: Instance = request.app.state.instance
    return instance


def _oauth_error(exc: OAuthError) -> JSONResponse:
    return JSONResponse(exc.body(), exc.status, headers={**NO_STORE, **exc.headers})


async def _answer(work: Callable[[], Awaitable[Any]]) -> Response:
    try:
        result = await work()
    except OAuthError as exc:
        return _oauth_error(exc)
    return result if isinstance(result, Response) else JSONResponse(result, headers=NO_STORE)


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body; a repeated parameter is refused
    (RFC 6749 3.1)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise invalid_request("the body must be application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise invalid_request(f"the body is over {MAX_FORM_BYTES} bytes")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise invalid_request("the body is not a URL-encoded form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise invalid_request(f"{name[:40]} is given more than once", name[:40])
        form[name] = value
    return form


async def _json(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_JSON_BYTES:
        raise OAuthError("invalid_credential_request", f"the body is over {MAX_JSON_BYTES} bytes")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_credential_request", "the body is not JSON") from None


def _url(instance: Instance, request: Request) -> str:
    """The URL a DPoP proof's htu names: this instance's public base URL and the path."""
    return instance.base_url + request.url.path


def _dpop(instance: Instance, request: Request, access_token: str | None = None) -> dpop.DpopKey:
    return dpop.check(
        instance,
        request.headers.getlist("dpop"),
        method=request.method,
        url=_url(instance, request),
        access_token=access_token,
    )


def _access_token(request: Request) -> str:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "dpop" or not token or len(token) > 200:
        from microcred.services.openid4vci.errors import invalid_token

        raise invalid_token("a DPoP-bound access token is required: Authorization: DPoP <token>")
    return token.strip()


async def _resource(request: Request) -> tuple[Instance, grants.AccessGrant]:
    instance = _instance(request)
    token = _access_token(request)
    key = await run_in_threadpool(_dpop, instance, request, token)
    grant = await run_in_threadpool(grants.access_grant, instance, token, key)
    return instance, grant


def _client_host(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _count(instance: Instance, request: Request) -> None:
    """Throttle per client address (429 with Retry-After when over, :mod:`rate`)."""
    await run_in_threadpool(rate.count, instance, _client_host(request))


def _wallet(
    instance: Instance, request: Request, form: dict[str, str]
) -> attestation.AttestedClient | None:
    """The wallet attestation headers at PAR and token (``invalid_client`` when wrong)."""
    return attestation.check_client(
        instance,
        request.headers.getlist(attestation.HEADER),
        request.headers.getlist(attestation.POP_HEADER),
        client_id=form.get("client_id") or None,
    )


def _with_nonce(instance: Instance, body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(
        body, status, headers={**NO_STORE, "DPoP-Nonce": dpop.fresh_nonce(instance)}
    )


# ---------------------------------------------------------------- metadata


@router.get("/.well-known/openid-credential-issuer", include_in_schema=False)
def issuer_metadata(instance: InstanceDep, request: Request) -> Response:
    """JSON; signed (``application/jwt``, x5c) when asked for and an organisation signs it."""
    if "application/jwt" in request.headers.get("accept", ""):
        signed = metadata.signed_issuer_metadata(instance)
        if signed is not None:
            return Response(signed, media_type="application/jwt", headers={"Vary": "Accept"})
    return JSONResponse(metadata.issuer_metadata(instance), headers={"Vary": "Accept"})


@router.get("/.well-known/oauth-authorization-server", include_in_schema=False)
def authorization_server_metadata(instance: InstanceDep) -> JSONResponse:
    return JSONResponse(metadata.authorization_server_metadata(instance))


def _at_issuer_path(instance: Instance, tail: str) -> None:
    """An identifier with a path (``https://host/mc``) has its metadata at
    ``/.well-known/<name>/mc`` (OpenID4VCI 1.0 section 12.2.2, RFC 8414 section 3.1)."""
    own = urlsplit(instance.base_url).path.strip("/")
    if not own or tail.strip("/") != own:
        raise NotFound(f"no metadata here: this issuer's identifier is {instance.base_url}", "path")


@router.get("/.well-known/openid-credential-issuer/{tail:path}", include_in_schema=False)
def issuer_metadata_at_path(instance: InstanceDep, request: Request, tail: str) -> Response:
    _at_issuer_path(instance, tail)
    return issuer_metadata(instance, request)


@router.get("/.well-known/oauth-authorization-server/{tail:path}", include_in_schema=False)
def authorization_server_metadata_at_path(instance: InstanceDep, tail: str) -> JSONResponse:
    _at_issuer_path(instance, tail)
    return authorization_server_metadata(instance)


@router.get("/oid4vci/offers/{handle}", include_in_schema=False)
async def offer_by_reference(request: Request, handle: str) -> Response:
    instance = _instance(request)
    return await _answer(lambda: run_in_threadpool(offers.by_handle, instance, handle))


# ---------------------------------------------------------------- authorization server


@router.post("/oid4vci/token", include_in_schema=False)
async def token(request: Request) -> Response:
    instance = _instance(request)

    async def work() -> Response:
        await _count(instance, request)
        form = await _form(request)
        # DPoP first: a use_dpop_nonce retry must not find the attestation PoP spent
        key = await run_in_threadpool(_dpop, instance, request)
        attested = await run_in_threadpool(_wallet, instance, request, form)
        if attested is not None and not form.get("client_id"):
            # the attestation names the client: the code's client_id is checked against it
            form["client_id"] = attested.client_id
        answer = await run_in_threadpool(grants.token, instance, form, key)
        return _with_nonce(instance, answer)

    return await _answer(work)


@router.post("/oid4vci/par", include_in_schema=False)
async def pushed_authorization_request(request: Request) -> Response:
    instance = _instance(request)

    async def work() -> Response:
        await _count(instance, request)
        form = await _form(request)
        jkt = None
        if request.headers.get("dpop") is not None:
            jkt = (await run_in_threadpool(_dpop, instance, request)).jkt
        await run_in_threadpool(_wallet, instance, request, form)
        answer = await run_in_threadpool(
            authorization.push_authorization_request, instance, form, jkt
        )
        return JSONResponse(answer, 201, headers=NO_STORE)

    return await _answer(work)


def _authorize_page(request: Request, status: int, **context: Any) -> Response:
    return web.render(request, "oid4vci_authorize.html", context, status=status)


@router.get("/oid4vci/authorize", include_in_schema=False)
async def authorize(request: Request) -> Response:
    instance = _instance(request)
    request_uri = request.query_params.get("request_uri", "")[:500]
    client_id = request.query_params.get("client_id", "")[:500]
    try:
        found = await run_in_threadpool(authorization.pending, instance, request_uri, client_id)
    except OAuthError as exc:
        return _authorize_page(request, 400, problem=exc.description)
    # the answer is a form post redirected to the wallet: form-action must allow its origin
    # (browsers apply it to the redirect too)
    csp = web.PAGE_HEADERS["Content-Security-Policy"].replace(
        "form-action 'self'", f"form-action 'self' {redirect_origin(found.redirect_uri)}"
    )
    return web.render(
        request,
        "oid4vci_authorize.html",
        {"pending": found},
        headers={"Content-Security-Policy": csp},
    )


@router.post("/oid4vci/authorize", include_in_schema=False)
async def authorize_answer(request: Request) -> Response:
    instance = _instance(request)
    try:
        form = await web.checked_form(request)
    except web.CsrfError as exc:
        return _authorize_page(request, 400, problem=str(exc))
    request_uri = web.text_field(form, "request_uri", 500)
    client_id = web.text_field(form, "client_id", 500)
    accept = web.text_field(form, "decision", 10) == "accept"
    try:
        location = await run_in_threadpool(
            authorization.answer, instance, request_uri, client_id, accept=accept
        )
    except OAuthError as exc:
        return _authorize_page(request, 400, problem=exc.description)
    return web.finish(request, RedirectResponse(location, 303))


# ---------------------------------------------------------------- credential issuer


@router.post("/oid4vci/nonce", include_in_schema=False)
async def nonce(request: Request) -> Response:
    instance = _instance(request)

    async def work() -> Response:
        await _count(instance, request)
        return JSONResponse(issuance.new_c_nonce(instance), headers=NO_STORE)

    return await _answer(work)


@router.post("/oid4vci/credential", include_in_schema=False)
async def credential(request: Request) -> Response:
    async def work() -> Response:
        await _count(_instance(request), request)
        instance, grant = await _resource(request)
        body = await _json(request)
        answer = await run_in_threadpool(issuance.credential, instance, grant, body)
        return _with_nonce(instance, answer)

    return await _answer(work)


@router.post("/oid4vci/deferred_credential", include_in_schema=False)
async def deferred_credential(request: Request) -> Response:
    async def work() -> Response:
        instance, grant = await _resource(request)
        body = await _json(request)
        answer = await run_in_threadpool(issuance.deferred, instance, grant, body)
        return _with_nonce(instance, answer)

    return await _answer(work)


@router.post("/oid4vci/notification", include_in_schema=False)
async def notification(request: Request) -> Response:
    async def work() -> Response:
        instance, grant = await _resource(request)
        body = await _json(request)
        await run_in_threadpool(issuance.notify, instance, grant, body)
        return Response(status_code=204, headers={"DPoP-Nonce": dpop.fresh_nonce(instance)})

    return await _answer(work)


# ---------------------------------------------------------------- the organisation's API


class OfferCreate(BaseModel):
    pre_authorized: bool = False
    tx_code: bool = False
    configuration_ids: Annotated[list[str], Field(max_length=3)] | None = None
    expires_in_minutes: int | None = Field(
        None, description="1 to 43200 (30 days); default the instance's offer lifetime"
    )


class OfferPublic(BaseModel):
    offer: str
    offer_uri: str
    tx_code: str | None
    expires_at: str


@router.post(
    "/api/v1/orgs/{org}/credentials/{credential_id}/offers",
    response_model=OfferPublic,
    status_code=201,
    summary="An OpenID4VCI credential offer of an issued credential (single use, expiring)",
    responses=ORG_ROUTE_ERRORS,
)
def create_offer(
    instance: InstanceDep,
    principal: CanIssue,
    credential_id: str,
    body: OfferCreate | None = None,
) -> OfferPublic:
    body = body or OfferCreate()
    view = offers.create(
        instance,
        principal.org_id,
        credential_id,
        pre_authorized=body.pre_authorized,
        tx_code=body.tx_code,
        configuration_ids=body.configuration_ids,
        expires_in_minutes=body.expires_in_minutes,
        actor=principal.actor,
    )
    return OfferPublic(**view.to_json())


def redirect_origin(uri: str) -> str:
    """A CSP source for the wallet's redirect URI (its origin, or its scheme)."""
    parts = urlsplit(uri)
    source = f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"
    return "".join(c for c in source if c not in " ;,'\"")
