"""Compiled JSON-LD -> RDF fast path for documents whose contexts are all bundled.

The general path (:mod:`microcred.jsonld.canonical`) runs pyld's JSON-LD 1.1 expansion,
node-map generation and toRdf on every document. Expansion dominates its cost: every key
goes through IRI expansion, every scoped context through the context resolver, and the
whole document is deep-copied and rebuilt twice.

This module produces the same RDF dataset directly from the JSON document, walking it once:

* Contexts are processed by pyld itself (``_process_context``), so term definitions,
  ``@protected``, ``@propagate``, ``@vocab``, prefixes and scoped contexts mean exactly
  what they mean on the general path. Each processed context is wrapped once in a
  :class:`_Ctx` that caches, per term, the expanded IRI, coercion, container, default
  language and scoped context, and, per scoped context, the resulting child context.
* The walk mirrors pyld's ``_expand``/``_expand_object`` control flow (sorted keys,
  type-scoped context application and reversion, property-scoped contexts applied both in
  ``_expand_object`` and in ``_expand``) and emits the quads as pyld's
  ``_graph_to_rdf``/``_object_to_rdf``/``to_nquad`` would write them.
* Anything it does not compile (inline context objects, ``@reverse``, ``@included``,
  ``@nest``, index/id/type maps, explicit ``@list``/``@set``/``@graph`` objects, relative
  IRIs, ``@direction``, a context URL the loader cannot serve, any pyld error...) makes
  :func:`to_nquads` return ``None`` and :func:`canonicalize_fast` use the general path.

Undefined terms (a property that expands to nothing) raise
:class:`~microcred.jsonld.errors.UndefinedTermError`, as the general path's safe mode does.
The error is raised only once the whole document has been walked without needing the
general path, so an input the general path would reject for another reason first falls
back and gets the general path's error.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any, Final, NamedTuple
from weakref import WeakKeyDictionary

from pyld import jsonld as _pyld
from pyld.nquads import escape as _escape

from microcred.jsonld.errors import JsonLdError, UndefinedTermError
from microcred.jsonld.loader import OfflineDocumentLoader, offline_document_loader
from microcred.jsonld.rdfc_unique import Quad, canonicalize_quads
from microcred.jsonld.terms import well_formed_iri, well_formed_language

__all__ = [
    "MAX_DEPTH",
    "UndefinedTermError",
    "canonicalize_fast",
    "compiled_context",
    "to_nquads",
]

MAX_DEPTH: Final = 64
"""Same bound as the general path (:data:`microcred.jsonld.canonical.MAX_DEPTH`)."""

_XSD: Final = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING: Final = _XSD + "string"
_XSD_BOOLEAN: Final = _XSD + "boolean"
_XSD_INTEGER: Final = _XSD + "integer"
_XSD_DOUBLE: Final = _XSD + "double"
_RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_LANGSTRING: Final = _RDF + "langString"
_RDF_JSON: Final = _RDF + "JSON"
_P_TYPE: Final = f"<{_RDF}type>"
_P_FIRST: Final = f"<{_RDF}first>"
_P_REST: Final = f"<{_RDF}rest>"
_NIL: Final = f"<{_RDF}nil>"

# pyld's own predicates and helpers, so that edge cases behave identically
_is_absolute: Callable[[str], Any] = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$").match
_canonicalize_double: Callable[[float], str] = _pyld._canonicalize_double
_jcs: Callable[[Any], bytes] = _pyld.canonicalize
_get_context_value: Callable[[Any, Any, str], Any] = _pyld.JsonLdProcessor.get_context_value
_KEYWORDS: Final = frozenset(_pyld.KEYWORDS)

# Terms that the canonical N-Quads serialisation (RDF 1.2, as pyoxigraph and rdf-canonize
# write it) could write differently from pyld's escaping here: control characters other
# than the ones both escape alike (\t \n \r), and language tags that are not plain
# lowercase subtags. Ill-formed IRIs and language tags never get this far (see
# microcred.jsonld.terms): the walk leaves them to the general path, which rejects them.
_UNSAFE_TEXT: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SIMPLE_LANGUAGE: Final = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*")

_CACHE_LIMIT: Final = 4096
"""Bound on per-context caches of document-controlled strings (keys, type values)."""


class _Fallback(Exception):
    """Internal: the document uses something this module does not compile."""


# ---------------------------------------------------------------------------------------
# compiled contexts
# ---------------------------------------------------------------------------------------


class _Term:
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

    def __init__(self, ctx: _Ctx, key: str) -> None:
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
            f"<{expanded}>" if isinstance(expanded, str) and expanded not in _KEYWORDS else ""
        )
        # A predicate that is not a well-formed IRI: the general path rejects the document.
        self.pred_unsafe = bool(self.pred and not well_formed_iri(expanded or ""))


class _Ctx:
    """A pyld active context plus caches of what the walker asks of it."""

    __slots__ = ("_prev", "children", "compiler", "mappings", "raw", "terms", "types")

    def __init__(self, compiler: _Compiler, raw: Any) -> None:
        self.compiler = compiler
        self.raw = raw
        self.mappings: Any = raw["mappings"]
        self.terms: dict[str, _Term] = {}
        self.types: dict[str, str | None] = {}
        self.children: dict[tuple[str, int], tuple[Any, _Ctx]] = {}
        self._prev: _Ctx | None = None

    def term(self, key: str) -> _Term:
        found = self.terms.get(key)
        if found is None:
            if len(self.terms) > _CACHE_LIMIT:
                self.terms.clear()
            found = self.terms[key] = _Term(self, key)
        return found

    @property
    def has_previous(self) -> bool:
        return bool(self.raw.get("previousContext"))

    def previous(self) -> _Ctx:
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
        iri = result if isinstance(result, str) and _is_absolute(result) else None
        if len(self.types) > _CACHE_LIMIT:
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
        return value if _is_absolute(value) else None

    def child(self, kind: str, local: Any, **flags: bool) -> _Ctx:
        """The context pyld's ``_process_context(self, local, **flags)`` returns (cached)."""
        key = (kind, id(local))
        cached = self.children.get(key)
        if cached is not None and cached[0] is local:
            return cached[1]
        compiler = self.compiler
        try:
            raw = compiler.processor._process_context(self.raw, local, compiler.options(), **flags)
        except Exception as cause:  # any pyld or loader error: let the general path report
            raise _Fallback from cause
        result = compiler.wrap(raw)
        if len(self.children) > _CACHE_LIMIT:
            self.children.clear()
        self.children[key] = (local, result)
        return result

    def embedded(self, local: Any) -> _Ctx:
        """A node's own ``@context``: only (lists of) URLs the loader serves."""
        urls: tuple[str, ...]
        if isinstance(local, str):
            urls = (local,)
        elif isinstance(local, list) and local and all(isinstance(u, str) for u in local):
            urls = tuple(local)
        else:
            raise _Fallback
        key = ("e:" + "\n".join(urls), 0)
        cached = self.children.get(key)
        if cached is not None:
            return cached[1]
        known = self.compiler.loader.urls
        if not all(url in known for url in urls):
            raise _Fallback
        compiler = self.compiler
        try:
            raw = compiler.processor._process_context(self.raw, list(urls), compiler.options())
        except Exception as cause:  # any pyld or loader error: let the general path report
            raise _Fallback from cause
        result = compiler.wrap(raw)
        self.children[key] = (urls, result)
        return result


