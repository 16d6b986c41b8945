"""An ELM credential checked against the Europass SHACL shapes it declares (ELM 3.2).

The credential is expanded offline with the bundled contexts (the project's safe-mode
JSON-LD), its quads loaded into rdflib and validated with pyshacl against the bundled
`edc-generic-full` shapes and the `edc-generic-no-cv` shapes they import. A JAdES-sealed
credential is checked from its payload. A `proof` is left out: the shapes' `sec:proof`
must be an `elm:Proof`, which no Data Integrity proof can be (the VC context puts the
proof in a named graph of its own, so the value of `sec:proof` is an untyped graph name);
what the proof secures is what is checked, as for the Commission's sealed credentials.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pyshacl
import rdflib
from rdflib.namespace import SH

from microcred.jsonld.canonical import to_nquads

__all__ = ["SHAPES_VERSION", "ShapeResult", "validate_elm"]

SHAPES_VERSION = "ELM 3.2 (edc-generic-full 1.2.0)"


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL result: the property, the constraint, the node it is about, the message."""

    path: str
    constraint: str
    focus: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {
            "path": self.path,
            "constraint": self.constraint,
            "focus": self.focus,
            "message": self.message,
        }


@cache
def _shapes() -> rdflib.Graph:
    graph = rdflib.Graph()
    folder = resources.files("microcred") / "data" / "shapes" / "elm-3.2"
    for name in ("EDC-generic-full.ttl", "EDC-generic-no-cv.ttl"):
        graph.parse(data=(folder / name).read_text(encoding="utf-8"), format="turtle")
    return graph


def _credential(document: dict[str, Any]) -> dict[str, Any]:
    if isinstance(document.get("payload"), str) and "signatures" in document:
        payload = json.loads(document["payload"])
        document = payload if isinstance(payload, dict) else {}
    return {k: v for k, v in document.items() if k != "proof"}


def validate_elm(document: dict[str, Any]) -> list[ShapeResult]:
    """Every result of the shapes for the credential, sorted; [] when it conforms.

    Raises `microcred.jsonld.errors.JsonLdError` when the document is not JSON-LD the
    bundled contexts can expand (an unknown context, an undefined term).
    """
    dataset = rdflib.Dataset()
    dataset.parse(data=to_nquads(_credential(document)), format="nquads")
    data = rdflib.Graph()
    for s, p, o, _ in dataset.quads():
        data.add((s, p, o))
    _, report, _ = pyshacl.validate(
        data, shacl_graph=_shapes(), inference="none", allow_warnings=True
    )
    assert isinstance(report, rdflib.Graph)
    results = [
        ShapeResult(
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
    ]
    return sorted(results, key=lambda r: (r.path, r.constraint, r.focus, r.message))
