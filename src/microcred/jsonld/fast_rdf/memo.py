"""The subtree memo: identified subtrees repeated across documents are walked once.

A credential issued in bulk repeats large identified subtrees (the achievement, the issuer
profile) verbatim; their quads depend only on the JSON, the active context, the active
property and the depth, so they are walked once and replayed afterwards. Only nodes with
an IRI ``id``, in the default graph, with no blank node label anywhere inside, are
memoised, and only from their second sighting on. Their own blank nodes get labels of
their own (see :data:`SUBTREE_LABEL`) so that a replay cannot collide with the rest of the
document, and a subtree is used once per document (a second occurrence is walked).

One memo per :class:`~microcred.jsonld.fast_rdf.context.Compiler` (that is, per document
loader). Every table is bounded and cleared when full; a cleared table costs a re-walk,
never a wrong answer.

Thread safety: the walk runs in FastAPI's threadpool too. Each table operation is a single
dict/set operation (atomic under the GIL), a recorded entry is an immutable
:class:`Subtree`, and the counters are advisory (a lost update only changes whether a key
is computed), so concurrent walks can at worst miss a replay. (This argument needs the GIL; a
free-threaded build would need a lock around the tables.)
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from microcred.jsonld.rdfc_unique import Quad

if TYPE_CHECKING:
    from microcred.jsonld.fast_rdf.context import Ctx, Term
    from microcred.jsonld.fast_rdf.walker import Walker

__all__ = [
    "MEMO_MIN_KEYS",
    "MEMO_SKIP_RATIO",
    "MEMO_SKIP_REPROBE",
    "MEMO_SKIP_SAMPLE",
    "SUBTREE_LABEL",
    "SUBTREE_LIMIT",
    "SUBTREE_SEEN_LIMIT",
    "Subtree",
    "SubtreeMemo",
]

SUBTREE_LIMIT: Final = 256
"""Bound on memoised subtrees per compiler, and on its per-property counters (cleared when
full). A bulk run repeats a handful of subtrees (one achievement and one issuer per
specification); 256 leaves room for many specifications interleaved in one process."""

SUBTREE_SEEN_LIMIT: Final = SUBTREE_LIMIT * 64
"""Bound on the remembered first sightings (one hash each, cleared when full). A subtree
is memoised from its second sighting, so this is how many distinct candidates can wait for
their second one: 64 per memo slot, enough for the distinct credential subjects of a
bulk chunk without holding their JSON."""

MEMO_MIN_KEYS: Final = 4
"""Nodes with fewer keys are walked, never memoised: for a small node (a lone reference,
an ``{"id", "type", "name"}`` triple) the JSON text of the memo key costs about as much
as walking it."""

MEMO_SKIP_SAMPLE: Final = 16
"""Misses a (context, property) pair must have before it can be skipped (see
:data:`MEMO_SKIP_RATIO`): the first 16 candidates are always keyed."""

MEMO_SKIP_RATIO: Final = 4
"""A (context, property) pair whose replays are fewer than one per this many misses is
skipped: where subtrees never repeat (a credential subject, say), the memo key's JSON text
is pure cost."""

MEMO_SKIP_REPROBE: Final = 256
"""After this many skipped candidates a pair's counters start again from zero (the
workload may have changed: a new batch of the same specification)."""

SUBTREE_LABEL: Final = "_:m"
"""Blank nodes of memoised subtrees are labelled ``_:mS_N``: S is a serial number never
reused in a process (:data:`_SERIALS`), N the walker's own counter inside the subtree.

