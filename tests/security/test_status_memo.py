"""Issue 12, finding 8: a status list whose proof verified is remembered only for verifiers
that would reach the same outcome.

The memo of verified status lists used to be one dictionary for the whole process, keyed by
the list's digest alone: once a permissive verifier had checked a list, a strict verifier
whose cryptosuite allow-list rejects the list's suite (or whose documents no longer hold the
list's key) reported ``status`` as passed. The memo is now an object the verifier context owns,
keyed by everything the outcome depends on.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

from microcred.formats.status_list import new_bitstring, status_entry, status_list_credential
from microcred.proofs.keys import Ed25519KeyPair, P256KeyPair
from microcred.services.issuing import issue_award, sign_credential
from microcred.verify import TrustedIssuer, TrustList, VerifierContext, verify_credential
from tests.verify.conftest import NOW, make_award

ISSUER = "did:web:status-memo.example"
LIST_URL = "https://status-memo.example/status/1"


def _controller(keys: dict[str, Ed25519KeyPair | P256KeyPair]) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": ISSUER,
        "verificationMethod": [
            {
                "id": f"{ISSUER}#{name}",
                "type": "Multikey",
                "controller": ISSUER,
                "publicKeyMultibase": key.public_multibase,
            }
            for name, key in keys.items()
        ],
        "assertionMethod": [f"{ISSUER}#{name}" for name in keys],
    }


def _world(list_key: Ed25519KeyPair | P256KeyPair, list_key_name: str):
    """A credential signed with Ed25519 (``#credentials``) whose revocation list is signed
    with ``list_key`` (``#<list_key_name>``), and the documents that verify both."""
    credential_key = Ed25519KeyPair.generate()
    credential = issue_award(
        make_award(),
        credential_key,
        issuer_id=ISSUER,
        verification_method=f"{ISSUER}#credentials",
        credential_status=[status_entry(LIST_URL, 7, "revocation")],
    )
    unsigned = status_list_credential(
        LIST_URL,
        issuer=ISSUER,
        purpose="revocation",
        bitstring=new_bitstring(),
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    status_list = sign_credential(
        unsigned, list_key, verification_method=f"{ISSUER}#{list_key_name}"
    )
    documents = {
        ISSUER: _controller({"credentials": credential_key, list_key_name: list_key}),
        LIST_URL: status_list,
    }
    return credential, documents, credential_key


def test_a_strict_verifier_fails_a_status_list_a_permissive_one_accepted():
    credential, documents, _ = _world(P256KeyPair.generate(), "lists")
    assert documents[LIST_URL]["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    permissive = VerifierContext(now=NOW, documents=documents)
    report = verify_credential(credential, permissive)
    assert report.check("status").status == "pass", report.to_json()
    assert report.status == "valid"

    # Same process, same list bytes: this verifier accepts only eddsa-rdfc-2022.
    strict = VerifierContext(now=NOW, documents=documents, allowed_suites={"eddsa-rdfc-2022"})
    report = verify_credential(credential, strict)
    assert report.check("proof").status == "pass"  # the credential itself is eddsa-rdfc-2022
    status = report.check("status")
    assert status.status == "warn", report.to_json()
    assert status.code == "status.list_proof"
    assert "ecdsa-rdfc-2019" in status.message and "not allowed" in status.message
    assert report.status == "unchecked" and not report.valid


def test_a_shared_memo_still_tells_allow_lists_apart():
    """A service may hand one memo to every context it builds: the allow-list is in the key."""
    credential, documents, _ = _world(P256KeyPair.generate(), "lists")
    permissive = VerifierContext(now=NOW, documents=documents)
    assert verify_credential(credential, permissive).check("status").status == "pass"
    strict = dataclasses.replace(permissive, allowed_suites=("eddsa-rdfc-2022",))
    assert strict.status_lists is permissive.status_lists
    assert verify_credential(credential, strict).check("status").status == "warn"
    # and the permissive verifier's outcome is still its own
    assert verify_credential(credential, permissive).check("status").status == "pass"


def test_a_key_removed_from_the_issuer_document_is_not_vouched_for_by_the_memo():
    list_key = Ed25519KeyPair.generate()
    credential, documents, credential_key = _world(list_key, "lists")
    before = VerifierContext(now=NOW, documents=documents)
    assert verify_credential(credential, before).check("status").status == "pass"
    # The issuer rotated the list key out of its DID document (same list bytes, same suites).
    rotated = {**documents, ISSUER: _controller({"credentials": credential_key})}
    after = dataclasses.replace(before, documents=rotated)  # even with the same memo object
    report = verify_credential(credential, after)
    assert report.check("proof").status == "pass"
    assert report.check("status").status == "warn", report.to_json()
    assert report.check("status").code == "status.list_proof"
    # A fresh verifier with its own memo, and one that shares it, agree.
    again = VerifierContext(now=NOW, documents=rotated)
    assert verify_credential(credential, again).check("status").status == "warn"


def test_contexts_with_different_trust_do_not_share_outcomes():
    from microcred.verify.status import StatusListMemo

    credential, documents, _ = _world(Ed25519KeyPair.generate(), "lists")
    memo = StatusListMemo()
    one = VerifierContext(
        now=NOW,
        documents=documents,
        trust=TrustList.of([TrustedIssuer(ISSUER, "Status Memo College", "LV")]),
        status_lists=memo,
    )
    other = dataclasses.replace(one, trust=TrustList.empty())
    assert verify_credential(credential, one).check("status").status == "pass"
    assert len(memo) == 1
    assert verify_credential(credential, other).check("status").status == "pass"
    assert len(memo) == 2  # remembered separately, not answered from the first outcome
    assert verify_credential(credential, one).check("status").status == "pass"
    assert len(memo) == 2  # and each is reused by its own kind of verifier
    # Contexts that were given no memo never share one.
    a, b = VerifierContext(now=NOW), VerifierContext(now=NOW)
    assert a.status_lists is not b.status_lists


def test_no_module_level_memo_of_outcomes():
    import microcred.verify.status as status_module

    source = Path(status_module.__file__).read_text(encoding="utf-8")
    assert "_VERIFIED_LISTS" not in source
    mutable = [
        name
        for name, value in vars(status_module).items()
        if isinstance(value, dict | list | set) and not name.startswith("__")
    ]
    assert mutable == []


def test_the_instance_verifier_fails_the_status_of_a_list_its_suites_reject(tmp_path):
    """The instance's own factory, a real database and status list: strict after permissive."""
    from microcred.model.files import load_data
    from microcred.services import credentials, organisations, specifications, verifying
    from microcred.services.credentials import IssueRequest
    from microcred.services.instance import Instance
    from microcred.settings import Settings

    root = Path(__file__).resolve().parents[2]
    instance = Instance(
        Settings(
            home=tmp_path,
            database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
            base_url="https://memo.example",
            secret_key="status-memo",
        )
    )
    try:
        org = organisations.create(instance, name="Memo College", country="LV")
        spec = specifications.publish(
            instance,
            org.slug,
            load_data(root / "examples" / "specs" / "university-data-analysis.yaml"),
        )
        issued = credentials.issue(
            instance,
            org.slug,
            spec.id,
            IssueRequest("Memo Learner", "learner@example.lv", "2026-06-30"),
        )
        document = json.loads(issued.document)
        permissive = verifying.verifier_context(instance, now=datetime.now(UTC))
        report = verify_credential(document, permissive)
        assert report.status == "valid", report.to_json()
        assert report.check("status").status == "pass"
        strict = dataclasses.replace(
            verifying.verifier_context(instance, now=datetime.now(UTC)),
            allowed_suites=("ecdsa-rdfc-2019",),
        )
        report = verify_credential(document, strict)
        assert report.check("status").status == "warn", report.to_json()
        assert report.check("status").code == "status.list_proof"
    finally:
        instance.close()
