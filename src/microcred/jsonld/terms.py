"""Well-formedness of the RDF terms a document produces: IRIs and language tags.

Both canonicalization paths (the compiled walk in :mod:`fast_rdf` and pyld in
:mod:`canonical`) ask these same two questions, so they accept and reject the same
documents. The answers come from pyoxigraph's own term constructors (RFC 3987 IRIs via
oxiri, RFC 5646 language tags via oxilangtag): no grammar is written by hand here, and
a term pyoxigraph accepts is one it also serialises as a single N-Quads token.
"""

from __future__ import annotations

from typing import Final

import pyoxigraph

__all__ = ["well_formed_iri", "well_formed_language"]

_CACHE_LIMIT: Final = 8192
"""Bound on the remembered answers (document-controlled strings): cleared when full."""

_iris: dict[str, bool] = {}
_languages: dict[str, bool] = {}


def _remember(cache: dict[str, bool], key: str, answer: bool) -> bool:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = answer
    return answer


def well_formed_iri(iri: str) -> bool:
    """Whether ``iri`` is an absolute IRI that N-Quads can hold as it is."""
    known = _iris.get(iri)
    if known is not None:
        return known
    try:
        pyoxigraph.NamedNode(iri)
    except (ValueError, TypeError):
        return _remember(_iris, iri, False)
    return _remember(_iris, iri, True)


def well_formed_language(tag: str) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 language tag (RFC 5646 syntax)."""
    known = _languages.get(tag)
    if known is not None:
        return known
    try:
        pyoxigraph.Literal("", language=tag)
    except (ValueError, TypeError):
        return _remember(_languages, tag, False)
    return _remember(_languages, tag, True)