class _Compiler:
    """Compiled contexts for one document loader."""

    def __init__(self, loader: OfflineDocumentLoader) -> None:
        self.loader = loader
        self.processor = _pyld.JsonLdProcessor()
        self._wrappers: dict[int, tuple[Any, _Ctx]] = {}
        self.subtrees: dict[tuple[Any, ...], _Subtree] = {}
        self.subtrees_seen: set[int] = set()
        # per (context, property): [replays, misses, skipped] - where subtrees never repeat
        # (a credential subject, say), computing the memo key is not worth it
        self.subtree_stats: dict[tuple[int, str | None], list[int]] = {}
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

    def wrap(self, raw: Any) -> _Ctx:
        found = self._wrappers.get(id(raw))
        if found is not None and found[0] is raw:
            return found[1]
        if len(self._wrappers) > _CACHE_LIMIT:
            self._wrappers.clear()
        ctx = _Ctx(self, raw)
        self._wrappers[id(raw)] = (raw, ctx)
        return ctx


_COMPILERS: WeakKeyDictionary[OfflineDocumentLoader, _Compiler] = WeakKeyDictionary()


def _compiler(loader: OfflineDocumentLoader | None) -> _Compiler:
    active = loader if loader is not None else offline_document_loader
    found = _COMPILERS.get(active)
    if found is None:
        found = _COMPILERS[active] = _Compiler(active)
    return found


