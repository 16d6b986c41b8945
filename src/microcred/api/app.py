"""The FastAPI application: ``create_app(settings)``, no module-level state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version as _installed_version

from fastapi import FastAPI

from microcred.api import docs as api_docs
from microcred.api import errors, log_redaction
from microcred.api.headers import SecurityHeaders
from microcred.api.limits import MAX_BODY_BYTES, BodyLimit
from microcred.api.routes import (
    certificates,
    credentials,
    deliveries,
    jobs,
    members,
    offers,
    openid4vci,
    orgs,
    presentation_requests,
    public,
    shares,
    specs,
    token_status,
    tokens,
    vcapi,
    vct,
    verify,
    wallet,
)
from microcred.clock import Clock, system_clock
from microcred.jsonld.contexts import parse_context_assignments, register_context_files
from microcred.services.instance import Instance
from microcred.settings import Settings, load_settings

DESCRIPTION = """\
Issue and verify European micro-credentials (Open Badges 3.0 / W3C VC 2.0 with Data
Integrity proofs).

* `/api/v1/orgs/{org}/...`: an organisation's specifications, credentials, audit log and
  tokens, with a bearer token of that organisation (`Authorization: Bearer mc_...`;
  `microcred token create` makes the first one).
* `/api/v1/verify`, `/credentials/verify`, `/presentations/verify`: public verification.
* `/credentials/issue`: W3C VC-API issuing with an organisation's token (scope `issue`).
* `/orgs/{slug}/did.json`, `/status/...`, `/contexts/...`: the documents verifiers need.
* `/api/v1/wallet/...`: a learner's wallet, with the holder's wallet token
  (`Authorization: Bearer mcw_...`; `microcred holder token` makes one).
* `/s/{token}`: a share link's public page (HTML, or JSON with `Accept: application/json`).

Every error is `{"error": {"code", "message", "field"}}`.
"""


def create_app(
    settings: Settings, *, max_body_bytes: int = MAX_BODY_BYTES, clock: Clock = system_clock
) -> FastAPI:
    """The app; ``clock`` is the time every service and verification of it reads (the
    system's, or a fixed one for a test or a replay)."""
    instance = Instance(settings, clock)
    # the operator's context files are read at start: a bad one stops the app here, instead
    # of failing every verification that needs it
    register_context_files(parse_context_assignments(settings.extra_contexts))
    log_redaction.install()  # no secret in the log lines of an already configured server

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from microcred.services.bulk_jobs import recover_at_start

        recover_at_start(instance)  # in-process jobs whose process stopped: interrupted
        yield
        instance.close()

    app = FastAPI(
        title="microcred",
        version=_installed_version("microcred"),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served offline by api/docs.py, not from a CDN
        redoc_url=None,
    )
    api_docs.install(app)
    app.state.instance = instance
    errors.install(app)
    for module in (
        orgs,
        specs,
        credentials,
        tokens,
        members,
        deliveries,
        verify,
        vcapi,
        public,
        token_status,
        wallet,
        shares,
        jobs,
        presentation_requests,
        openid4vci,
        offers,
        certificates,
        vct,
    ):
        app.include_router(module.router)
    from microcred.web import mount as mount_web

    mount_web(app)  # the browser pages: verify (front page), wallet, issuer console, authority desk
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, BodyLimit's too
    return app


def app_from_env() -> FastAPI:
    """The factory for ``uvicorn --factory microcred.api.app:app_from_env`` (settings from
    the environment: MICROCRED_HOME, MICROCRED_DATABASE_URL, MICROCRED_BASE_URL, ...)."""
    return create_app(load_settings())
