"""Bundled JSON-LD contexts (package data) and helpers to read and export them."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from microcred.jsonld.errors import UnknownContextError

__all__ = [
    "BUNDLED_CONTEXT_URLS",
    "CONTEXT_FILES",
    "MICROCRED_CONTEXT_V1",
    "context_bytes",
    "export_contexts",
    "load_context",
    "manifest",
]

MICROCRED_CONTEXT_V1 = "https://w3id.org/microcred/v1"

_PACKAGE = "microcred.jsonld"
_DIR = "contexts"


def _read_bytes(name: str) -> bytes:
    return resources.files(_PACKAGE).joinpath(_DIR, name).read_bytes()


@cache
def manifest() -> dict[str, Any]:
    """The parsed ``contexts/manifest.json`` (url, file, source, sha256 for each context)."""
    data: dict[str, Any] = json.loads(_read_bytes("manifest.json"))
    return data


def _files() -> dict[str, str]:
    return {entry["url"]: entry["file"] for entry in manifest()["contexts"]}


CONTEXT_FILES: dict[str, str] = _files()
"""Context URL -> file name inside the package's ``contexts`` directory."""

BUNDLED_CONTEXT_URLS: frozenset[str] = frozenset(CONTEXT_FILES)


def context_bytes(url: str) -> bytes:
    """The exact bytes of a bundled context file."""
    try:
        name = CONTEXT_FILES[url]
    except KeyError:
        raise UnknownContextError(url) from None
    return _read_bytes(name)


@cache
def _load(url: str) -> dict[str, Any]:
    doc = json.loads(context_bytes(url))
    if not isinstance(doc, dict) or "@context" not in doc:
        raise UnknownContextError(url)
    return doc


def load_context(url: str) -> dict[str, Any]:
    """Return the parsed bundled context document for ``url``.

    The result is cached and shared: do not mutate it. Raises
    :class:`UnknownContextError` for any URL that is not bundled (nothing is fetched).
    """
    if not isinstance(url, str) or url not in CONTEXT_FILES:
        raise UnknownContextError(str(url))
    return _load(url)


def export_contexts(directory: str | Path) -> Path:
    """Write every bundled context file plus ``index.json`` (URL -> file name) to ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for url, name in sorted(CONTEXT_FILES.items()):
        (out / name).write_bytes(context_bytes(url))
    index = dict(sorted(CONTEXT_FILES.items()))
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return out
