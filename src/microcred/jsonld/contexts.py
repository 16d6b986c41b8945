"""Bundled JSON-LD contexts (package data) and helpers to read and export them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from microcred.errors import InvalidInput
from microcred.jsonld.errors import JsonLdError, UnknownContextError

__all__ = [
    "BUNDLED_CONTEXT_URLS",
    "CONTEXT_FILES",
    "MICROCRED_CONTEXT_V1",
    "ContextFileError",
    "context_bytes",
    "export_contexts",
    "is_known_context",
    "known_context_urls",
    "load_context",
    "manifest",
    "parse_context_assignments",
    "read_context_file",
    "register_context",
    "register_context_files",
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
    """Return the parsed context document for ``url``: bundled, or registered by the operator.

    The result is cached and shared: do not mutate it. Raises
    :class:`UnknownContextError` for any other URL (nothing is fetched).
    """
    if not isinstance(url, str):
        raise UnknownContextError(str(url))
    if url in CONTEXT_FILES:
        return _load(url)
    found = _OPERATOR.get(url)
    if found is None:
        raise UnknownContextError(url)
    return found


# Contexts the operator supplied as files (``microcred verify --context URL=FILE``, the
# MICROCRED_EXTRA_CONTEXTS setting). They are configuration of the process, like the
# bundled files: a URL is registered once and never replaced, so whatever a loader or a
# compiled context cached from it stays true.
_OPERATOR: dict[str, dict[str, Any]] = {}
_OPERATOR_LOCK = threading.Lock()
MAX_CONTEXT_FILE_BYTES = 1_000_000
"""A context file larger than this is refused (the bundled ones are under 40 kB)."""


class ContextFileError(InvalidInput, JsonLdError):
    """A context supplied by the operator cannot be used (``field`` is ``context``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="context")


def known_context_urls() -> frozenset[str]:
    """Every context URL that can be processed: the bundled ones and the operator's."""
    with _OPERATOR_LOCK:
        return BUNDLED_CONTEXT_URLS | frozenset(_OPERATOR)


def is_known_context(url: object) -> bool:
    return isinstance(url, str) and (url in CONTEXT_FILES or url in _OPERATOR)


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _check_context_document(url: str, doc: Any, where: str) -> dict[str, Any]:
    """``doc`` as a context document, or :class:`ContextFileError` saying what is wrong."""
    if not isinstance(doc, dict) or "@context" not in doc:
        raise ContextFileError(
            f"{where} is not a JSON-LD context for {url}: it must be a JSON object with an "
            '"@context" member'
        )
    value = doc["@context"]
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, dict | str) for item in items):
        raise ContextFileError(
            f'{where} is not a JSON-LD context for {url}: its "@context" must be an object, a '
            "URL, or a list of them"
        )
    if _depth(doc) > 32:
        raise ContextFileError(f"{where}: the context for {url} is nested too deeply")
    for item in items:
        if isinstance(item, str) and item != url and not is_known_context(item):
            raise ContextFileError(
                f"{where}: the context for {url} refers to the context {item}, which is "
                "neither bundled nor supplied (nothing is fetched): supply it as a file too"
            )
    return doc


def read_context_file(url: str, path: str | Path) -> dict[str, Any]:
    """The context document for ``url`` in the file at ``path``, checked to be one."""
    if not isinstance(url, str) or not url.startswith(("https://", "http://", "urn:")):
        raise ContextFileError(
            f"{url!r} is not a context URL: give the URL the credentials name, "
            "e.g. https://example.org/context/v1"
        )
    file = Path(path)
    try:
        if file.stat().st_size > MAX_CONTEXT_FILE_BYTES:
            raise ContextFileError(f"{file}: a context file must be under 1 MB")
        data = file.read_bytes()
    except OSError as exc:
        raise ContextFileError(
            f"cannot read the context file {file} for {url}: {exc.strerror or exc}"
        ) from None
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContextFileError(
            f"{file} is not a JSON-LD context for {url}: it is not JSON ({exc})"
        ) from None
    checked = _check_context_document(url, doc, str(file))
    _try_processing(url, checked, str(file))
    return checked


def _try_processing(url: str, doc: dict[str, Any], where: str) -> None:
    """Process the context once with the JSON-LD processor: a file that only looks like a
    context (a term defined as a number, a bad @container) is refused here, by name, instead
    of failing every credential that uses it."""
    # imported here: the loader and the processor are built on this module
    from microcred.jsonld.canonical import expand

    # inline, so that the probe never depends on (or clashes with) what is registered
    probe = {"@context": doc["@context"], "@id": "urn:microcred:context-probe"}
    try:
        expand(probe)
    except JsonLdError as exc:
        raise ContextFileError(
            f"{where} is not a usable JSON-LD context for {url}: {exc}"
        ) from None


def register_context(url: str, document: dict[str, Any], *, where: str = "the context") -> None:
    """Make ``document`` the context served for ``url`` in this process (never fetched).

    A bundled URL cannot be given another document, nor can a URL already registered: the
    same document again is accepted (registration is idempotent)."""
    doc = json.loads(json.dumps(_check_context_document(url, document, where)))
    with _OPERATOR_LOCK:
        current = _load(url) if url in CONTEXT_FILES else _OPERATOR.get(url)
        if current is not None:
            if current != doc:
                kind = "a bundled context" if url in CONTEXT_FILES else "already registered"
                raise ContextFileError(
                    f"{where}: {url} is {kind} with other content; it cannot be replaced"
                )
            return
        _OPERATOR[url] = doc


def parse_context_assignments(values: Iterable[str]) -> list[tuple[str, Path]]:
    """``URL=FILE`` items (from an option or a setting) as (URL, path) pairs."""
    pairs: list[tuple[str, Path]] = []
    for value in values:
        url, sep, file = value.strip().partition("=")
        if not sep or not url or not file:
            raise ContextFileError(
                f"{value[:80]!r} is not URL=FILE: name the context URL and the file that holds "
                "it, e.g. https://example.org/context/v1=./context.jsonld"
            )
        pairs.append((url, Path(file).expanduser()))
    return pairs


@cache
def _file_registered(url: str, path: Path, mtime_ns: int) -> None:
    register_context(url, read_context_file(url, path), where=str(path))


def register_context_files(pairs: Iterable[tuple[str, Path]]) -> None:
    """Read and register each (URL, file); a file is read again only when it changed."""
    for url, path in pairs:
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            mtime = -1  # read_context_file says why it cannot be read
        _file_registered(url, path, mtime)


def export_contexts(directory: str | Path) -> Path:
    """Write every bundled context file plus ``index.json`` (URL -> file name) to ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for url, name in sorted(CONTEXT_FILES.items()):
        (out / name).write_bytes(context_bytes(url))
    index = dict(sorted(CONTEXT_FILES.items()))
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return out
