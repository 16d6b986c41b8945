"""The OpenID4VCI issuer end to end over the app: metadata, both flows, batch, formats."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qs, urlsplit

from joserfc.jwk import ECKey

from microcred.proofs.sd_jwt import parse_sd_jwt, unverified_header, unverified_payload
from microcred.services import audit

from .conftest import BASE, PRE, b64u, offer_object

SD = "eu_micro_credential_dc_sd_jwt"


def test_metadata_names_the_endpoints_and_configurations(sqlite_world):
    world = sqlite_world
    issuer = world.client.get("/.well-known/openid-credential-issuer").json()
    assert issuer["credential_issuer"] == BASE
    assert issuer["nonce_endpoint"] == BASE + "/oid4vci/nonce"
    assert issuer["credential_endpoint"] == BASE + "/oid4vci/credential"
    configs = issuer["credential_configurations_supported"]
    assert configs[SD]["format"] == "dc+sd-jwt"
    assert configs[SD]["vct"] == BASE + "/vct/eu-micro-credential/1"
    assert configs[SD]["cryptographic_binding_methods_supported"] == ["jwk"]
    assert {d["locale"] for d in configs[SD]["credential_metadata"]["display"]} == {"en", "lv"}
    assert configs["eu_micro_credential_ldp_vc"]["format"] == "ldp_vc"
    assert configs["eu_micro_credential_jwt_vc_json"]["format"] == "jwt_vc_json"
    server = world.client.get("/.well-known/oauth-authorization-server").json()
    assert server["issuer"] == BASE
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert server["require_pushed_authorization_requests"] is True
    assert server["authorization_response_iss_parameter_supported"] is True


def test_pre_authorized_flow_with_tx_code_gives_a_bound_sd_jwt_vc(world):
    made = world.offer(tx_code=True)
    assert made["offer"].startswith("openid-credential-offer://?credential_offer=")
    assert re.fullmatch(r"\d{6}", made["tx_code"])
    by_reference = world.client.get(made["offer_uri"].removeprefix(BASE))
    assert by_reference.status_code == 200
    assert by_reference.json() == offer_object(made["offer"])
    grant = by_reference.json()["grants"][PRE]
    assert grant["tx_code"]["length"] == 6
    wallet = world.wallet()
    form = {"grant_type": PRE, "pre-authorized_code": grant["pre-authorized_code"]}
    first = wallet.post_form(
        "/oid4vci/token",
        {**form, "tx_code": made["tx_code"]},
        DPoP=wallet.dpop("POST", "/oid4vci/token"),
    )
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    assert first.headers["DPoP-Nonce"]
    answer = wallet.token({**form, "tx_code": made["tx_code"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "DPoP"
    token = answer.json()["access_token"]
    holder = ECKey.generate_key("P-256")
    body = {
        "credential_configuration_id": SD,
        "proofs": {"jwt": [wallet.proof(wallet.c_nonce(), key=holder)]},
    }
    issued = wallet.resource("/oid4vci/credential", token, body)
    assert issued.status_code == 200, issued.text
    assert issued.headers["Cache-Control"] == "no-store"
    (one,) = issued.json()["credentials"]
    parsed = parse_sd_jwt(one["credential"])
    assert unverified_header(parsed)["typ"] == "dc+sd-jwt"
    payload = unverified_payload(parsed)
    assert payload["cnf"]["jwk"]["x"] == holder.as_dict(private=False)["x"]
    assert payload["vct"] == BASE + "/vct/eu-micro-credential/1"
    notified = wallet.resource(
        "/oid4vci/notification",
        token,
        {"notification_id": issued.json()["notification_id"], "event": "credential_accepted"},
    )
    assert notified.status_code == 204, notified.text
    actions = [e.action for e in audit.entries(world.instance, world.org.slug)]
    for action in ("oid4vci.offer", "oid4vci.token", "oid4vci.credential", "oid4vci.notification"):
        assert action in actions


def test_batch_gives_one_credential_per_proof_each_bound_to_its_key(sqlite_world):
    world = sqlite_world
    wallet = world.wallet()
    token = world.access_token(wallet)
    keys = [ECKey.generate_key("P-256") for _ in range(3)]
    nonce = wallet.c_nonce()
    body = {
        "credential_configuration_id": SD,
        "proofs": {"jwt": [wallet.proof(nonce, key=k) for k in keys]},
    }
    issued = wallet.resource("/oid4vci/credential", token, body)
    assert issued.status_code == 200, issued.text
    bound = [
        unverified_payload(parse_sd_jwt(c["credential"]))["cnf"]["jwk"]["x"]
        for c in issued.json()["credentials"]
    ]
    assert bound == [k.as_dict(private=False)["x"] for k in keys]


def test_w3c_formats_are_the_stored_credential_and_its_jwt(sqlite_world):
    world = sqlite_world
    wallet = world.wallet()
    ids = ["eu_micro_credential_ldp_vc", "eu_micro_credential_jwt_vc_json"]
    token = world.access_token(wallet, configuration_ids=ids)
    ldp = wallet.resource("/oid4vci/credential", token, {"credential_configuration_id": ids[0]})
    assert ldp.status_code == 200, ldp.text
    document = ldp.json()["credentials"][0]["credential"]
    assert document["id"] == world.credential.id and document["proof"]
    jwt = wallet.resource("/oid4vci/credential", token, {"credential_configuration_id": ids[1]})
    assert jwt.status_code == 200, jwt.text
    compact = jwt.json()["credentials"][0]["credential"]
    body = compact.split(".")[1]
    assert (
        json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["id"]
        == world.credential.id
    )


def _authorize(world, wallet, *, state="s-1"):
    made = world.offer(pre_authorized=False)
    offer = offer_object(made["offer"])
    assert PRE not in offer["grants"]
    verifier = secrets.token_urlsafe(48)
    challenge = b64u(hashlib.sha256(verifier.encode()).digest())
    par = wallet.post_form(
        "/oid4vci/par",
        {
            "response_type": "code",
            "client_id": "wallet-1",
            "redirect_uri": "https://wallet.example/cb",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": state,
            "issuer_state": offer["grants"]["authorization_code"]["issuer_state"],
            "authorization_details": json.dumps(
                [{"type": "openid_credential", "credential_configuration_id": SD}]
            ),
        },
    )
    assert par.status_code == 201, par.text
    request_uri = par.json()["request_uri"]
    page = world.client.get(
        "/oid4vci/authorize", params={"client_id": "wallet-1", "request_uri": request_uri}
    )
    assert page.status_code == 200
    assert (
        "Anna Bērziņa" in page.text
        and "https://wallet.example" in page.headers["Content-Security-Policy"]
    )
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = world.client.post(
        "/oid4vci/authorize",
        data={
            "csrf": csrf,
            "request_uri": request_uri,
            "client_id": "wallet-1",
            "decision": "accept",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("https://wallet.example/cb?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert params["state"] == state and params["iss"] == BASE
    return params["code"], verifier


def test_authorization_code_flow_with_par_pkce_and_iss(world):
    wallet = world.wallet()
    code, verifier = _authorize(world, wallet)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": "https://wallet.example/cb",
        "client_id": "wallet-1",
    }
    answer = wallet.token(form)
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    assert answer.json()["authorization_details"][0]["credential_identifiers"] == [SD]
    body = {
        "credential_identifier": SD,
        "proofs": {"jwt": [wallet.proof(wallet.c_nonce(), iss="wallet-1")]},
    }
    issued = wallet.resource("/oid4vci/credential", token, body)
    assert issued.status_code == 200, issued.text
    again = wallet.token(form)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_authorization_code_with_a_wrong_verifier_is_spent(sqlite_world):
    world = sqlite_world
    wallet = world.wallet()
    code, verifier = _authorize(world, wallet)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": secrets.token_urlsafe(48),
        "redirect_uri": "https://wallet.example/cb",
    }
    wrong = wallet.token(form)
    assert wrong.status_code == 400 and "PKCE" in wrong.json()["error_description"]
    right = wallet.token({**form, "code_verifier": verifier})
    assert right.status_code == 400 and right.json()["error"] == "invalid_grant"


def test_declining_redirects_with_access_denied(sqlite_world):
    world = sqlite_world
    made = world.offer(pre_authorized=False)
    offer = offer_object(made["offer"])
    wallet = world.wallet()
    par = wallet.post_form(
        "/oid4vci/par",
        {
            "response_type": "code",
            "client_id": "w",
            "redirect_uri": "eudi-openid4ci://authorize",
            "code_challenge": b64u(hashlib.sha256(b"x" * 50).digest()),
            "code_challenge_method": "S256",
            "issuer_state": offer["grants"]["authorization_code"]["issuer_state"],
        },
    )
    request_uri = par.json()["request_uri"]
    page = world.client.get(
        "/oid4vci/authorize", params={"client_id": "w", "request_uri": request_uri}
    )
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = world.client.post(
        "/oid4vci/authorize",
        data={"csrf": csrf, "request_uri": request_uri, "client_id": "w", "decision": "deny"},
        follow_redirects=False,
    )
    assert answer.headers["location"].startswith("eudi-openid4ci://authorize?error=access_denied")
    assert "iss=" in answer.headers["location"]


def test_signed_metadata_with_the_organisations_x5c(sqlite_world):
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from microcred.api import create_app
    from microcred.proofs.jose import verify_jws
    from microcred.proofs.keys import keypair_from_jwk
    from microcred.proofs.x509 import decode_x5c, verify_chain
    from microcred.services import certificates

    world = sqlite_world
    jwt_accept = {"Accept": "application/jwt"}
    unsigned = world.client.get("/.well-known/openid-credential-issuer", headers=jwt_accept)
    assert unsigned.headers["content-type"].startswith("application/json")  # nobody signs it
    certificates.make_test_chain(world.instance, world.org.slug)
    settings = replace(world.instance.settings, extra={"oid4vci_metadata_org": world.org.slug})
    with TestClient(create_app(settings, clock=world.clock), base_url=BASE) as client:
        answer = client.get("/.well-known/openid-credential-issuer", headers=jwt_accept)
        plain = client.get("/.well-known/openid-credential-issuer").json()
    assert answer.headers["content-type"].startswith("application/jwt")
    header = json.loads(base64.urlsafe_b64decode(answer.text.split(".")[0] + "=="))
    verify_chain(header["x5c"], [certificates.test_ca(world.instance).root], now=world.clock.at)
    leaf = decode_x5c(header["x5c"])[0].public_key().public_numbers()
    leaf_jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64u(leaf.x.to_bytes(32, "big")),
        "y": b64u(leaf.y.to_bytes(32, "big")),
    }
    _, payload = verify_jws(
        answer.text,
        resolve_key=lambda _h: keypair_from_jwk(leaf_jwk),
        typs=("openidvci-issuer-metadata+jwt",),
    )
    assert payload["sub"] == BASE and payload["credential_issuer"] == BASE
    configs = payload["credential_configurations_supported"]
    assert configs == plain["credential_configurations_supported"]
