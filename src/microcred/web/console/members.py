"""Who is signed in to the console: a person of the organisation (``services/members``: an
e-mail address, a password and a role, whose scopes are the role's), or a machine signed in
with one of its API tokens (the token itself stays out of the cookie: the session keeps the
token's id, checked on every request). Pages take the member as a FastAPI dependency: ``requires(...)`` for a page,
``posts(...)`` for a form post (its CSRF token checked); either turns away a visitor the page
does not serve (:class:`TurnedAway`: the sign-in page, or a 403 naming the missing scope)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import FormData

from microcred.services import members, organisations, tokens
from microcred.services.organisations import OrganisationError
from microcred.web.core import (
    CsrfError,
    checked_form,
    instance_of,
    page,
    redirect,
    render,
    session_of,
)


@dataclass(frozen=True)
class Member:
    org: organisations.OrgView
    token_id: str
    token_name: str
    scopes: tuple[str, ...]
    # a person's membership (services/members); None when signed in with an API token
    person: members.MemberView | None = None

    def can(self, scope: str | None) -> bool:
        """The API's scope rule (``tokens.allows``, as ``api.deps.org_access`` applies it)."""
        return tokens.allows(self.scopes, scope)


@dataclass(frozen=True)
class Posted:
    """A signed-in member's form post, its CSRF token checked."""

    member: Member
    form: FormData


def current_member(request: Request) -> Member | None:
    session = session_of(request)
    instance = instance_of(request)
    if session.org and session.member:
        person = members.active(instance, session.member)
        if person is None or person.org_id != session.org:
            return None
        try:
            org = organisations.get(instance, person.org_id)
        except OrganisationError:
            return None
        return Member(org, "", person.email, person.scopes, person)
    if not session.org or not session.token:
        return None
    try:
        org = organisations.get(instance, session.org)
        found = next((t for t in tokens.list_for(instance, org.id) if t.id == session.token), None)
    except OrganisationError:
        return None
    if found is None or found.revoked_at is not None:
        return None
    return Member(org, found.id, found.name, tuple(found.scopes))


def login_redirect(request: Request) -> Response:
    """The sign-in page, which brings the visitor back to the page they asked for."""
    here = request.url.path
    login = "/authority/login" if here.startswith("/authority") else "/console/login"
    if request.method == "GET" and here not in (login, "/console", "/authority"):
        query = f"?{request.url.query}" if request.url.query else ""
        return redirect(request, f"{login}?{urlencode({'next': here + query})}")
    return redirect(request, login)


def refusal(request: Request, message: str, status: int = 403) -> Response:
    """The error page of the console (403 unless told)."""
    return render(
        request,
        "error.html",
        {"message": message, "active": "console", "back": "/console"},
        status=status,
    )


def _scope_refusal(p: Any, scope: str, member: Member | None = None) -> str:
    # Whole sentences, so that each one is extracted and translated as it is.
    if member is not None and member.person is not None:
        by_role: dict[str, str] = {
            "read": p.gettext("Your role does not let you see the organisation's records."),
            "issue": p.gettext("Your role does not let you issue or publish."),
            "revoke": p.gettext("Your role does not let you revoke or suspend credentials."),
            "admin": p.gettext("Only an administrator of the organisation can do this."),
        }
        return by_role[scope]
    sentences: dict[str, str] = {
        "read": p.gettext("Your token does not have the 'read' scope."),
        "issue": p.gettext("Your token does not have the 'issue' scope."),
        "revoke": p.gettext("Your token does not have the 'revoke' scope."),
        "admin": p.gettext("Your token does not have the 'admin' scope."),
    }
    return sentences[scope]


def member_ctx(member: Member, section: str, **extra: Any) -> dict[str, Any]:
    """The template context every console page starts from."""
    return {
        "active": "console",
        "section": section,
        "member": member,
        "errors": {},
        "role_labels": members.ROLE_LABELS,
        **extra,
    }


def actor(member: Member) -> str:
    """Who the audit log names for what the member does."""
    if member.person is not None:
        return f"member:{member.person.email}"
    return f"web:{member.token_name}"


def forbidden(request: Request, member: Member, scopes: tuple[str, ...]) -> Response:
    """403: the page needs one of ``scopes``, which the member's token does not have."""
    p = page(request)
    return render(
        request,
        "console/forbidden.html",
        member_ctx(member, "", refusals=[_scope_refusal(p, s, member) for s in scopes]),
        status=403,
    )


class TurnedAway(Exception):
    """A console page does not serve this visitor: the answer is the sign-in page or a 403."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def turned_away(request: Request, exc: Exception) -> Response:
    """The exception handler for :class:`TurnedAway` (installed by ``microcred.web.mount``)."""
    assert isinstance(exc, TurnedAway)
    return exc.response


def admit(request: Request, *scopes: str) -> Member:
    """The signed-in member, with (any one of) ``scopes``, the scopes of the API route that
    does what the page does; or :class:`TurnedAway` (sign-in page, or 403)."""
    member = current_member(request)
    if member is None:
        raise TurnedAway(login_redirect(request))
    if scopes and not any(member.can(s) for s in scopes):
        raise TurnedAway(forbidden(request, member, scopes))
    return member


def requires(*scopes: str) -> Any:
    """A console page's dependency: ``member: Annotated[Member, requires("read")]``."""

    def dependency(request: Request) -> Member:
        return admit(request, *scopes)

    return Depends(dependency)


async def member_form(
    request: Request, scope: str, refuse: Callable[[Request, str], Response] | None = None
) -> tuple[Member, Any] | Response:
    """A signed-in member's form post, its CSRF token checked and the scope required;
    or the response that turns it away (sign-in page, or the refusal page)."""
    turn_away = refuse or refusal
    member = await run_in_threadpool(current_member, request)  # database reads: off the loop
    if member is None:
        return login_redirect(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return turn_away(request, str(exc))
    if not member.can(scope):
        if refuse is None:
            return forbidden(request, member, (scope,))
        return turn_away(request, _scope_refusal(page(request), scope, member))
    return member, form


def posts(scope: str) -> Any:
    """A console form post's dependency: ``posted: Annotated[Posted, posts("issue")]``."""

    async def dependency(request: Request) -> Posted:
        found = await member_form(request, scope)
        if isinstance(found, Response):
            raise TurnedAway(found)
        return Posted(*found)

    return Depends(dependency)
