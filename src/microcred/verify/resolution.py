"""Finding the documents a verification needs, offline first, and saying what was not found."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from microcred.proofs.did import did_web_to_url, resolve_did_jwk, resolve_did_key
from microcred.proofs.errors import DidError
from microcred.proofs.keys import KeyPair

Fetch = Callable[[str], dict[str, Any] | None]


class DocumentUnavailable(DidError):
    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"{url} is not available offline")


class DocumentFinder:
    """Looks a URL or DID up in supplied documents, then an optional fetcher (store / allow-list).

    Remembers every document it could not find, so that a check can say what
    could not be verified instead of passing silently.
    """

    def __init__(
        self, documents: Mapping[str, dict[str, Any]] | None = None, fetch: Fetch | None = None
    ) -> None:
        self._documents = dict(documents or {})
        self._fetch = fetch
        self.unavailable: list[str] = []
        # (verification method, purpose) -> public key, as resolved during this verification
        # (the status lists of one credential are usually signed with the same key).
        self.keys: dict[tuple[str, str], KeyPair] = {}

    def get(self, url: str) -> dict[str, Any] | None:
        doc = self._documents.get(url)
        if doc is None and self._fetch is not None:
            doc = self._safe_fetch(url)
        if doc is None and url not in self.unavailable:
            self.unavailable.append(url)
        return doc

    def _safe_fetch(self, url: str) -> dict[str, Any] | None:
        assert self._fetch is not None
        try:
            return self._fetch(url)
        except Exception:  # noqa: BLE001 - a failing source means "not available", never a crash
            return None

    # DidResolver protocol: also serves plain controller-document URLs.
    def resolve(self, did: str) -> dict[str, Any]:
        if did.startswith("did:key:"):
            return resolve_did_key(did)
        if did.startswith("did:jwk:"):  # like did:key, the document is the identifier
            return resolve_did_jwk(did)
        doc = self._documents.get(did)
        if doc is None and did.startswith("did:web:"):
            url = did_web_to_url(did)
            doc = (
                self._documents.get(url)
                or (self._safe_fetch(url) if self._fetch else None)
                or (self._safe_fetch(did) if self._fetch else None)
            )
            if doc is None:
                self.unavailable.append(url)
                raise DocumentUnavailable(url)
            return doc
        if doc is None:
            doc = self.get(did)
        if doc is None:
            raise DocumentUnavailable(did)
        return doc
