"""The organisation's audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.services import audit
from microcred.web.console.members import Member, member_ctx, requires
from microcred.web.core import instance_of, render

router = APIRouter(include_in_schema=False)


@router.get("/console/audit")
def audit_page(request: Request, member: Annotated[Member, requires("read")]) -> Response:
    entries = audit.entries(instance_of(request), member.org.id, limit=300)
    return render(request, "console/audit.html", member_ctx(member, "audit", entries=entries))
