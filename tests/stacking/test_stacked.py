"""The stacked credential without a database: built, signed with a did:key, verified with a
check per component against a list, a wallet bundle or a presentation."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from microcred.model.files import load_data
from microcred.model.spec import AwardingBody
from microcred.model.validation import parse_award
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services.issuing import issue_award, sign_credential
from microcred.stacking import (
    build_stacked_credential,
    component_from_credential,
    components_in,
    digest_multibase,
    parse_pathway,
    verify_stacked,
)
from microcred.verify import TrustedIssuer, TrustList, VerifierContext, verify_credential

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _setup():
    issuer, authority = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    trust = TrustList.of(
        [TrustedIssuer(did_key_for(issuer), "Uni"), TrustedIssuer(did_key_for(authority), "A")]
    )
    ctx = VerifierContext(now=NOW, trust=trust)
    spec = load_data(ROOT / "examples" / "specs" / "university-data-analysis.yaml")
    documents = [
        issue_award(
            parse_award(
                {
                    "spec": spec,
                    "learner": {"name": "Anna", "identifier": "anna@example.lv"},
                    "issued_on": "2026-05-04",
                }
            ),
            issuer,
            fmt=fmt,  # type: ignore[arg-type]
        )
        for fmt in ("ob3", "jwt")
    ]
    components = [
        component_from_credential(d, verify_credential(d, ctx).to_json()) for d in documents
    ]
    pathway = parse_pathway(load_data(ROOT / "examples" / "pathways" / "data-analysis.yaml"))
    unsigned = build_stacked_credential(
        pathway,
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000001",
        authority=AwardingBody(name={"en": "Authority"}, country="LV"),
        issuer_id=did_key_for(authority),
        issuer_profile=None,
        holder_name="Anna",
        holder_id="did:example:anna",
        components=components,
        ects_recognised=Decimal(10),
        decided_at=NOW,
        outcome="recognised",
        reasons=["ok"],
    )
    vm = f"{did_key_for(authority)}#{authority.public_multibase}"
    return sign_credential(unsigned, authority, verification_method=vm), documents, ctx


def test_stacked_credential_names_components_and_verifies():
    stacked, documents, ctx = _setup()
    assert [e["digestMultibase"] for e in stacked["evidence"][1:]] == [
        digest_multibase(d) for d in documents
    ]
    assert stacked["evidence"][0]["id"] == "https://recognition.example.lv/pathways/data-analysis"
    report = verify_stacked(stacked, documents, ctx)
    assert report.valid, report.to_json()
    assert [c.status for c in report.components] == ["pass", "pass"]
    assert report.credential.check("eu_standard").status == "pass"
    assert report.to_json()["checks"][-1]["id"] == "components"
    # re-indented JSON is the same credential: the digest is over canonical JSON
    reindented = json.loads(json.dumps(documents[0], indent=3))
    assert verify_stacked(stacked, [reindented, documents[1]], ctx).valid


def test_tampered_missing_and_not_stacked():
    stacked, documents, ctx = _setup()
    altered = copy.deepcopy(documents[0])
    altered["name"] = "Something else"
    bad = verify_stacked(stacked, [altered, documents[1]], ctx)
    assert not bad.valid and bad.components[0].digest_matches is False
    assert "altered" in bad.components[0].message
    missing = verify_stacked(stacked, [documents[0]], ctx)
    assert not missing.valid and missing.components[1].present is False
    plain = verify_stacked(documents[0], documents, ctx)
    assert not plain.valid and plain.checks[-1].code == "stacked.no_components"
    assert not verify_stacked(b"not json", [], ctx).valid


def test_components_in_reads_bundles_and_presentations():
    _, documents, _ = _setup()
    jwt = documents[1]
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [
            documents[0],
            {"id": f"data:application/vc+jwt,{jwt}", "type": "EnvelopedVerifiableCredential"},
        ],
    }
    assert components_in(vp) == documents
    bundle = {
        "format": "microcred-wallet-bundle/1",
        "credentials": [{"original": json.dumps(documents[0])}, {"original": jwt}],
    }
    assert components_in(bundle) == documents
    assert components_in(json.dumps(documents)) == documents
    assert components_in(42) == []
