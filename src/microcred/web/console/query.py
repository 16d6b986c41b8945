"""Reading a console list page's query string (the credentials list and the audit log filter
and page the same way): text cut to a limit, a day as YYYY-MM-DD, the page number."""

from __future__ import annotations

from datetime import date

from fastapi import Request

from microcred.web.core import page


def query_text(request: Request, name: str, limit: int = 200) -> str:
    return (request.query_params.get(name) or "").replace("\x00", "").strip()[:limit]


def query_day(request: Request, name: str, errors: dict[str, str]) -> date | None:
    """The day in ``name``, or None; a bad one puts its message under ``name`` in ``errors``."""
    value = query_text(request, name, 20)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = page(request).gettext("Enter a date as YYYY-MM-DD, for example 2026-12-01.")
        return None


def query_page(request: Request) -> int:
    """The page number asked for; 1 when it is missing or not a number."""
    try:
        return max(1, int(query_text(request, "page", 9) or "1"))
    except ValueError:
        return 1
