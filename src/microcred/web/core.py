"""What every page shares: templates, languages (Babel catalogues), the signed session cookie
and CSRF protection.

The session is a signed payload (HMAC-SHA256 keyed by the instance secret), so any number of
processes of the same instance agree on it without in-memory state. It carries a random CSRF
token that every form posts back (``csrf`` field, or the ``X-CSRF-Token`` header for HTMX).
A signed-in session also carries the secret of its server-side record
(:mod:`microcred.services.web_sessions`): without a live record the cookie signs nobody in, so
signing out, a password change and an account deletion end a session at once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from babel.support import NullTranslations
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from starlette.datastructures import FormData

from microcred import i18n
from microcred.services import web_sessions
from microcred.services.instance import Instance
from microcred.services.recognition import texts as recognition_texts
from microcred.services.throttle import Throttled

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
TRANSLATIONS_DIR = i18n.TRANSLATIONS_DIR
DEFAULT_LANGUAGE = i18n.DEFAULT_LANGUAGE
SESSION_COOKIE = "mc_web"
LANG_COOKIE = "mc_lang"
SESSION_SECONDS = 12 * 3600
T = TypeVar("T")

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
}


# ---------------------------------------------------------------- languages


def languages() -> tuple[str, ...]:
    """Every language with a catalogue: adding a language is adding a directory."""
    return i18n.languages()


def translations(lang: str) -> NullTranslations:
    return i18n.translations(lang)


language_name = i18n.language_name


def choose_language(request: Request) -> str:
    known = languages()
    asked = request.query_params.get("lang")
    if asked in known:
        return str(asked)
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in known:
        return str(cookie)
    header = request.headers.get("accept-language", "")
    return i18n.negotiate(part.split(";")[0] for part in header.split(",")) or DEFAULT_LANGUAGE


# ---------------------------------------------------------------- the session


@dataclass
class WebSession:
    csrf: str
    holder: str | None = None
    org: str | None = None
    token: str | None = None
    member: str | None = None
    sid: str | None = None
    issued: int = 0
    flash: list[str] = field(default_factory=list)
    changed: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"c": self.csrf, "t": self.issued}
        if self.holder:
            data["h"] = self.holder
        if self.org and self.token:
            data["o"], data["k"] = self.org, self.token
        if self.org and self.member:
            data["o"], data["m"] = self.org, self.member
        if self.sid:
            data["s"] = self.sid
        if self.flash:
            data["f"] = self.flash[-3:]
        return data


def _key(instance: Instance) -> bytes:
    return hmac.new(instance.secret, b"microcred-web-session/1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_session(instance: Instance, session: WebSession) -> str:
    body = _b64(json.dumps(session.to_json(), separators=(",", ":")).encode())
    mac = _b64(hmac.new(_key(instance), body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def decode_session(instance: Instance, value: str | None) -> WebSession | None:
    if not value or len(value) > 4000 or value.count(".") != 1:
        return None
    body, mac = value.split(".")
    expected = _b64(hmac.new(_key(instance), body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        data = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return None
    issued_raw = data.get("t")
    issued = issued_raw if isinstance(issued_raw, int) else 0
    if time.time() - issued > SESSION_SECONDS:
        return None
    flash = [str(f) for f in data.get("f", []) if isinstance(f, str)][:3]
    return WebSession(
        csrf=data["c"],
        holder=data.get("h") if isinstance(data.get("h"), str) else None,
        org=data.get("o") if isinstance(data.get("o"), str) else None,
        token=data.get("k") if isinstance(data.get("k"), str) else None,
        member=data.get("m") if isinstance(data.get("m"), str) else None,
        sid=data.get("s") if isinstance(data.get("s"), str) else None,
        issued=issued,
        flash=flash,
    )


def new_session() -> WebSession:
    return WebSession(csrf=secrets.token_urlsafe(24), issued=int(time.time()), changed=True)


def instance_of(request: Request) -> Instance:
    instance: Instance = request.app.state.instance
    return instance


def session_of(request: Request) -> WebSession:
    found = getattr(request.state, "web_session", None)
    if isinstance(found, WebSession):
        return found
    instance = instance_of(request)
    session = decode_session(instance, request.cookies.get(SESSION_COOKIE))
    if session is None:
        session = new_session()
    elif (session.holder or session.org) and not _is_live(instance, session):
        # Signed out, or its holder changed the password or deleted the account: the cookie
        # keeps its CSRF token but signs nobody in any more.
        session.holder = session.org = session.token = session.member = session.sid = None
        session.changed = True
    request.state.web_session = session
    return session


def _is_live(instance: Instance, session: WebSession) -> bool:
    if session.holder:
        return web_sessions.is_live(instance, session.sid, holder_id=session.holder)
    return web_sessions.is_live(
        instance,
        session.sid,
        org_id=session.org,
        token_id=None if session.member else session.token,
        member_id=session.member,
    )


def restart_session(request: Request) -> WebSession:
    """A fresh session (and CSRF token) at sign-in and sign-out: no session fixation."""
    session = new_session()
    request.state.web_session = session
    return session


async def sign_in(
    request: Request,
    *,
    holder: str | None = None,
    org: str | None = None,
    token: str | None = None,
    member: str | None = None,
) -> WebSession:
    """A fresh session signed in as a holder (the wallet), or an organisation's token or
    member (the console and the authority's desk), with its server-side record."""
    kind = "wallet" if holder else "console"
    sid = await run_in_threadpool(
        web_sessions.start,
        instance_of(request),
        kind,
        seconds=SESSION_SECONDS,
        holder_id=holder,
        org_id=None if holder else org,
        token_id=None if holder or member else token,
        member_id=None if holder else member,
    )
    session = restart_session(request)
    session.sid = sid
    if holder:
        session.holder = holder
    elif member:
        session.org, session.member = org, member
    else:
        session.org, session.token = org, token
    return session


async def sign_out(request: Request) -> WebSession:
    """End the signed-in session on the server (a copy of its cookie no longer works), and
    start a fresh anonymous one."""
    sid = session_of(request).sid
    if sid:
        await run_in_threadpool(web_sessions.end, instance_of(request), sid)
    return restart_session(request)


_PASSWORD_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


async def run_password_work(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a password check (Argon2: costly by design) in a worker thread of its own small
    pool, never on the event loop: at most half the CPUs hash at once, so that many sign-ins
    queue behind each other instead of starving every other request (and they never take
    the threads that the other routes run in)."""
    loop = asyncio.get_running_loop()
    limiter = _PASSWORD_LIMITERS.get(loop)
    if limiter is None:
        limiter = _PASSWORD_LIMITERS[loop] = anyio.CapacityLimiter(
            max(1, (os.cpu_count() or 2) // 2)
        )
    return await anyio.to_thread.run_sync(partial(func, *args, **kwargs), limiter=limiter)


def client_host(request: Request) -> str:
    """The client's address (behind a proxy, what uvicorn's --proxy-headers made of it)."""
    return request.client.host if request.client else "unknown"


def retry_message(p: Page, exc: Throttled) -> str:
    return p.ngettext(
        "Too many failed sign-in attempts. Wait %(minutes)s minute before you try again.",
        "Too many failed sign-in attempts. Wait %(minutes)s minutes before you try again.",
        exc.minutes,
    ) % {"minutes": exc.minutes}


def flash(request: Request, message: str) -> None:
    session = session_of(request)
    session.flash.append(message[:300])
    session.changed = True


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or instance_of(request).base_url.startswith("https:")


def finish(request: Request, response: Response) -> Response:
    """Set the session and language cookies when they changed; add the page headers."""
    session = session_of(request)
    if session.changed:
        response.set_cookie(
            SESSION_COOKIE,
            encode_session(instance_of(request), session),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
            path="/",
        )
    lang = request.query_params.get("lang")
    if lang in languages() and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE, str(lang), max_age=365 * 86400, samesite="lax", secure=_secure(request)
        )
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class CsrfError(Exception):
    pass


async def checked_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token against the session's."""
    session = session_of(request)
    try:
        form = await request.form(max_files=5, max_fields=200)
    except Exception as exc:  # a malformed body is a bad request, never a 500
        raise CsrfError("the form could not be read") from exc
    sent = form.get("csrf") or request.headers.get("x-csrf-token") or ""
    if not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
        raise CsrfError("the form's security token is missing or out of date")
    return form


def text_field(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:limit]


# ---------------------------------------------------------------- rendering


def environment() -> Environment:
    return i18n.jinja_environment(TEMPLATES_DIR)


@dataclass
class Page:
    """The per-request helpers a template gets: gettext, dates and numbers in its language."""

    request: Request
    lang: str

    @property
    def t(self) -> i18n.Translator:
        return i18n.translator(self.lang)

    @property
    def tr(self) -> NullTranslations:
        return self.t.tr

    def gettext(self, message: str) -> str:
        return self.t.gettext(message)

    def pathway_text(self, message: str) -> str:
        """One of the pathway evaluator's English sentences, in this page's language."""
        return recognition_texts.text_in(message, self.t)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.t.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.t.pgettext(context, message)

    def date(self, value: date | datetime | str | None) -> str:
        return self.t.date(value)

    def datetime(self, value: datetime | None) -> str:
        return self.t.datetime(value)

    def number(self, value: float | int | str | None) -> str:
        if value is None or value == "":
            return ""
        try:
            return self.t.number(float(value))
        except (TypeError, ValueError):
            return str(value)


def page(request: Request) -> Page:
    return Page(request, choose_language(request))


def other_languages_links(request: Request, lang: str) -> list[dict[str, str]]:
    out = []
    for code in languages():
        params = dict(request.query_params)
        params["lang"] = code
        query = "&".join(
            f"{k}={v}" for k, v in params.items() if k == "lang" or k in ("q", "status")
        )
        out.append(
            {
                "code": code,
                "name": language_name(code),
                "href": f"{request.url.path}?{query}",
                "current": "true" if code == lang else "",
            }
        )
    return out


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    p = page(request)
    session = session_of(request)
    messages = list(session.flash)
    if messages:
        session.flash = []
        session.changed = True
    values = {
        "request": request,
        "lang": p.lang,
        "p": p,
        "_": p.gettext,
        "gettext": p.gettext,
        "ngettext": p.ngettext,
        "pgettext": p.pgettext,
        "csrf": session.csrf,
        "session": session,
        "flashes": messages,
        "languages": other_languages_links(request, p.lang),
        "htmx": request.headers.get("hx-request") == "true",
        **(context or {}),
    }
    html = environment().get_template(template).render(values)
    return finish(request, HTMLResponse(html, status, headers=headers))


def redirect(request: Request, url: str, status: int = 303) -> Response:
    return finish(request, RedirectResponse(url, status))


def safe_next(value: str | None, default: str) -> str:
    """Only a path on this site (no open redirect). No backslash, space or control
    character either: browsers drop tabs and newlines, so "/\\t/evil" would become "//evil"."""
    if (
        value
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and value.isprintable()
        and not any(c.isspace() for c in value)
    ):
        return value[:500]
    return default
