"""The format registry: every format is recognised, read and verified through one path.

Each format the system writes round-trips issue -> export -> import -> verify; each format it
only reads (JAdES-sealed ELM, Open Badges 2.0) is recognised, read into the model and
verified into the standard report.
"""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from microcred.formats.importing import extract
from microcred.formats.inputs import parse_input
from microcred.formats.ob2 import sign_ob2
from microcred.formats.registry import (
    EXPORTABLE,
    FORMATS,
    ISSUABLE,
    ExportableFormat,
    FormatName,
    IssuableFormat,
    by_name,
    detect,
    write,
)
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services.issuing import issue_award, sign_credential
from microcred.verify import CHECK_IDS, VerifierContext, verify_credential
from microcred.verify.envelopes import ENVELOPES
from microcred.verify.ob2 import verify_ob2
from tests.formats import test_ob2 as ob2_fixtures
from tests.verify.conftest import NOW, SHARED, make_award

DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
# issuer_certificate is made only for an input signed with an x5c chain (may_be_absent)
EXPECTED_IDS = [i for i in CHECK_IDS if i != "issuer_certificate"]


@pytest.fixture(scope="module")
def key() -> Ed25519KeyPair:
    return Ed25519KeyPair.generate()


def test_every_name_has_exactly_one_format_and_the_adapter_types_match() -> None:
    assert [f.name for f in FORMATS].count(FormatName.OB3) == 1
    assert {f.name for f in FORMATS} == set(FormatName)
    assert len(FORMATS) == len(FormatName)
    assert get_args(IssuableFormat) == ISSUABLE
    assert get_args(ExportableFormat) == EXPORTABLE
    assert set(ISSUABLE) <= set(EXPORTABLE)
    for name in EXPORTABLE:
        assert by_name(name).write is not None, name


def test_every_format_has_a_verification_envelope() -> None:
    assert set(ENVELOPES) == set(FormatName)


def _issue(name: FormatName, key: Ed25519KeyPair) -> dict[str, Any] | str:
    """What issuing (OB3, JWT) or export (ELM: written from the model, then signed) produces."""
    award = make_award()
    if name in ISSUABLE:
        return issue_award(award, key, fmt=name)
    issuer = did_key_for(key)
    document = write(name, award, issuer_id=issuer)
    document["@context"] = [*document["@context"], DATA_INTEGRITY_V2]
    return sign_credential(
        document, key, verification_method=f"{issuer}#{key.public_multibase}", created=NOW
    )


@pytest.mark.parametrize("name", EXPORTABLE, ids=str)
def test_written_formats_round_trip_issue_export_import_verify(
    name: FormatName, key: Ed25519KeyPair
) -> None:
    issued = _issue(name, key)
    raw = (issued if isinstance(issued, str) else json.dumps(issued)).encode()

    parsed = parse_input(raw)
    found = detect(parsed)
    assert found.name == name
    credential = found.credential(parsed)
    assert credential is not None

    reading = found.read(credential)
    assert reading.award is not None and reading.missing == [], reading.missing
    assert reading.award.spec.title == make_award().spec.title

    imported = extract(raw, filename=f"credential.{name}")  # the wallet's importer agrees
    assert imported.document is not None

    report = verify_credential(raw, VerifierContext(now=NOW))
    assert [c.id for c in report.checks] == EXPECTED_IDS
    assert report.valid, report.to_json()


def test_jades_sealed_elm_is_recognised_read_and_verified() -> None:
    raw = (SHARED / "vectors" / "edc" / "elm3-sample-mc-annex1-signed-jades.jsonld").read_bytes()
    parsed = parse_input(raw)
    found = detect(parsed)
    assert found.name == FormatName.JADES and found.write is None
    credential = found.credential(parsed)
    assert credential is not None and found.read(credential).kind == "elm"
    report = verify_credential(raw, VerifierContext(now=NOW))
    assert [c.id for c in report.checks] == EXPECTED_IDS
    assert report.check("proof").status == "pass", report.to_json()


def test_open_badges_2_is_recognised_read_and_verified() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = sign_ob2(ob2_fixtures.signed_assertion(), key)
    parsed = parse_input(token)
    found = detect(parsed)
    assert found.name == FormatName.OB2 and found.write is None
    credential = found.credential(parsed)
    assert credential is not None and found.read(credential).kind == "ob2"
    ctx = VerifierContext(now=ob2_fixtures.NOW, documents=ob2_fixtures.web(key))
    report = verify_ob2(token, ctx)
    assert [c.id for c in report.checks] == list(CHECK_IDS)
    assert report.valid, report.to_json()
    assert report.check("proof").code == "proof.ok"


def test_read_only_formats_cannot_be_written() -> None:
    for name in set(FormatName) - set(EXPORTABLE):
        with pytest.raises(ValueError, match="read, not written"):
            write(name, make_award(), issuer_id="did:example:x")
