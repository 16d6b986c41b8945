"""SD-JWT VC as a form of an issued credential record (services/sd_jwt_issuing.py)."""

from __future__ import annotations

import pytest

from microcred.errors import InvalidInput, NotFound
from microcred.proofs.keys import P256KeyPair
from microcred.proofs.sd_jwt import parse_sd_jwt, unverified_header, unverified_payload
from microcred.services import credentials
from microcred.services.credentials import IssueRequest
from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc


def _issued(instance, org, spec):
    request = IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade="9")
    return credentials.issue(instance, org.slug, spec.id, request)


def test_one_record_one_status_index_fresh_salts(instance, org, spec):
    issued = _issued(instance, org, spec)
    holder = P256KeyPair.generate()
    first = issue_sd_jwt_vc(instance, org.slug, issued.id, holder_jwk=holder.to_public_jwk())
    again = issue_sd_jwt_vc(instance, org.slug, issued.id, holder_jwk=None)
    one, two = parse_sd_jwt(first), parse_sd_jwt(again)
    assert set(one.disclosures).isdisjoint(two.disclosures)  # new salts each time
    payload = unverified_payload(one)
    assert unverified_header(one)["typ"] == "dc+sd-jwt"
    assert unverified_header(one)["alg"] == "ES256"
    assert unverified_header(one)["kid"].startswith(org.did + "#")
    assert payload["iss"] == org.did
    assert payload["vct"] == "https://issuer.example/vct/eu-micro-credential/1"
    assert payload["vct#integrity"].startswith("sha256-")
    assert payload["cnf"]["jwk"] == holder.to_public_jwk()
    assert "cnf" not in unverified_payload(two)
    status = payload["status"]["status_list"]
    assert status["uri"].startswith("https://issuer.example/statuslists/")
    assert status == unverified_payload(two)["status"]["status_list"]
    assert payload["jti"] == issued.id
    # the learner is never visible without a disclosure
    assert "Anna" not in str(payload) and "anna@" not in str(payload)
    assert payload["achievement_title"]


def test_bad_holder_key_and_unknown_credential_name_the_field(instance, org, spec):
    issued = _issued(instance, org, spec)
    private = P256KeyPair.generate()
    jwk = dict(private.to_public_jwk(), d="AAAA")
    with pytest.raises(InvalidInput) as caught:
        issue_sd_jwt_vc(instance, org.slug, issued.id, holder_jwk=jwk)
    assert caught.value.field == "holder_jwk"
    with pytest.raises(InvalidInput):
        issue_sd_jwt_vc(instance, org.slug, issued.id, holder_jwk={"kty": "RSA", "n": "x"})
    with pytest.raises(NotFound):
        issue_sd_jwt_vc(instance, org.slug, "urn:uuid:nope", holder_jwk=None)
