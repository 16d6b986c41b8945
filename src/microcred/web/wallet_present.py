"""The wallet page "Answer a request" (OpenID4VP, issue 16 point 3): the learner opens a
verifier's request (a pasted ``openid4vp://`` / ``haip-vp://`` link or QR text, or the same
device's redirect to ``/wallet/present?client_id=…&request_uri=…``); the wallet fetches and
checks the signed request and the verifier's certificate (`openid4vp_respond.open_request`),
shows who is asking and what, the learner's credentials that answer each query with the
claims each will disclose (optional ones as checkboxes), then Share (``direct_post.jwt``) or
Refuse (``access_denied``) in one click; afterwards the verifier's ``redirect_uri``, if any."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.services.holders import HolderError, HolderView
from microcred.services.wallet import openid4vp_choices, openid4vp_texts
from microcred.services.wallet.openid4vp_respond import (
    WHOLE,
    OpenedRequest,
    RespondError,
    open_request,
)
from microcred.services.wallet.openid4vp_respond import respond as send_answer
from microcred.web import report as reports
from microcred.web.console.requests import CLAIM_LABELS
from microcred.web.core import Page, instance_of, page, redirect, render, text_field
from microcred.web.wallet_pages import STATUSES, CheckedForm, SignedIn, current_holder

router = APIRouter(include_in_schema=False)
MAX_LINK = 4000


def _(message: str) -> str:  # marks a message for extraction; translated when shown
    return message


FORMAT_LABELS = {
    "dc+sd-jwt": _("EU micro-credential (SD-JWT VC)"),
    "ldp_vc": _("W3C credential (Open Badge, Data Integrity)"),
    "jwt_vc_json": _("W3C credential (VC-JWT)"),
}


def _link_from_query(request: Request) -> str:
    """The request link: ``?link=`` (pasted), or the same-device redirect's own parameters."""
    q = request.query_params
    if q.get("link"):
        return q["link"].strip()[:MAX_LINK]
    if q.get("client_id") and q.get("request_uri"):
        keep = {k: q[k] for k in ("client_id", "request_uri", "request_uri_method") if k in q}
        return ("openid4vp://?" + urlencode(keep))[:MAX_LINK]
    return ""


def _context(request: Request, holder: HolderView, **extra: Any) -> dict[str, Any]:
    p = page(request)
    return {
        "active": "wallet",
        "section": "present",
        "holder": holder,
        "errors": {},
        "link": "",
        "opened": None,
        "status_words": {s: p.gettext(reports.STATUS_WORDS[s]) for s in STATUSES},
        **extra,
    }


def _label(name: str, p: Page) -> str:
    label = CLAIM_LABELS.get(name)
    return p.gettext(label) if label else name


def _said(exc: Exception, p: Page) -> str:
    return openid4vp_texts.message_in(str(exc), p)


def _review(
    request: Request, holder: HolderView, link: str, opened: OpenedRequest, **extra: Any
) -> dict[str, Any]:
    p = page(request)
    wanted = openid4vp_choices.choices(instance_of(request), holder.id, opened)
    name = opened.client_metadata.get("client_name")
    return _context(
        request,
        holder,
        link=link,
        opened=opened,
        client_name=name if isinstance(name, str) else None,
        response_host=urlsplit(opened.response_uri).netloc,
        wanted=wanted,
        formats={k: p.gettext(v) for k, v in FORMAT_LABELS.items()},
        label=lambda n: _label(n, p),
        said=lambda m: openid4vp_texts.message_in(m, p),
        chosen=extra.pop("chosen", None),
        disclosed=extra.pop("disclosed", set()),
        **extra,
    )


def _open(request: Request, holder: HolderView, link: str, **extra: Any) -> Response:
    p = page(request)
    try:
        opened = open_request(instance_of(request), link)
    except RespondError as exc:
        message = p.gettext("This request could not be checked, so nothing can be sent: %(why)s")
        ctx = _context(
            request, holder, link=link, errors={"link": message % {"why": _said(exc, p)}}
        )
        return render(request, "wallet/present.html", ctx, status=422)
    status = 422 if extra.get("errors") else 200
    ctx = _review(request, holder, link, opened, **extra)
    return render(request, "wallet/present.html", ctx, status=status)


@router.get("/wallet/present")
def present_page(request: Request) -> Response:
    holder = current_holder(request)
    if holder is None:  # the sign-in page comes back here with the request's parameters
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, "/wallet/login?" + urlencode({"next": here[:500]}))
    link = _link_from_query(request)
    if not link:
        return render(request, "wallet/present.html", _context(request, holder))
    return _open(request, holder, link)


def _disclosures(form: Any, chosen: list[str]) -> dict[str, list[str]]:
    """``disclose`` values are ``ITEM_ID CLAIM``: the optional claims ticked per credential."""
    out: dict[str, list[str]] = {}
    for value in form.getlist("disclose")[:200]:
        if isinstance(value, str) and " " in value:
            item_id, claim = value.split(" ", 1)
            if item_id in chosen:
                out.setdefault(item_id, []).append(claim[:100])
    return out


@router.post("/wallet/present")
def present_submit(request: Request, holder: SignedIn, form: CheckedForm) -> Response:
    p = page(request)
    link = text_field(form, "link", MAX_LINK)
    refuse = text_field(form, "action", 20) == "refuse"
    chosen = [v[:100] for v in form.getlist("credential") if isinstance(v, str)][:20]
    disclose = _disclosures(form, chosen)
    if not link:
        errors = {"link": p.gettext("Paste the request link the verifier gave you.")}
        ctx = _context(request, holder, errors=errors)
        return render(request, "wallet/present.html", ctx, status=422)
    if not refuse and not chosen:
        errors = {"credential": p.gettext("Choose at least one credential to share.")}
        return _open(request, holder, link, errors=errors, chosen=[], disclosed=set())
    try:
        result = send_answer(
            instance_of(request), holder.id, link, chosen, disclose=disclose, refuse=refuse
        )
    except (RespondError, HolderError) as exc:
        field = "credential" if getattr(exc, "field", "") == "credential" else "link"
        message = p.gettext("Nothing was sent: %(why)s") % {"why": _said(exc, p)}
        if field == "link":
            ctx = _context(request, holder, link=link, errors={"link": message})
            return render(request, "wallet/present.html", ctx, status=422)
        ticked = {f"{i} {c}" for i, claims in disclose.items() for c in claims}
        return _open(
            request, holder, link, errors={field: message}, chosen=chosen, disclosed=ticked
        )
    answer = result.get("answer") if isinstance(result.get("answer"), dict) else {}
    back = answer.get("redirect_uri") if isinstance(answer, dict) else None
    if not (isinstance(back, str) and urlsplit(back).scheme in ("https", "http")):
        back = None
    sent = [
        {
            "query": query,
            "whole": entry["disclosed"] == [WHOLE],
            "disclosed": [_label(n, p) for n in entry["disclosed"]],
        }
        for query, entries in result["sent"].items()
        for entry in entries
    ]
    description = answer.get("error_description") if isinstance(answer, dict) else None
    done = {
        "refused": refuse,
        "accepted": bool(result["accepted"]),
        "verifier": result["request"]["verifier"],
        "verified": bool(result["request"]["verified"]),
        "redirect_uri": back,
        "sent": sent,
        "problem": str(description)[:500] if description else None,
    }
    return render(request, "wallet/present.html", _context(request, holder, done=done))