def compiled_context(
    context: str | list[str], *, loader: OfflineDocumentLoader | None = None
) -> dict[str, str | None] | None:
    """Term -> IRI table of a top-level ``@context`` (URLs), or None if not compilable.

    For inspection and tests; :func:`to_nquads` compiles lazily what it needs.
    """
    try:
        ctx = _compiler(loader).initial.embedded(context)
    except _Fallback:
        return None
    return {term: (m or {}).get("@id") for term, m in ctx.mappings.items()}


# ---------------------------------------------------------------------------------------
# literals (pyld's _object_to_rdf + to_nquad)
# ---------------------------------------------------------------------------------------


def _literal(value: Any, datatype: str | None, language: str | None) -> str:
    """The N-Quads object pyld writes for ``{"@value", "@type", "@language"}``."""
    kind = type(value)
    if kind is str:
        if datatype == _XSD_DOUBLE:
            try:
                text = _canonicalize_double(float(value))
            except (ValueError, TypeError):
                text = value
            return f'"{_escape(text)}"^^<{_XSD_DOUBLE}>'
        text = value
        if language is not None:
            datatype = datatype or _RDF_LANGSTRING
        else:
            datatype = datatype or _XSD_STRING
    elif kind is bool:
        text = "true" if value else "false"
        datatype = datatype or _XSD_BOOLEAN
    elif kind is int or kind is float:
        try:
            if kind is float and not value.is_integer():  # includes inf and nan
                text = _canonicalize_double(value)
                datatype = datatype or _XSD_DOUBLE
            elif datatype == _XSD_DOUBLE:
                text = _canonicalize_double(float(value))
            elif abs(value) >= 1e21:
                text = _canonicalize_double(value)
                datatype = datatype or _XSD_DOUBLE
            else:
                text = str(int(value))
                datatype = datatype or _XSD_INTEGER
        except OverflowError as cause:  # pyld fails too
            raise _Fallback from cause
    else:
        raise _Fallback
    if datatype == _RDF_LANGSTRING:
        return f'"{_escape(text)}"@{language}' if language else f'"{_escape(text)}"'
    if datatype == _XSD_STRING:
        return f'"{_escape(text)}"'
    return f'"{_escape(text)}"^^<{datatype}>'


# ---------------------------------------------------------------------------------------
# the walk (pyld's _expand / _expand_object / _create_node_map / _graph_to_rdf, fused)
# ---------------------------------------------------------------------------------------


class _Subtree(NamedTuple):
    """The quads of an identified subtree, as the walk produced them once."""

    ctx: _Ctx
    serials: frozenset[int]
    subject: str
    quads: tuple[Quad, ...]
    canonical_form: bool


