"""Differential tests: the compiled fast path against the general (pyld) path, byte for byte."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred.jsonld import fast_rdf
from microcred.jsonld.canonical import canonicalize
from microcred.jsonld.errors import JsonLdError, UndefinedTermError
from microcred.jsonld.fast_rdf import canonicalize_fast, compiled_context, to_nquads
from microcred.jsonld.loader import OfflineDocumentLoader

from .conftest import VECTORS, examples_loader, load_vector

V2 = "https://www.w3.org/ns/credentials/v2"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
MICROCRED = "https://w3id.org/microcred/v1"
OB_CONTEXT = [V2, OB303]


def outcome(fn: Any, doc: Any, loader: OfflineDocumentLoader | None = None) -> tuple[str, Any]:
    try:
        return "ok", fn(copy.deepcopy(doc), loader=loader)
    except JsonLdError as error:
        return "error", type(error)


def assert_same(doc: Any, loader: OfflineDocumentLoader | None = None) -> tuple[str, Any]:
    general = outcome(canonicalize, doc, loader)
    fast = outcome(canonicalize_fast, doc, loader)
    assert fast == general
    return general


# ---------------------------------------------------------------------------------------
# vectors
# ---------------------------------------------------------------------------------------

OB3_VECTORS = sorted(p.name for p in (VECTORS / "ob3").glob("*.json"))
EDC_VECTORS = sorted(p.name for p in (VECTORS / "edc").glob("*.json*"))


@pytest.mark.parametrize("name", OB3_VECTORS)
def test_ob3_vectors_identical_and_compiled(name: str) -> None:
    doc = load_vector(f"ob3/{name}")
    assert to_nquads(copy.deepcopy(doc)) is not None  # the fast path really runs
    assert assert_same(doc)[0] == "ok"
    if "proof" in doc:  # what signing/verifying canonicalize: document and proof options
        proof = doc.pop("proof")
        proof.pop("proofValue", None)
        proof["@context"] = doc["@context"]
        assert to_nquads(copy.deepcopy(doc)) is not None
        assert assert_same(doc)[0] == "ok"
        assert assert_same(proof)[0] == "ok"


def test_ob3_signed_vector_document_hash() -> None:
    import hashlib

    doc = load_vector("ob3/1edtech-ob3-signed-eddsa-rdfc-2022-testvector.json")
    doc.pop("proof")
    digest = hashlib.sha256(canonicalize_fast(doc).encode()).hexdigest()
    assert digest.startswith("87f65a76") and digest.endswith("0773")


@pytest.mark.parametrize("name", EDC_VECTORS)
def test_edc_vectors_identical_or_fallback(name: str) -> None:
    doc = load_vector(f"edc/{name}")
    assert isinstance(doc, dict)
    assert_same(doc)


def test_w3c_signed_data_int() -> None:
    loader = examples_loader()
    doc = load_vector("w3c-eddsa-rdfc-2022/signedDataInt.json")
    assert to_nquads(copy.deepcopy(doc), loader=loader) is not None
    assert assert_same(doc, loader)[0] == "ok"
    doc.pop("proof")
    assert assert_same(doc, loader)[0] == "ok"
    # examples v2 is bundled (issue 14, point 7): the default loader gives the same bytes
    assert assert_same(doc)[0] == "ok"
    assert canonicalize_fast(doc) == canonicalize_fast(doc, loader=loader)
    # a context that is not bundled: fast path declines, both paths fail alike
    unknown = {**doc, "@context": [doc["@context"][0], "https://contexts.test/not-bundled/v2"]}
    assert to_nquads(copy.deepcopy(unknown)) is None
    assert assert_same(unknown)[0] == "error"
    expected = (VECTORS / "w3c-eddsa-rdfc-2022" / "proofCanonDataInt.txt").read_text()
    options = json.loads((VECTORS / "w3c-eddsa-rdfc-2022" / "proofConfigDataInt.json").read_text())
    assert canonicalize_fast(options, loader=loader) == expected


# ---------------------------------------------------------------------------------------
# targeted cases
# ---------------------------------------------------------------------------------------


def _basic() -> dict[str, Any]:
    return load_vector("ob3/1edtech-ob3-basic-openbadgecredential.json")


def test_undefined_term_raises_in_both_paths() -> None:
    for where in ("top", "subject", "achievement", "criteria"):
        doc = _basic()
        target = {
            "top": doc,
            "subject": doc["credentialSubject"],
            "achievement": doc["credentialSubject"]["achievement"],
            "criteria": doc["credentialSubject"]["achievement"]["criteria"],
        }[where]
        target["notDefinedAnywhere"] = "x"
        with pytest.raises(UndefinedTermError):
            to_nquads(copy.deepcopy(doc))
        with pytest.raises(UndefinedTermError):
            canonicalize(copy.deepcopy(doc))
        with pytest.raises(UndefinedTermError):
            canonicalize_fast(copy.deepcopy(doc))


def test_type_scoped_terms_do_not_leak() -> None:
    doc = _basic()
    # 'narrative' is global in OB 3.0.3, 'achievementType' only inside Achievement
    doc["credentialSubject"]["achievement"]["criteria"]["achievementType"] = "Badge"
    assert_same(doc)
    with pytest.raises(UndefinedTermError):
        to_nquads(doc)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.__setitem__("@context", [*OB_CONTEXT, {"ex": "https://ex.org/#"}]),
        lambda d: d["credentialSubject"].__setitem__("@reverse", {}),
        lambda d: d.__setitem__("@included", []),
        lambda d: d.__setitem__("@context", [V2, "https://unknown.example/ctx.json"]),
        lambda d: d.__setitem__("id", "relative/path"),
        lambda d: d.__setitem__("type", ["VerifiableCredential", "NotAType"]),
        lambda d: d.__setitem__("name", {"@value": "x", "@direction": "rtl"}),
        lambda d: d.__setitem__("name", {"@value": "x", "@type": "@json"}),
        lambda d: d.__setitem__("name", {"@list": ["a", "b"]}),
        lambda d: d.__setitem__("name", {"@value": {"a": 1}}),
        lambda d: d.__setitem__("name", {"@value": "x", "@language": "en", "@type": "xsd:s"}),
    ],
)
def test_unsupported_features_fall_back(mutate: Any) -> None:
    doc = _basic()
    mutate(doc)
    assert to_nquads(copy.deepcopy(doc)) is None
    assert_same(doc)


def test_native_types_and_literals() -> None:
    doc = _basic()
    subject = doc["credentialSubject"]
    subject["type"] = ["AchievementSubject"]
    subject["creditsEarned"] = 42.0
    subject["identifier"] = [
        {"type": "IdentityObject", "hashed": True, "identityHash": 'a"b\\c\nd\te\rf'},
        {"type": "IdentityObject", "hashed": False, "salt": 12, "identityType": 1.1},
    ]
    subject["result"] = [{"type": ["Result"], "value": -0.5, "status": 10**20}]
    doc["name"] = [{"@value": "Teamwork", "@language": "EN-GB"}, "plain", "żółw 🐢"]
    doc["description"] = {"@value": "2024", "@type": "xsd:gYear"}
    assert to_nquads(copy.deepcopy(doc)) is not None
    assert assert_same(doc)[0] == "ok"


def test_list_language_map_json_and_graph() -> None:
    doc = _basic()
    doc["@context"] = [*OB_CONTEXT, MICROCRED]
    achievement = doc["credentialSubject"]["achievement"]
    achievement["resultDescription"] = [
        {
            "id": "urn:uuid:7f3e0a52-7d3c-4e8e-9d5c-000000000001",
            "type": ["ResultDescription"],
            "name": "Grade",
            "resultType": "LetterGrade",
            "allowedValue": ["A", "B", "C"],
        },
        {"type": ["ResultDescription"], "name": "Empty", "allowedValue": []},
    ]
    achievement["assessmentDescription"] = {"en": ["Exam", "Oral"], "LV": "Eksāmens"}
    achievement["standalone"] = True
    achievement["ectsCredits"] = "2.5"
    doc["credentialSchema"] = {"id": "https://ex.org/schema.json", "type": "JsonSchema"}
    doc["credentialSchema"]["jsonSchema"] = {"b": [1, 2.5, True, None], "a": "é"}
    doc["proof"] = [
        {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "verificationMethod": "did:key:z6Mk#z6Mk",
            "created": "2024-01-01T00:00:00Z",
        },
        {"type": "DataIntegrityProof", "proofPurpose": "authentication"},
    ]
    assert to_nquads(copy.deepcopy(doc)) is not None
    assert assert_same(doc)[0] == "ok"


def test_compiled_context_table() -> None:
    table = compiled_context(OB_CONTEXT)
    assert table is not None
    assert "issuer" not in table  # scoped to VerifiableCredential, not global
    assert table["name"] == "https://schema.org/name"
    assert table["OpenBadgeCredential"] == (
        "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
    )
    assert table["AchievementCredential"] == table["OpenBadgeCredential"]
    assert compiled_context([V2, "https://unknown.example/ctx.json"]) is None


# ---------------------------------------------------------------------------------------
# generated credential-shaped documents
# ---------------------------------------------------------------------------------------

_chars = st.characters(codec="utf-8", exclude_categories=("Cs",))
text = st.text(_chars, max_size=12)
word = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=8)
iri = st.one_of(
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    word.map(lambda w: f"https://example.edu/{w}"),
    word.map(lambda w: f"did:example:{w}"),
    st.sampled_from(["https://example.edu/issuers/1", "https://example.edu/x#frag"]),
)
node_id = st.one_of(iri, st.sampled_from(["_:b0", "_:shared", "_:b1"]))
number = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([42.0, 0.0, -0.0, 1e21, 1.5e300, 1e-7, 10**20, 3]),
)
date = st.one_of(
    st.datetimes().map(lambda d: d.replace(microsecond=0).isoformat() + "Z"),
    st.dates().map(str),
    text,
)
lang = st.sampled_from(["en", "EN-us", "lv", "pt-BR", "de"])
lang_value = st.builds(lambda v, lg: {"@value": v, "@language": lg}, text, lang)
typed_value = st.builds(lambda v: {"@value": v, "@type": "https://ex.org/dt"}, text)
string_like = st.one_of(
    text, text, lang_value, typed_value, st.lists(st.one_of(text, lang_value), max_size=2)
)
scalar = st.one_of(text, number, st.booleans())
undefined = st.fixed_dictionaries({}, optional={"undefinedTermX": text})


def node(type_name: str | list[str], **fields: Any) -> st.SearchStrategy[dict[str, Any]]:
    names = type_name if isinstance(type_name, list) else [type_name]
    type_values = st.one_of(st.sampled_from(names), st.just(names))
    return st.fixed_dictionaries({"type": type_values}, optional={"id": node_id, **fields})


geo = node("GeoCoordinates", latitude=number, longitude=number)
address = node("Address", addressCountry=string_like, postalCode=text, geo=geo, streetAddress=text)
image = st.one_of(iri, node("Image", caption=string_like))
identifier_entry = node("IdentifierEntry", identifier=text, identifierType=text)
profile = node(
    "Profile",
    name=string_like,
    url=iri,
    email=text,
    phone=text,
    address=address,
    image=image,
    otherIdentifier=st.lists(identifier_entry, max_size=2),
    dateOfBirth=date,
    official=text,
    description=string_like,
)
criteria = st.fixed_dictionaries({}, optional={"id": iri, "narrative": string_like})
alignment = node(
    "Alignment",
    targetName=text,
    targetUrl=iri,
    targetCode=text,
    targetFramework=text,
    targetType=text,
)
rubric = node("RubricCriterionLevel", name=text, level=text, points=text)
result_description = node(
    "ResultDescription",
    name=text,
    resultType=text,
    allowedValue=st.lists(text, max_size=3),
    requiredValue=text,
    valueMax=text,
    valueMin=scalar,
    rubricCriterionLevel=st.lists(rubric, max_size=2),
)
learning_outcome = st.fixed_dictionaries(
    {},
    optional={
        "outcomeText": st.dictionaries(lang, st.one_of(text, st.lists(text, max_size=2))),
        "escoSkill": iri,
    },
)
achievement = node(
    "Achievement",
    name=string_like,
    description=string_like,
    criteria=criteria,
    alignment=st.lists(alignment, max_size=2),
    achievementType=text,
    creator=profile,
    creditsAvailable=number,
    tag=st.lists(text, max_size=2),
    inLanguage=text,
    resultDescription=st.lists(result_description, max_size=2),
    image=image,
    version=text,
    fieldOfStudy=text,
    humanCode=text,
    # microcred v1 (only defined when that context is present; otherwise undefined)
    ectsCredits=st.one_of(number, text),
    assessmentDescription=st.dictionaries(lang, st.one_of(text, st.lists(text, max_size=2))),
    standalone=st.booleans(),
    stackableTowards=st.lists(iri, max_size=2),
    learningOutcome=st.one_of(learning_outcome, st.lists(learning_outcome, max_size=2)),
)
result = node("Result", value=scalar, status=text, achievedLevel=iri, resultDescription=iri)
identity = node(
    "IdentityObject", identityHash=text, identityType=text, hashed=st.booleans(), salt=text
)
subject = node(
    "AchievementSubject",
    achievement=achievement,
    result=st.lists(result, max_size=2),
    identifier=st.lists(identity, max_size=2),
    creditsEarned=number,
    activityStartDate=date,
    activityEndDate=date,
    licenseNumber=text,
    role=text,
    term=text,
    source=profile,
    image=image,
)
evidence = node(
    ["Evidence"], name=string_like, narrative=text, description=text, genre=text, audience=text
)
status = node(
    "BitstringStatusListEntry",
    statusPurpose=text,
    statusListIndex=text,
    statusListCredential=iri,
    statusSize=number,
)
proof = st.fixed_dictionaries(
    {"type": st.just("DataIntegrityProof")},
    optional={
        "created": date,
        "cryptosuite": st.sampled_from(["eddsa-rdfc-2022", "ecdsa-rdfc-2019"]),
        "proofPurpose": st.sampled_from(["assertionMethod", "authentication"]),
        "verificationMethod": iri,
        "proofValue": text,
        "id": iri,
    },
)
contexts = st.sampled_from(
    [
        OB_CONTEXT,
        [*OB_CONTEXT, MICROCRED],
        [*OB_CONTEXT, OB_EXT],
        [V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"],
    ]
)
endorsement = st.fixed_dictionaries(
    {
        "@context": contexts,
        "type": st.just(["VerifiableCredential", "EndorsementCredential"]),
        "issuer": st.one_of(iri, profile),
        "credentialSubject": node("EndorsementSubject", endorsementComment=text),
    },
    optional={"id": iri, "validFrom": date, "proof": proof},
)
credential = st.fixed_dictionaries(
    {
        "@context": contexts,
        "type": st.sampled_from(
            [
                ["VerifiableCredential", "OpenBadgeCredential"],
                ["VerifiableCredential", "AchievementCredential"],
                ["OpenBadgeCredential", "VerifiableCredential"],
            ]
        ),
        "credentialSubject": st.one_of(subject, st.lists(subject, min_size=1, max_size=2)),
    },
    optional={
        "id": node_id,
        "issuer": st.one_of(iri, profile),
        "validFrom": date,
        "validUntil": date,
        "name": string_like,
        "description": string_like,
        "image": image,
        "evidence": st.lists(evidence, max_size=2),
        "credentialStatus": status,
        "endorsement": st.lists(endorsement, max_size=2),
        "proof": st.one_of(proof, st.lists(proof, max_size=2)),
        "awardedDate": date,
    },
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(doc=credential, extra=undefined)
def test_generated_credentials_identical(doc: dict[str, Any], extra: dict[str, Any]) -> None:
    doc.update(extra)
    kind, _ = assert_same(doc)
    if extra:
        assert kind == "error"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=credential)
def test_generated_credentials_compile(doc: dict[str, Any]) -> None:
    """Every valid generated credential takes the fast path (no silent fallback)."""
    general = outcome(canonicalize, doc)
    try:
        nquads = to_nquads(copy.deepcopy(doc))
    except UndefinedTermError:
        assert general == ("error", UndefinedTermError)
        return
    if general[0] == "ok":
        assert nquads is not None
    assert outcome(canonicalize_fast, doc) == general


def _mutate(value: Any, rng: Any) -> Any:
    """Syntactic variations pyld must treat identically: keyword forms, nulls, nesting."""
    if isinstance(value, list):
        out = [_mutate(v, rng) for v in value]
        if rng.random() < 0.1:
            out.append(None)
        if rng.random() < 0.05:
            out = [out]
        return out
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        item = _mutate(item, rng) if key != "@context" else item
        roll = rng.random()
        if key in ("id", "type") and roll < 0.2:
            key = "@" + key
        elif key == "type" and roll < 0.3:
            out["@type"] = "VerifiableCredential"
        elif key not in ("@context", "type", "id") and roll < 0.05:
            item = None
        elif key not in ("@context", "type", "id") and roll < 0.1:
            item = [item]
        out[key] = item
    if "id" in out and rng.random() < 0.1:
        out["id"] = "https://example.edu/shared"  # merged nodes
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=credential, seed=st.integers(0, 2**32))
def test_generated_variations_identical(doc: dict[str, Any], seed: int) -> None:
    import random

    assert_same(_mutate(doc, random.Random(seed)))


# ---------------------------------------------------------------------------------------
# memoised subtrees: replays must give the dataset a fresh walk gives
# ---------------------------------------------------------------------------------------


def test_repeated_subtrees_replay_exactly() -> None:
    """Identified subtrees (achievement, issuer, endorsements with their own proofs) come
    back from the memo in later documents, nested in each other, twice in one document,
    under another context: every result stays byte-identical to the general path."""
    base = load_vector("ob3/1edtech-ob3-complete-openbadgecredential.json")
    subject = base["credentialSubject"]
    achievement = subject["achievement"]
    issuer = base["issuer"]
    variants: list[dict[str, Any]] = []
    for context in (base["@context"], [*base["@context"], MICROCRED]):
        for learner in ("https://example.edu/a", "https://example.edu/b"):
            doc = copy.deepcopy(base)
            doc["@context"] = context
            doc["credentialSubject"] = {**copy.deepcopy(subject), "id": learner}
            variants.append(doc)
            twice = copy.deepcopy(doc)  # the same achievement in two subjects
            twice["credentialSubject"] = [
                {**copy.deepcopy(subject), "id": learner},
                {"type": ["AchievementSubject"], "achievement": copy.deepcopy(achievement)},
            ]
            variants.append(twice)
            nested = copy.deepcopy(doc)  # the issuer also inside the achievement
            nested["credentialSubject"]["achievement"] = {
                **copy.deepcopy(achievement),
                "creator": copy.deepcopy(issuer),
            }
            variants.append(nested)
    replays = 0
    for doc in variants * 2:  # the second round replays everything
        assert assert_same(doc)[0] == "ok"
        walker = fast_rdf._walk(copy.deepcopy(doc), None)
        assert walker is not None
        replays += sum(1 for q in walker.quads if q[0].startswith("_:m") or q[2].startswith("_:m"))
    assert replays > 0  # memoised subtrees (with blank nodes of their own) were used


def test_undefined_term_inside_a_memoised_subtree_still_fails() -> None:
    base = load_vector("ob3/1edtech-ob3-complete-openbadgecredential.json")
    broken = copy.deepcopy(base)
    broken["credentialSubject"]["achievement"]["undefinedTermInside"] = "x"
    earlier = copy.deepcopy(broken)
    earlier["undefinedTermOutside"] = "y"  # the document fails before the subtree is walked
    for doc in (earlier, broken, broken):
        assert assert_same(doc) == ("error", UndefinedTermError)


def test_threads_sharing_one_compiler_and_memo_stay_identical() -> None:
    """Walks in parallel threads (FastAPI's threadpool) share one loader's compiled contexts
    and subtree memo: every result stays byte-identical to the general path."""
    from concurrent.futures import ThreadPoolExecutor

    base = load_vector("ob3/1edtech-ob3-complete-openbadgecredential.json")
    docs = []
    for i in range(24):
        doc = copy.deepcopy(base)
        doc["id"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        doc["credentialSubject"] = {**copy.deepcopy(base["credentialSubject"]), "id": f"did:x:{i}"}
        docs.append(doc)
    loader = OfflineDocumentLoader()  # a compiler and memo of its own, shared by the threads
    expected = [canonicalize(copy.deepcopy(d), loader=loader) for d in docs]

    def run(offset: int) -> list[bool]:
        order = docs[offset:] + docs[:offset]
        wanted = expected[offset:] + expected[:offset]
        return [
            canonicalize_fast(copy.deepcopy(d), loader=loader) == w
            for _ in range(3)
            for d, w in zip(order, wanted, strict=True)
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [ok for batch in pool.map(run, range(0, 24, 3)) for ok in batch]
    assert results and all(results)
