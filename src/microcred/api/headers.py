"""Security headers on every answer that does not set its own (pure ASGI middleware).

The browser pages set theirs (``web.core.PAGE_HEADERS``, the share page's); everything else,
JSON answers, errors, ``/openapi.json`` and the API documentation pages (``/docs``,
``/redoc``), gets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and a
Content Security Policy with ``frame-ancestors 'none'``:

* for answers that are not HTML: ``default-src 'none'`` (nothing of them runs or loads);
* for the documentation pages: scripts from this instance (``'self'``), the page's own inline
  scripts by their SHA-256 hash, and, for a script or style sheet the page loads from
  elsewhere, that exact address only. A header of the page itself is never overridden.
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOT_HTML_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DEFAULTS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
)
MAX_PAGE_BYTES = 1_000_000


class _PageResources(HTMLParser):
    """The inline scripts and the external scripts, style sheets and icons of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.inline: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.images: list[str] = []
        self._in_script = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if tag == "script":
            if values.get("src"):
                self.scripts.append(values["src"])
            else:
                self._in_script, self._text = True, []
        elif tag == "link" and values.get("href"):
            rel = values.get("rel", "").lower()
            if "stylesheet" in rel:
                self.styles.append(values["href"])
            elif "icon" in rel:
                self.images.append(values["href"])

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script:
            self.inline.append("".join(self._text))
            self._in_script = False


def _external(urls: list[str]) -> list[str]:
    """Absolute http(s) addresses, as CSP source expressions (no quote, space or ';')."""
    return [
        u
        for u in dict.fromkeys(urls)
        if u.startswith(("https://", "http://")) and not any(c in u for c in " ;,'\"")
    ]


def page_csp(html: str) -> str:
    """The policy of a documentation page: only what the page itself loads and runs."""
    page = _PageResources()
    page.feed(html)
    page.close()
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
        for s in dict.fromkeys(page.inline)
        if s.strip()
    ]
    script = " ".join(["'self'", *hashes, *_external(page.scripts)])
    # Swagger UI and ReDoc set styles from script (ReDoc through <style> elements).
    style = " ".join(["'self'", "'unsafe-inline'", *_external(page.styles)])
    images = " ".join(["'self'", "data:", *_external(page.images)])
    return (
        f"default-src 'self'; script-src {script}; style-src {style}; img-src {images}; "
        "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def _doc_pages(scope: Scope) -> set[str]:
    app: Any = scope.get("app")
    return {
        p
        for p in (
            getattr(app, "docs_url", None),
            getattr(app, "redoc_url", None),
            getattr(app, "swagger_ui_oauth2_redirect_url", None),
        )
        if p
    }


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        doc_page = scope.get("path") in _doc_pages(scope)
        start: Message | None = None
        chunks: list[bytes] = []

        async def sending(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in DEFAULTS if n not in names]
                message = {**message, "headers": headers}
                if b"content-security-policy" in names:
                    await send(message)
                    return
                media = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if doc_page and media.lower().startswith(b"text/html"):
                    start = message  # the policy depends on the page: held until it is read
                    return
                headers.append((b"content-security-policy", NOT_HTML_CSP.encode()))
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False) and sum(map(len, chunks)) < MAX_PAGE_BYTES:
                return
            body = b"".join(chunks)
            policy = page_csp(body.decode("utf-8", "replace"))
            headers = [*start["headers"], (b"content-security-policy", policy.encode())]
            held, start = start, None  # what follows (a page over the limit) passes through
            await send({**held, "headers": headers})
            await send({**message, "body": body})

        await self.app(scope, receive, sending)
