"""The verifier's and the model validation's sentences read in Latvian (issue 17, point 6).

The verifier walks the public vectors (the Digital Credentials Consortium's set with its
revoked, tampered, expired and broken status lists, the W3C and 1EdTech signed vectors, the
EU sample, OpenID4VP's examples), credentials whose Bitstring Status Lists are at fault in each
way, COSE and JWT credentials with bad headers, and inputs that cannot be read; the model
validates broken specifications. Every sentence produced is a template with its values: in
Latvian it differs from the English and keeps its data, in English it is as it was written."""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import cbor2
import pytest

from microcred.formats.status_list import MIN_LIST_BITS, message_entry
from microcred.i18n import translations, translator
from microcred.model.validation import SpecificationError, parse_award, parse_specification
from microcred.proofs.cose import parse_cose_sign1, sign_cose, sign_vc_cose
from microcred.proofs.did import did_key_for
from microcred.proofs.jose import sign_vc_jwt
from microcred.proofs.keys import Ed25519KeyPair, P256KeyPair
from microcred.services.validation_texts import MESSAGES, message_in
from microcred.verify import VerifierContext, verify_credential
from microcred.verify.details import translate
from microcred.verify.details_rare import RARE_TEMPLATES
from tests.verify.conftest import NOW
from tests.verify.test_foreign_vectors import DCC, DOCUMENTS
from tests.verify.test_foreign_vectors import NOW as DCC_NOW
from tests.verify.test_jose_cose import _credential as jose_credential
from tests.verify.test_jose_cose import _kid
from tests.verify.test_status_list import URL, _credential, _list

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"
LV, EN = translator("lv"), translator("en")


def _messages(raw: Any, ctx: VerifierContext) -> set[str]:
    return {check.message for check in verify_credential(raw, ctx).checks}


def _public_vectors() -> set[str]:
    ctx = VerifierContext(now=DCC_NOW, documents=DOCUMENTS)
    found: set[str] = set()
    for path in sorted((DCC / "verifiableCredentials").rglob("*.json")):
        found |= _messages(path.read_bytes(), ctx)
    signed = json.loads((VECTORS / "w3c-eddsa-rdfc-2022-v1.1" / "signedDataInt.json").read_text())
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["alumniOf"] = "Someone Else's University"
    for document in (
        signed,
        tampered,
        *(json.loads(p.read_text()) for p in sorted((VECTORS / "ob3").glob("*.json"))),
        json.loads((VECTORS / "openid4vp-1.0" / "credentials" / "ldp_vc.json").read_text()),
    ):
        found |= _messages(document, VerifierContext(now=NOW))
    edc = VECTORS / "edc" / "elm3-sample-mc-annex1-unsigned.jsonld"
    return found | _messages(edc.read_bytes(), VerifierContext(now=NOW))


def _status_list_faults() -> set[str]:
    key, other = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    credential = _credential(key)
    good = _list(key, {})
    wrong_type = copy.deepcopy(good)
    wrong_type["type"] = ["VerifiableCredential"]
    tampered = copy.deepcopy(good)
    tampered["credentialSubject"]["encodedList"] = _list(key, {4242: 1})["credentialSubject"][
        "encodedList"
    ]
    bad_ttl = _list(key, {})
    bad_ttl["credentialSubject"]["ttl"] = "soon"
    cases = [
        {},
        {URL: wrong_type},
        {URL: tampered},
        {URL: bad_ttl},
        {URL: _list(key, {}, purpose="revocation")},
        {URL: _list(key, {}, valid_until=NOW - timedelta(hours=1))},
        {URL: _list(key, {}, valid_from=NOW + timedelta(days=1))},
        {URL: _list(key, {4242: 1})},
        {URL: _list(key, {4242: 3})},
        {URL: _list(other, {}, issuer=did_key_for(key))},
    ]
    found = set().union(
        *(_messages(credential, VerifierContext(now=NOW, documents=c)) for c in cases)
    )
    far = _credential(key, message_entry(URL, MIN_LIST_BITS + 5))
    found |= _messages(far, VerifierContext(now=NOW, documents={URL: _list(key, {})}))
    for change in ({"statusMessage": []}, {"statusSize": 0}, {"statusListIndex": 7}):
        entry = {**message_entry(URL, 4242), **change}
        found |= _messages(_credential(key, entry), VerifierContext(now=NOW))
    return found


