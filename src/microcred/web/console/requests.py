"""The employer's OpenID4VP pages (issue 16, point 2): compose a request from a form
(services/presentation_requests/compose.py builds the DCQL), then its page with the QR code
and the openid4vp:// link; while it waits the status part polls (htmx, every 3 s), and once
answered it shows each credential's verification report and the claims disclosed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.documents.qr import qr_svg
from microcred.services import presentation_requests
from microcred.services.presentation_requests import wire
from microcred.services.presentation_requests.compose import CLAIMS, DEFAULT_CLAIMS, compose
from microcred.services.presentation_requests.problems import (
    Invalid,
    NotFound,
    PresentationRequestError,
)
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
from microcred.web.core import Page, flash, instance_of, page, redirect, render, text_field

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
    "skills": _("Skills"),
    "learning_outcome_refs": _("ESCO skills of the learning outcomes"),
}
FIELDS = {"kinds": "kinds", "claims": "claims", "min_ects": "min_ects", "min_eqf": "min_eqf"}


RETURN_PATH = "/console/requests/returned"  # where a same-device wallet sends the browser
DEFAULT_KEEP_DAYS = presentation_requests.KEEP.days
MAX_KEEP_DAYS = presentation_requests.MAX_KEEP.days


def _form_ctx(member: Member, **extra: Any) -> dict[str, Any]:
    values = {
        "kinds": ["sd_jwt_vc"],
        "claims": list(DEFAULT_CLAIMS),
        "min_ects": "",
        "min_eqf": "",
        "issuer": "",
        "skill": "",
        "keep_days": str(DEFAULT_KEEP_DAYS),
        "same_device": False,
    }
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
    issuer, skill = text_field(form, "issuer", 300), text_field(form, "skill", 300)
    keep_days = text_field(form, "keep_days", 20) or str(DEFAULT_KEEP_DAYS)
    same_device = text_field(form, "same_device", 10) == "yes"
    instance = instance_of(request)
    back = instance.base_url.rstrip("/") + RETURN_PATH if same_device else None
    try:
        composed = compose(
            instance.base_url,
            kinds,
            claims,
            min_ects=min_ects,
            min_eqf=min_eqf,
            issuer=issuer,
            skill=skill,
        )
        if not (keep_days.isdigit() and 1 <= int(keep_days) <= MAX_KEEP_DAYS):
            raise Invalid("keep_days is a whole number of days", "keep_days")
        created = presentation_requests.create(
            instance,
            member.org.slug,
            composed.dcql,
            keep=timedelta(days=int(keep_days)),
            redirect_uri=back,
            actor=actor(member),
        )
    except PresentationRequestError as exc:
        messages = {
            "kinds": p.gettext(
                "Choose the micro-credentials to ask for (claims and minimums need the SD-JWT VC)."
            ),
            "claims": p.gettext("Choose claims from the list."),
            "min_ects": p.gettext("Give the minimum ECTS as a number from 0 to 60, or leave it."),
            "min_eqf": p.gettext("Give the EQF level as a whole number from 1 to 8, or leave it."),
            "issuer": p.gettext("Give the issuer's name in at most 200 characters, or leave it."),
            "skill": p.gettext(
                "Give an ESCO skill as its address (http://data.europa.eu/esco/skill/…), "
                "or leave it."
            ),
            "keep_days": p.gettext("Give the days as a whole number from 1 to %(max)s.")
            % {"max": MAX_KEEP_DAYS},
        }
        field = exc.field if exc.field in messages else "kinds"
        ctx = _form_ctx(member)
        ctx["values"] = {
            "kinds": kinds,
            "claims": claims,
            "min_ects": min_ects,
            "min_eqf": min_eqf,
            "issuer": issuer,
            "skill": skill,
            "keep_days": keep_days,
            "same_device": same_device,
        }
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


def _asked(result: dict[str, Any] | None, query_id: str) -> set[str]:
    """The top-level claim names the DCQL match found disclosed for ``query_id``."""
    matches = ((result or {}).get("dcql") or {}).get("credentials", {}).get(query_id, [])
    return {
        str(path[0])
        for match in matches
        if isinstance(match, dict)
        for path in match.get("disclosed", []) or []
        if isinstance(path, list) and path and isinstance(path[0], str)
    }


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
        # what was asked for and shown: the disclosures, and the claims asked for that the
        # credential always shows (not selectively disclosable, such as its title)
        asked = _asked(result, str(entry.get("query") or ""))
        names = [n for n in CLAIM_LABELS if n in disclosed or n in asked]
        names += [n for n in disclosed if n not in CLAIM_LABELS]
        rows = [
            (p.gettext(CLAIM_LABELS.get(name, name)), _shown((claims or {}).get(name)))
            for name in names
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


@router.get(RETURN_PATH)
def returned_page(request: Request, member: Annotated[Member, requires("read")]) -> Response:
    """Same device: the wallet sends the browser here with ``#response_code=…``; a fragment
    never reaches the server, so ``static/same-device.js`` posts it with the form below."""
    return render(request, "console/request_returned.html", member_ctx(member, "requests"))


@router.post(RETURN_PATH)
def returned(request: Request, posted: Annotated[Posted, posts("read")]) -> Response:
    """The response code checked (HAIP 1.0 §5.1): the answer is shown on this browser."""
    p = page(request)
    code = text_field(posted.form, "response_code", 200)
    try:
        request_id = presentation_requests.redeem_response_code(
            instance_of(request), posted.member.org.slug, code
        )
    except NotFound:
        ctx = member_ctx(posted.member, "requests")
        ctx["errors"] = {
            "response_code": p.gettext(
                "This response code is not valid: it was used already, or it is not one of "
                "your organisation's requests."
            )
        }
        return render(request, "console/request_returned.html", ctx, status=422)
    flash(request, p.gettext("The wallet brought you back: the response code is checked."))
    return redirect(request, f"/console/requests/{request_id}")


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
    # same device: the answer is shown only once the wallet's redirect brought its response
    # code back to the employer's page (the session binding of HAIP 1.0 §5.1)
    withheld = view.same_device and view.status == "answered" and not view.returned
    ctx = member_ctx(
        member,
        "requests",
        req=view,
        withheld=withheld,
        link=link,
        qr=qr_svg(link, title=p.gettext("QR code of the request")) if link else None,
        answers=[] if withheld else answered(view.result, p),
        expires=_ago(view.expires_at, p),
        keep_until=_ago(view.delete_after, p),
    )
    if request.headers.get("hx-request") == "true":
        return render(request, "console/_request_status.html", ctx)
    return render(request, "console/request.html", ctx)
