"""The console's overview: credentials issued and revoked per month (chart and table)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.services import credential_history, specifications
from microcred.web import charts
from microcred.web.console.members import Member, member_ctx, requires
from microcred.web.core import instance_of, page, render

router = APIRouter(include_in_schema=False)


def monthly(request: Request, member: Member) -> tuple[list[str], list[int], list[int]]:
    rows = credential_history.issued_and_revoked(instance_of(request), member.org.id)
    issued: dict[str, int] = {}
    revoked: dict[str, int] = {}
    for created, revoked_at in rows:
        issued[created.strftime("%Y-%m")] = issued.get(created.strftime("%Y-%m"), 0) + 1
        if revoked_at is not None:
            key = revoked_at.strftime("%Y-%m")
            revoked[key] = revoked.get(key, 0) + 1
    now = datetime.now(UTC)
    months = []
    year, month = now.year, now.month
    for _ in range(12):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    return months, [issued.get(m, 0) for m in months], [revoked.get(m, 0) for m in months]


@router.get("/console")
def overview(request: Request, member: Annotated[Member, requires()]) -> Response:
    p = page(request)
    if not member.can("read"):  # the figures come from the credentials and specifications
        return render(request, "console/overview.html", member_ctx(member, "overview", chart=None))
    months, issued, revoked = monthly(request, member)
    labels = [
        format_date(date(int(m[:4]), int(m[5:]), 1), format="MMM yy", locale=p.lang) for m in months
    ]
    chart = charts.bars(
        labels,
        [
            charts.Series(p.gettext("Issued"), charts.BLUE, issued),
            charts.Series(p.gettext("Revoked"), charts.RED, revoked),
        ],
        title=p.gettext("Credentials issued and revoked per month"),
        desc=p.gettext(
            "The last twelve months, by the date of issue each credential states (revocations "
            "by the day they were made); the table below has the same numbers."
        ),
        ident="monthly",
    )
    specs = specifications.list_for(instance_of(request), member.org.id)
    return render(
        request,
        "console/overview.html",
        member_ctx(
            member,
            "overview",
            chart=chart,
            rows=list(zip(labels, issued, revoked, strict=True)),
            total_issued=sum(issued),
            total_revoked=sum(revoked),
            spec_count=len({s.spec_key for s in specs}),
        ),
    )
