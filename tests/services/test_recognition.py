"""Recognition end to end, on SQLite and PostgreSQL: four credentials from two organisations,
a wallet, the example pathway, an authority's decision, the stacked credential verified with a
check per component, and a revoked component that makes the pathway unsatisfied again."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from microcred.cli.demo_recognition import run_demo_step
from microcred.model.files import load_data
from microcred.services import (
    credentials,
    holders,
    organisations,
    privacy,
    recognition,
    sharing,
    specifications,
    verifying,
    wallet,
)
from microcred.services.credentials import IssueRequest
from microcred.services.recognition import RecognitionError
from microcred.stacking import PathwayError, verify_stacked
from tests.services.conftest import EXAMPLES, ROOT

PATHWAYS = ROOT / "examples" / "pathways"
SOURCES = [
    ("uni", EXAMPLES / "university-data-analysis.yaml"),
    ("uni", PATHWAYS / "components" / "lu-applied-statistics.yaml"),
    ("centre", PATHWAYS / "components" / "tc-sql-for-analysts.yaml"),
    ("centre", PATHWAYS / "components" / "tc-data-visualisation.yaml"),
]


@pytest.fixture()
def world(instance):
    organisations.create(instance, name="Latvijas Universitāte", country="LV", slug="uni")
    organisations.create(instance, name="Rīgas Datu mācību centrs", country="LV", slug="centre")
    organisations.create(instance, name="Atzīšanas padome", country="LV", slug="authority")
    holder = holders.create(instance, name="Anna Bērziņa", handle="anna", email="anna@example.lv")
    issued = []
    for slug, path in SOURCES:
        spec = specifications.publish(instance, slug, load_data(path))
        view = credentials.issue(
            instance, slug, spec.id, IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-05-04")
        )
        item, _ = wallet.import_bytes(
            instance, "anna", json.dumps(view.credential()).encode(), source="test"
        )
        assert item.status == "valid"
        issued.append((view.id, item.id))
    pathway = recognition.publish_pathway(
        instance, "authority", load_data(PATHWAYS / "data-analysis.yaml")
    )
    return holder, issued, pathway


def test_pathways_are_versioned_and_validated(instance, world):
    _, _, pathway = world
    data = load_data(PATHWAYS / "data-analysis.yaml")
    again = recognition.publish_pathway(instance, "authority", data)
    assert (again.id, again.version, again.created) == (pathway.id, 1, False)
    data["rules"][2]["total"]["ects"] = 20
    newer = recognition.publish_pathway(instance, "authority", data)
    assert newer.version == 2 and newer.created
    assert recognition.get_pathway(instance, pathway.pathway_key)[0].version == 2
    assert recognition.get_pathway(instance, f"{pathway.pathway_key}@1")[0].id == pathway.id
    assert [v.version for v in recognition.list_pathways(instance, "authority")] == [1, 2]
    with pytest.raises(PathwayError) as caught:
        recognition.publish_pathway(instance, "authority", {**data, "rules": []})
    assert caught.value.problems[0].path == "rules"


def test_end_to_end_recognition_and_revocation(instance, world):
    holder, issued, pathway = world
    _, evaluation, _ = recognition.evaluate_holder(instance, pathway.id, "anna")
    assert evaluation.satisfied and evaluation.progress == 100.0
    assert len(evaluation.used) == 4 and all(r.met for r in evaluation.rules)
    assert evaluation.rule("volume").summary == "15 of 15 ECTS"

    application = recognition.apply(instance, pathway.id, "anna")
    assert sorted(application.component_ids) == sorted(i for _, i in issued)
    assert application.status == "submitted" and application.evaluation["satisfied"]

    with pytest.raises(RecognitionError, match="addressed to authority"):
        recognition.decide(instance, application.id, "uni", "recognised", ["no"])
    with pytest.raises(RecognitionError, match="reasons"):
        recognition.decide(instance, application.id, "authority", "recognised", [" "])
    decision = recognition.decide(
        instance, application.id, "authority", "recognised", ["All rules are met."]
    )
    assert decision.outcome == "recognised" and decision.ects_recognised == "15"
    with pytest.raises(RecognitionError, match="already been decided"):
        recognition.decide(instance, application.id, "authority", "refused", ["again"])
    stacked = decision.credential()
    assert stacked is not None and decision.credential_id == stacked["id"]
    assert stacked["issuer"]["id"] == organisations.get(instance, "authority").did
    assert stacked["credentialSubject"]["id"] == holder.did
    assert stacked["credentialSubject"]["creditsEarned"] == 15
    assert stacked["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"
    assert stacked["awardedDate"] == decision.decided_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    named = [e for e in stacked["evidence"] if "digestMultibase" in e]
    assert sorted(e["id"] for e in named) == sorted(cid for cid, _ in issued)
    assert all(
        e["digestMultibase"].startswith("uEi") and len(e["digestMultibase"]) == 47 for e in named
    )
    # the stacked credential is an issued credential of the authority: revocable, listed
    assert credentials.get(instance, decision.credential_id, org_ref="authority").format == "ob3"

    vp = sharing.present(
        instance, "anna", application.component_ids, challenge="c", domain="https://a.example"
    )
    report = recognition.verify_stacked_document(instance, stacked, vp)
    assert report.valid, report.to_json()
    assert report.credential.check("eu_standard").status == "pass"
    assert len(report.components) == 4 and {c.status for c in report.components} == {"pass"}
    assert {c.id for c in report.components} == {cid for cid, _ in issued}
    bundle = wallet.export_bundle(instance, "anna")
    assert recognition.verify_stacked_document(instance, stacked, bundle).valid

    # a tampered component, a missing one, a tampered stacked credential
    documents = [json.loads(json.dumps(d)) for d in vp["verifiableCredential"]]
    altered = copy.deepcopy(documents)
    altered[0]["credentialSubject"]["achievement"]["creditsAvailable"] = 30
    bad = recognition.verify_stacked_document(instance, stacked, altered)
    assert not bad.valid
    assert bad.component(documents[0]["id"]).digest_matches is False
    missing = recognition.verify_stacked_document(instance, stacked, documents[1:])
    assert not missing.valid and missing.component(documents[0]["id"]).present is False
    forged = copy.deepcopy(stacked)
    forged["credentialSubject"]["creditsEarned"] = 60
    assert not recognition.verify_stacked_document(instance, forged, vp).valid

    # one component is revoked after the decision
    revoked_cid, revoked_item = issued[1]
    credentials.revoke(instance, revoked_cid, reason="assessment irregularity")
    _, again, _ = recognition.evaluate_holder(instance, pathway.id, "anna")
    assert not again.satisfied and again.progress < 100
    core = again.rule("core")
    assert not core.met
    assert any("Applied statistics" in m and "revoked" in m for m in core.missing), core.missing
    assert revoked_item not in again.used
    later = recognition.verify_stacked_document(instance, stacked, vp)
    check = later.component(revoked_cid)
    assert check.status == "warn" and "after the decision" in check.message
    assert later.valid  # revoked after the decision: reported, the recognition stands
    # when the records say it was revoked before the decision, it fails
    ctx = verifying.verifier_context(instance, now=datetime.now(UTC))
    before = verify_stacked(
        stacked,
        vp["verifiableCredential"],
        ctx,
        revoked_at=lambda cid: decision.decided_at - timedelta(days=1),
    )
    assert not before.valid and before.component(revoked_cid).status == "fail"


def test_refused_and_partly(instance, world):
    _, issued, pathway = world
    first = recognition.apply(instance, pathway.id, "anna", item_ids=[issued[0][1], issued[2][1]])
    assert not first.evaluation["satisfied"]
    with pytest.raises(RecognitionError, match="not satisfied"):
        recognition.decide(instance, first.id, "authority", "recognised", ["ok"])
    with pytest.raises(RecognitionError, match="names the components"):
        recognition.decide(instance, first.id, "authority", "partly", ["some"])
    with pytest.raises(RecognitionError, match="not in this application"):
        recognition.decide(instance, first.id, "authority", "partly", ["x"], accept=[issued[1][0]])
    partly = recognition.decide(
        instance,
        first.id,
        "authority",
        "partly",
        ["Python course accepted; the rest is incomplete."],
        accept=[issued[0][0]],
    )
    assert partly.ects_recognised == "5" and partly.accepted == [issued[0][1]]
    document = partly.credential()
    assert document is not None and "partial recognition" in document["name"]
    assert document["credentialSubject"]["creditsEarned"] == 5
    second = recognition.apply(instance, pathway.id, "anna")
    refused = recognition.decide(instance, second.id, "authority", "refused", ["Out of scope."])
    assert refused.credential() is None and refused.credential_id is None
    assert recognition.get_decision(instance, second.id).outcome == "refused"
    assert len(recognition.list_applications(instance, holder_ref="anna")) == 2
    # deleting the holder's account deletes their applications and decisions
    privacy.delete_holder(instance, "anna")
    assert recognition.list_applications(instance, org_ref="authority") == []


def test_demo_step(instance, tmp_path):
    summary = run_demo_step(instance, tmp_path, "demo-holder", now=datetime.now(UTC))
    assert summary["evaluation"]["satisfied"]
    assert summary["stacked_credential"]["verification"]["valid"]
    assert len(summary["stacked_credential"]["verification"]["components"]) == 4
    assert (tmp_path / "credentials" / "stacked-data-analysis.json").exists()
