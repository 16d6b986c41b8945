"""Recognising a credential's format and reading it into the model, whatever its origin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from microcred.formats.elm_read import read_elm
from microcred.formats.ob3_read import read_ob3

Kind = Literal["ob3", "elm", "vc", "ob2", "sd-jwt"]

OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
ELM_TYPES = {"EuropeanDigitalCredential"}


@dataclass
class ModelReading:
    """What a credential says in model terms, whichever format it came in."""

    kind: Kind
    data: dict[str, Any]
    award: Any
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def types_of(node: Any) -> set[str]:
    value = node.get("type") if isinstance(node, dict) else None
    if isinstance(value, str):
        return {value}
    return {t for t in value if isinstance(t, str)} if isinstance(value, list) else set()


def is_sealed(document: Any) -> bool:
    """A JAdES JWS JSON serialisation (how Europass EDC seals credentials)."""
    return (
        isinstance(document, dict)
        and isinstance(document.get("payload"), str)
        and ("signatures" in document or "signature" in document)
    )


def kind_of(credential: dict[str, Any]) -> Kind:
    types = types_of(credential)
    if "Assertion" in types and "VerifiableCredential" not in types:
        return "ob2"
    if types & ELM_TYPES:
        return "elm"
    if types & OB_TYPES:
        return "ob3"
    return "vc"


def read_model(credential: dict[str, Any]) -> ModelReading:
    kind = kind_of(credential)
    if kind == "elm":
        elm = read_elm(credential)
        return ModelReading("elm", elm.data, elm.award, list(elm.missing), list(elm.problems))
    if kind == "ob2":
        from microcred.formats.ob2 import read_ob2

        ob2 = read_ob2(credential)
        return ModelReading("ob2", ob2.data, ob2.award, list(ob2.missing), list(ob2.problems))
    ob3 = read_ob3(credential)
    return ModelReading(kind, ob3.data, ob3.award, list(ob3.missing), list(ob3.problems))
