"""Opt-in network access for verification: HTTPS to allow-listed hosts only, with limits.

The pipeline itself never touches the network; the CLI or web layer may inject
this fetcher (`VerifierContext.fetch`) when the user names hosts to trust for
did:web documents, controller documents and status lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx

MAX_DOCUMENT_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 5.0


class AllowListedFetcher:
    def __init__(
        self,
        allowed_hosts: Iterable[str],
        *,
        client: httpx.Client | None = None,
        max_bytes: int = MAX_DOCUMENT_BYTES,
    ) -> None:
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self._client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
        self._max_bytes = max_bytes
        self.errors: dict[str, str] = {}

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme == "https" and (parts.hostname or "").lower() in self.allowed_hosts

    def __call__(self, url: str) -> dict[str, Any] | None:
        if not self.allowed(url):
            return None
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
