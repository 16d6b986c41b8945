"""Findings 1 and 2: statements hidden from the JSON while the proof stays valid.

The attack: delete a statement (the credential's status, its ``validUntil``) from the JSON
and write its quads back inside a language-map key. Language tags reached the N-Quads text
unescaped and that text was parsed again leniently, so the canonical bytes, and the
proof, stayed the same while the verifier read a credential without the statement.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred.jsonld import JsonLdError
from microcred.jsonld.canonical import canonicalize, canonicalize_nquads
from microcred.jsonld.errors import InvalidTermError
from microcred.jsonld.fast_rdf import canonicalize_fast
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services import credentials, local_documents
from microcred.services.credentials import IssueRequest
from microcred.services.issuing import issue_award
from microcred.verify import VerifierContext, verify_credential
from tests.verify.conftest import make_award

LANGUAGE_MAP = "credentialSubject.achievement.nameLanguageMap"


def _uchar(line: str) -> str:
    """Upper-case letters as N-Quads \\uXXXX escapes, so that lower-casing the tag keeps them."""
    return "".join(f"\\u{ord(c):04X}" if c.isupper() else c for c in line)


def smuggle(document: dict[str, Any], remove: str) -> dict[str, Any]:
    """The attack: ``remove`` is deleted and its quads ride in a language-map key."""
    body = {k: v for k, v in document.items() if k != "proof"}
    canonical = canonicalize(body).splitlines()
    without = {k: v for k, v in body.items() if k != remove}
    kept = set(canonicalize(without).splitlines())
    hidden = [line for line in canonical if line not in kept]
    assert hidden, "the statement must have quads of its own"
    forged = copy.deepcopy(document)
    del forged[remove]
    names = forged["credentialSubject"]["achievement"]["nameLanguageMap"]
    tag = sorted(names)[0]
    names[tag + " .\n" + "\n".join(_uchar(line) for line in hidden) + "\n#"] = names.pop(tag)
    return forged


def _verifier(instance, now: datetime | None = None) -> VerifierContext:
    return VerifierContext(
        now=now or datetime.now(UTC),
        fetch=local_documents.fetcher(instance),
        trust=local_documents.trust_list(instance),
    )


def _assert_rejected_naming_the_path(report) -> None:
    assert report.status == "invalid", report.to_json()
    assert not report.valid
    schema = report.check("schema")
    assert schema.status == "fail"
    assert LANGUAGE_MAP in schema.message
    assert "BCP 47" in schema.message


def test_revoked_credential_with_its_status_smuggled_into_a_language_map(instance, org, spec):
    issued = credentials.issue(
        instance, org.slug, spec.id, IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30")
    )
    document = issued.credential()
    credentials.revoke(instance, issued.id, reason="issued in error")
    assert verify_credential(document, _verifier(instance)).status == "revoked"

    forged = smuggle(document, "credentialStatus")
    assert "credentialStatus" not in forged
    _assert_rejected_naming_the_path(verify_credential(forged, _verifier(instance)))


def test_suspended_credential_with_its_status_smuggled(instance, org, spec):
    issued = credentials.issue(
        instance, org.slug, spec.id, IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30")
    )
    document = issued.credential()
    credentials.set_suspended(instance, issued.id, True, reason="under review")
    forged = smuggle(document, "credentialStatus")
    _assert_rejected_naming_the_path(verify_credential(forged, _verifier(instance)))


def test_expired_credential_with_valid_until_smuggled():
    key = Ed25519KeyPair.generate()
    award = make_award(valid_until="2026-07-31T00:00:00Z")
    document = issue_award(award, key)
    assert isinstance(document, dict) and "validUntil" in document
    later = datetime(2027, 1, 1, tzinfo=UTC)
    assert verify_credential(document, VerifierContext(now=later)).status == "expired"

    forged = smuggle(document, "validUntil")
    report = verify_credential(forged, VerifierContext(now=later))
    _assert_rejected_naming_the_path(report)


# -- the canonicalization paths ------------------------------------------------------------

VC2 = "https://www.w3.org/ns/credentials/v2"
EX = "https://example.org/vocab#"

HOSTILE = [
    "lv .\n<https://a.example/s> <https://a.example/p> <https://a.example/o> .\n#",
    'x" .\n<https://a.example/s> <https://a.example/p> "o" .\n#',
    "a b",
    "@lv",
    "lv^^<https://a.example/t>",
    "\\u0041",
    "en-",
    "-en",
    "abcdefghi",
    "en_US",
    "lv\t",
    "\u2028",
    "x\x00y",
    "<https://a.example/o>",
]

HOSTILE_IRIS = [
    'https://a.example/s><https://a.example/p>"o".#',
    "https://a.example/a b",
    "https://a.example/\n",
    'https://a.example/"',
    "https://a.example/{x}",
    "https://a.example/%zz",
    "https://a.example/^^",
    "https://a.example/\\u0041",
]


def _doc(body: dict[str, Any]) -> dict[str, Any]:
    context = {
        "@vocab": EX,
        "labels": {"@id": EX + "labels", "@container": "@language"},
        "link": {"@id": EX + "link", "@type": "@id"},
    }
    return {"@context": [VC2, context], "id": "https://a.example/doc", **body}


def hostile_documents() -> list[tuple[str, dict[str, Any]]]:
    docs: list[tuple[str, dict[str, Any]]] = []
    for i, text in enumerate(HOSTILE):
        docs += [
            (f"language-map key {i}", _doc({"labels": {text: "x"}})),
            (f"@language {i}", _doc({"name": {"@value": "x", "@language": text}})),
            (f"literal {i}", _doc({"name": text})),
            (f"key {i}", _doc({text: "x"})),
            (f"value in a map {i}", _doc({"labels": {"lv": text}})),
            (f"default language {i}", _doc({"@context": {"@language": text}, "name": "x"})),
        ]
    for i, iri in enumerate(HOSTILE_IRIS):
        docs += [
            (f"id {i}", _doc({"id": iri})),
            (f"link {i}", _doc({"link": iri})),
            (f"type {i}", _doc({"type": iri})),
            (f"datatype {i}", _doc({"name": {"@value": "x", "@type": iri}})),
            (f"predicate {i}", _doc({"@context": {"p": {"@id": iri}}, "p": "x"})),
        ]
    return docs


def _outcome(fn, doc: dict[str, Any]) -> tuple[str, str]:
    try:
        return "ok", fn(doc)
    except JsonLdError as error:
        return "rejected", type(error).__name__


@pytest.mark.parametrize(("case", "doc"), hostile_documents(), ids=lambda v: str(v)[:40])
def test_both_paths_agree_on_hostile_terms(case: str, doc: dict[str, Any]) -> None:
    fast, general = _outcome(canonicalize_fast, doc), _outcome(canonicalize, doc)
    assert fast == general, case
    if fast[0] == "ok":
        # whatever went in, each canonical line is one quad with its own terms
        for line in fast[1].split("\n")[:-1]:
            assert line.endswith(" .")


@pytest.mark.parametrize("text", [*HOSTILE[:2], "a b", "abcdefghi", "en_US"])
def test_ill_formed_language_tags_are_rejected_naming_the_path(text: str) -> None:
    for doc in (_doc({"labels": {text: "x"}}), _doc({"name": {"@value": "x", "@language": text}})):
        for fn in (canonicalize_fast, canonicalize):
            with pytest.raises(InvalidTermError, match="BCP 47") as caught:
                fn(doc)
            assert caught.value.path in {"labels", "name.@language"}


@pytest.mark.parametrize("iri", HOSTILE_IRIS[:2] + HOSTILE_IRIS[5:6])
def test_ill_formed_iris_are_rejected(iri: str) -> None:
    for fn in (canonicalize_fast, canonicalize):
        with pytest.raises(JsonLdError):
            fn(_doc({"link": iri}))


def test_well_formed_tags_of_every_shape_still_canonicalize() -> None:
    for tag in ("lv", "en-GB", "zh-Hant-TW", "sr-Latn-RS", "de-419", "x-private", "i-klingon"):
        doc = _doc({"labels": {tag: "x"}, "name": {"@value": "y", "@language": tag}})
        assert canonicalize_fast(doc) == canonicalize(doc)
        assert f'"x"@{tag.lower()} .' in canonicalize(doc)


def test_n_quads_text_is_parsed_strictly() -> None:
    with pytest.raises(JsonLdError):
        canonicalize_nquads('<https://a.example/s> <https://a.example/p> "x"@a_b .\n')
    with pytest.raises(JsonLdError):
        canonicalize_nquads(
            "<https://a.example/a b> <https://a.example/p> <https://a.example/o> .\n"
        )


# -- property: what a verifier reads cannot change while the canonical form stays -----------


def _reading(doc: dict[str, Any]) -> str:
    """What a verifier reads of a credential (ids, types, status, validity, subject, issuer)."""
    keys = (
        "id",
        "type",
        "credentialStatus",
        "validFrom",
        "validUntil",
        "credentialSubject",
        "issuer",
    )
    return json.dumps({k: doc.get(k) for k in keys}, sort_keys=True)


def _base() -> dict[str, Any]:
    award = make_award(valid_until="2027-07-31T00:00:00Z")
    document = issue_award(award, Ed25519KeyPair.generate())
    assert isinstance(document, dict)
    document = {k: v for k, v in document.items() if k != "proof"}
    document["credentialStatus"] = {
        "id": "https://issuer.example/status/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://issuer.example/status/1",
    }
    return document


BASE = _base()
BASE_CANONICAL = canonicalize(BASE)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "@context":
                found += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*path, i))
    return found


PATHS = [p for p in _paths(BASE) if p]


def _mutate(doc: dict[str, Any], path: tuple[Any, ...], action: str, text: str) -> None:
    parent: Any = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    elif action == "replace":
        parent[last] = text
    elif action == "rename" and isinstance(parent, dict):
        parent[text] = parent.pop(last)


MUTATION_TEXT = st.one_of(
    st.sampled_from(HOSTILE + HOSTILE_IRIS + ["revocation", "2030-01-01T00:00:00Z", "urn:uuid:x"]),
    st.text(max_size=12),
)


READ_KEYS = [k for k in ("id", "credentialStatus", "validFrom", "validUntil") if k in BASE]
MUTATIONS = st.one_of(
    st.tuples(
        st.sampled_from(PATHS), st.sampled_from(["delete", "replace", "rename"]), MUTATION_TEXT
    ),
    # the attack itself: a statement deleted and its quads hidden in a language-map key
    st.tuples(st.sampled_from(READ_KEYS).map(lambda k: (k,)), st.just("smuggle"), st.just("")),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=MUTATIONS)
def test_a_changed_reading_changes_the_canonical_form_or_is_rejected(mutation):
    path, action, text = mutation
    if action == "smuggle":
        mutated = smuggle(BASE, path[0])
    else:
        mutated = copy.deepcopy(BASE)
        try:
            _mutate(mutated, path, action, text)
        except (KeyError, IndexError, TypeError):
            return
    if _reading(mutated) == _reading(BASE):
        return
    for fn in (canonicalize_fast, canonicalize):
        try:
            canonical = fn(mutated)
        except JsonLdError:
            continue
        assert canonical != BASE_CANONICAL, (path, action, text)


@pytest.mark.parametrize(
    "context",
    [{"@vocab": None}, {"@direction": None, "@vocab": 5}, "x", {"name": {"@id": None}}],
    ids=str,
)
def test_hostile_contexts_are_json_ld_errors_in_both_paths(context: Any) -> None:
    """pyld's own KeyError / ValueError for such contexts is the caller's JsonLdError."""
    doc = {"@context": [VC2, context], "id": "urn:uuid:1", "name": "a"}
    for fn in (canonicalize_fast, canonicalize):
        with pytest.raises(JsonLdError):
            fn(doc)
