"""JSON-LD -> RDF (pyld, offline, safe mode) -> RDFC-1.0 canonical N-Quads (pyoxigraph)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph
from pyld import jsonld as _pyld
from pyld.canon import URDNA2015

from microcred.jsonld.errors import (
    DocumentTooComplexError,
    InvalidTermError,
    JsonLdError,
    UndefinedTermError,
)
from microcred.jsonld.loader import (
    OfflineDocumentLoader,
    find_unknown_context,
    nesting_depth,
    offline_document_loader,
)
from microcred.jsonld.rdfc_unique import canonicalize_quads

__all__ = [
    "MAX_DEPTH",
    "Canonicalizer",
    "canonicalize",
    "canonicalize_nquads",
    "expand",
    "to_nquads",
]

MAX_DEPTH = 64
"""Maximum nesting depth (objects and arrays) of an input document."""

Canonicalizer = Callable[[dict[str, Any]], str]
"""A canonicalization function: JSON-LD document -> canonical N-Quads."""


def _raise_dropped(expanded_property: str | None) -> None:
    if expanded_property is None:
        raise UndefinedTermError("<a term mapped to null>")
    raise UndefinedTermError(str(expanded_property))


def _is_absolute(value: Any) -> bool:
    return isinstance(value, str) and bool(_pyld._is_absolute_iri(value))


def _check_expanded(expanded: Any) -> None:
    """Safe mode: every key, @type and @id of the expanded form must be absolute."""
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        is_value = "@value" in item
        for key, value in item.items():
            if key == "@type":
                types = value if isinstance(value, list) else [value]
                for t in types:
                    if is_value and t == "@json":
                        continue
                    if not _is_absolute(t):
                        raise UndefinedTermError(str(t), "type")
            elif key == "@id":
                if not _is_absolute(value):
                    raise UndefinedTermError(str(value), "@id (relative IRI)")
            elif key.startswith("@"):
                if key != "@value":
                    stack.append(value)
            elif key.startswith("_:"):
                raise UndefinedTermError(key, "property (blank node predicate)")
            else:
                stack.append(value)


class _SafeProcessor(_pyld.JsonLdProcessor):  # type: ignore[misc]
    """A pyld processor that fails on dropped terms and relative IRIs."""

    def __init__(self) -> None:
        super().__init__(on_property_dropped=_raise_dropped)

    def expand(self, input_: Any, options: Any) -> Any:
        expanded = super().expand(input_, options)
        _check_expanded(expanded)
        return expanded


def _prepare(doc: Any, loader: OfflineDocumentLoader | None) -> tuple[Any, dict[str, Any]]:
    if not isinstance(doc, dict):
        raise JsonLdError("a JSON-LD document must be a JSON object")
    if nesting_depth(doc) > MAX_DEPTH:
        raise DocumentTooComplexError(f"document is nested deeper than {MAX_DEPTH} levels")
    active = loader if loader is not None else offline_document_loader
    options: dict[str, Any] = {
        "documentLoader": active,
        "contextResolver": active.context_resolver(),
        "base": None,
        "processingMode": "json-ld-1.1",
    }
    return doc, options


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except JsonLdError:
        raise
    except RecursionError as cause:
        raise DocumentTooComplexError("JSON-LD processing recursed too deeply") from cause
    except _pyld.JsonLdError as cause:
        unknown = find_unknown_context(cause)
        if unknown is not None:
            raise unknown from None
        raise JsonLdError(f"JSON-LD processing failed: {_describe(cause)}") from cause
    except (KeyError, IndexError, AttributeError, TypeError, ValueError) as cause:
        # pyld raises these for some hostile contexts ({"@vocab": null}, a string where a
        # term definition goes): the document is not processable, which is the caller's
        # JsonLdError, never a crash.
        raise JsonLdError(f"JSON-LD processing failed: {type(cause).__name__} {cause}") from cause


def _describe(error: BaseException) -> str:
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None and len(parts) < 4:
        text = current.args[0] if current.args else type(current).__name__
        parts.append(str(text))
        current = current.__cause__
    return " <- ".join(parts)


def expand(doc: dict[str, Any], *, loader: OfflineDocumentLoader | None = None) -> list[Any]:
    """JSON-LD expansion (offline, safe mode)."""
    doc, options = _prepare(doc, loader)
    result: list[Any] = _run(lambda: _SafeProcessor().expand(doc, options))
    return result


def to_nquads(doc: dict[str, Any], *, loader: OfflineDocumentLoader | None = None) -> str:
    """JSON-LD -> N-Quads with pyld (not canonical: blank node labels are arbitrary)."""
    doc, options = _prepare(doc, loader)
    options["format"] = "application/n-quads"
    result: str = _run(lambda: _SafeProcessor().to_rdf(doc, options))
    return result


def _term(term: Any) -> dict[str, str]:
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "IRI", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "blank node", "value": "_:" + term.value}
    if isinstance(term, pyoxigraph.Literal):
        out = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
        if term.language:
            out["language"] = term.language
        return out
    raise JsonLdError(f"unsupported RDF term {term!r}")


class _QuadsOfNode(list):  # type: ignore[type-arg]
    """A blank node's quads, each once: a quad naming the node twice (as subject and graph,
    say) is appended twice in a row by pyld, but counted once by the reference
    (rdf-canonize keeps a set), and the first-degree hashes differ."""

    def append(self, quad: Any) -> None:
        if not self or self[-1] is not quad:
            super().append(quad)


class _BlankNodeInfo(dict):  # type: ignore[type-arg]
    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = {"quads": _QuadsOfNode()}
        return self[key]


class _URDNA2015(URDNA2015):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.blank_node_info = _BlankNodeInfo()


def _reference_labels(dataset: pyoxigraph.Dataset) -> str:
    """Canonical N-Quads labelled by pyld's RDFC-1.0 (URDNA2015) implementation."""
    graphs: dict[str, list[dict[str, Any]]] = {}
    for quad in dataset:
        graph = quad.graph_name
        if isinstance(graph, pyoxigraph.DefaultGraph):
            name = "@default"
        else:
            name = _term(graph)["value"]
        graphs.setdefault(name, []).append(
            {
                "subject": _term(quad.subject),
                "predicate": _term(quad.predicate),
                "object": _term(quad.object),
            }
        )
    labelled: str = _URDNA2015().main(graphs, {"format": "application/n-quads"})
    return labelled


