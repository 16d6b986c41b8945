"""Sharing from the wallet: share links, presentations, and the public share page ``/s/{token}``.

A share link is shown once, when it is created: only its hash is stored. So the QR codes of
the link come in the same response (``qr_svg``: an SVG document; ``qr_png``: a
``data:image/png;base64,`` URI), and there is no later ``.../qr.png`` route.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from microcred import i18n
from microcred.api.deps import HolderDep, InstanceDep
from microcred.api.errors import ERROR_REF, HOLDER_ROUTE_ERRORS, error_body
from microcred.api.routes.wallet import require_owned
from microcred.api.schemas import (
    PresentationCreate,
    PresentationCreated,
    ShareCreate,
    ShareCreated,
    SharePublic,
)
from microcred.services import sharing
from microcred.services.holders import HolderError
from microcred.web import verify_pages

router = APIRouter(tags=["sharing"])

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
MAX_TOKEN_LENGTH = 200

# Nothing of a share page is kept by a browser or a proxy (a revoked credential must never
# show as valid from a cache), the token in the address is never sent on as a referrer, and
# search engines do not index it.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}
SHARE_PAGE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}
HTML_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}

# The headline of each status, in the JSON view: the message ids (English) of the catalogues,
# which the HTML page shows in its language.
HEADLINES = {
    "valid": i18n.N_("Valid"),
    "unchecked": i18n.N_("Could not be checked"),
    "invalid": i18n.N_("Not valid"),
    "revoked": i18n.N_("Revoked by its issuer"),
    "suspended": i18n.N_("Suspended by its issuer"),
    "expired": i18n.N_("Expired"),
}


def _share_public(view: sharing.ShareView) -> dict[str, Any]:
    data = view.to_json()
    data.pop("url", None)
    return data


# ---------------------------------------------------------------- the holder's share links


@router.post(
    "/api/v1/wallet/shares",
    response_model=ShareCreated,
    status_code=201,
    summary="Create a share link; the link and its QR codes are in this response only",
    responses=HOLDER_ROUTE_ERRORS,
)
def create_share(instance: InstanceDep, holder: HolderDep, body: ShareCreate) -> ShareCreated:
    from microcred.documents.qr import qr_png, qr_svg

    require_owned(instance, holder.id, body.credential_ids, "credential_ids")
    view = sharing.create_share(
        instance, holder.id, body.credential_ids, expires_in_days=body.expires_in_days
    )
    assert view.url is not None
    png = base64.b64encode(qr_png(view.url)).decode("ascii")
    return ShareCreated(
        **_share_public(view),
        url=view.url,
        qr_svg=qr_svg(view.url, title="Share link"),
        qr_png=f"data:image/png;base64,{png}",
    )


@router.get(
    "/api/v1/wallet/shares",
    response_model=list[SharePublic],
    summary="The holder's share links",
    responses=HOLDER_ROUTE_ERRORS,
)
def list_shares(instance: InstanceDep, holder: HolderDep) -> list[SharePublic]:
    views = sharing.list_shares(instance, holder.id)
    return [SharePublic(**_share_public(v)) for v in views]


@router.delete(
    "/api/v1/wallet/shares/{share_id}",
    status_code=204,
    summary="Revoke a share link: it answers 404 from now on",
    responses=HOLDER_ROUTE_ERRORS,
)
def revoke_share(instance: InstanceDep, holder: HolderDep, share_id: str) -> Response:
    sharing.revoke_share(instance, holder.id, share_id[:MAX_TOKEN_LENGTH])
    return Response(status_code=204)


@router.post(
    "/api/v1/wallet/presentations",
    response_model=PresentationCreated,
    summary="A verifiable presentation signed by the holder's key for a verifier",
    responses=HOLDER_ROUTE_ERRORS,
)
def create_presentation(
    instance: InstanceDep, holder: HolderDep, body: PresentationCreate
) -> PresentationCreated:
    """Post the result to `/presentations/verify` as
    `{"verifiablePresentation": ..., "options": {"challenge": ..., "domain": ...}}`."""
    require_owned(instance, holder.id, body.credential_ids, "credential_ids")
    vp = sharing.present(
        instance,
        holder.id,
        list(dict.fromkeys(body.credential_ids)),
        challenge=body.challenge,
        domain=body.domain,
        fmt=body.format,
    )
    return PresentationCreated(format=body.format, verifiablePresentation=vp)


# ---------------------------------------------------------------- the public share page


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/html" not in accept


def _render(request: Request, template: str, **values: Any) -> str:
    """A share page in the language of ``?lang=`` (any language with a catalogue)."""
    t = i18n.translator(i18n.supported(request.query_params.get("lang")))
    others = [
        {"code": code, "name": i18n.language_name(code)}
        for code in i18n.languages()
        if code != t.lang
    ]
    return (
        i18n.jinja_environment(TEMPLATES_DIR)
        .get_template(template)
        .render(**i18n.template_context(t), languages=others, headlines=HEADLINES, **values)
    )


def _not_found(request: Request) -> Response:
    if _wants_json(request):
        return JSONResponse(
            error_body("not_found", "no such share link (unknown, expired or revoked)"),
            404,
            headers=PAGE_HEADERS,
        )
    html = _render(request, "share_not_found.html")
    return HTMLResponse(html, 404, headers=HTML_HEADERS)


def _entry(shared: sharing.SharedCredential) -> dict[str, Any]:
    item, report = shared.item, shared.report
    summary = item.summary
    status = str(report.get("status", "invalid"))
    return {
        "id": item.id,
        "title": summary.title_in(),
        "issuer": {
            "id": summary.issuer_id,
            "name": summary.issuer_name_in(),
            "country": summary.issuer_country,
        },
        "issued_on": summary.issued_on.date().isoformat() if summary.issued_on else None,
        "valid_until": summary.valid_until.isoformat() if summary.valid_until else None,
        "ects": item.ects,
        "hours": item.hours,
        "eqf_level": item.eqf_level,
        "status": status,
        "headline": HEADLINES.get(status, HEADLINES["invalid"]),
        "valid": bool(report.get("valid")),
        "report": report,
        "holder_binding": shared.binding.to_json(),
        "credential": item.document(),
    }


@router.get(
    "/s/{token}",
    summary="A share link (public): HTML, or JSON with Accept: application/json",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}, "application/json": {}}},
        404: {
            "description": "unknown, expired or revoked",
            "content": {"text/html": {}, "application/json": {"schema": {"$ref": ERROR_REF}}},
        },
    },
)
def share_page(token: str, request: Request, instance: InstanceDep) -> Response:
    """Each credential is verified again at every view (revocation shows at once)."""
    if len(token) > MAX_TOKEN_LENGTH:
        return _not_found(request)
    try:
        holder_name, shown, view = sharing.open_share(instance, token)
    except HolderError:
        return _not_found(request)
    if _wants_json(request):
        return JSONResponse(
            {
                "holder": {"name": holder_name},
                "expires_at": view.expires_at.isoformat(),
                "credentials": [_entry(s) for s in shown],
            },
            headers=PAGE_HEADERS,
        )
    # The page is the verify page's report (web layer), with the share page's own headers:
    # no referrer (the token is in the URL), not indexed.
    return verify_pages.share_page(
        request, holder_name, shown, view.expires_at, headers=SHARE_PAGE_HEADERS
    )
