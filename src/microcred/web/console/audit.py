"""The organisation's audit log: plain sentences, filtered, paged, exported as CSV or JSON
(the scope of the API's audit route, ``read``)."""

from __future__ import annotations

import io
import json
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.services import audit_log, csv_output
from microcred.web.console.members import Member, member_ctx, requires
from microcred.web.console.query import query_day, query_page, query_text
from microcred.web.core import finish, instance_of, page, render

router = APIRouter(include_in_schema=False)


def _filter(request: Request, errors: dict[str, str]) -> audit_log.AuditFilter:
    p = page(request)
    action = query_text(request, "action", 64)
    if action and action not in audit_log.ACTIONS:
        errors["action"] = p.gettext("Choose an action from the list.")
        action = ""
    wanted = audit_log.AuditFilter(
        action=action,
        actor=query_text(request, "actor"),
        since=query_day(request, "from", errors),
        until=query_day(request, "to", errors),
        text=query_text(request, "q"),
    )
    if wanted.since and wanted.until and wanted.since > wanted.until:
        errors["to"] = p.gettext("The end date is before the start date.")
    return wanted


def _query(request: Request) -> dict[str, str]:
    return {
        k: query_text(request, k)
        for k in ("action", "actor", "from", "to", "q")
        if query_text(request, k)
    }


@router.get("/console/audit")
def audit_page(request: Request, member: Annotated[Member, requires("read")]) -> Response:
    errors: dict[str, str] = {}
    wanted = _filter(request, errors)
    number = query_page(request)
    instance = instance_of(request)
    found = audit_log.search(instance, member.org.id, wanted, page=number)
    ctx = member_ctx(member, "audit", log=found, wanted=wanted, query=_query(request),
                     actions=audit_log.ACTIONS, t=page(request).t)  # fmt: skip
    ctx["errors"] = errors
    return render(request, "console/audit.html", ctx, status=422 if errors else 200)


def _export(request: Request, member: Member) -> tuple[list[audit_log.AuditLine], Response | None]:
    errors: dict[str, str] = {}
    wanted = _filter(request, errors)
    if errors:
        body = json.dumps({"errors": errors}, ensure_ascii=False)
        return [], Response(body, status_code=422, media_type="application/json")
    return audit_log.export(instance_of(request), member.org.id, wanted), None


@router.get("/console/audit.csv")
def audit_csv(request: Request, member: Annotated[Member, requires("read")]) -> Response:
    """The selection as CSV: the sentence in the reader's language next to the raw fields."""
    lines, refused = _export(request, member)
    if refused is not None:
        return refused
    t = page(request).t
    out = io.StringIO()
    writer = csv_output.writer(out)
    writer.writerow([t.gettext("When"), t.gettext("What happened"), "at", "actor", "action",
                     "subject", "details"])  # fmt: skip
    for line in lines:
        writer.writerow([t.datetime(line.at), line.sentence(t), line.at.isoformat(), line.actor,
                         line.action, line.subject or "",
                         json.dumps(line.details, ensure_ascii=False, sort_keys=True)])  # fmt: skip
    response = Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
    return finish(request, response)


@router.get("/console/audit.json")
def audit_json(request: Request, member: Annotated[Member, requires("read")]) -> Response:
    lines, refused = _export(request, member)
    if refused is not None:
        return refused
    t = page(request).t
    body = json.dumps([line.to_json(t) for line in lines], ensure_ascii=False, indent=1)
    response = Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="audit-log.json"'},
    )
    return finish(request, response)