def _named(iri: str) -> pyoxigraph.NamedNode:
    try:
        return pyoxigraph.NamedNode(iri)
    except (ValueError, TypeError):
        raise InvalidTermError("IRI", iri) from None


def _rdf_term(term: dict[str, Any]) -> Any:
    """A pyoxigraph term from pyld's; constructing it validates it (no text is parsed)."""
    kind, value = term["type"], term["value"]
    if kind == "IRI":
        return _named(value)
    if kind == "blank node":
        return pyoxigraph.BlankNode(value[2:])
    language = term.get("language")
    try:
        if language is not None:
            return pyoxigraph.Literal(value, language=language)
        return pyoxigraph.Literal(value, datatype=_named(term["datatype"]))
    except ValueError:
        raise InvalidTermError("language tag", str(language)) from None
    except TypeError as cause:  # text Rust cannot hold (a lone surrogate)
        raise JsonLdError(f"a literal of the document cannot be represented: {cause}") from None


def _dataset(rdf: dict[str, list[dict[str, Any]]]) -> pyoxigraph.Dataset:
    """pyld's toRdf dataset as a pyoxigraph dataset, term by term.

    Never through N-Quads text: pyld writes language tags (and IRIs) into N-Quads
    unescaped, so text made from a document and parsed again could say something the
    JSON does not.
    """
    dataset = pyoxigraph.Dataset()
    for name, triples in rdf.items():
        if name == "@default":
            graph: Any = pyoxigraph.DefaultGraph()
        elif name.startswith("_:"):
            graph = pyoxigraph.BlankNode(name[2:])
        else:
            graph = _named(name)
        for triple in triples:
            dataset.add(
                pyoxigraph.Quad(
                    _rdf_term(triple["subject"]),
                    _rdf_term(triple["predicate"]),
                    _rdf_term(triple["object"]),
                    graph,
                )
            )
    return dataset


