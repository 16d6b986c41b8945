"""The employer's OpenID4VP pages (issue 16, point 2): compose a request from a form
(services/presentation_requests/compose.py builds the DCQL), then its page with the QR code
and the openid4vp:// link; while it waits the status part polls (htmx, every 3 s), and once
answered it shows each credential's verification report and the claims disclosed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.documents.qr import qr_svg
from microcred.services import presentation_requests
from microcred.services.presentation_requests import wire
from microcred.services.presentation_requests.compose import CLAIMS, DEFAULT_CLAIMS, compose
from microcred.services.presentation_requests.problems import PresentationRequestError
from microcred.verify.summary import CredentialSummary, in_language, parse_time
from microcred.web import report as reports
from microcred.web.console.members import (
    Member,
    Posted,
    actor,
    member_ctx,
    posts,
    refusal,
    requires,
)
from microcred.web.core import Page, instance_of, page, redirect, render, text_field

router = APIRouter(include_in_schema=False)


def _(message: str) -> str:  # marks a message for extraction; translated when shown
    return message


CLAIM_LABELS = {
    "family_name": _("Family name"),
    "given_name": _("Given name"),
    "learner_name": _("Full name"),
    "achievement_title": _("Title of the micro-credential"),
    "achievement_description": _("Description"),
    "issuing_authority": _("Issuer"),
    "issuing_country": _("Country of the issuer"),
    "date_of_issuance": _("Issued on"),
    "credit_points": _("ECTS credits"),
    "level_of_learning_experience": _("EQF level"),
    "learning_outcomes": _("Learning outcomes"),
    "assessment_grade": _("Grade"),
    "types_of_quality_assurance": _("Quality assurance"),
}
FIELDS = {"kinds": "kinds", "claims": "claims", "min_ects": "min_ects", "min_eqf": "min_eqf"}


def _form_ctx(member: Member, **extra: Any) -> dict[str, Any]:
    values = {"kinds": ["sd_jwt_vc"], "claims": list(DEFAULT_CLAIMS), "min_ects": "", "min_eqf": ""}
    return member_ctx(
        member, "requests", claims=CLAIMS, claim_labels=CLAIM_LABELS, values=values, **extra
    )


@router.get("/console/requests")
def requests_page(request: Request, member: Annotated[Member, requires("read")]) -> Response:
    return render(request, "console/requests.html", _form_ctx(member))


@router.post("/console/requests")
def create_request(request: Request, posted: Annotated[Posted, posts("read")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    kinds = [k for k in form.getlist("kind") if isinstance(k, str)][:5]
    claims = [c for c in form.getlist("claim") if isinstance(c, str)][: len(CLAIMS)]
    min_ects, min_eqf = text_field(form, "min_ects", 20), text_field(form, "min_eqf", 20)
    instance = instance_of(request)
    try:
        composed = compose(instance.base_url, kinds, claims, min_ects=min_ects, min_eqf=min_eqf)
        created = presentation_requests.create(
            instance, member.org.slug, composed.dcql, actor=actor(member)
        )
    except PresentationRequestError as exc:
        messages = {
            "kinds": p.gettext(
                "Choose the micro-credentials to ask for (claims and minimums need the SD-JWT VC)."
            ),
            "claims": p.gettext("Choose claims from the list."),
            "min_ects": p.gettext("Give the minimum ECTS as a number from 0 to 60, or leave it."),
            "min_eqf": p.gettext("Give the EQF level as a whole number from 1 to 8, or leave it."),
        }
        field = exc.field if exc.field in messages else "kinds"
        ctx = _form_ctx(member)
        ctx["values"] = {"kinds": kinds, "claims": claims, "min_ects": min_ects, "min_eqf": min_eqf}
        ctx["errors"] = {field: messages[field]}
        return render(request, "console/requests.html", ctx, status=422)
    return redirect(request, f"/console/requests/{created.id}")


def _summary(data: Any) -> CredentialSummary | None:
    if not isinstance(data, dict):
        return None
    raw_issuer, raw_learner = data.get("issuer"), data.get("learner")
    issuer: dict[str, Any] = raw_issuer if isinstance(raw_issuer, dict) else {}
    learner: dict[str, Any] = raw_learner if isinstance(raw_learner, dict) else {}

    def words(value: Any) -> dict[str, str]:
        return {"und": value} if isinstance(value, str) and value else {}

    return CredentialSummary(
        id=data.get("id") if isinstance(data.get("id"), str) else None,
        title=words(data.get("title")),
        issuer_id=issuer.get("id") if isinstance(issuer.get("id"), str) else None,
        issuer_name=words(issuer.get("name")),
        issuer_country=issuer.get("country") if isinstance(issuer.get("country"), str) else None,
        learner_name=learner.get("name") if isinstance(learner.get("name"), str) else None,
        learner_id=learner.get("id") if isinstance(learner.get("id"), str) else None,
        issued_on=parse_time(data.get("issued_on")),
        valid_from=parse_time(data.get("valid_from")),
        valid_until=parse_time(data.get("valid_until")),
    )


def _shown(value: Any) -> str:
    if isinstance(value, dict) and "value" in value:
        return " ".join(str(v) for v in (value.get("value"), value.get("system")) if v)
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        found = in_language({k: v for k, v in value.items() if isinstance(v, str)})
        return found or ", ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    return str(value)


def answered(result: dict[str, Any] | None, p: Page) -> list[dict[str, Any]]:
    """Per credential: its report (the verify page's view) and the claims disclosed."""
    out = []
    for entry in (result or {}).get("credentials", []) or []:
        if not isinstance(entry, dict):
            continue
        report = entry.get("report") or {"status": entry.get("status"), "checks": []}
        view = reports.build(report, None, None, p, summary=_summary(entry.get("summary")))
        claims = entry.get("claims") if entry.get("format") == "dc+sd-jwt" else None
        disclosed = [str(d) for d in entry.get("disclosed", []) or []]
        rows = [
            (p.gettext(CLAIM_LABELS.get(name, name)), _shown((claims or {}).get(name)))
            for name in disclosed
            if claims and name in claims
        ]
        out.append(
            {
                "view": view,
                "query": str(entry.get("query") or ""),
                "format": str(entry.get("format") or ""),
                "disclosed": rows,
                "whole": entry.get("format") != "dc+sd-jwt",
                "problems": [str(x) for x in entry.get("problems", []) or []][:10],
            }
        )
    return out


def _ago(moment: datetime | None, p: Page) -> str:
    return p.date(moment) if moment else ""


@router.get("/console/requests/{request_id}")
def request_page(
    request: Request, request_id: str, member: Annotated[Member, requires("read")]
) -> Response:
    p = page(request)
    instance = instance_of(request)
    try:
        view = presentation_requests.get(instance, member.org.slug, request_id[:40])
    except PresentationRequestError:
        return refusal(request, p.gettext("No such request (or it was deleted)."), 404)
    link = None
    if view.status == "pending":
        uri = presentation_requests.request_uri_of(instance, view.id)
        post = not view.client_id.startswith("redirect_uri:")
        link = wire.invocation_links(view.client_id, uri, post=post)["openid4vp"]
    ctx = member_ctx(
        member,
        "requests",
        req=view,
        link=link,
        qr=qr_svg(link, title=p.gettext("QR code of the request")) if link else None,
        answers=answered(view.result, p),
        expires=_ago(view.expires_at, p),
        keep_until=_ago(view.delete_after, p),
    )
    if request.headers.get("hx-request") == "true":
        return render(request, "console/_request_status.html", ctx)
    return render(request, "console/request.html", ctx)
