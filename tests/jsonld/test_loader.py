from __future__ import annotations

import socket
from typing import Any

import pytest

from microcred.jsonld import DocumentTooComplexError, JsonLdError, UnknownContextError
from microcred.jsonld.canonical import canonicalize, expand
from microcred.jsonld.loader import make_loader, offline_document_loader

VC2 = "https://www.w3.org/ns/credentials/v2"


def _no_network(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("network access attempted")


def test_loader_serves_bundled_contexts() -> None:
    remote = offline_document_loader(VC2, {})
    assert remote["documentUrl"] == VC2
    assert remote["document"]["@context"]["@protected"] is True
    # each call hands out a copy: pyld may mutate it
    remote["document"]["@context"]["x"] = 1
    assert "x" not in offline_document_loader(VC2)["document"]["@context"]


def test_unknown_context_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "socket", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    url = "https://attacker.example/context.jsonld"
    doc = {"@context": [VC2, url], "type": ["VerifiableCredential"]}
    with pytest.raises(UnknownContextError) as info:
        canonicalize(doc)
    assert url in str(info.value)
    assert "nothing was fetched" in str(info.value)
    with pytest.raises(UnknownContextError):
        offline_document_loader(url)


def test_unknown_nested_scoped_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "socket", _no_network)
    url = "https://attacker.example/scoped"
    doc = {"@context": {"@vocab": "https://e.example/", "a": {"@context": url}}, "a": {"b": 1}}
    with pytest.raises(UnknownContextError, match="attacker"):
        canonicalize(doc)


def test_examples_v1_fails_closed_on_odrl() -> None:
    doc = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/2018/credentials/examples/v1",
        ]
    }
    with pytest.raises(UnknownContextError, match="odrl"):
        canonicalize(doc)


def test_make_loader_cannot_replace_bundled() -> None:
    with pytest.raises(ValueError):
        make_loader({VC2: {"@context": {}}})


def test_extra_documents_are_isolated_per_loader() -> None:
    url = "https://extra.example/ctx"
    loader = make_loader({url: {"@context": {"@vocab": "https://extra.example/v#"}}})
    doc = {"@context": url, "name": "x"}
    assert "https://extra.example/v#name" in canonicalize(doc, loader=loader)
    # the default loader does not see it, even after pyld cached it for the other loader
    with pytest.raises(UnknownContextError):
        canonicalize(doc)


def test_context_cycle_is_a_clean_error() -> None:
    a, b = "https://cycle.example/a", "https://cycle.example/b"
    loader = make_loader({a: {"@context": [b]}, b: {"@context": [a]}})
    with pytest.raises(JsonLdError):
        canonicalize({"@context": a, "x": 1}, loader=loader)


def test_long_context_chain_is_a_clean_error() -> None:
    urls = [f"https://chain.example/{i}" for i in range(30)]
    docs = {u: {"@context": [urls[i + 1]] if i + 1 < len(urls) else {}} for i, u in enumerate(urls)}
    loader = make_loader(docs)
    with pytest.raises(JsonLdError):
        canonicalize({"@context": urls[0], "x": 1}, loader=loader)


def test_deeply_nested_document() -> None:
    doc: dict[str, Any] = {"@context": {"@vocab": "https://e.example/"}}
    inner = doc
    for _ in range(5000):
        inner["n"] = {}
        inner = inner["n"]
    with pytest.raises(DocumentTooComplexError):
        canonicalize(doc)
    nested_list: Any = []
    for _ in range(5000):
        nested_list = [nested_list]
    with pytest.raises(DocumentTooComplexError):
        expand({"@context": {"@vocab": "https://e.example/"}, "n": nested_list})


def test_deeply_nested_inline_contexts() -> None:
    ctx: dict[str, Any] = {"@vocab": "https://e.example/"}
    doc: dict[str, Any] = {"@context": ctx}
    inner_ctx = ctx
    for i in range(200):
        inner_ctx[f"t{i}"] = {"@id": f"https://e.example/t{i}", "@context": {}}
        inner_ctx = inner_ctx[f"t{i}"]["@context"]
    with pytest.raises(DocumentTooComplexError):
        canonicalize(doc)


def test_deeply_nested_extra_context_rejected() -> None:
    deep: dict[str, Any] = {}
    cur = deep
    for _ in range(100):
        cur["a"] = {}
        cur = cur["a"]
    with pytest.raises(ValueError):
        make_loader({"https://deep.example/": {"@context": deep}})


def test_non_object_input() -> None:
    with pytest.raises(JsonLdError):
        canonicalize("https://example.com/doc.jsonld")  # type: ignore[arg-type]
