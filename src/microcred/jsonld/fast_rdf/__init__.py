"""Compiled JSON-LD -> RDF fast path for documents whose contexts are all bundled.

The general path (:mod:`microcred.jsonld.canonical`) runs pyld's JSON-LD 1.1 expansion,
node-map generation and toRdf on every document. Expansion dominates its cost: every key
goes through IRI expansion, every scoped context through the context resolver, and the
whole document is deep-copied and rebuilt twice.

This package produces the same RDF dataset directly from the JSON document, walking it
once. Its parts:

* :mod:`.context`: compiled contexts. Contexts are processed by pyld itself, so every
  JSON-LD context feature means exactly what it means on the general path; each processed
  context is wrapped once and caches what the walk asks of it.
* :mod:`.literal`: RDF literals, written as pyld writes them.
* :mod:`.walker`: the walk, mirroring pyld's ``_expand``/``_expand_object`` control flow
  and emitting the quads as pyld's ``_graph_to_rdf`` would.
* :mod:`.memo`: the subtree memo, which replays identified subtrees repeated across
  documents (bulk issuing), and the ``_:m`` blank node label invariant it shares with
  :mod:`microcred.jsonld.rdfc_unique`.

Anything it does not compile (inline context objects, ``@reverse``, ``@included``,
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

from typing import Any

from microcred.jsonld import canonical
from microcred.jsonld.errors import JsonLdError, UndefinedTermError
from microcred.jsonld.fast_rdf.context import Fallback, compiler_for
from microcred.jsonld.fast_rdf.memo import SUBTREE_LABEL
from microcred.jsonld.fast_rdf.walker import MAX_DEPTH, Walker, json_depth
from microcred.jsonld.loader import OfflineDocumentLoader
from microcred.jsonld.rdfc_unique import Quad, canonicalize_quads

__all__ = [
    "MAX_DEPTH",
    "UndefinedTermError",
    "canonicalize_fast",
    "compiled_context",
    "to_nquads",
]


def compiled_context(
    context: str | list[str], *, loader: OfflineDocumentLoader | None = None
) -> dict[str, str | None] | None:
    """Term -> IRI table of a top-level ``@context`` (URLs), or None if not compilable.

    For inspection and tests; :func:`to_nquads` compiles lazily what it needs.
    """
    try:
        ctx = compiler_for(loader).initial.embedded(context)
    except Fallback:
        return None
    return {term: (m or {}).get("@id") for term, m in ctx.mappings.items()}


def _walk(doc: dict[str, Any], loader: OfflineDocumentLoader | None) -> Walker | None:
    """The walked document, or None when the general path must be used."""
    if type(doc) is not dict:
        return None
    compiler = compiler_for(loader)
    walker = Walker()
    try:
        walker.node(compiler.initial, None, None, doc, "", False, 1)
    except Exception:  # noqa: BLE001 - anything unexpected: the general path decides
        return None
    if walker.undefined is not None:
        if json_depth(doc, 1) > MAX_DEPTH:
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
    walker = _walk(doc, loader)
    if walker is not None:
        if walker.canonical_form:
            # _:m labels keep the memo's promise (see memo.SUBTREE_LABEL), so rdfc_unique
            # may remember their first-degree hashes
            labelled = canonicalize_quads(walker.quads, stable_prefix=SUBTREE_LABEL)
            if labelled is not None:
                return labelled
        try:
            return canonical.canonicalize_nquads(_nquads(walker.quads))
        except JsonLdError:
            pass
    return canonical.canonicalize(doc, loader=loader)
