"""The SD-JWT VC Type Metadata at the vct URL, and an SD-JWT VC of the instance verified end
to end: its vct#integrity pins exactly the served bytes; revoking the record revokes it."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from microcred.model.files import load_data
from microcred.proofs.sd_jwt import parse_sd_jwt, unverified_payload
from microcred.services import credentials, specifications
from microcred.services.credentials import IssueRequest
from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc
from microcred.services.verifying import verifier_context
from microcred.verify import verify_credential
from tests.api.conftest import EXAMPLES

VCT = "/vct/eu-micro-credential/1"


@pytest.fixture()
def issued(instance, org):
    spec = specifications.publish(
        instance, org.slug, load_data(EXAMPLES / "university-data-analysis.yaml")
    )
    request = IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade="9")
    return credentials.issue(instance, org.slug, spec.id, request)


def test_type_metadata_is_public_and_pinned_by_vct_integrity(client, instance, org, issued):
    response = client.get(VCT)  # no Authorization
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "max-age" in response.headers["cache-control"]
    metadata = response.json()
    assert metadata["vct"] == f"http://testserver{VCT}"
    assert metadata["extends"] == "urn:eu.europa.ec.eudi:learning:credential:1"
    assert {d["locale"] for d in metadata["display"]} >= {"en", "lv"}
    by_path = {tuple(c["path"]): c for c in metadata["claims"]}
    assert by_path[("family_name",)]["sd"] == "always"
    assert by_path[("achievement_title",)]["sd"] == "never"
    assert by_path[("iss",)]["sd"] == "never"
    labels = {d["locale"]: d["label"] for d in by_path[("family_name",)]["display"]}
    assert labels["en"] == "Family name" and labels["lv"] != labels["en"]

    token = issue_sd_jwt_vc(instance, org.slug, issued.id, holder_jwk=None)
    payload = unverified_payload(parse_sd_jwt(token))
    assert payload["vct"] == metadata["vct"]
    digest = base64.b64encode(hashlib.sha256(response.content).digest()).decode()
    assert payload["vct#integrity"] == f"sha256-{digest}"
    assert json.loads(response.content) == metadata


def test_an_issued_sd_jwt_vc_verifies_and_follows_the_record(instance, org, issued):
    token = issue_sd_jwt_vc(instance, org.slug, issued.id, holder_jwk=None)

    def report():
        return verify_credential(token, verifier_context(instance, now=instance.now()))

    first = report()
    assert first.valid, first.to_json()
    assert first.check("status").code == "status.ok"
    assert first.check("issuer").code == "issuer.ok"
    assert first.summary.learner_name == "Anna Bērziņa"
    assert first.summary.title_in("lv") != first.summary.title_in("en")
    credentials.set_suspended(instance, issued.id, True, reason="under review")
    assert report().status == "suspended"
    credentials.set_suspended(instance, issued.id, False)
    credentials.revoke(instance, issued.id, reason="issued in error")
    revoked = report()
    assert revoked.status == "revoked" and not revoked.valid
