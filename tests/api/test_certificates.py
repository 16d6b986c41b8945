"""``/api/v1/orgs/{org}/certificate``: admin scope; import, test chain, show; errors name
the field; an SD-JWT VC then carries the chain and verifies against the configured anchors."""

from __future__ import annotations

import dataclasses

import pytest

from microcred.model.files import load_data
from microcred.proofs import x509 as px
from microcred.proofs.sd_jwt import parse_sd_jwt, unverified_header
from microcred.services import certificates, credentials, specifications, tokens
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.services.vcapi import ensure_p256_key
from microcred.services.verifying import verifier_context
from microcred.verify import verify_credential
from tests.api.conftest import EXAMPLES, assert_error_shape, bearer

URL = "/api/v1/orgs/{}/certificate"


def test_admin_scope_is_needed(client, instance, org):
    _, secret = tokens.create(instance, org.slug, "issuer only", ["issue", "read"])
    response = client.get(URL.format(org.slug), headers=bearer(secret))
    assert_error_shape(response, 403)
    assert_error_shape(client.get(URL.format(org.slug)), 401)


def test_show_import_and_test_chain(client, instance, org, admin):
    error = assert_error_shape(client.get(URL.format(org.slug), headers=admin), 404)
    assert error["field"] == "certificate"
    made = client.post(URL.format(org.slug) + "/test", headers=admin)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["test_ca"] is True and body["source"] == "test_ca" and body["length"] == 2
    assert body["dns_names"] == ["testserver"]
    assert "PRIVATE" not in body["pem"]
    shown = client.get(URL.format(org.slug), headers=admin).json()
    assert shown["x509_hash"] == body["x509_hash"]
    # import one from an outside CA for the organisation's key
    key, _ = ensure_p256_key(instance, org.id)
    outside = px.TestCA.create("Outside CA")
    chain = outside.issue_leaf(px.ec_public_key(key.to_public_jwk()), org.name)
    imported = client.put(
        URL.format(org.slug), json={"pem": px.to_pem(chain).decode()}, headers=admin
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["source"] == "imported" and not imported.json()["test_ca"]


@pytest.mark.parametrize(
    ("pem", "status"),
    [("not a certificate", 400), ("", 422), ("x" * 70_000, 422)],
)
def test_bad_imports_name_the_field(client, org, admin, pem, status):
    response = client.put(URL.format(org.slug), json={"pem": pem}, headers=admin)
    error = assert_error_shape(response, status)
    if status == 400:
        assert error["field"] == "certificate"


def test_sd_jwt_vc_with_the_chain_is_checked_against_the_anchors(instance, org):
    certificates.make_test_chain(instance, org.slug)
    spec = specifications.publish(
        instance, org.slug, load_data(EXAMPLES / "university-data-analysis.yaml")
    )
    record = credentials.issue(
        instance, org.slug, spec.id, IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30")
    )
    from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc

    compact = issue_sd_jwt_vc(instance, org.slug, record.id, holder_jwk=None)
    header = unverified_header(parse_sd_jwt(compact))
    assert header["x5c"] == px.x5c_header(certificates.chain_for(instance, org.slug) or [])

    # default settings: no anchor, so never "valid"
    plain = verify_credential(compact, verifier_context(instance, now=instance.now()))
    check = plain.check("issuer_certificate")
    assert (check.status, check.code) == ("warn", "issuer_certificate.no_anchor")
    assert plain.status != "valid"

    trusting = Instance(dataclasses.replace(instance.settings, trust_test_ca=True))
    try:
        report = verify_credential(compact, verifier_context(trusting, now=trusting.now()))
        check = report.check("issuer_certificate")
        assert (check.status, check.code) == ("pass", "issuer_certificate.test_ca")
    finally:
        trusting.close()
