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
from jinja2 import Environment, FileSystemLoader, select_autoescape

from microcred.api.deps import HolderDep, InstanceDep
from microcred.api.errors import ERROR_REF, HOLDER_ROUTE_ERRORS, error_body
from microcred.api.routes.wallet import mapped, require_owned
from microcred.api.schemas import (
    PresentationCreate,
    PresentationCreated,
    ShareCreate,
    ShareCreated,
    SharePublic,
)
from microcred.services import sharing
from microcred.services.holders import HolderError

router = APIRouter(tags=["sharing"])

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
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
HTML_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Shared micro-credentials",
        "shared_by": "Shared by",
        "issuer": "Issuer",
        "country": "Country",
        "issued": "Issued on",
        "ects": "ECTS credits",
        "eqf": "EQF level",
        "checks": "Verification checks",
        "check": "Check",
        "result": "Result",
        "detail": "Detail",
        "verified_now": "Verified just now, when this page was opened.",
        "expires": "This link expires on",
        "not_found_title": "Share link not found",
        "not_found": "This link does not exist, has expired, or was revoked by its owner.",
        "other_language": "Latviski",
        "pass": "Pass",
        "fail": "Fail",
        "warn": "Warning",
        "skip": "Not checked",
        "valid": "Valid",
        "invalid": "Not valid",
        "revoked": "Revoked by its issuer",
        "suspended": "Suspended by its issuer",
        "expired": "Expired",
        "none": "not stated",
        "bound": "Issued to the person who presented it",
        "not_bound": "Not shown to belong to the person who presented it",
        "bound_help": "It was issued to the digital identity (DID) of the wallet that shared "
        "this link.",
        "not_bound_help": "It was not issued to the digital identity (DID) of the wallet that "
        "shared this link (it names, for example, only a name or an e-mail address), so nothing "
        "shows that the person who shared it is the learner named in it. Check their identity "
        "another way before you rely on it.",
    },
    "lv": {
        "title": "Kopīgotās mikrokvalifikācijas",
        "shared_by": "Kopīgoja",
        "issuer": "Izdevējs",
        "country": "Valsts",
        "issued": "Izdošanas datums",
        "ects": "ECTS kredītpunkti",
        "eqf": "EKI līmenis",
        "checks": "Pārbaudes",
        "check": "Pārbaude",
        "result": "Rezultāts",
        "detail": "Sīkāk",
        "verified_now": "Pārbaudīts tikko, atverot šo lapu.",
        "expires": "Saite ir derīga līdz",
        "not_found_title": "Saite nav atrasta",
        "not_found": "Šīs saites nav, tās derīgums ir beidzies, vai īpašnieks to ir atsaucis.",
        "other_language": "English",
        "pass": "Izpildīts",
        "fail": "Neizpildīts",
        "warn": "Brīdinājums",
        "skip": "Nav pārbaudīts",
        "valid": "Derīgs",
        "invalid": "Nav derīgs",
        "revoked": "Izdevējs to ir atsaucis",
        "suspended": "Izdevējs to ir apturējis",
        "expired": "Derīguma termiņš beidzies",
        "none": "nav norādīts",
        "bound": "Izsniegts personai, kas to uzrādīja",
        "not_bound": "Nav pierādīts, ka tas pieder personai, kas to uzrādīja",
        "bound_help": "Tas ir izsniegts tā maciņa digitālajai identitātei (DID), kas kopīgoja "
        "šo saiti.",
        "not_bound_help": "Tas nav izsniegts tā maciņa digitālajai identitātei (DID), kas "
        "kopīgoja šo saiti (tajā, piemēram, norādīts tikai vārds vai e-pasta adrese), tāpēc "
        "nekas neapliecina, ka kopīgotājs ir tajā minētais izglītojamais. Pirms paļaujaties uz "
        "to, pārbaudiet personas identitāti citādi.",
    },
}
HEADLINES_EN = {k: LABELS["en"][k] for k in ("valid", "invalid", "revoked", "suspended", "expired")}


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
    with mapped():
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
    with mapped():
        views = sharing.list_shares(instance, holder.id)
    return [SharePublic(**_share_public(v)) for v in views]


@router.delete(
    "/api/v1/wallet/shares/{share_id}",
    status_code=204,
    summary="Revoke a share link: it answers 404 from now on",
    responses=HOLDER_ROUTE_ERRORS,
)
def revoke_share(instance: InstanceDep, holder: HolderDep, share_id: str) -> Response:
    with mapped(not_found=True):
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
    with mapped():
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


def _language(request: Request) -> str:
    return "lv" if request.query_params.get("lang") == "lv" else "en"


def _not_found(request: Request) -> Response:
    if _wants_json(request):
        return JSONResponse(
            error_body("not_found", "no such share link (unknown, expired or revoked)"),
            404,
            headers=PAGE_HEADERS,
        )
    lang = _language(request)
    html = TEMPLATES.get_template("share_not_found.html").render(lang=lang, t=LABELS[lang])
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
        "headline": HEADLINES_EN.get(status, HEADLINES_EN["invalid"]),
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
    entries = [_entry(s) for s in shown]
    if _wants_json(request):
        return JSONResponse(
            {
                "holder": {"name": holder_name},
                "expires_at": view.expires_at.isoformat(),
                "credentials": entries,
            },
            headers=PAGE_HEADERS,
        )
    lang = _language(request)
    html = TEMPLATES.get_template("share.html").render(
        lang=lang,
        t=LABELS[lang],
        holder_name=holder_name,
        credentials=entries,
        expires_on=view.expires_at.date().isoformat(),
    )
    return HTMLResponse(html, headers=HTML_HEADERS)
