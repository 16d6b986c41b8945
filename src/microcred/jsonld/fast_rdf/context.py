"""Compiled contexts: what each key means in each active context, computed once.

Contexts are processed by pyld itself (``_process_context``), so term definitions,
``@protected``, ``@propagate``, ``@vocab``, prefixes and scoped contexts mean exactly what
they mean on the general path. Each processed context is wrapped once in a :class:`Ctx`
that caches, per term, the expanded IRI, coercion, container, default language and scoped
context (a :class:`Term`), and, per scoped context, the resulting child context. A
:class:`Compiler` holds the wrappers (and the subtree memo) of one document loader.

pyld internals used here (pinned minor range; the differential tests are the upgrade
gate): ``JsonLdProcessor._expand_iri``, ``_process_context``, ``_get_initial_context``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final
from weakref import WeakKeyDictionary

from pyld import jsonld as _pyld

from microcred.jsonld.fast_rdf.memo import SubtreeMemo
from microcred.jsonld.loader import OfflineDocumentLoader, offline_document_loader
from microcred.jsonld.terms import well_formed_iri

__all__ = [
    "CACHE_LIMIT",
    "KEYWORDS",
    "Compiler",
    "Ctx",
    "Fallback",
    "Term",
    "compiler_for",
    "is_absolute",
]

# pyld's own predicates and helpers, so that edge cases behave identically
is_absolute: Callable[[str], Any] = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$").match
_get_context_value: Callable[[Any, Any, str], Any] = _pyld.JsonLdProcessor.get_context_value
KEYWORDS: Final = frozenset(_pyld.KEYWORDS)

CACHE_LIMIT: Final = 4096
"""Bound on each per-context cache of document-controlled strings (keys, type values,
child contexts) and on a compiler's context wrappers: a cache is cleared when full. A
credential-shaped document uses a few hundred keys and type values in all, so the bound
is reached only by hostile or unusual input; clearing (rather than LRU bookkeeping)
keeps the hot path to one dict lookup."""


class Fallback(Exception):
    """Internal: the document uses something the fast path does not compile."""


class Term:
    """What a key means in one active context (pyld's view, precomputed)."""

    __slots__ = (
        "coerce",
        "container",
        "direction",
        "expanded",
        "is_graph",
        "is_json",
        "is_lang_map",
        "is_list",
        "language",
        "pred",
        "pred_unsafe",
        "reverse",
        "scoped",
        "unsupported",
    )

    def __init__(self, ctx: Ctx, key: str) -> None:
        raw = ctx.raw
        expanded = ctx.compiler.processor._expand_iri(raw, key, vocab=True)
        self.expanded: str | None = expanded
        self.scoped: Any = _get_context_value(raw, key, "@context")
        container = _get_context_value(raw, key, "@container")
        if container is None:
            container = ()
        elif isinstance(container, str):
            container = (container,)
        self.container: frozenset[str] = frozenset(container)
        self.coerce: Any = _get_context_value(raw, key, "@type")
        self.language: Any = _get_context_value(raw, key, "@language")
        self.direction: Any = _get_context_value(raw, key, "@direction")
        mapping = raw["mappings"].get(key)
        self.reverse = bool(mapping and mapping.get("reverse"))
        self.is_list = "@list" in self.container
        self.is_graph = "@graph" in self.container
        self.is_lang_map = "@language" in self.container
        self.is_json = self.coerce == "@json"
        self.unsupported = bool(
            self.container & {"@index", "@id", "@type"}
            or (self.is_graph and self.is_list)
            or (self.is_json and self.container - {"@set"})
            or (isinstance(self.coerce, str) and self.coerce.startswith("_:"))
            or self.direction is not None
            or self.reverse
        )
        self.pred = (
            f"<{expanded}>" if isinstance(expanded, str) and expanded not in KEYWORDS else ""
        )
        # A predicate that is not a well-formed IRI: the general path rejects the document.
        self.pred_unsafe = bool(self.pred and not well_formed_iri(expanded or ""))


class Ctx:
    """A pyld active context plus caches of what the walker asks of it."""

    __slots__ = ("_prev", "children", "compiler", "mappings", "raw", "terms", "types")

    def __init__(self, compiler: Compiler, raw: Any) -> None:
        self.compiler = compiler
        self.raw = raw
        self.mappings: Any = raw["mappings"]
        self.terms: dict[str, Term] = {}
        self.types: dict[str, str | None] = {}
        self.children: dict[tuple[str, int], tuple[Any, Ctx]] = {}
        self._prev: Ctx | None = None

    def term(self, key: str) -> Term:
        found = self.terms.get(key)
        if found is None:
            if len(self.terms) > CACHE_LIMIT:
                self.terms.clear()
            found = self.terms[key] = Term(self, key)
        return found

    @property
    def has_previous(self) -> bool:
        return bool(self.raw.get("previousContext"))

    def previous(self) -> Ctx:
        """pyld's ``_revert_to_previous_context``."""
        if self._prev is None:
            if "previousContext" not in self.raw:
                self._prev = self
            else:
                self._prev = self.compiler.wrap(self.raw["previousContext"])
        return self._prev

    def vocab_iri(self, value: str) -> str | None:
        """``_expand_iri(value, vocab=True)`` if absolute (else None: fall back)."""
        try:
            return self.types[value]
        except KeyError:
            pass
        result = self.compiler.processor._expand_iri(self.raw, value, vocab=True)
        iri = result if isinstance(result, str) and is_absolute(result) else None
        if len(self.types) > CACHE_LIMIT:
            self.types.clear()
        self.types[value] = iri
        return iri

    def id_iri(self, value: str) -> str | None:
        """``_expand_iri(value)`` (vocab false) if absolute (else None: fall back)."""
        colon = value.find(":")
        if colon <= 0:
            return None
        prefix = value[:colon]
        if prefix == "_":
            return value
        suffix = value[colon + 1 :]
        if not suffix.startswith("//"):
            mapping = self.mappings.get(prefix)
            if mapping and mapping["_prefix"]:
                value = mapping["@id"] + suffix
        return value if is_absolute(value) else None

    def child(self, kind: str, local: Any, **flags: bool) -> Ctx:
        """The context pyld's ``_process_context(self, local, **flags)`` returns (cached)."""
        key = (kind, id(local))
        cached = self.children.get(key)
        if cached is not None and cached[0] is local:
            return cached[1]
        compiler = self.compiler
        try:
            raw = compiler.processor._process_context(self.raw, local, compiler.options(), **flags)
        except Exception as cause:  # any pyld or loader error: let the general path report
            raise Fallback from cause
        result = compiler.wrap(raw)
        if len(self.children) > CACHE_LIMIT:
            self.children.clear()
        self.children[key] = (local, result)
        return result

    def embedded(self, local: Any) -> Ctx:
        """A node's own ``@context``: only (lists of) URLs the loader serves."""
        urls: tuple[str, ...]
        if isinstance(local, str):
            urls = (local,)
        elif isinstance(local, list) and local and all(isinstance(u, str) for u in local):
            urls = tuple(local)
        else:
            raise Fallback
        key = ("e:" + "\n".join(urls), 0)
        cached = self.children.get(key)
        if cached is not None:
            return cached[1]
        known = self.compiler.loader.urls
        if not all(url in known for url in urls):
            raise Fallback
        compiler = self.compiler
        try:
            raw = compiler.processor._process_context(self.raw, list(urls), compiler.options())
        except Exception as cause:  # any pyld or loader error: let the general path report
            raise Fallback from cause
        result = compiler.wrap(raw)
        self.children[key] = (urls, result)
        return result


class Compiler:
    """Compiled contexts and the subtree memo of one document loader."""

    def __init__(self, loader: OfflineDocumentLoader) -> None:
        self.loader = loader
        self.processor = _pyld.JsonLdProcessor()
        self._wrappers: dict[int, tuple[Any, Ctx]] = {}
        self.memo = SubtreeMemo()
        initial = self.processor._get_initial_context({"processingMode": "json-ld-1.1"})
        self.initial = self.wrap(initial)

    def options(self) -> dict[str, Any]:
        loader = self.loader
        return {
            "documentLoader": loader,
            "contextResolver": loader.context_resolver(),
            "base": None,  # as the general path: relative IRIs stay relative
            "processingMode": "json-ld-1.1",
        }

    def wrap(self, raw: Any) -> Ctx:
        found = self._wrappers.get(id(raw))
        if found is not None and found[0] is raw:
            return found[1]
        if len(self._wrappers) > CACHE_LIMIT:
            self._wrappers.clear()
        ctx = Ctx(self, raw)
        self._wrappers[id(raw)] = (raw, ctx)
        return ctx


_COMPILERS: WeakKeyDictionary[OfflineDocumentLoader, Compiler] = WeakKeyDictionary()
"""One compiler per loader, alive as long as the loader (a loader's documents never meet
another loader's compiled contexts or memoised subtrees)."""


def compiler_for(loader: OfflineDocumentLoader | None) -> Compiler:
    active = loader if loader is not None else offline_document_loader
    found = _COMPILERS.get(active)
    if found is None:
        found = _COMPILERS[active] = Compiler(active)
    return found
