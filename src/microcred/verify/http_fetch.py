"""Opt-in network access for verification: HTTPS to allow-listed hosts only, with limits.

The pipeline itself never touches the network; the CLI or web layer may inject
this fetcher (`VerifierContext.fetch`) when the user names hosts to trust for
did:web documents, controller documents and status lists.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

MAX_DOCUMENT_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 5.0
DEFAULT_CACHE_SECONDS = 300.0
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class AllowListedFetcher:
    def __init__(
        self,
        allowed_hosts: Iterable[str],
        *,
        client: httpx.Client | None = None,
        max_bytes: int = MAX_DOCUMENT_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self._client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
        self._max_bytes = max_bytes
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self.errors: dict[str, str] = {}

    def allowed(self, url: str) -> bool:
        """HTTPS to an allow-listed host; plain HTTP only to an allow-listed loopback host
        (a development instance on this machine)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host not in self.allowed_hosts:
            return False
        return parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK)

    def _expiry(self, document: dict[str, Any]) -> float:
        """Cache a document until its own validUntil (status lists), at most 5 minutes."""
        limit = self._clock() + DEFAULT_CACHE_SECONDS
        until = document.get("validUntil")
        if isinstance(until, str):
            try:
                return min(limit, datetime.fromisoformat(until.replace("Z", "+00:00")).timestamp())
            except ValueError:
                return self._clock()
        return limit

    def __call__(self, url: str) -> dict[str, Any] | None:
        if not self.allowed(url):
            return None
        cached = self._cache.get(url)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        document = self._get(url)
        if document is not None:
            self._cache[url] = (self._expiry(document), document)
        return document

    def _get(self, url: str) -> dict[str, Any] | None:
        try:
            with self._client.stream(
                "GET",
                url,
                headers={"Accept": "application/json, application/ld+json, application/did+json"},
            ) as response:
                if response.status_code != 200:
                    self.errors[url] = f"HTTP {response.status_code}"
                    return None
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > self._max_bytes:
                        self.errors[url] = f"larger than {self._max_bytes} bytes"
                        return None
        except httpx.HTTPError as exc:
            self.errors[url] = f"{type(exc).__name__}"
            return None
        try:
            value = json.loads(bytes(body))
        except (ValueError, RecursionError):
            self.errors[url] = "not JSON"
            return None
        return value if isinstance(value, dict) else None
