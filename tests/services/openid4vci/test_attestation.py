"""Wallet attestation (OAuth-Client-Attestation and its PoP at PAR and token) and key
attestation (key_attestation in proofs) against a wallet provider's own test CA, the
metadata that advertises them, per-address throttling, and the issuer identifier with a
path (its metadata at /.well-known/<name>/<path>)."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.jwk import ECKey

from microcred.proofs.x509 import TestCA, to_pem, x5c_header
from microcred.services.openid4vci import attestation, authorization
from microcred.settings import SettingsError, load_settings

from .conftest import BASE, PRE, World, b64u, offer_object

SD = "eu_micro_credential_dc_sd_jwt"
LENIENT = jws.JWSRegistry(strict_check_header=False)  # to sign a key_attestation header


def proof(key: ECKey, nonce: str, now: int, **header: Any) -> str:
    """An openid4vci-proof+jwt; ``jwk=None`` leaves the key out of the header."""
    head = {"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": key.as_dict(private=False)}
    head = {k: v for k, v in {**head, **header}.items() if v is not None}
    body = json.dumps({"aud": BASE, "iat": now, "nonce": nonce}).encode()
    return jws.serialize_compact(head, body, key, registry=LENIENT)


HEADER, POP = "OAuth-Client-Attestation", "OAuth-Client-Attestation-PoP"


class Provider:
    """A wallet provider: a CA of its own (not the instance's) and a signing leaf under it."""

    def __init__(self, name: str = "Example Wallet Provider") -> None:
        self.ca = TestCA.create(name)
        private = ec.generate_private_key(ec.SECP256R1())
        self.chain = self.ca.issue_leaf(private.public_key(), name, organization=name)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.key = ECKey.import_key(pem)

    def sign(self, typ: str, claims: dict[str, Any], **header: Any) -> str:
        head = {"alg": "ES256", "typ": typ, "x5c": x5c_header(self.chain), **header}
        body = {k: v for k, v in claims.items() if v is not None}
        return jws.serialize_compact(head, json.dumps(body).encode(), self.key)

    def wallet_attestation(self, instance_key: ECKey, now: int, **claims: Any) -> str:
        base = {
            "iss": "https://wallet-provider.example",
            "sub": "wallet-1",
            "iat": now,
            "exp": now + 3600,
            "cnf": {"jwk": instance_key.as_dict(private=False)},
            "wallet_name": "Example Wallet",
        }
        return self.sign(attestation.CLIENT_ATTESTATION_TYP, {**base, **claims})

    def key_attestation(self, keys: list[ECKey], now: int, **claims: Any) -> str:
        base = {
            "iat": now,
            "exp": now + 3600,
            "attested_keys": [k.as_dict(private=False) for k in keys],
            "key_storage": ["iso_18045_moderate"],
        }
        return self.sign("key-attestation+jwt", {**base, **claims})


def pop(
    instance_key: ECKey,
    now: int,
    *,
    typ: str = attestation.CLIENT_ATTESTATION_POP_TYP,
    **claims: Any,
) -> str:
    body = {"aud": BASE, "jti": secrets.token_urlsafe(16), "iat": now, **claims}
    body = {k: v for k, v in body.items() if v is not None}
    return jws.serialize_compact(
        {"alg": "ES256", "typ": typ}, json.dumps(body).encode(), instance_key
    )


class Attested:
    def __init__(self, world: World, provider: Provider) -> None:
        self.world, self.provider = world, provider
        self.wallet = world.wallet()
        self.instance_key = ECKey.generate_key("P-256")
        self.now = self.wallet.now()

    def headers(self, **pop_claims: Any) -> dict[str, str]:
        return {
            HEADER: self.provider.wallet_attestation(self.instance_key, self.now),
            POP: pop(self.instance_key, self.now, **pop_claims),
        }

    def token(self, form: dict[str, str], headers: dict[str, str] | None = None) -> Any:
        """A token request with a DPoP-Nonce retry (each attempt a fresh PoP)."""
        for _ in range(2):
            extra = self.headers() if headers is None else headers
            extra["DPoP"] = self.wallet.dpop("POST", "/oid4vci/token")
            answer = self.world.client.post("/oid4vci/token", data=form, headers=extra)
            if "DPoP-Nonce" in answer.headers:
                self.wallet.dpop_nonce = answer.headers["DPoP-Nonce"]
            if answer.json().get("error") != "use_dpop_nonce":
                return answer
        return answer

    def pre_form(self) -> dict[str, str]:
        grant = offer_object(self.world.offer()["offer"])["grants"][PRE]
        return {"grant_type": PRE, "pre-authorized_code": grant["pre-authorized_code"]}


def _error(answer: Any, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == code, answer.text
    assert "Traceback" not in answer.text
    return str(answer.json()["error_description"])


@pytest.fixture()
def provider() -> Provider:
    return Provider()


def _world(tmp_path: Path, provider: Provider, database_url: str | None = None, **settings: Any):
    anchors = tmp_path / "wallet-providers.pem"
    anchors.write_bytes(to_pem([provider.ca.root]))
    settings.setdefault("wallet_attestation", "required")
    settings.setdefault("key_attestation", "required")
    return World(
        tmp_path,
        database_url or f"sqlite:///{tmp_path / 'attest.db'}",
        wallet_provider_trust_anchors=(anchors,),
        **settings,
    )


@pytest.fixture()
def attested(tmp_path: Path, provider: Provider):
    world = _world(tmp_path, provider)
    yield Attested(world, provider)
    world.client.close()
    world.instance.close()


@pytest.fixture()
def attested_on_each_database(tmp_path: Path, provider: Provider, database_url: str):
    """The same on SQLite and PostgreSQL (for the PoP replay refusal)."""
    world = _world(tmp_path, provider, database_url)
    yield Attested(world, provider)
    world.client.close()
    world.instance.close()


def test_metadata_advertises_attestations(attested):
    client = attested.world.client
    server = client.get("/.well-known/oauth-authorization-server").json()
    assert server["token_endpoint_auth_methods_supported"] == ["attest_jwt_client_auth"]
    assert server["client_attestation_signing_alg_values_supported"] == ["ES256"]
    assert server["pre-authorized_grant_anonymous_access_supported"] is False
    issuer = client.get("/.well-known/openid-credential-issuer").json()
    jwt_proofs = issuer["credential_configurations_supported"][SD]["proof_types_supported"]["jwt"]
    assert jwt_proofs["key_attestations_required"] == {}


def test_attested_wallet_and_key_get_the_credential(attested):
    answer = attested.token(attested.pre_form())
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    keys = [ECKey.generate_key("P-256") for _ in range(2)]
    key_attestation = attested.provider.key_attestation(keys, attested.now)
    nonce = attested.wallet.c_nonce()
    proofs = [
        # named by its jwk, and (the second) found among the attested keys with no jwk
        proof(keys[0], nonce, attested.now, key_attestation=key_attestation),
        proof(keys[1], nonce, attested.now, key_attestation=key_attestation, jwk=None),
    ]
    body = {"credential_configuration_id": SD, "proofs": {"jwt": proofs}}
    issued = attested.wallet.resource("/oid4vci/credential", token, body)
    assert issued.status_code == 200, issued.text
    assert len(issued.json()["credentials"]) == 2


def test_wallet_attestation_refusals(attested_on_each_database):
    attested = attested_on_each_database
    now, key = attested.now, attested.instance_key
    form = attested.pre_form()
    good = attested.provider.wallet_attestation(key, now)

    def refused(headers: dict[str, str]) -> str:
        return _error(attested.token(form, dict(headers)), 401, "invalid_client")

    assert "required" in refused({})
    assert "exactly one" in refused({HEADER: good})
    stranger = Provider("Unknown Wallet Provider")
    assert "not trusted" in refused(
        {HEADER: stranger.wallet_attestation(key, now), POP: pop(key, now)}
    )
    expired = attested.provider.wallet_attestation(key, now - 7200, exp=now - 3600)
    assert "expired" in refused({HEADER: expired, POP: pop(key, now)})
    assert "signature" in refused({HEADER: good, POP: pop(ECKey.generate_key("P-256"), now)})
    assert "aud" in refused({HEADER: good, POP: pop(key, now, aud="https://other.example")})
    assert "iat" in refused({HEADER: good, POP: pop(key, now - 3600)})
    assert "jti" in refused({HEADER: good, POP: pop(key, now, jti=None)})
    assert "iss" in refused({HEADER: good, POP: pop(key, now, iss="another-wallet")})
    assert "typ" in refused({HEADER: good, POP: pop(key, now, typ="JWT")})
    assert "cnf.jwk" in refused(
        {HEADER: attested.provider.wallet_attestation(key, now, cnf={}), POP: pop(key, now)}
    )
    no_x5c = jws.serialize_compact(
        {"alg": "ES256", "typ": attestation.CLIENT_ATTESTATION_TYP},
        json.dumps({"iss": "x", "sub": "wallet-1", "exp": now + 60}).encode(),
        attested.provider.key,
    )
    assert "x5c" in refused({HEADER: no_x5c, POP: pop(key, now)})
    for malformed in ("not a jwt", "a.b.c", "x" * 20_000):
        assert HEADER in refused({HEADER: malformed, POP: pop(key, now)})
    assert POP in refused({HEADER: good, POP: "a.b"})
    # the PoP is used once
    replayed = {HEADER: good, POP: pop(key, now)}
    assert attested.token(attested.pre_form(), dict(replayed)).status_code == 200
    assert "replay" in refused(replayed)
    # at PAR too, with the client_id that must be the attestation's sub
    par = {"response_type": "code", "client_id": "another-wallet"}
    answer = attested.world.client.post("/oid4vci/par", data=par, headers=attested.headers())
    assert "sub" in _error(answer, 401, "invalid_client")
    answer = attested.world.client.post("/oid4vci/par", data={**par, "client_id": "wallet-1"})
    assert "required" in _error(answer, 401, "invalid_client")


def test_key_attestation_refusals(attested):
    answer = attested.token(attested.pre_form())
    token = answer.json()["access_token"]
    key, other = ECKey.generate_key("P-256"), ECKey.generate_key("P-256")
    now = attested.now
    wallet, provider = attested.wallet, attested.provider

    def refused(proof_header: dict[str, Any] | None) -> str:
        made = proof(key, wallet.c_nonce(), now, **(proof_header or {}))
        body = {"credential_configuration_id": SD, "proofs": {"jwt": [made]}}
        return _error(wallet.resource("/oid4vci/credential", token, body), 400, "invalid_proof")

    assert "key attestation is required" in refused(None)
    assert "not one of the attested_keys" in refused(
        {"key_attestation": provider.key_attestation([other], now)}
    )
    stranger = Provider("Unknown Wallet Provider")
    assert "not trusted" in refused({"key_attestation": stranger.key_attestation([key], now)})
    expired = provider.key_attestation([key], now - 7200, exp=now - 3600)
    assert "expired" in refused({"key_attestation": expired})
    assert "exp" in refused({"key_attestation": provider.key_attestation([key], now, exp=None)})
    assert "nonce" in refused(
        {"key_attestation": provider.key_attestation([key], now, nonce="another")}
    )
    assert "attested_keys" in refused(
        {"key_attestation": provider.key_attestation([key], now, attested_keys=[])}
    )
    assert "attested_keys[0]" in refused(
        {"key_attestation": provider.key_attestation([key], now, attested_keys=[{"kty": 1}])}
    )
    wrong_typ = provider.sign("JWT", {"iat": now, "exp": now + 60, "attested_keys": []})
    assert "typ" in refused({"key_attestation": wrong_typ})
    assert "key_attestation" in refused({"key_attestation": "garbage"})
    assert "key_attestation" in refused({"key_attestation": 42})


def test_optional_modes_accept_wallets_without_attestation(tmp_path, provider):
    world = _world(tmp_path, provider, wallet_attestation="optional", key_attestation="optional")
    try:
        server = world.client.get("/.well-known/oauth-authorization-server").json()
        assert server["token_endpoint_auth_methods_supported"] == [
            "none",
            "attest_jwt_client_auth",
        ]
        issuer = world.client.get("/.well-known/openid-credential-issuer").json()
        proofs = issuer["credential_configurations_supported"][SD]["proof_types_supported"]
        assert "key_attestations_required" not in proofs["jwt"]
        wallet = world.wallet()
        token = world.access_token(wallet)  # no attestation: accepted
        body = {
            "credential_configuration_id": SD,
            "proofs": {"jwt": [wallet.proof(wallet.c_nonce())]},
        }
        assert wallet.resource("/oid4vci/credential", token, body).status_code == 200
        # a wrong one sent anyway is refused
        attested = Attested(world, Provider("Unknown Wallet Provider"))
        _error(attested.token(attested.pre_form()), 401, "invalid_client")
    finally:
        world.client.close()
        world.instance.close()


def test_endpoints_are_throttled_per_address(tmp_path):
    world = World(
        tmp_path, f"sqlite:///{tmp_path / 'rate.db'}", extra={"oid4vci_requests_per_minute": 3}
    )
    try:
        for _ in range(3):
            assert world.client.post("/oid4vci/nonce").status_code == 200
        for path in ("/oid4vci/nonce", "/oid4vci/token", "/oid4vci/par", "/oid4vci/credential"):
            answer = world.client.post(path)
            assert "too many requests" in _error(answer, 429, "invalid_request")
            assert 0 < int(answer.headers["Retry-After"]) <= 60
        world.clock.advance(seconds=61)
        assert world.client.post("/oid4vci/nonce").status_code == 200
    finally:
        world.client.close()
        world.instance.close()


def test_issuer_identifier_with_a_path(tmp_path):
    base = "https://issuer.example/mc"
    world = World(tmp_path, f"sqlite:///{tmp_path / 'path.db'}", base=base)
    try:
        client = world.client
        issuer = client.get("/.well-known/openid-credential-issuer/mc")
        assert issuer.status_code == 200, issuer.text
        assert issuer.json()["credential_issuer"] == base
        assert issuer.json()["credential_endpoint"] == base + "/oid4vci/credential"
        server = client.get("/.well-known/oauth-authorization-server/mc")
        assert server.status_code == 200 and server.json()["issuer"] == base
        for wrong in (
            "/.well-known/openid-credential-issuer/other",
            "/.well-known/oauth-authorization-server/mc/extra",
        ):
            answer = client.get(wrong)
            assert answer.status_code == 404 and base in answer.text
        assert (
            client.get("/.well-known/openid-credential-issuer").json()["credential_issuer"] == base
        )
    finally:
        world.client.close()
        world.instance.close()
    plain = World(tmp_path / "plain", f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        assert plain.client.get("/.well-known/openid-credential-issuer").status_code == 200
        assert plain.client.get("/.well-known/openid-credential-issuer/mc").status_code == 404
    finally:
        plain.client.close()
        plain.instance.close()


def test_authorization_code_flow_binds_the_attested_client(attested):
    world = attested.world
    offer = offer_object(world.offer(pre_authorized=False)["offer"])
    verifier = secrets.token_urlsafe(48)
    par = {
        "response_type": "code",
        "client_id": "wallet-1",
        "redirect_uri": "https://wallet.example/cb",
        "code_challenge": b64u(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
        "issuer_state": offer["grants"]["authorization_code"]["issuer_state"],
    }
    pushed = world.client.post("/oid4vci/par", data=par, headers=attested.headers())
    assert pushed.status_code == 201, pushed.text

    def code() -> str:
        request_uri = pushed.json()["request_uri"]
        location = authorization.answer(world.instance, request_uri, "wallet-1", accept=True)
        return parse_qs(urlsplit(location).query)["code"][0]

    form = {
        "grant_type": "authorization_code",
        "code": code(),
        "code_verifier": verifier,
        "redirect_uri": "https://wallet.example/cb",
    }
    # another wallet's attestation (sub wallet-2) cannot redeem wallet-1's code
    other = {
        HEADER: attested.provider.wallet_attestation(
            attested.instance_key, attested.now, sub="wallet-2"
        ),
        POP: pop(attested.instance_key, attested.now),
    }
    assert "client_id" in _error(attested.token(form, other), 400, "invalid_grant")
    pushed = world.client.post("/oid4vci/par", data=par, headers=attested.headers())
    answer = attested.token({**form, "code": code()})
    assert answer.status_code == 200, answer.text


def test_settings_read_the_modes_and_anchor_files(tmp_path):
    env = {"MICROCRED_HOME": str(tmp_path), "MICROCRED_WALLET_ATTESTATION": "Required"}
    env["MICROCRED_WALLET_PROVIDER_TRUST_ANCHORS"] = "a.pem, b.pem"
    read = load_settings(env)
    assert read.wallet_attestation == "required" and read.key_attestation == "off"
    assert read.wallet_provider_trust_anchors == (Path("a.pem"), Path("b.pem"))
    (tmp_path / "config.toml").write_text(
        'key_attestation = "optional"\nwallet_provider_trust_anchors = ["c.pem"]\n'
    )
    read = load_settings({"MICROCRED_HOME": str(tmp_path)})
    assert read.key_attestation == "optional" and read.wallet_attestation == "off"
    assert read.wallet_provider_trust_anchors == (Path("c.pem"),)
    assert "key_attestation" not in read.extra
    with pytest.raises(SettingsError, match="WALLET_ATTESTATION: 'maybe' is not one of off"):
        load_settings({**env, "MICROCRED_WALLET_ATTESTATION": "maybe"})


def test_an_unreadable_anchor_file_is_a_server_error_naming_the_setting(tmp_path, provider):
    world = World(
        tmp_path,
        f"sqlite:///{tmp_path / 'anchors.db'}",
        wallet_attestation="required",
        wallet_provider_trust_anchors=(tmp_path / "missing.pem",),
    )
    try:
        attested = Attested(world, provider)
        answer = attested.token(attested.pre_form())
        assert "wallet_provider_trust_anchors" in _error(answer, 500, "server_error")
    finally:
        world.client.close()
        world.instance.close()


def test_accepted_key_storage_levels_are_advertised_and_checked(tmp_path, provider):
    world = _world(tmp_path, provider, extra={"key_attestation_key_storage": ["iso_18045_high"]})
    try:
        issuer = world.client.get("/.well-known/openid-credential-issuer").json()
        jwt_proofs = issuer["credential_configurations_supported"][SD]["proof_types_supported"]
        assert jwt_proofs["jwt"]["key_attestations_required"] == {"key_storage": ["iso_18045_high"]}
        attested = Attested(world, provider)
        token = attested.token(attested.pre_form()).json()["access_token"]
        key = ECKey.generate_key("P-256")

        def ask(storage: list[str]) -> Any:
            made = provider.key_attestation([key], attested.now, key_storage=storage)
            nonce = attested.wallet.c_nonce()
            body = {
                "credential_configuration_id": SD,
                "proofs": {"jwt": [proof(key, nonce, attested.now, key_attestation=made)]},
            }
            return attested.wallet.resource("/oid4vci/credential", token, body)

        refused = ask(["iso_18045_moderate"])
        assert "key_storage must include one of iso_18045_high" in _error(
            refused, 400, "invalid_proof"
        )
        assert ask(["iso_18045_high"]).status_code == 200
    finally:
        world.client.close()
        world.instance.close()
