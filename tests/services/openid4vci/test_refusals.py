"""Every refusal of the OpenID4VCI endpoints: the OAuth / OpenID4VCI error code, the field
in the description, no traceback; replays, expiry and bounds."""

from __future__ import annotations

import hashlib
import json
import secrets

from joserfc import jws
from joserfc.jwk import ECKey, OctKey

from microcred.services import credentials
from microcred.services.openid4vci import offers

from .conftest import BASE, PRE, b64u, offer_object

SD = "eu_micro_credential_dc_sd_jwt"
LDP = "eu_micro_credential_ldp_vc"


def _error(answer, status, code):
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == code, body
    assert "Traceback" not in answer.text
    return body["error_description"]


def _pre_form(world, **body):
    made = world.offer(**body)
    grant = offer_object(made["offer"])["grants"][PRE]
    return made, {"grant_type": PRE, "pre-authorized_code": grant["pre-authorized_code"]}


def test_token_endpoint_refusals(sqlite_world):
    world = sqlite_world
    wallet = world.wallet()
    wallet.dpop_nonce = None
    _error(wallet.token({"grant_type": "password"}), 400, "unsupported_grant_type")
    _error(wallet.token({"grant_type": PRE}), 400, "invalid_request")
    unknown = wallet.token({"grant_type": PRE, "pre-authorized_code": "nope"})
    assert "unknown pre-authorized code" in _error(unknown, 400, "invalid_grant")
    answer = wallet.client.post(
        "/oid4vci/token",
        json={"grant_type": PRE},
        headers={"DPoP": wallet.dpop("POST", "/oid4vci/token")},
    )
    assert "x-www-form-urlencoded" in _error(answer, 400, "invalid_request")
    twice = wallet.client.post(
        "/oid4vci/token",
        content="grant_type=a&grant_type=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert "more than once" in _error(twice, 400, "invalid_request")


def test_pre_authorized_code_is_single_use(world):
    wallet = world.wallet()
    _, form = _pre_form(world)
    assert wallet.token(form).status_code == 200
    assert "used already" in _error(wallet.token(form), 400, "invalid_grant")


def test_tx_code_missing_wrong_and_exhausted(world):
    wallet = world.wallet()
    made, form = _pre_form(world, tx_code=True)
    assert "tx_code" in _error(wallet.token(form), 400, "invalid_request")
    wrong = "000000" if made["tx_code"] != "000000" else "111111"
    for left in (4, 3, 2, 1):
        assert f"{left} attempts left" in _error(
            wallet.token({**form, "tx_code": wrong}), 400, "invalid_grant"
        )
    assert "void" in _error(wallet.token({**form, "tx_code": wrong}), 400, "invalid_grant")
    # the right PIN no longer helps: the offer is spent
    assert "used already" in _error(
        wallet.token({**form, "tx_code": made["tx_code"]}), 400, "invalid_grant"
    )


def test_an_expired_offer_says_so(sqlite_world):
    world = sqlite_world
    wallet = world.wallet()
    made, form = _pre_form(world)
    world.clock.advance(minutes=offers.DEFAULT_TTL_MINUTES + 1)
    assert "expired" in _error(wallet.token(form), 400, "invalid_grant")
    gone = world.client.get(made["offer_uri"].removeprefix(BASE))
    assert "expired" in _error(gone, 410, "invalid_request")
    assert world.client.get("/oid4vci/offers/unknown").status_code == 404


def test_offer_api_refusals(sqlite_world):
    world = sqlite_world
    url = f"/api/v1/orgs/{world.org.slug}/credentials/{world.credential.id}/offers"
    bad = world.client.post(url, json={"configuration_ids": ["x"]}, headers=world.api)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "configuration"
    pin_only = world.client.post(url, json={"tx_code": True}, headers=world.api)
    assert pin_only.status_code == 400 and pin_only.json()["error"]["field"] == "tx_code"
    assert world.client.post(url, json={}).status_code == 401
    credentials.revoke(world.instance, world.credential.id, reason="t", org_ref=world.org.slug)
    revoked = world.client.post(url, json={}, headers=world.api)
    assert revoked.status_code == 400 and revoked.json()["error"]["field"] == "credential"


def test_dpop_refusals_at_the_token_endpoint(world):
    wallet = world.wallet()
    _, form = _pre_form(world)
    path = "/oid4vci/token"
    missing = wallet.post_form(path, form)
    assert "DPoP" in _error(missing, 400, "invalid_dpop_proof")
    nonce = missing.headers["DPoP-Nonce"]
    cases = {
        "htm": wallet.dpop("GET", path, nonce=nonce),
        "htu": wallet.dpop("POST", "/elsewhere", nonce=nonce),
        "iat": wallet.dpop("POST", path, nonce=nonce, iat=wallet.now() - 3600),
        "jti": wallet.dpop("POST", path, nonce=nonce, jti="x"),
    }
    for name, proof in cases.items():
        assert name in _error(wallet.post_form(path, form, DPoP=proof), 400, "invalid_dpop_proof")
    symmetric = jws.serialize_compact(
        {"alg": "HS256", "typ": "dpop+jwt"}, b"{}", OctKey.generate_key(256)
    )
    _error(wallet.post_form(path, form, DPoP=symmetric), 400, "invalid_dpop_proof")
    key = ECKey.generate_key("P-256")
    private = jws.serialize_compact(
        {"alg": "ES256", "typ": "dpop+jwt", "jwk": key.as_dict(private=True)}, b"{}", key
    )
    _error(wallet.post_form(path, form, DPoP=private), 400, "invalid_dpop_proof")
    stale = wallet.dpop("POST", path, nonce="not-a-nonce-of-this-server")
    answer = wallet.post_form(path, form, DPoP=stale)
    _error(answer, 400, "use_dpop_nonce")
    assert answer.headers["DPoP-Nonce"]
    good = wallet.dpop("POST", path, nonce=nonce)
    assert wallet.post_form(path, form, DPoP=good).status_code == 200
    replay = wallet.post_form(path, form, DPoP=good)
    assert "replay" in _error(replay, 400, "invalid_dpop_proof")
    assert len(wallet.post_form(path, form, DPoP="x" * 5000).text) < 500


def _credential(wallet, token, body, **dpop):
    return wallet.resource("/oid4vci/credential", token, body, **dpop)


def test_access_token_and_dpop_binding_at_the_credential_endpoint(sqlite_world):
    world = sqlite_world
    wallet = world.wallet()
    token = world.access_token(wallet)
    body = {"credential_configuration_id": SD, "proofs": {"jwt": [wallet.proof(wallet.c_nonce())]}}
    no_token = world.client.post("/oid4vci/credential", json=body)
    _error(no_token, 401, "invalid_token")
    assert no_token.headers["WWW-Authenticate"].startswith("DPoP")
    _error(_credential(wallet, "unknown-token", body), 401, "invalid_token")
    other = world.wallet()
    other.dpop_nonce = wallet.dpop_nonce
    stolen = other.resource("/oid4vci/credential", token, body)
    assert "another DPoP key" in _error(stolen, 401, "invalid_token")
    no_ath = _credential(wallet, token, body, ath=b64u(hashlib.sha256(b"other").digest()))
    assert "ath" in _error(no_ath, 401, "invalid_dpop_proof")
    stale = _credential(wallet, token, body, nonce="stale")
    _error(stale, 401, "use_dpop_nonce")
    assert 'error="use_dpop_nonce"' in stale.headers["WWW-Authenticate"]
    world.clock.advance(minutes=11)
    wallet.dpop_nonce = None
    expired = _credential(wallet, token, body)
    _error(expired, 401, "use_dpop_nonce")  # the old DPoP nonce first
    wallet.dpop_nonce = expired.headers["DPoP-Nonce"]
    assert "expired" in _error(_credential(wallet, token, body), 401, "invalid_token")


def test_credential_request_refusals(sqlite_world):
    world = sqlite_world
    wallet = world.wallet()
    token = world.access_token(wallet)
    ask = lambda body: _credential(wallet, token, body)  # noqa: E731
    _error(ask([1]), 400, "invalid_credential_request")
    _error(ask({}), 400, "invalid_credential_request")
    _error(ask({"credential_configuration_id": "x"}), 400, "unknown_credential_configuration")
    not_offered = ask({"credential_configuration_id": LDP})
    assert "not offered" in _error(not_offered, 400, "unknown_credential_configuration")
    _error(ask({"credential_identifier": "x"}), 400, "unknown_credential_identifier")
    old = ask({"credential_configuration_id": SD, "proof": {"proof_type": "jwt", "jwt": "x"}})
    assert "proofs" in _error(old, 400, "invalid_credential_request")
    _error(
        ask({"credential_configuration_id": SD, "proofs": {"jwt": []}}),
        400,
        "invalid_credential_request",
    )
    eleven = [wallet.proof("n") for _ in range(11)]
    _error(
        ask({"credential_configuration_id": SD, "proofs": {"jwt": eleven}}),
        400,
        "invalid_credential_request",
    )
    nonce = wallet.c_nonce()
    proofs = {
        "typ": wallet.proof(nonce, header={"typ": "JWT"}),
        "aud": wallet.proof(nonce, aud="https://other.example"),
        "iat": wallet.proof(nonce, iat=wallet.now() + 3600),
        "x5c": wallet.proof(nonce, header={"x5c": ["AAAA"]}),
    }
    for name, proof in proofs.items():
        answer = ask({"credential_configuration_id": SD, "proofs": {"jwt": [proof]}})
        assert name in _error(answer, 400, "invalid_proof"), name
    _error(
        ask({"credential_configuration_id": SD, "proofs": {"jwt": [wallet.proof(None)]}}),
        400,
        "invalid_nonce",
    )
    forged = ask({"credential_configuration_id": SD, "proofs": {"jwt": [wallet.proof("made-up")]}})
    assert "nonce endpoint" in _error(forged, 400, "invalid_nonce")
    key = ECKey.generate_key("P-256")
    same_key = [wallet.proof(nonce, key=key), wallet.proof(nonce, key=key)]
    _error(
        ask({"credential_configuration_id": SD, "proofs": {"jwt": same_key}}), 400, "invalid_proof"
    )
    mixed = [wallet.proof(nonce), wallet.proof(wallet.c_nonce())]
    _error(ask({"credential_configuration_id": SD, "proofs": {"jwt": mixed}}), 400, "invalid_nonce")
    assert (
        ask(
            {"credential_configuration_id": SD, "proofs": {"jwt": [wallet.proof(nonce)]}}
        ).status_code
        == 200
    )
    reused = ask({"credential_configuration_id": SD, "proofs": {"jwt": [wallet.proof(nonce)]}})
    assert reused.json()["error"] in ("invalid_nonce", "credential_request_denied")
    again = ask(
        {"credential_configuration_id": SD, "proofs": {"jwt": [wallet.proof(wallet.c_nonce())]}}
    )
    assert "delivered already" in _error(again, 400, "credential_request_denied")


def test_a_c_nonce_is_spent_once(world):
    wallet = world.wallet()
    first, second = world.access_token(wallet), world.access_token(wallet)
    nonce = wallet.c_nonce()
    body = {"credential_configuration_id": SD, "proofs": {"jwt": [wallet.proof(nonce)]}}
    assert _credential(wallet, first, body).status_code == 200
    body = {"credential_configuration_id": SD, "proofs": {"jwt": [wallet.proof(nonce)]}}
    assert "used already" in _error(_credential(wallet, second, body), 400, "invalid_nonce")
    world.clock.advance(minutes=6)
    late = wallet.c_nonce()
    world.clock.advance(minutes=6)
    wallet.dpop_nonce = None
    body = {"credential_configuration_id": SD, "proofs": {"jwt": [wallet.proof(late)]}}
    answer = _credential(wallet, second, body)
    if answer.json().get("error") == "use_dpop_nonce":
        answer = _credential(wallet, second, body)
    _error(answer, 401, "invalid_token")  # the token (10 min) is gone before the nonce


def test_revoked_before_issuance_is_denied(sqlite_world):
    world = sqlite_world
    wallet = world.wallet()
    token = world.access_token(wallet)
    credentials.revoke(world.instance, world.credential.id, reason="t", org_ref=world.org.slug)
    body = {"credential_configuration_id": SD, "proofs": {"jwt": [wallet.proof(wallet.c_nonce())]}}
    assert "revoked" in _error(_credential(wallet, token, body), 400, "credential_request_denied")


def test_deferred_and_notification_refusals(sqlite_world):
    world = sqlite_world
    wallet = world.wallet()
    token = world.access_token(wallet)
    deferred = wallet.resource("/oid4vci/deferred_credential", token, {"transaction_id": "t"})
    _error(deferred, 400, "invalid_transaction_id")
    _error(
        wallet.resource("/oid4vci/deferred_credential", token, {}),
        400,
        "invalid_credential_request",
    )
    note = lambda body: wallet.resource("/oid4vci/notification", token, body)  # noqa: E731
    _error(
        note({"notification_id": "n", "event": "credential_accepted"}),
        400,
        "invalid_notification_id",
    )
    _error(note({"notification_id": "n", "event": "liked"}), 400, "invalid_notification_request")


def _par_form(world, **extra):
    made = world.offer(pre_authorized=False)
    issuer_state = offer_object(made["offer"])["grants"]["authorization_code"]["issuer_state"]
    form = {
        "response_type": "code",
        "client_id": "w",
        "redirect_uri": "https://wallet.example/cb",
        "code_challenge": b64u(hashlib.sha256(secrets.token_bytes(40)).digest()),
        "code_challenge_method": "S256",
        "issuer_state": issuer_state,
    }
    form.update(extra)
    return {k: v for k, v in form.items() if v is not None}


PAR_REFUSALS = [
    ({"response_type": "token"}, "unsupported_response_type", "response_type"),
    ({"code_challenge_method": "plain"}, "invalid_request", "S256"),
    ({"code_challenge": None}, "invalid_request", "code_challenge"),
    ({"redirect_uri": "http://wallet.example/cb"}, "invalid_request", "redirect_uri"),
    ({"redirect_uri": "javascript:alert(1)"}, "invalid_request", "redirect_uri"),
    ({"issuer_state": None}, "invalid_request", "issuer_state"),
    ({"issuer_state": "made-up"}, "invalid_request", "unknown issuer_state"),
    ({"scope": "other"}, "invalid_scope", "scope"),
    ({"authorization_details": "[{}]"}, "invalid_authorization_details", "openid_credential"),
    ({"authorization_details": "{"}, "invalid_request", "authorization_details"),
]


def test_par_refusals(sqlite_world):
    for change, error, says in PAR_REFUSALS:
        answer = sqlite_world.client.post("/oid4vci/par", data=_par_form(sqlite_world, **change))
        assert says in _error(answer, 400, error), change


def test_authorize_page_refusals_are_pages_not_tracebacks(sqlite_world):
    world = sqlite_world
    page = world.client.get("/oid4vci/authorize", params={"client_id": "w", "request_uri": "x"})
    assert page.status_code == 400 and "request_uri" in page.text
    par = world.client.post("/oid4vci/par", data=_par_form(world)).json()
    other = world.client.get(
        "/oid4vci/authorize",
        params={"client_id": "someone-else", "request_uri": par["request_uri"]},
    )
    assert other.status_code == 400
    no_csrf = world.client.post(
        "/oid4vci/authorize",
        data={"request_uri": par["request_uri"], "client_id": "w", "decision": "accept"},
    )
    assert no_csrf.status_code == 400 and "security token" in no_csrf.text
    world.clock.advance(seconds=120)
    late = world.client.get(
        "/oid4vci/authorize", params={"client_id": "w", "request_uri": par["request_uri"]}
    )
    assert late.status_code == 400 and "expired" in late.text


def test_codes_are_stored_only_as_hashes(world):
    made = world.offer(tx_code=True)
    code = offer_object(made["offer"])["grants"][PRE]["pre-authorized_code"]
    handle = made["offer_uri"].rsplit("/", 1)[1]
    wallet = world.wallet()
    token = wallet.token(
        {"grant_type": PRE, "pre-authorized_code": code, "tx_code": made["tx_code"]}
    )
    access = token.json()["access_token"]
    from sqlalchemy import text

    with world.instance.engine.connect() as connection:
        dump = json.dumps(
            [
                [str(v) for v in row]
                for table in ("oid4vci_offers", "oid4vci_grants", "audit_log")
                for row in connection.execute(text(f"SELECT * FROM {table}"))
            ]
        )
    for secret in (code, handle, access, made["tx_code"]):
        assert secret not in dump
