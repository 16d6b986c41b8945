"""The Token Status List token of a status list (issue 15, point 2): served without
authentication as application/statuslist+jwt, signed by the organisation's P-256 key, from
the same rows and index as the Bitstring list, so one revocation changes both."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import select

from microcred.formats.status_list import decode_list, get_value
from microcred.formats.token_status_list import decompress, get_status, reference_claim
from microcred.proofs.jose import verify_jws
from microcred.proofs.keys import keypair_from_multibase
from microcred.services import credentials, specifications, status_lists
from microcred.services.credentials import IssueRequest
from microcred.services.verifying import verifier_context
from microcred.store.db import read_transaction
from microcred.store.tables import IssuedCredential
from microcred.verify.resolution import DocumentFinder
from microcred.verify.token_status import TokenIssuer, check_token_status
from tests.api.conftest import EXAMPLES, assert_error_shape


@pytest.fixture()
def issued(instance, org):
    from microcred.model.files import load_data

    spec = specifications.publish(
        instance, org.slug, load_data(EXAMPLES / "university-data-analysis.yaml")
    )
    return credentials.issue(
        instance, org.slug, spec.id, IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30")
    )


def _place(instance, credential_id: str) -> tuple[int, int]:
    with read_transaction(instance.sessions) as session:
        row = session.scalar(select(IssuedCredential).where(IssuedCredential.id == credential_id))
        return row.status_list_id, row.status_index


def _part(text: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _p256_key(client, slug: str):
    document = client.get(f"/orgs/{slug}/did.json").json()
    method = next(m for m in document["verificationMethod"] if m["id"].endswith("#key-p256"))
    return method["id"], keypair_from_multibase(method["publicKeyMultibase"])


def _token_value(client, path: str, index: int) -> int:
    response = client.get(path)
    assert response.status_code == 200, response.text
    payload = _part(response.text.split(".")[1])
    return get_status(decompress(payload["status_list"]["lst"]), index, 2)


def _bitstring_value(client, slug: str, list_id: int, index: int) -> int:
    document = client.get(f"/status/{slug}/{list_id}/message").json()
    return get_value(decode_list(document["credentialSubject"]["encodedList"]), index, 2)


def test_served_without_authentication_as_a_signed_statuslist_jwt(client, instance, org, issued):
    list_id, _ = _place(instance, issued.id)
    url = status_lists.token_status_url(instance, org, list_id)
    assert url == f"http://testserver/statuslists/{org.slug}/{list_id}"
    response = client.get(url.removeprefix("http://testserver"))  # no Authorization
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/statuslist+jwt"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["access-control-allow-origin"] == "*"
    kid, key = _p256_key(client, org.slug)
    header, claims = verify_jws(response.text, resolve_key=lambda _h: key, typs=("statuslist+jwt",))
    assert header["alg"] == "ES256" and header["kid"] == kid
    assert claims["sub"] == url
    assert claims["ttl"] == 300 and claims["exp"] - claims["iat"] == 24 * 3600
    assert claims["status_list"]["bits"] == 2
    # the Status List Aggregation (draft §9) lists this token
    aggregation = claims["status_list"]["aggregation_uri"]
    assert aggregation == f"http://testserver/statuslists/{org.slug}"
    listed = client.get(aggregation.removeprefix("http://testserver"))
    assert listed.headers["content-type"] == "application/json"
    assert listed.json() == {"status_lists": [url]}
    assert_error_shape(client.get("/statuslists/no-such-org"), 404)
    # the 131,072 entries of the Bitstring list, 2 bits each
    assert len(decompress(claims["status_list"]["lst"])) == 131_072 * 2 // 8
    # unchanged: the cached token is served again
    assert client.get(url.removeprefix("http://testserver")).text == response.text


def test_revoking_or_suspending_changes_the_token_and_the_bitstring_list(
    client, instance, org, issued
):
    list_id, index = _place(instance, issued.id)
    path = f"/statuslists/{org.slug}/{list_id}"

    def both() -> tuple[int, int]:
        return _token_value(client, path, index), _bitstring_value(client, org.slug, list_id, index)

    assert both() == (0, 0)
    credentials.set_suspended(instance, issued.id, True, reason="under review")
    assert both() == (2, 2)
    credentials.set_suspended(instance, issued.id, False)
    assert both() == (0, 0)
    credentials.revoke(instance, issued.id, reason="issued in error")
    assert both() == (1, 1)
    assert _token_value(client, path, index + 1 if index < 131_071 else index - 1) == 0


def test_the_unsigned_json_form_on_accept_and_404s(client, instance, org, other_org, issued):
    list_id, index = _place(instance, issued.id)
    credentials.revoke(instance, issued.id, reason="issued in error")
    path = f"/statuslists/{org.slug}/{list_id}"
    response = client.get(path, headers={"Accept": "application/statuslist+json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/statuslist+json"
    body = response.json()
    assert body["sub"] == f"http://testserver{path}"
    assert get_status(decompress(body["status_list"]["lst"]), index, 2) == 1
    both = "application/statuslist+jwt, application/statuslist+json"
    token = client.get(path, headers={"Accept": both})
    assert token.headers["content-type"] == "application/statuslist+jwt"
    for path in (
        f"/statuslists/{other_org.slug}/{list_id}",  # another organisation's list
        f"/statuslists/{org.slug}/999999",
        f"/statuslists/{org.slug}/abc",
        f"/statuslists/{org.slug}/1234567890123",
        "/statuslists/NOT-A-SLUG/1",
    ):
        assert_error_shape(client.get(path), 404)


def test_the_instances_verifier_reads_its_own_token(client, instance, org, issued):
    list_id, index = _place(instance, issued.id)
    status = reference_claim(index, status_lists.token_status_url(instance, org, list_id))
    client.get(f"/statuslists/{org.slug}/{list_id}")  # the org's P-256 key is made on first use
    _, key = _p256_key(client, org.slug)

    def check() -> str:
        ctx = verifier_context(instance, now=instance.now())
        return check_token_status(status, TokenIssuer(key), ctx, DocumentFinder()).code

    assert check() == "status.ok"
    credentials.revoke(instance, issued.id, reason="issued in error")
    assert check() == "status.revoked"
    assert len(instance.status_tokens) == 2  # one per token (the list changed)


def test_an_sd_jwt_vc_of_the_record_follows_the_token(instance, org, issued):
    """The SD-JWT VC names the record's index in the token (helper A's issuer); its
    verification reads the served token: one revocation reaches this format too. With a
    certificate chain the token carries the same x5c leaf as the credential."""
    from microcred.services import certificates
    from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc
    from microcred.verify import verify_credential

    certificates.make_test_chain(instance, org.slug)
    list_id, index = _place(instance, issued.id)
    compact = issue_sd_jwt_vc(instance, org.slug, issued.id, holder_jwk=None)
    claims = _part(compact.split("~")[0].split(".")[1])
    assert claims["status"] == reference_claim(
        index, status_lists.token_status_url(instance, org, list_id)
    )

    def status() -> str:
        report = verify_credential(compact, verifier_context(instance, now=instance.now()))
        return report.check("status").code

    assert status() == "status.ok"
    from microcred.services.token_status import published_token

    token_x5c = _part(published_token(instance, org.slug, list_id).split(".")[0])["x5c"]
    assert token_x5c[0] == _part(compact.split(".")[0])["x5c"][0]
    credentials.set_suspended(instance, issued.id, True, reason="under review")
    assert status() == "status.suspended"
    credentials.revoke(instance, issued.id, reason="issued in error")
    assert status() == "status.revoked"


def test_a_new_base_url_gets_a_token_of_its_own(instance, org, issued, settings):
    """The same database served under another base URL: the cached token, whose sub is the
    old URL, is not served there (a verifier would refuse it as another list's)."""
    from dataclasses import replace

    from microcred.services.instance import Instance
    from microcred.services.token_status import published_token

    list_id, _ = _place(instance, issued.id)
    first = _part(published_token(instance, org.slug, list_id).split(".")[1])["sub"]
    moved = Instance(replace(settings, base_url="https://moved.example"))
    try:
        second = _part(published_token(moved, org.slug, list_id).split(".")[1])["sub"]
    finally:
        moved.close()
    assert first == f"http://testserver/statuslists/{org.slug}/{list_id}"
    assert second == f"https://moved.example/statuslists/{org.slug}/{list_id}"
