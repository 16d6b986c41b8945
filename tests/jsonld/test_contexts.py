from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import pytest

from microcred.jsonld import (
    BUNDLED_CONTEXT_URLS,
    JsonLdError,
    UnknownContextError,
    export_contexts,
    load_context,
)

CONTEXT_DIR = Path(str(resources.files("microcred.jsonld").joinpath("contexts")))
MANIFEST = json.loads((CONTEXT_DIR / "manifest.json").read_bytes())
NOT_CONTEXTS = {"manifest.json", "README.md"}


@pytest.mark.parametrize("entry", MANIFEST["contexts"], ids=lambda e: e["file"])
def test_sha256_and_shape(entry: dict[str, str]) -> None:
    data = (CONTEXT_DIR / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    doc = json.loads(data)
    assert isinstance(doc, dict) and "@context" in doc
    assert entry["source"]


def test_manifest_covers_exactly_the_files() -> None:
    files = {p.name for p in CONTEXT_DIR.iterdir() if p.is_file()} - NOT_CONTEXTS
    listed = [e["file"] for e in MANIFEST["contexts"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == files
    urls = [e["url"] for e in MANIFEST["contexts"]]
    assert len(urls) == len(set(urls))
    assert set(urls) == BUNDLED_CONTEXT_URLS


def test_required_urls_bundled() -> None:
    required = {
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        "https://www.w3.org/ns/credentials/status/v1",
        "https://www.w3.org/2018/credentials/examples/v1",
        "https://www.w3.org/ns/did/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "http://data.europa.eu/snb/model/context/edc-ap",
        "https://w3id.org/microcred/v1",
    }
    assert required <= BUNDLED_CONTEXT_URLS
    # the test-only examples v2 context must not ship in the package
    assert "https://www.w3.org/ns/credentials/examples/v2" not in BUNDLED_CONTEXT_URLS


def test_load_context_cached() -> None:
    a = load_context("https://www.w3.org/ns/credentials/v2")
    assert a is load_context("https://www.w3.org/ns/credentials/v2")
    assert a["@context"]["@protected"] is True


def test_unknown_context() -> None:
    url = "https://evil.example/ctx.jsonld"
    with pytest.raises(UnknownContextError) as info:
        load_context(url)
    assert isinstance(info.value, JsonLdError)
    assert url in str(info.value)
    assert "nothing was fetched" in str(info.value)


def test_microcred_context_terms() -> None:
    ctx = load_context("https://w3id.org/microcred/v1")["@context"]
    assert ctx["@protected"] is True
    for term, definition in ctx.items():
        if term.startswith("@"):
            continue
        assert definition["@id"] == f"https://w3id.org/microcred/vocab#{term}"


def test_export_contexts(tmp_path: Path) -> None:
    out = export_contexts(tmp_path / "ctx")
    index = json.loads((out / "index.json").read_text())
    assert set(index) == BUNDLED_CONTEXT_URLS
    for url, name in index.items():
        entry = next(e for e in MANIFEST["contexts"] if e["url"] == url)
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"]


def test_ob303_is_the_shared_1edtech_copy() -> None:
    shared = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "contexts"
    src = shared / "ob-context-3.0.3.json"
    if not src.exists():
        pytest.fail("shared/ vectors not present: the repository must sit beside shared/")
    bundled = CONTEXT_DIR / "ob-v3p0-context-3.0.3.json"
    assert bundled.read_bytes() == src.read_bytes()
    elm = shared / "elm-edc-ap-context.jsonld"
    assert (CONTEXT_DIR / "elm-edc-ap-context.jsonld").read_bytes() == elm.read_bytes()
