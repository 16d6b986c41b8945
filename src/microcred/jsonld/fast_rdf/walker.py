"""The walk: pyld's ``_expand`` / ``_expand_object`` / ``_create_node_map`` /
``_graph_to_rdf``, fused into one pass over the JSON document.

The walk mirrors pyld's control flow (sorted keys, type-scoped context application and
reversion, property-scoped contexts applied both in ``_expand_object`` and in ``_expand``)
and emits the quads as pyld's ``_graph_to_rdf``/``_object_to_rdf``/``to_nquad`` would
write them. Anything it does not compile raises
:class:`~microcred.jsonld.fast_rdf.context.Fallback`.

Blank nodes the walk creates are ``_:bN`` (N counts per document); those of memoised
subtrees are ``_:mS_N`` (:data:`~microcred.jsonld.fast_rdf.memo.SUBTREE_LABEL`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from pyld import jsonld as _pyld

from microcred.jsonld.fast_rdf.context import KEYWORDS, Ctx, Fallback, Term, is_absolute
from microcred.jsonld.fast_rdf.literal import (
    RDF_JSON,
    SIMPLE_LANGUAGE,
    UNSAFE_TEXT,
    escape,
    literal_term,
)
from microcred.jsonld.rdfc_unique import Quad
from microcred.jsonld.terms import well_formed_iri, well_formed_language

__all__ = ["MAX_DEPTH", "Walker", "json_depth"]

MAX_DEPTH: Final = 64
"""Same bound as the general path (:data:`microcred.jsonld.canonical.MAX_DEPTH`)."""

_RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_P_TYPE: Final = f"<{_RDF}type>"
_P_FIRST: Final = f"<{_RDF}first>"
_P_REST: Final = f"<{_RDF}rest>"
_NIL: Final = f"<{_RDF}nil>"

_jcs: Callable[[Any], bytes] = _pyld.canonicalize


class Walker:
    """One document's walk: its quads, blank node labels and what it has noticed."""

    __slots__ = ("bnodes", "canonical_form", "count", "quads", "undefined", "used_subtrees")

    def __init__(self) -> None:
        self.quads: list[Quad] = []
        # False once a term may be written differently by the canonical N-Quads serialisation
        # than here (see literal / iri_ref): rdfc_unique then must not be used.
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

    def drop(self, key: str, term: Term) -> None:
        """pyld's on_property_dropped: remembered, raised once the walk succeeded."""
        if self.undefined is None:
            self.undefined = key if term.expanded is None else str(term.expanded)

    # -- values -------------------------------------------------------------------------

    def scalar(self, ctx: Ctx, term: Term, value: Any) -> str:
        """pyld's _expand_value followed by _object_to_rdf, for a non-null JSON scalar."""
        expanded = term.expanded
        coerce = term.coerce
        if expanded in KEYWORDS:
            raise Fallback
        if coerce == "@id" and type(value) is str:
            return self.iri_ref(ctx.id_iri(value))
        if coerce == "@vocab" and type(value) is str:
            return self.iri_ref(ctx.vocab_iri(value))
        if coerce is not None and coerce != "@id" and coerce != "@vocab" and coerce != "@none":
            return self.literal(value, coerce, None)
        if type(value) is str:
            return self.literal(value, None, term.language)
        return literal_term(value, None, None)

    def literal(self, value: Any, datatype: str | None, language: str | None) -> str:
        """`literal_term`, noting whether it is also the literal's canonical N-Quads form.

        An ill-formed datatype IRI or language tag is left to the general path, which
        rejects the document: written here unescaped, it could carry whole quads into the
        N-Quads text (a language-map key holding ``"lv .\n<s> <p> <o> .\n#"``, say).
        """
        if (datatype is not None and not well_formed_iri(datatype)) or (
            language is not None and not well_formed_language(language)
        ):
            raise Fallback
        literal = literal_term(value, datatype, language)
        if UNSAFE_TEXT.search(literal) or (
            language is not None and not SIMPLE_LANGUAGE.fullmatch(language)
        ):
            self.canonical_form = False
        return literal

    def iri_ref(self, iri: str | None) -> str:
        if iri is None:
            raise Fallback
        if iri.startswith("_:"):
            return self.label(iri)
        if not well_formed_iri(iri):
            raise Fallback  # the general path rejects it, naming where it stands
        return f"<{iri}>"

    def value_object(self, ctx: Ctx, tsctx: Ctx, element: dict[str, Any]) -> str | None:
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
                raise Fallback
            seen.add(kw)
            if kw == "@value":
                value = item
            elif kw == "@type":
                if type(item) is not str:
                    raise Fallback
                datatype = tsctx.vocab_iri(item)
                if datatype is None or datatype.startswith("_:") or datatype == "@json":
                    raise Fallback
            elif kw == "@language":
                if item is None:
                    continue
                if type(item) is not str:
                    raise Fallback
                language = item.lower()
            else:
                raise Fallback
        if value is None:
            return None
        if datatype is not None and language is not None:
            raise Fallback
        if language is not None and type(value) is not str:
            raise Fallback
        if type(value) not in (str, bool, int, float):
            raise Fallback
        return self.literal(value, datatype, language)

    # -- elements -----------------------------------------------------------------------

    def expand(
        self,
        ctx: Ctx,
        key: str,
        term: Term,
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
                raise Fallback
            inside = inside_list or term.is_list
            for item in value:
                if inside and type(item) is list:
                    raise Fallback  # list of lists
                self.expand(ctx, key, term, item, graph, inside, depth + 1, out)
        else:
            out.append(self.scalar(ctx, term, value))

    def node(
        self,
        ctx: Ctx,
        active_property: str | None,
        apterm: Term | None,
        element: dict[str, Any],
        graph: str,
        inside_list: bool,
        depth: int,
    ) -> str | None:
        """`walk_node`, or the compiler's subtree memo for an identified subtree
        (:mod:`microcred.jsonld.fast_rdf.memo`)."""
        memo = ctx.compiler.memo
        memo_key = memo.key(ctx, active_property, element, graph, depth)
        if memo_key is None:
            return self.walk_node(ctx, active_property, apterm, element, graph, inside_list, depth)
        return memo.node(
            self, memo_key, ctx, active_property, apterm, element, graph, inside_list, depth
        )

    def walk_node(
        self,
        ctx: Ctx,
        active_property: str | None,
        apterm: Term | None,
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
            raise Fallback  # conservative: the general path rejects depth > MAX_DEPTH
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
        terms: list[tuple[str, Term]] = []
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
                raise Fallback

        # classify keys
        subject: str | None = None
        types_seen = False
        props: list[tuple[str, Term]] = []
        keywords: set[str] = set()
        for key, term in terms:
            expanded = term.expanded
            if expanded is None or not (expanded in KEYWORDS or is_absolute(expanded)):
                self.drop(key, term)
                continue
            if expanded in KEYWORDS:
                if expanded in keywords and expanded != "@type":
                    raise Fallback  # colliding keywords
                keywords.add(expanded)
                if expanded == "@id":
                    value = element[key]
                    if type(value) is not str:
                        raise Fallback
                    subject = self.iri_ref(ctx.id_iri(value))
                elif expanded == "@type":
                    types_seen = True
                elif expanded in ("@value", "@language"):
                    pass
                else:
                    raise Fallback
                continue
            if expanded.startswith("_:"):
                self.drop(key, term)  # blank node predicate: safe mode rejects it
                continue
            props.append((key, term))

        if "@value" in keywords:
            if props or "@id" in keywords:
                raise Fallback
            if active_property is None:
                raise Fallback
            return self.value_object(ctx, tsctx, element)
        if "@language" in keywords:
            raise Fallback

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
                    raise Fallback
                for name in values:
                    if type(name) is not str:
                        raise Fallback
                    quads.append((subject, _P_TYPE, self.iri_ref(tsctx.vocab_iri(name)), graph))

        for key, term in props:
            self.property(ctx, subject, key, term, element[key], graph, depth)
        return subject

    def property(
        self,
        ctx: Ctx,
        subject: str,
        key: str,
        term: Term,
        value: Any,
        graph: str,
        depth: int,
    ) -> None:
        """One non-keyword entry of a node object (pyld's _expand_object, last branch)."""
        if term.unsupported:
            raise Fallback
        term_ctx = (
            ctx
            if term.scoped is None
            else ctx.child("p", term.scoped, propagate=True, override_protected=True)
        )
        inner = term_ctx.term(key) if term_ctx is not ctx else term
        if inner.unsupported:
            raise Fallback
        pred = term.pred
        if term.pred_unsafe:
            raise Fallback
        quads = self.quads

        if term.is_lang_map and type(value) is dict:
            for lang, items in sorted(value.items()):
                if lang.startswith("@") or term_ctx.term(lang).expanded == "@none":
                    raise Fallback
                for item in items if type(items) is list else [items]:
                    if item is None:
                        continue
                    if type(item) is not str:
                        raise Fallback
                    literal = self.literal(item, None, lang.lower())
                    quads.append((subject, pred, literal, graph))
            return

        if term.is_json:
            if json_depth(value, depth + 1) > MAX_DEPTH:
                raise Fallback
            try:
                text = _jcs(value).decode("utf-8")
            except Exception as cause:
                raise Fallback from cause
            literal = f'"{escape(text)}"^^<{RDF_JSON}>'
            if UNSAFE_TEXT.search(literal):
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
                    raise Fallback
                name = self.fresh()
                obj = self.node(term_ctx, key, inner, item, name, False, level)
                if obj is None or obj.startswith('"'):
                    raise Fallback
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


def json_depth(value: Any, level: int) -> int:
    """Nesting depth of a JSON value as the general path counts it (recursive, bounded)."""
    if level > MAX_DEPTH + 1:
        return level
    if type(value) is dict:
        return max([level, *(json_depth(v, level + 1) for v in value.values())])
    if type(value) is list:
        return max([level, *(json_depth(v, level + 1) for v in value)])
    return level - 1