_SUBTREE_LIMIT: Final = 256
_SUBTREE_LABEL: Final = "_:m"
"""Blank nodes of memoised subtrees: `_:mS_N`, S never reused in a process, so a label
always stands in the same quads (what rdfc_unique's `stable_prefix` asks)."""
_SUBTREE_SERIALS = itertools.count(1)


def _json_text(element: dict[str, Any]) -> str:
    """The subtree's identity as a memo key: its JSON, exactly (types included)."""
    return json.dumps(element, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class _Walker:
    __slots__ = ("bnodes", "canonical_form", "count", "quads", "undefined", "used_subtrees")

    def __init__(self) -> None:
        self.quads: list[Quad] = []
        # False once a term may be written differently by the canonical N-Quads serialisation
        # than here (see _literal_checked / iri_ref): rdfc_unique then must not be used.
        self.canonical_form = True
        self.used_subtrees: set[int] = set()
        self.count = 0
        self.bnodes: dict[str, str] = {}
        self.undefined: str | None = None

    def fresh(self) -> str:
        self.count += 1
        return f"_:b{self.count}"

    def label(self, bnode: str) -> str:
        found = self.bnodes.get(bnode)
        if found is None:
            found = self.bnodes[bnode] = self.fresh()
        return found

    def drop(self, key: str, term: _Term) -> None:
        """pyld's on_property_dropped: remembered, raised once the walk succeeded."""
        if self.undefined is None:
            self.undefined = key if term.expanded is None else str(term.expanded)

    # -- values -------------------------------------------------------------------------

    def scalar(self, ctx: _Ctx, term: _Term, value: Any) -> str:
        """pyld's _expand_value followed by _object_to_rdf, for a non-null JSON scalar."""
        expanded = term.expanded
        coerce = term.coerce
        if expanded in _KEYWORDS:
            raise _Fallback
        if coerce == "@id" and type(value) is str:
            return self.iri_ref(ctx.id_iri(value))
        if coerce == "@vocab" and type(value) is str:
            return self.iri_ref(ctx.vocab_iri(value))
        if coerce is not None and coerce != "@id" and coerce != "@vocab" and coerce != "@none":
            return self.literal(value, coerce, None)
        if type(value) is str:
            return self.literal(value, None, term.language)
        return _literal(value, None, None)

    def literal(self, value: Any, datatype: str | None, language: str | None) -> str:
        """`_literal`, noting whether it is also the literal's canonical N-Quads form.

        An ill-formed datatype IRI or language tag is left to the general path, which
        rejects the document: written here unescaped, it could carry whole quads into the
        N-Quads text (a language-map key holding ``"lv .\n<s> <p> <o> .\n#"``, say).
        """
        if (datatype is not None and not well_formed_iri(datatype)) or (
            language is not None and not well_formed_language(language)
        ):
            raise _Fallback
        literal = _literal(value, datatype, language)
        if _UNSAFE_TEXT.search(literal) or (
            language is not None and not _SIMPLE_LANGUAGE.fullmatch(language)
        ):
            self.canonical_form = False
        return literal

    def iri_ref(self, iri: str | None) -> str:
        if iri is None:
            raise _Fallback
        if iri.startswith("_:"):
            return self.label(iri)
        if not well_formed_iri(iri):
            raise _Fallback  # the general path rejects it, naming where it stands
        return f"<{iri}>"

    def value_object(self, ctx: _Ctx, tsctx: _Ctx, element: dict[str, Any]) -> str | None:
        """A value object (``@value`` with optional ``@type``/``@language``)."""
        value: Any = None
        datatype: str | None = None
        language: str | None = None
        seen: set[str] = set()
        for key, item in element.items():
            if key == "@context":
                continue
            term = ctx.term(key)
            kw = term.expanded
            if kw is None or kw in seen:
                raise _Fallback
            seen.add(kw)
            if kw == "@value":
                value = item
            elif kw == "@type":
                if type(item) is not str:
                    raise _Fallback
                datatype = tsctx.vocab_iri(item)
                if datatype is None or datatype.startswith("_:") or datatype == "@json":
                    raise _Fallback
            elif kw == "@language":
                if item is None:
                    continue
                if type(item) is not str:
                    raise _Fallback
                language = item.lower()
            else:
                raise _Fallback
        if value is None:
            return None
        if datatype is not None and language is not None:
            raise _Fallback
        if language is not None and type(value) is not str:
            raise _Fallback
        if type(value) not in (str, bool, int, float):
            raise _Fallback
        return self.literal(value, datatype, language)

    # -- elements -----------------------------------------------------------------------

    def expand(
        self,
        ctx: _Ctx,
        key: str,
        term: _Term,
        value: Any,
        graph: str,
        inside_list: bool,
        depth: int,
        out: list[str],
    ) -> None:
        """pyld's _expand(ctx, key, value) for a property value; appends object terms."""
        if value is None:
            return
        kind = type(value)
        if kind is dict:
            obj = self.node(ctx, key, term, value, graph, inside_list, depth)
            if obj is not None:
                out.append(obj)
        elif kind is list:
            if depth > MAX_DEPTH:
                raise _Fallback
            inside = inside_list or term.is_list
            for item in value:
                if inside and type(item) is list:
                    raise _Fallback  # list of lists
                self.expand(ctx, key, term, item, graph, inside, depth + 1, out)
        else:
            out.append(self.scalar(ctx, term, value))

    def node(
        self,
        ctx: _Ctx,
        active_property: str | None,
        apterm: _Term | None,
        element: dict[str, Any],
        graph: str,
        inside_list: bool,
        depth: int,
    ) -> str | None:
        """`walk_node`, replayed from the compiler's memo for a repeated identified subtree.

        A credential issued in bulk repeats large identified subtrees (the achievement, the
        issuer profile) verbatim; their quads depend only on the JSON, the active context,
        the active property and the depth, so they are walked once. Only nodes with an IRI
        `id`, in the default graph, with no blank node label anywhere inside, are memoised
        (from their second sighting on); their own blank nodes get labels of their own
        (``_:mS_N``) so that a replay cannot collide with the rest of the document, and a
        subtree is used once per document.
        """
        args = (ctx, active_property, apterm, element, graph, inside_list, depth)
        memo_key = self.subtree_key(ctx, active_property, element, graph, depth)
        if memo_key is None:
            return self.walk_node(*args)
        key, stats = memo_key
        compiler = ctx.compiler
        memo = compiler.subtrees
        found = memo.get(key)
        if found is not None and found.ctx is ctx:
            if not self.used_subtrees.isdisjoint(found.serials):
                return self.walk_node(*args)
            stats[0] += 1
            self.used_subtrees.update(found.serials)
            self.quads.extend(found.quads)
            if not found.canonical_form:
                self.canonical_form = False
            return found.subject

        stats[1] += 1
        seen = compiler.subtrees_seen
        if hash(key) not in seen:
            if len(seen) >= _SUBTREE_LIMIT * 64:
                seen.clear()
            seen.add(hash(key))
            return self.walk_node(*args)
        first_quad, first_fresh = len(self.quads), self.count
        used_before = set(self.used_subtrees)
        known_bnodes, undefined, canonical_form = (
            len(self.bnodes),
            self.undefined,
            self.canonical_form,
        )
        self.canonical_form, self.undefined = True, None
        subject = self.walk_node(*args)
        subtree_canonical, subtree_undefined = self.canonical_form, self.undefined
        self.canonical_form = canonical_form and subtree_canonical
        self.undefined = undefined if undefined is not None else subtree_undefined
        if (
            subject is None
            or subject.startswith("_:")
            or subtree_undefined is not None
            or len(self.bnodes) != known_bnodes
        ):
            return subject
        if len(memo) >= _SUBTREE_LIMIT:
            memo.clear()
        serial = next(_SUBTREE_SERIALS)
        prefix = f"{_SUBTREE_LABEL}{serial}_"

        def own(term: str) -> str:
            # the subtree's fresh blank nodes are _:b(first_fresh+1).. _:b(count)
            if term[:3] == "_:b" and int(term[3:]) > first_fresh:
                return prefix + term[3:]
            return term

        quads = [(own(s), p, own(o), own(g)) for s, p, o, g in self.quads[first_quad:]]
        self.quads[first_quad:] = quads
        # the labels of memoised subtrees replayed or recorded inside this one travel with it
        serials = frozenset({serial, *(self.used_subtrees - used_before)})
        self.used_subtrees.add(serial)
        memo[key] = _Subtree(ctx, serials, subject, tuple(quads), subtree_canonical)
        return subject

    @staticmethod
    def subtree_key(
        ctx: _Ctx, active_property: str | None, element: dict[str, Any], graph: str, depth: int
    ) -> tuple[tuple[Any, ...], list[int]] | None:
        """The memo key of a subtree and its property's [replays, misses, skipped] counters,
        or None when the subtree is not memoised (see `node`)."""
        if graph or depth == 1 or len(element) < 4:
            return None
        ident = element.get("id", element.get("@id"))
        if type(ident) is not str or ident.startswith("_:"):
            return None
        compiler = ctx.compiler
        stats = compiler.subtree_stats.get((id(ctx), active_property))
        if stats is None:
            if len(compiler.subtree_stats) >= _SUBTREE_LIMIT:
                compiler.subtree_stats.clear()
            stats = compiler.subtree_stats[(id(ctx), active_property)] = [0, 0, 0]
        if stats[1] >= 16 and stats[0] * 4 < stats[1]:
            stats[2] += 1
            if stats[2] >= 256:  # look again now and then: the workload may have changed
                stats[:] = [0, 0, 0]
            return None
        try:
            text = _json_text(element)
        except (TypeError, ValueError):
            return None
        if '"_:' in text:
            return None
        return (id(ctx), active_property, depth, text), stats

    def walk_node(
        self,
        ctx: _Ctx,
        active_property: str | None,
        apterm: _Term | None,
        element: dict[str, Any],
        graph: str,
        inside_list: bool,
        depth: int,
    ) -> str | None:
        """pyld's _expand for an object, then its node-map entry and triples.

        Returns the RDF term standing for the element (a node or a literal), or None when
        pyld drops it.
        """
        if depth + 2 > MAX_DEPTH:
            raise _Fallback  # conservative: the general path rejects depth > MAX_DEPTH
        # property-scoped context of the active property (captured before reverting)
        scoped = apterm.scoped if apterm is not None else None

        # revert type-scoped contexts unless the element is a value or a lone reference
        must_revert = True
        if ctx.has_previous and len(element) <= 2 and "@context" not in element:
            for key in sorted(element):
                expanded = ctx.term(key).expanded
                if expanded == "@value":
                    must_revert = False
                    break
                if expanded == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert:
            ctx = ctx.previous()
        if scoped is not None:
            ctx = ctx.child("p", scoped, override_protected=True)

        # the node's own context, then type-scoped contexts
        if "@context" in element:
            ctx = ctx.embedded(element["@context"])
        tsctx = ctx
        keys = sorted(element)
        terms: list[tuple[str, _Term]] = []
        type_key: str | None = None
        for key in keys:
            if key == "@context":
                continue
            term = ctx.term(key)
            terms.append((key, term))
            if term.expanded == "@type":
                type_key = type_key or key
                types = element[key]
                names = (
                    [types]
                    if type(types) is str
                    else [t for t in types if type(t) is str]
                    if type(types) is list
                    else []
                )
                for name in sorted(names):
                    local = tsctx.term(name).scoped
                    if local is not None and local is not False:
                        ctx = ctx.child("t", local, propagate=False)
        if ctx is not tsctx:
            # keys must be expanded with the final context
            terms = [(key, ctx.term(key)) for key, _ in terms]

        if type_key is not None:
            first = element[type_key]
            if type(first) is list and first:
                first = first[0]
            if type(first) is str and ctx.term(first).expanded == "@json":
                raise _Fallback

        # classify keys
        subject: str | None = None
        types_seen = False
        props: list[tuple[str, _Term]] = []
        keywords: set[str] = set()
        for key, term in terms:
            expanded = term.expanded
            if expanded is None or not (expanded in _KEYWORDS or _is_absolute(expanded)):
                self.drop(key, term)
                continue
            if expanded in _KEYWORDS:
                if expanded in keywords and expanded != "@type":
                    raise _Fallback  # colliding keywords
                keywords.add(expanded)
                if expanded == "@id":
                    value = element[key]
                    if type(value) is not str:
                        raise _Fallback
                    subject = self.iri_ref(ctx.id_iri(value))
                elif expanded == "@type":
                    types_seen = True
                elif expanded in ("@value", "@language"):
                    pass
                else:
                    raise _Fallback
                continue
            if expanded.startswith("_:"):
                self.drop(key, term)  # blank node predicate: safe mode rejects it
                continue
            props.append((key, term))

        if "@value" in keywords:
            if props or "@id" in keywords:
                raise _Fallback
            if active_property is None:
                raise _Fallback
            return self.value_object(ctx, tsctx, element)
        if "@language" in keywords:
            raise _Fallback

        if active_property is None and not props and not types_seen:
            return None  # dropped free-floating node: no triples either way
        if subject is None:
            subject = self.fresh()
        quads = self.quads

        if types_seen:
            for key, term in terms:
                if term.expanded != "@type":
                    continue
                values = element[key]
                if type(values) is str:
                    values = [values]
                elif type(values) is not list:
                    raise _Fallback
                for name in values:
                    if type(name) is not str:
                        raise _Fallback
                    quads.append((subject, _P_TYPE, self.iri_ref(tsctx.vocab_iri(name)), graph))

        for key, term in props:
            self.property(ctx, subject, key, term, element[key], graph, depth)
        return subject

    def property(
        self,
        ctx: _Ctx,
        subject: str,
        key: str,
        term: _Term,
        value: Any,
        graph: str,
        depth: int,
    ) -> None:
        """One non-keyword entry of a node object (pyld's _expand_object, last branch)."""
        if term.unsupported:
            raise _Fallback
        term_ctx = (
            ctx
            if term.scoped is None
            else ctx.child("p", term.scoped, propagate=True, override_protected=True)
        )
        inner = term_ctx.term(key) if term_ctx is not ctx else term
        if inner.unsupported:
            raise _Fallback
        pred = term.pred
        if term.pred_unsafe:
            raise _Fallback
        quads = self.quads

        if term.is_lang_map and type(value) is dict:
            for lang, items in sorted(value.items()):
                if lang.startswith("@") or term_ctx.term(lang).expanded == "@none":
                    raise _Fallback
                for item in items if type(items) is list else [items]:
                    if item is None:
                        continue
                    if type(item) is not str:
                        raise _Fallback
                    literal = self.literal(item, None, lang.lower())
                    quads.append((subject, pred, literal, graph))
            return

        if term.is_json:
            if _depth(value, depth + 1) > MAX_DEPTH:
                raise _Fallback
            try:
                text = _jcs(value).decode("utf-8")
            except Exception as cause:
                raise _Fallback from cause
            literal = f'"{_escape(text)}"^^<{_RDF_JSON}>'
            if _UNSAFE_TEXT.search(literal):
                self.canonical_form = False
            quads.append((subject, pred, literal, graph))
            return

        if term.is_graph:
            items = value if type(value) is list else [value]
            level = depth + 2 if type(value) is list else depth + 1
            for item in items:
                if item is None:
                    continue
                if type(item) is not dict:
                    raise _Fallback
                name = self.fresh()
                obj = self.node(term_ctx, key, inner, item, name, False, level)
                if obj is None or obj.startswith('"'):
                    raise _Fallback
                quads.append((subject, pred, name, graph))
            return

        objects: list[str] = []
        self.expand(term_ctx, key, inner, value, graph, False, depth + 1, objects)
        if term.is_list:
            if type(value) is not list and not objects:
                return  # the value expanded to nothing
            head = self.rdf_list(objects, graph)
            quads.append((subject, pred, head, graph))
            return
        for obj in objects:
            quads.append((subject, pred, obj, graph))

    def rdf_list(self, objects: list[str], graph: str) -> str:
        if not objects:
            return _NIL
        quads = self.quads
        head = node = self.fresh()
        last = len(objects) - 1
        for i, obj in enumerate(objects):
            quads.append((node, _P_FIRST, obj, graph))
            if i == last:
                quads.append((node, _P_REST, _NIL, graph))
            else:
                following = self.fresh()
                quads.append((node, _P_REST, following, graph))
                node = following
        return head


def _depth(value: Any, level: int) -> int:
    """Nesting depth of a JSON value as the general path counts it (recursive, bounded)."""
    if level > MAX_DEPTH + 1:
        return level
    if type(value) is dict:
        return max([level, *(_depth(v, level + 1) for v in value.values())])
    if type(value) is list:
        return max([level, *(_depth(v, level + 1) for v in value)])
    return level - 1


# ---------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------


def _walk(doc: dict[str, Any], loader: OfflineDocumentLoader | None) -> _Walker | None:
    """The walked document, or None when the general path must be used."""
    if type(doc) is not dict:
        return None
    compiler = _compiler(loader)
    walker = _Walker()
    try:
        walker.node(compiler.initial, None, None, doc, "", False, 1)
    except Exception:  # noqa: BLE001 - anything unexpected: the general path decides
        return None
    if walker.undefined is not None:
        if _depth(doc, 1) > MAX_DEPTH:
            return None
        raise UndefinedTermError(walker.undefined)
    return walker


def _nquads(quads: list[Quad]) -> str:
    return "".join(f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n" for s, p, o, g in quads)


def to_nquads(doc: dict[str, Any], *, loader: OfflineDocumentLoader | None = None) -> str | None:
    """The document's RDF dataset as N-Quads (blank node labels arbitrary), or None.

    The dataset is the one JSON-LD 1.1 toRdf (pyld, as used by the general path) produces.
    Returns None when the document uses something not compiled here; the caller must
    then use the general path. Raises :class:`UndefinedTermError` for a property that
    does not expand to an absolute IRI, like the general path.
    """
    walker = _walk(doc, loader)
    return None if walker is None else _nquads(walker.quads)


def canonicalize_fast(doc: dict[str, Any], *, loader: OfflineDocumentLoader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, via the compiled fast path.

    Byte for byte what :func:`microcred.jsonld.canonical.canonicalize` returns. The RDF
    comes from the walk; when every term is already in canonical form and every blank node
    has a unique first-degree hash, :mod:`microcred.jsonld.rdfc_unique` labels it, otherwise
    the general path's :func:`~microcred.jsonld.canonical.canonicalize_nquads` does. Uses the
    general path whenever the walk cannot compile the document (or its N-Quads do not parse).
    """
    from microcred.jsonld import canonical

    walker = _walk(doc, loader)
    if walker is not None:
        if walker.canonical_form:
            labelled = canonicalize_quads(walker.quads, stable_prefix=_SUBTREE_LABEL)
            if labelled is not None:
                return labelled
        try:
            return canonical.canonicalize_nquads(_nquads(walker.quads))
        except JsonLdError:
            pass
    return canonical.canonicalize(doc, loader=loader)


# keep the error hierarchy visible to readers of this module
assert issubclass(UndefinedTermError, JsonLdError)
