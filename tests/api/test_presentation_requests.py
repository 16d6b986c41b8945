"""``/api/v1/orgs/{org}/presentation-requests`` and the wallet endpoints ``/oid4vp/...``:
create with a token, read back, the request object at the request_uri (GET and POST), the
response_uri's OAuth error bodies, and the refusals (bad DCQL, no certificate, another
organisation, unknown ids)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from microcred.api import create_app
from microcred.services import organisations, tokens
from microcred.settings import Settings
from tests.api.conftest import ALL_SCOPES, CheckingClient, assert_error_shape, bearer

QUERY: dict[str, Any] = {
    "credentials": [
        {
            "id": "micro",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": ["urn:eu.europa.ec.eudi:learning:credential:1"]},
            "claims": [{"path": ["family_name"]}, {"path": ["achievement_title"]}],
        }
    ]
}


@pytest.fixture()
def world(tmp_path, database_url):
    settings = Settings(
        home=tmp_path / "home",
        database_url=database_url,
        secret_key="test",
        base_url="http://testserver",
        trust_test_ca=True,
    )
    app = create_app(settings)
    instance = app.state.instance
    org = organisations.create(instance, name="Darba devējs SIA", country="LV")
    _, secret = tokens.create(instance, org.slug, "t", ALL_SCOPES)
    with CheckingClient(app) as client:
        yield client, org, bearer(secret), instance


def _part(jwt: str, index: int) -> dict[str, Any]:
    raw = jwt.split(".")[index]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    return data


def test_create_read_and_fetch_the_request_object(world):
    client, org, headers, _ = world
    made = client.post(
        f"/api/v1/orgs/{org.slug}/presentation-requests",
        json={"dcql_query": QUERY},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["link"].startswith("openid4vp://?client_id=x509_hash%3A")
    assert body["haip_link"].startswith("haip-vp://")
    assert body["client_id"].startswith("x509_hash:")
    assert body["request_uri"] == f"http://testserver/oid4vp/requests/{body['id']}"

    got = client.get(f"/api/v1/orgs/{org.slug}/presentation-requests/{body['id']}", headers=headers)
    assert got.status_code == 200
    assert got.json()["status"] == "pending" and got.json()["result"] is None
    assert got.json()["dcql_query"] == QUERY

    jwt = client.get(body["request_uri"])
    assert jwt.status_code == 200
    assert jwt.headers["content-type"].startswith("application/oauth-authz-req+jwt")
    assert jwt.headers["cache-control"] == "no-store"
    header, claims = _part(jwt.text, 0), _part(jwt.text, 1)
    assert header["typ"] == "oauth-authz-req+jwt" and header["alg"] == "ES256"
    assert len(header["x5c"]) == 2  # leaf and intermediate, no root
    assert claims["client_id"] == body["client_id"]
    assert claims["response_uri"] == f"http://testserver/oid4vp/responses/{body['id']}"

    posted = client.post(
        body["request_uri"],
        data={"wallet_nonce": "abc"},
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert posted.status_code == 200 and _part(posted.text, 1)["wallet_nonce"] == "abc"


def test_the_response_uri_answers_oauth_errors(world):
    client, org, headers, _ = world
    made = client.post(
        f"/api/v1/orgs/{org.slug}/presentation-requests",
        json={"dcql_query": QUERY},
        headers=headers,
    ).json()
    plain = client.post(f"/oid4vp/responses/{made['id']}", data={"vp_token": "{}", "state": "x"})
    assert plain.status_code == 400
    assert plain.json()["error"] == "invalid_request"
    assert "encrypted" in plain.json()["error_description"]
    garbage = client.post(f"/oid4vp/responses/{made['id']}", data={"response": "a.b.c.d.e"})
    assert garbage.status_code == 400 and garbage.json()["error"] == "invalid_request"
    wrong_type = client.post(f"/oid4vp/responses/{made['id']}", json={"response": "x"})
    assert wrong_type.status_code == 400
    unknown = client.post(
        "/oid4vp/responses/00000000-0000-0000-0000-000000000000", data={"response": "x"}
    )
    assert unknown.status_code == 404 and unknown.json()["error"] == "invalid_request"
    missing = client.get("/oid4vp/requests/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"] == "invalid_request"


def test_refusals(world):
    client, org, headers, instance = world
    bad = client.post(
        f"/api/v1/orgs/{org.slug}/presentation-requests",
        json={"dcql_query": {"credentials": []}},
        headers=headers,
    )
    error = assert_error_shape(bad)
    assert error["field"] == "dcql" and "credentials" in error["message"]
    made = client.post(
        f"/api/v1/orgs/{org.slug}/presentation-requests",
        json={"dcql_query": QUERY},
        headers=headers,
    ).json()
    other = organisations.create(instance, name="Cits SIA", country="LV")
    _, secret = tokens.create(instance, other.slug, "t", ALL_SCOPES)
    hidden = client.get(
        f"/api/v1/orgs/{other.slug}/presentation-requests/{made['id']}", headers=bearer(secret)
    )
    assert_error_shape(hidden, 404)
    assert_error_shape(
        client.get(f"/api/v1/orgs/{org.slug}/presentation-requests/{made['id']}"), 401
    )


def test_without_a_certificate_the_request_asks_for_one(client, org, admin):
    answer = client.post(
        f"/api/v1/orgs/{org.slug}/presentation-requests", json={"dcql_query": QUERY}, headers=admin
    )
    error = assert_error_shape(answer)
    assert error["field"] == "certificate" and "certificate" in error["message"]
    # the redirect_uri prefix needs none
    answer = client.post(
        f"/api/v1/orgs/{org.slug}/presentation-requests",
        json={"dcql_query": QUERY, "client_id_prefix": "redirect_uri"},
        headers=admin,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["client_id"].startswith("redirect_uri:http://testserver/oid4vp/")


def test_same_device_the_response_code_gives_the_answer_once(world):
    """A redirect_uri request answered by a real presentation: the wallet gets the redirect
    with #response_code=..., and the employer's front end redeems it once for the answer."""
    from joserfc import jwe
    from joserfc.jwk import ECKey

    from microcred.formats.presentation import build_presentation, sign_presentation
    from microcred.proofs.did import did_key_for
    from microcred.proofs.keys import Ed25519KeyPair
    from microcred.services.issuing import issue_award
    from tests.verify.conftest import make_award

    client, org, headers, instance = world
    query = {
        "credentials": [
            {
                "id": "badge",
                "format": "ldp_vc",
                "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
            }
        ]
    }
    made = client.post(
        f"/api/v1/orgs/{org.slug}/presentation-requests",
        json={
            "dcql_query": query,
            "client_id_prefix": "redirect_uri",
            "redirect_uri": "https://employer.example/back",
        },
        headers=headers,
    ).json()
    request = _part(client.get(f"/oid4vp/requests/{made['id']}").text, 1)
    issuer, holder = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    did = did_key_for(holder)
    vp = sign_presentation(
        build_presentation(
            [issue_award(make_award(learner={"name": "Anna", "identifier": did}), issuer)], did
        ),
        holder,
        verification_method=f"{did}#{holder.public_multibase}",
        challenge=request["nonce"],
        domain=request["client_id"],
        created=instance.now().replace(microsecond=0),
    )
    jwk = request["client_metadata"]["jwks"]["keys"][0]
    payload = json.dumps({"vp_token": {"badge": [vp]}, "state": request["state"]}).encode()
    sealed = jwe.encrypt_compact(
        {"alg": "ECDH-ES", "enc": "A128GCM", "kid": jwk["kid"]}, payload, ECKey.import_key(jwk)
    )
    back = client.post(f"/oid4vp/responses/{made['id']}", data={"response": sealed}).json()
    code = back["redirect_uri"].removeprefix("https://employer.example/back#response_code=")
    route = f"/api/v1/orgs/{org.slug}/presentation-requests/response-code"
    view = client.post(route, json={"response_code": code}, headers=headers)
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["id"] == made["id"] and body["status"] == "answered" and body["same_device"]
    assert body["result"]["valid"] is True
    assert_error_shape(client.post(route, json={"response_code": code}, headers=headers), 404)
    wrong = client.post(route, json={"response_code": "nope"}, headers=headers)
    assert assert_error_shape(wrong, 404)["field"] == "response_code"
    assert_error_shape(client.post(route, json={}, headers=headers), 422)