def _parse_nquads(nquads: str) -> pyoxigraph.Dataset:
    """Strict N-Quads parsing (every IRI and language tag checked), never lenient."""
    return pyoxigraph.Dataset(pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS))


def canonicalize_nquads(nquads: str) -> str:
    """RDFC-1.0 canonical N-Quads of an N-Quads dataset.

    pyoxigraph computes the canonical labels, except for datasets with named graphs: there
    pyoxigraph 0.5 de-duplicates the *hash to related blank nodes* lists of Hash N-Degree
    Quads (a blank node related through several quads of one blank-node graph), whereas the
    reference implementations (rdf-canonize / jsonld.js, pyld) keep the repetitions; the two
    then disagree whenever N-degree hashing is needed. Named-graph datasets (embedded
    proofs, presentations) are therefore labelled with pyld's implementation, unless
    first-degree hashes suffice (:mod:`microcred.jsonld.rdfc_unique`). In every case
    the output is serialised by pyoxigraph (RDF 1.2 canonical N-Quads escaping, identical
    to rdf-canonize) and sorted in code point order.
    """
    try:
        dataset = _parse_nquads(nquads)
    except (SyntaxError, ValueError) as cause:
        raise JsonLdError(f"the RDF produced from the document is invalid: {cause}") from cause
    return _canonicalize_dataset(dataset)


def _canonicalize_dataset(dataset: pyoxigraph.Dataset) -> str:
    """RDFC-1.0 canonical N-Quads of a dataset (see :func:`canonicalize_nquads`)."""
    try:
        if any(not isinstance(q.graph_name, pyoxigraph.DefaultGraph) for q in dataset):
            # First-degree labelling when it suffices: it is the reference's (rdf-canonize
            # counts a quad once per blank node, pyld twice when the node recurs in it).
            labelled = canonicalize_quads(
                (
                    str(q.subject),
                    str(q.predicate),
                    str(q.object),
                    "" if isinstance(q.graph_name, pyoxigraph.DefaultGraph) else str(q.graph_name),
                )
                for q in dataset
            )
            if labelled is not None:
                return labelled
            # pyld's labelled output, from terms that were all validated: parsed strictly.
            dataset = _parse_nquads(_reference_labels(dataset))
        else:
            dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        # Serialising the whole dataset in Rust is faster than formatting each quad here.
        serialized = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS)
    except (SyntaxError, ValueError) as cause:
        raise JsonLdError(f"the RDF produced from the document is invalid: {cause}") from cause
    assert serialized is not None
    # Split on "\n" only: str.splitlines would also break at U+2028 and other characters
    # that N-Quads leaves unescaped inside literals.
    lines = serialized.decode("utf-8").split("\n")
    return "".join(sorted(f"{line}\n" for line in lines if line))


def to_dataset(
    doc: dict[str, Any], *, loader: OfflineDocumentLoader | None = None
) -> pyoxigraph.Dataset:
    """JSON-LD -> RDF dataset (pyld, offline, safe mode), every term validated.

    Raises :class:`InvalidTermError`, naming where in the JSON the term stands, for an IRI
    or a language tag that is not well formed.
    """
    prepared, options = _prepare(doc, loader)
    rdf: dict[str, list[dict[str, Any]]] = _run(lambda: _SafeProcessor().to_rdf(prepared, options))
    try:
        return _dataset(rdf)
    except InvalidTermError as error:
        raise error.at(json_path_of(doc, error.value)) from None


def json_path_of(doc: Any, needle: str) -> str | None:
    """Where ``needle`` stands in ``doc`` as a key or a string value (language tags case-
    insensitively, as JSON-LD lower-cases them), e.g. ``credentialSubject.name``."""
    wanted = needle.lower()
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                here = f"{path}.{key}" if path else str(key)
                if str(key).lower() == wanted:
                    return path or "(top level)"
                stack.append((value, here))
        elif isinstance(item, list):
            stack.extend((value, f"{path}[{i}]") for i, value in enumerate(item))
        elif isinstance(item, str) and item.lower() == wanted:
            return path or "(top level)"
    return None


def canonicalize(doc: dict[str, Any], *, loader: OfflineDocumentLoader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (offline, safe mode)."""
    return _canonicalize_dataset(to_dataset(doc, loader=loader))