Invariant shared with :mod:`microcred.jsonld.rdfc_unique` (its ``stable_prefix`` and
``_STABLE_DIGESTS``): wherever a ``_:m`` label occurs, in any document of this process, it
occurs in exactly the same quads, because those quads are the recorded subtree's, replayed
verbatim, and a subtree is replayed at most once per document. ``rdfc_unique`` therefore
remembers each such label's first-degree hash for the life of the process. Reusing a
serial, changing a recorded subtree's quads, replaying a subtree twice in one document,
or giving any other blank node a ``_:m`` label would break canonicalization silently."""

_SERIALS = itertools.count(1)
"""Process-wide: the S of :data:`SUBTREE_LABEL` (``next`` on it is atomic under the GIL)."""


class Subtree(NamedTuple):
    """The quads of an identified subtree, as the walk produced them once."""

    ctx: Ctx
    serials: frozenset[int]
    subject: str
    quads: tuple[Quad, ...]
    canonical_form: bool


def _json_text(element: dict[str, Any]) -> str:
    """The subtree's identity as a memo key: its JSON, exactly (types included)."""
    return json.dumps(element, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


MemoKey = tuple[tuple[Any, ...], list[int]]
"""A subtree's memo key and its (context, property) counters [replays, misses, skipped]."""


class SubtreeMemo:
    """Recorded subtrees, first sightings and per-property counters of one compiler."""

    __slots__ = ("seen", "stats", "subtrees")

    def __init__(self) -> None:
        self.subtrees: dict[tuple[Any, ...], Subtree] = {}
        self.seen: set[int] = set()
        # per (context, property): [replays, misses, skipped] - where subtrees never repeat
        # (a credential subject, say), computing the memo key is not worth it
        self.stats: dict[tuple[int, str | None], list[int]] = {}

    def key(
        self,
        ctx: Ctx,
        active_property: str | None,
        element: dict[str, Any],
        graph: str,
        depth: int,
    ) -> MemoKey | None:
        """The memo key of a subtree and its property's counters, or None when the subtree
        is not memoised (see the module docstring)."""
        if graph or depth == 1 or len(element) < MEMO_MIN_KEYS:
            return None
        ident = element.get("id", element.get("@id"))
        if type(ident) is not str or ident.startswith("_:"):
            return None
        stats = self.stats.get((id(ctx), active_property))
        if stats is None:
            if len(self.stats) >= SUBTREE_LIMIT:
                self.stats.clear()
            stats = self.stats[(id(ctx), active_property)] = [0, 0, 0]
        if stats[1] >= MEMO_SKIP_SAMPLE and stats[0] * MEMO_SKIP_RATIO < stats[1]:
            stats[2] += 1
            if stats[2] >= MEMO_SKIP_REPROBE:
                stats[:] = [0, 0, 0]
            return None
        try:
            text = _json_text(element)
        except (TypeError, ValueError):
            return None
        if '"_:' in text:
            return None
        return (id(ctx), active_property, depth, text), stats

    def node(
        self,
        walker: Walker,
        memo_key: MemoKey,
        ctx: Ctx,
        active_property: str | None,
        apterm: Term | None,
        element: dict[str, Any],
        graph: str,
        inside_list: bool,
        depth: int,
    ) -> str | None:
        """``walker.walk_node(...)`` for a memoisable subtree: replayed when recorded,
        recorded on its second sighting, walked otherwise."""
        args = (ctx, active_property, apterm, element, graph, inside_list, depth)
        key, stats = memo_key
        memo = self.subtrees
        found = memo.get(key)
        if found is not None and found.ctx is ctx:
            if not walker.used_subtrees.isdisjoint(found.serials):
                return walker.walk_node(*args)
            stats[0] += 1
            walker.used_subtrees.update(found.serials)
            walker.quads.extend(found.quads)
            if not found.canonical_form:
                walker.canonical_form = False
            return found.subject

        stats[1] += 1
        seen = self.seen
        if hash(key) not in seen:
            if len(seen) >= SUBTREE_SEEN_LIMIT:
                seen.clear()
            seen.add(hash(key))
            return walker.walk_node(*args)
        first_quad, first_fresh = len(walker.quads), walker.count
        used_before = set(walker.used_subtrees)
        known_bnodes, undefined, canonical_form = (
            len(walker.bnodes),
            walker.undefined,
            walker.canonical_form,
        )
        walker.canonical_form, walker.undefined = True, None
        subject = walker.walk_node(*args)
        subtree_canonical, subtree_undefined = walker.canonical_form, walker.undefined
        walker.canonical_form = canonical_form and subtree_canonical
        walker.undefined = undefined if undefined is not None else subtree_undefined
        if (
            subject is None
            or subject.startswith("_:")
            or subtree_undefined is not None
            or len(walker.bnodes) != known_bnodes
        ):
            return subject
        if len(memo) >= SUBTREE_LIMIT:
            memo.clear()
        serial = next(_SERIALS)
        prefix = f"{SUBTREE_LABEL}{serial}_"

        def own(term: str) -> str:
            # the subtree's fresh blank nodes are _:b(first_fresh+1).. _:b(count)
            if term[:3] == "_:b" and int(term[3:]) > first_fresh:
                return prefix + term[3:]
            return term

        quads = [(own(s), p, own(o), own(g)) for s, p, o, g in walker.quads[first_quad:]]
        walker.quads[first_quad:] = quads
        # the labels of memoised subtrees replayed or recorded inside this one travel with it
        serials = frozenset({serial, *(walker.used_subtrees - used_before)})
        walker.used_subtrees.add(serial)
        memo[key] = Subtree(ctx, serials, subject, tuple(quads), subtree_canonical)
        return subject
