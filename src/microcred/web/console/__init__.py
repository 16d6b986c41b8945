"""The issuer console, one module per page group; who is signed in, and with which scopes, is
the shared dependency in `members.py` (``requires(...)`` for a page, ``posts(...)`` for a
form post)."""

from __future__ import annotations

from fastapi import APIRouter

from microcred.web.console import (
    account,
    audit,
    auth,
    bulk,
    credentials,
    delivery,
    issue,
    offers,
    overview,
    people,
    requests,
    spec_editor,
    specs,
    tokens,
)
from microcred.web.console.members import (
    Member,
    Posted,
    TurnedAway,
    current_member,
    member_form,
    posts,
    requires,
    turned_away,
)

router = APIRouter(include_in_schema=False)
for _module in (
    auth,
    account,
    overview,
    specs,
    spec_editor,
    issue,
    bulk,
    credentials,
    delivery,
    offers,
    tokens,
    people,
    requests,
    audit,
):
    router.include_router(_module.router)

__all__ = [
    "Member",
    "Posted",
    "TurnedAway",
    "current_member",
    "member_form",
    "posts",
    "requires",
    "router",
    "turned_away",
]
