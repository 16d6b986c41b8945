"""RDFC-1.0 for the common case: every blank node has a unique first-degree hash.

Written by hand because no library offers it at the right cost: pyoxigraph's RDFC-1.0 is
exact, but it must parse the dataset from N-Quads text and serialise it back, which for a
credential-sized dataset (~140 quads, ~20 blank nodes) costs about five times the labelling
itself. When every blank node's *Hash First Degree Quads* (RDFC-1.0 §4.6) is unique, the
algorithm (§4.4.3 steps 1 to 5) issues the canonical identifiers in hash order and never
reaches Hash N-Degree Quads; that is all this module does. Anything else (two blank nodes
with the same first-degree hash, a string that cannot be UTF-8 encoded) returns None, and
the caller runs the full implementation (:func:`microcred.jsonld.canonical.canonicalize_nquads`).

The terms must already be in canonical N-Quads form (the producer guarantees it, see
:mod:`microcred.jsonld.fast_rdf`): IRIs as ``<...>``, literals as written by the canonical
serialisation, blank nodes as ``_:label``. Differential tests compare the result with the
full implementation byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import sha256
from typing import TypeAlias

__all__ = ["Quad", "canonicalize_quads"]

Quad: TypeAlias = tuple[str, str, str, str]
"""(subject, predicate, object, graph name); the graph name is "" for the default graph."""


def _line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


_STABLE_DIGESTS: dict[str, str] = {}
"""First-degree hashes of *stable* blank node labels, for the life of the process.

Correct only because of the producer's invariant (for the ``_:m`` labels of
:data:`microcred.jsonld.fast_rdf.memo.SUBTREE_LABEL`): such a label is never reused in a
process for other quads, so its hash never changes. A caller that passes a
``stable_prefix`` without that guarantee gets wrong canonical labels, silently."""
_STABLE_LIMIT = 16384
"""Bound on :data:`_STABLE_DIGESTS` (cleared when full: the hashes are then recomputed)."""


def canonicalize_quads(quads: Iterable[Quad], *, stable_prefix: str | None = None) -> str | None:
    """Canonical N-Quads (sorted, ``_:c14nN`` labels) or None when N-degree hashing is needed.

    `stable_prefix`: blank node labels starting with it are *stable*: wherever such a label
    occurs, it occurs in exactly the same quads (the producer's promise; the only producer
    is the fast path's subtree memo, see :data:`_STABLE_DIGESTS`), so its first-degree
    hash is computed once per process.
    """
    dataset = list(dict.fromkeys(quads))  # an RDF dataset is a set of quads
    # §4.4.3 step 2: the quads of each blank node (a quad once, even if the node recurs in it)
    mentions: dict[str, list[Quad]] = {}
    for quad in dataset:
        s, _, o, g = quad
        if s[0] == "_":
            mentions.setdefault(s, []).append(quad)
        if o[0] == "_" and o != s:
            mentions.setdefault(o, []).append(quad)
        if g and g[0] == "_" and g != s and g != o:
            mentions.setdefault(g, []).append(quad)
    if not mentions:
        return "".join(sorted(_line(*quad) for quad in dataset))

    # §4.6 Hash First Degree Quads: the node itself becomes _:a, every other blank node _:z
    by_hash: dict[str, str] = {}
    for node, node_quads in mentions.items():
        if stable_prefix is not None and node.startswith(stable_prefix):
            known = _STABLE_DIGESTS.get(node)
            if known is not None:
                if known in by_hash:
                    return None
                by_hash[known] = node
                continue
        lines = []
        for s, p, o, g in node_quads:
            if s[0] == "_":
                s = "_:a" if s == node else "_:z"
            if o[0] == "_":
                o = "_:a" if o == node else "_:z"
            if g and g[0] == "_":
                g = "_:a" if g == node else "_:z"
            lines.append(_line(s, p, o, g))
        lines.sort()
        try:
            digest = sha256("".join(lines).encode("utf-8")).hexdigest()
        except UnicodeEncodeError:
            return None
        if digest in by_hash:
            return None  # shared hash: Hash N-Degree Quads decides, not this module
        by_hash[digest] = node
        if stable_prefix is not None and node.startswith(stable_prefix):
            if len(_STABLE_DIGESTS) >= _STABLE_LIMIT:
                _STABLE_DIGESTS.clear()
            _STABLE_DIGESTS[node] = digest

    # §4.4.3 step 5: canonical identifiers in code point order of the hashes
    label = {by_hash[digest]: f"_:c14n{i}" for i, digest in enumerate(sorted(by_hash))}
    out = []
    for s, p, o, g in dataset:
        if s[0] == "_":
            s = label[s]
        if o[0] == "_":
            o = label[o]
        if g and g[0] == "_":
            g = label[g]
        out.append(_line(s, p, o, g))
    out.sort()
    return "".join(out)
