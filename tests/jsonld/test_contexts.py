from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import pyld
import pytest

from microcred.jsonld import (
    BUNDLED_CONTEXT_URLS,
    JsonLdError,
    UnknownContextError,
    export_contexts,
    load_context,
)
from microcred.jsonld.canonical import canonicalize
from microcred.jsonld.contexts import (
    ContextFileError,
    is_known_context,
    known_context_urls,
    parse_context_assignments,
    read_context_file,
    register_context_files,
)
from microcred.jsonld.fast_rdf import canonicalize_fast

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
        # what real credentials use (issue 14, point 7)
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "https://w3id.org/security/suites/jws-2020/v1",
        "https://www.w3.org/ns/credentials/examples/v2",
        # older Digital Credentials Consortium credentials
        "https://w3id.org/dcc/v1",
    }
    assert required <= BUNDLED_CONTEXT_URLS


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


PYLD_BUNDLED = Path(pyld.__file__).parent / "documentloader" / "frozen" / "bundled"


@pytest.mark.parametrize(
    ("bundled", "published"),
    [
        ("ed25519-signature-2020-v1.jsonld", "security-ed25519-2020-v1.jsonld"),
        ("jws-2020-v1.jsonld", "security-jws-2020-v1.jsonld"),
    ],
)
def test_suite_contexts_are_the_published_bytes(bundled: str, published: str) -> None:
    # the installed PyPI pyld ships the published w3id.org documents; ours are the same bytes
    assert (CONTEXT_DIR / bundled).read_bytes() == (PYLD_BUNDLED / published).read_bytes()


def test_examples_v2_is_the_fixture_copy() -> None:
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "contexts"
    copy = fixture / "credentials-examples-v2.jsonld"
    assert (CONTEXT_DIR / "credentials-examples-v2.jsonld").read_bytes() == copy.read_bytes()


def test_ed25519_2020_context_defines_the_suite_terms() -> None:
    doc = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://w3id.org/security/suites/ed25519-2020/v1",
        ],
        "id": "urn:uuid:1",
        "type": "VerifiableCredential",
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2"},
    }
    proof_options = {
        "@context": doc["@context"],
        "type": "Ed25519Signature2020",
        "created": "2025-01-01T00:00:00Z",
        "verificationMethod": "did:example:1#key",
        "proofPurpose": "assertionMethod",
    }
    quads = canonicalize(proof_options)
    assert "<https://w3id.org/security#Ed25519Signature2020>" in quads
    assert canonicalize_fast(proof_options) == quads
    assert canonicalize_fast(doc) == canonicalize(doc)


# Operator contexts (issue 14, point 7): each test registers its own URL, since a
# registration lasts for the process.

GOOD = {
    "@context": {
        "Widget": "https://example.org/vocab#Widget",
        "colour": "https://example.org/vocab#colour",
    }
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_operator_context_registered_and_used(tmp_path: Path) -> None:
    url = "https://contexts.test/widget/v1"
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2", url],
        "id": "urn:w",
        "type": "Widget",
        "colour": "red",
    }
    assert not is_known_context(url)
    with pytest.raises(UnknownContextError):
        canonicalize_fast(doc)
    path = _write(tmp_path, "widget.jsonld", json.dumps(GOOD))
    register_context_files(parse_context_assignments([f"{url}={path}"]))
    assert is_known_context(url) and url in known_context_urls()
    assert url not in BUNDLED_CONTEXT_URLS  # the manifest stays the bundled set
    quads = canonicalize_fast(doc)
    assert '<urn:w> <https://example.org/vocab#colour> "red" .' in quads
    assert quads == canonicalize(doc)
    # the same file again is fine; another document under the URL is refused
    register_context_files(parse_context_assignments([f"{url}={path}"]))
    other = _write(
        tmp_path, "other.jsonld", json.dumps({"@context": {"colour": "https://evil.example/c"}})
    )
    with pytest.raises(ContextFileError, match="cannot be replaced"):
        register_context_files([(url, other)])
    assert canonicalize_fast(doc) == quads


def test_operator_context_cannot_replace_a_bundled_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "v2.jsonld", json.dumps(GOOD))
    with pytest.raises(ContextFileError, match="bundled context"):
        register_context_files([("https://www.w3.org/ns/credentials/v2", path)])
    # a byte-different but equal copy of a bundled context is accepted (nothing changes)
    same = _write(
        tmp_path, "same.jsonld", json.dumps(load_context("https://www.w3.org/ns/credentials/v2"))
    )
    register_context_files([("https://www.w3.org/ns/credentials/v2", same)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not json", "it is not JSON"),
        ("[1, 2]", 'a JSON object with an "@context" member'),
        ('{"name": "x"}', 'a JSON object with an "@context" member'),
        ('{"@context": 5}', '"@context" must be an object'),
        ('{"@context": {"a": 5}}', "not a usable JSON-LD context"),
        (
            '{"@context": {"a": {"@id": "https://e.org/a", "@container": "@bogus"}}}',
            "not a usable JSON-LD context",
        ),
        ('{"@context": ["https://unknown.test/ctx", {}]}', "neither bundled nor supplied"),
    ],
)
def test_a_file_that_is_not_a_context_is_a_clear_error(
    tmp_path: Path, text: str, expected: str
) -> None:
    url = f"https://contexts.test/bad/{abs(hash(text))}"
    path = _write(tmp_path, "bad.jsonld", text)
    with pytest.raises(ContextFileError, match=expected) as info:
        read_context_file(url, path)
    assert info.value.field == "context"
    assert str(path) in str(info.value)
    assert not is_known_context(url)


def test_context_file_missing_and_bad_assignment(tmp_path: Path) -> None:
    with pytest.raises(ContextFileError, match="cannot read the context file"):
        read_context_file("https://contexts.test/missing", tmp_path / "nope.jsonld")
    with pytest.raises(ContextFileError, match="is not a context URL"):
        read_context_file("widget", tmp_path / "nope.jsonld")
    for bad in ("https://contexts.test/x", "=file.jsonld", "https://contexts.test/x="):
        with pytest.raises(ContextFileError, match="is not URL=FILE"):
            parse_context_assignments([bad])