def _jose_cose_and_unreadable() -> set[str]:
    key = P256KeyPair.generate()
    credential = jose_credential(did_key_for(key))
    message = sign_vc_cose(credential, key, kid=_kid(key))
    protected = cbor2.loads(parse_cose_sign1(message).protected_bytes)
    parts = list(cbor2.loads(message).value)
    parts[0] = cbor2.dumps({**protected, 1: -999})
    found = set().union(
        *(
            _messages(raw, VerifierContext(now=NOW))
            for raw in (
                message,
                sign_vc_jwt(credential, key, kid=_kid(key)),
                sign_cose(credential, key, kid=_kid(key), typ="application/json", cty="x"),
                cbor2.dumps(cbor2.CBORTag(18, parts)),
                sign_vc_jwt(credential, Ed25519KeyPair.generate(), kid=_kid(key)),
                "",
                "not json {",
                "[]",
                b"\xff\xfe",
                "[" * 100 + "]" * 100,
                {**credential, "@context": [*credential["@context"], "https://evil.example/c"]},
            )
        )
    )
    return found


def _assert_latvian(sentences: set[str], said_in: Any) -> None:
    untranslated = [s for s in sorted(sentences) if said_in(s, LV) == s]
    assert not untranslated, "\n".join(untranslated)
    assert all(said_in(s, EN) == s for s in sentences)


def test_every_sentence_the_verifier_says_over_the_vectors_reads_in_latvian() -> None:
    sentences = _public_vectors() | _status_list_faults() | _jose_cose_and_unreadable()
    assert len(sentences) >= 80, sorted(sentences)
    _assert_latvian(sentences, translate)
    said = {translate(s, LV) for s in sentences}
    assert any(s.startswith("pārbaudīti 2 no 2 parakstiem: paraksts 1 no 2 (") for s in said)
    assert "ievade ir tukša" in said
    assert any(
        re.fullmatch(r"statusa saraksta \S+ derīgums beidzās .+; vajadzīga jauna kopija", s)
        for s in said
    )


BROKEN_SPECS: list[dict[str, Any]] = [
    {},
    {"title": {"en": "T"}, "awarding_body": {"name": {"en": "X"}}, "participation": "by post"},
    {"title": {"en": "T"}, "eqf_level": 11, "assesment": {"type": "oral"}},
    {"title": {"en": "T"}, "learning_outcomes": [], "workload": {}, "quality_assurance": {}},
    {  # every value of the wrong type: pydantic's errors, in the model's words
        "title": 5,
        "learning_outcomes": "x",
        "awarding_body": "Uni",
        "skills": ["x"],
        "eqf_level": "six",
        "workload": {"ects": "a", "hours": True},
    },
    {"title": {"en": "T"}, "issued_on": "yesterday", "languages": "lv", "eqf_level": 2.5},
]


def test_every_problem_of_a_broken_specification_reads_in_latvian() -> None:
    problems: set[str] = set()
    for spec in BROKEN_SPECS:
        with pytest.raises(SpecificationError) as raised:
            parse_specification(spec)
        problems |= {p.message for p in raised.value.problems}
    for award in ({"learner": {"name": 5}, "issued_on": "yesterday"}, []):
        with pytest.raises(SpecificationError) as raised:
            parse_award(award)
        problems |= {p.message for p in raised.value.problems}
    assert len(problems) >= 12, problems
    assert not [p for p in problems if p.startswith("Input should")], problems
    _assert_latvian(problems, message_in)
    said = {message_in(p, LV) for p in problems}
    assert any(
        s.startswith("ir obligāts: pievienojiet nosaukumu (I pielikuma 2. elements)") for s in said
    )


@pytest.mark.parametrize("template", [*RARE_TEMPLATES, *MESSAGES])
def test_each_latvian_template_keeps_its_values(template: str) -> None:
    said = translations("lv").gettext(template)
    assert said != template
    assert sorted(re.findall(r"%\(\w+\)s", said)) == sorted(re.findall(r"%\(\w+\)s", template))
