"""Offline, fail-closed JSON-LD document loader (pyld-compatible).

The loader serves the bundled contexts (and, for tests or vectors, extra documents given
explicitly). It never touches the network: any other URL raises
:class:`~microcred.jsonld.errors.UnknownContextError`.

Each loader owns the pyld resolved-context cache used with it, so processed contexts are
reused across documents (the expensive part of JSON-LD processing) without leaking
documents between loaders through pyld's process-wide cache.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache
from pyld.context_resolver import ContextResolver

from microcred.jsonld.contexts import is_known_context, known_context_urls, load_context
from microcred.jsonld.errors import UnknownContextError

__all__ = [
    "OfflineDocumentLoader",
    "make_loader",
    "offline_document_loader",
]

RESOLVED_CONTEXT_CACHE_SIZE = 512
"""Bound on processed contexts kept per loader (inline contexts are cached too)."""

MAX_CONTEXT_DEPTH = 32
"""Maximum nesting depth of a context document served by the loader."""


class _LockedLRU(LRUCache[Any, Any]):
    """An LRU cache safe to share between threads (pyld mutates it while resolving)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self._lock = threading.RLock()

    def __getitem__(self, key: Any) -> Any:
        with self._lock:
            return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        with self._lock:
            super().__delitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return super().get(key, default)


def nesting_depth(value: Any) -> int:
    """Nesting depth of a JSON value, computed without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item)
    return deepest


class OfflineDocumentLoader:
    """A pyld document loader serving bundled contexts plus explicitly given documents.

    Call it as ``loader(url, options)``; it returns a pyld ``RemoteDocument`` dict.
    """

    def __init__(self, extra: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        docs: dict[str, dict[str, Any]] = {}
        for url, doc in (extra or {}).items():
            # normalise to plain JSON (deep copy, rejects non-JSON values)
            plain = json.loads(json.dumps(doc))
            if is_known_context(url):
                # the same document again is harmless (a caller that brings its own copy of
                # a context that is now bundled); another document under that URL never is
                if plain != load_context(url):
                    raise ValueError(f"{url!r} is a bundled context and cannot be replaced")
                continue
            if not isinstance(plain, dict):
                raise ValueError(f"document for {url!r} must be a JSON object")
            if nesting_depth(plain) > MAX_CONTEXT_DEPTH:
                raise ValueError(f"document for {url!r} is nested too deeply")
            docs[url] = plain
        self._extra = docs
        self.context_cache: LRUCache[Any, Any] = _LockedLRU(RESOLVED_CONTEXT_CACHE_SIZE)

    @property
    def urls(self) -> frozenset[str]:
        """Every URL this loader can serve."""
        return known_context_urls() | frozenset(self._extra)

    def document(self, url: str) -> dict[str, Any]:
        """A fresh copy of the parsed document for ``url`` (or ``UnknownContextError``)."""
        if not isinstance(url, str):
            raise UnknownContextError(repr(url))
        if url in self._extra:
            return copy.deepcopy(self._extra[url])
        # bundled, or registered by the operator (jsonld.contexts.register_context)
        return copy.deepcopy(load_context(url))

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": self.document(url),
            # "static" lets pyld keep the processed context in the shared cache
            "tag": "static",
        }

    def context_resolver(self) -> ContextResolver:
        """A fresh pyld ContextResolver backed by this loader's shared cache."""
        return ContextResolver(self.context_cache, self)

    def __repr__(self) -> str:
        return f"OfflineDocumentLoader(extra={sorted(self._extra)!r})"


offline_document_loader = OfflineDocumentLoader()
"""The default loader: bundled contexts only."""


def make_loader(extra: Mapping[str, Mapping[str, Any]]) -> OfflineDocumentLoader:
    """A loader serving the bundled contexts plus ``extra`` (URL -> parsed document)."""
    return OfflineDocumentLoader(extra)


def find_unknown_context(error: BaseException) -> UnknownContextError | None:
    """The :class:`UnknownContextError` at the root of a pyld error chain, if any."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, UnknownContextError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
