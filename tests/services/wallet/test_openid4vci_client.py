"""The OpenID4VCI wallet's protocol pieces without a network: offers (the OpenID4VCI 1.0
examples), well-known addresses, DPoP and proof JWTs, OAuth error answers."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import ECKey

from microcred.proofs.keys import P256KeyPair
from microcred.services.wallet.openid4vci_client import (
    ReceiveError,
    Session,
    access_token,
    oauth_error_of,
    offer_object,
    proof_jwt,
    read_offer,
    well_known,
)
from microcred.verify.http_fetch import Answer, OutboundFetcher, OutboundPolicy

VECTORS = Path(__file__).resolve().parents[3] / ".." / "shared" / "vectors" / "openid4vci-1.0"


def _vector(name: str) -> dict:
    text = (VECTORS / name).read_text(encoding="utf-8")
    if name.endswith(".txt"):  # an HTTP answer: the JSON body after the blank line
        text = text.split("\n\n", 1)[1]
    return json.loads(text)


def _link(offer: dict, scheme: str = "openid-credential-offer") -> str:
    return f"{scheme}://?credential_offer={quote(json.dumps(offer))}"


def test_offer_by_value_from_the_spec_example() -> None:
    example = _vector("credential_offer_pre-authz_code.json")
    data, uri = offer_object(_link(example))
    assert uri is None
    offer = read_offer(data, "value")
    assert offer.credential_issuer == "https://credential-issuer.example.com"
    assert offer.configuration_ids == ("UniversityDegreeCredential",)
    assert offer.pre_authorized_code == "adhjhdjajkdkhjhdj"
    assert offer.tx_code is not None and "description" in offer.tx_code


def test_offer_with_an_empty_tx_code_object_still_asks_for_a_pin() -> None:
    offer = read_offer(_vector("credential_offer_by_reference.json"), "value")
    assert offer.tx_code == {}


def test_offer_by_reference_and_other_schemes() -> None:
    uri = "https://credential-issuer.example.com/offers/1"
    assert offer_object(f"openid-credential-offer://?credential_offer_uri={quote(uri)}") == (
        None,
        uri,
    )
    example = _vector("credential_offer_multiple_credentials.json")
    data, _ = offer_object(_link(example, "haip-vci"))
    assert read_offer(data, "value").configuration_ids == (
        "UniversityDegreeCredential",
        "org.iso.18013.5.1.mDL",
    )
    data, _ = offer_object(json.dumps(example))  # the JSON pasted as it is
    assert data == example


def test_authorization_code_offer_is_read_and_the_pre_authorized_path_refuses_it() -> None:
    offer = read_offer(_vector("credential_offer_authz_code.txt"), "value")
    assert offer.authorization_code and offer.pre_authorized_code is None
    assert offer.issuer_state == "eyJhbGciOiJSU0Et...FYUaBy"
    with pytest.raises(ReceiveError, match="authorization code flow"):
        access_token(_session(), offer, {"token_endpoint": "https://issuer.example/t"}, None)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("x" * 20_000, "longer than"),
        ("mailto:someone@example.org", "not a credential offer"),
        ("openid-credential-offer://?nothing=1", "exactly one of"),
        (
            "openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fa",
            "exactly one of",
        ),
        ("openid-credential-offer://?credential_offer=%5B%5D", "not a JSON object"),
        ("openid-credential-offer://?credential_offer=%7Bx", "not JSON"),
    ],
)
def test_bad_offer_links(text: str, fragment: str) -> None:
    with pytest.raises(ReceiveError, match=fragment) as caught:
        data, _ = offer_object(text)
        read_offer(data or {}, "value")
    assert caught.value.step == "offer" and caught.value.field == "offer"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"credential_issuer": None}, "credential_issuer"),
        ({"credential_configuration_ids": []}, "credential_configuration_ids"),
        ({"credential_configuration_ids": [f"c{i}" for i in range(9)]}, "1 to 5"),
        ({"credential_configuration_ids": [7]}, "credential_configuration_ids"),
        ({"grants": {}}, "neither a pre-authorized code nor"),
        (
            {"grants": {"urn:ietf:params:oauth:grant-type:pre-authorized_code": {}}},
            "pre-authorized_code",
        ),
    ],
)
def test_bad_offer_fields_are_named(change: dict, fragment: str) -> None:
    offer = {**_vector("credential_offer_pre-authz_code.json"), **change}
    with pytest.raises(ReceiveError, match=fragment):
        read_offer(offer, "value")


def test_well_known_goes_before_the_path() -> None:
    assert (
        well_known("https://issuer.example/tenant/1", "openid-credential-issuer")
        == "https://issuer.example/.well-known/openid-credential-issuer/tenant/1"
    )
    assert (
        well_known("https://issuer.example", "oauth-authorization-server")
        == "https://issuer.example/.well-known/oauth-authorization-server"
    )


def _session() -> Session:
    return Session(OutboundFetcher(OutboundPolicy(["issuer.example"])), lambda: 1_700_000_000)


def _verified(token: str, jwk: dict) -> tuple[dict, dict]:
    found = jws.deserialize_compact(token, ECKey.import_key(jwk), algorithms=["ES256"])
    return found.protected, json.loads(found.payload)


def test_dpop_proof_is_signed_by_its_key_and_bound_to_the_request() -> None:
    session = _session()
    session.dpop_nonces["https://issuer.example"] = "server-nonce"
    token = session.dpop("POST", "https://issuer.example/credential?x=1#f", "the-access-token")
    header, claims = _verified(token, session.dpop_key.to_public_jwk())
    assert header["typ"] == "dpop+jwt" and header["jwk"] == session.dpop_key.to_public_jwk()
    assert "d" not in header["jwk"]
    assert claims["htm"] == "POST" and claims["htu"] == "https://issuer.example/credential"
    assert claims["nonce"] == "server-nonce" and claims["iat"] == 1_700_000_000
    digest = hashlib.sha256(b"the-access-token").digest()
    assert claims["ath"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    again = session.dpop("POST", "https://issuer.example/credential")
    assert _verified(again, session.dpop_key.to_public_jwk())[1]["jti"] != claims["jti"]


def test_a_dpop_nonce_is_kept_per_server() -> None:
    session = _session()
    session.dpop_nonces["https://as.example"] = "as-nonce"
    token = session.dpop("POST", "https://issuer.example/credential")
    assert "nonce" not in _verified(token, session.dpop_key.to_public_jwk())[1]


def test_proof_jwt() -> None:
    key = P256KeyPair.generate()
    token = proof_jwt(_session(), key, "https://issuer.example", "c-nonce")
    header, claims = _verified(token, key.to_public_jwk())
    assert header["typ"] == "openid4vci-proof+jwt" and header["jwk"] == key.to_public_jwk()
    assert claims == {"aud": "https://issuer.example", "iat": 1_700_000_000, "nonce": "c-nonce"}
    other = P256KeyPair.generate()
    with pytest.raises(Exception):  # noqa: B017 - any joserfc refusal
        _verified(token, other.to_public_jwk())


def test_oauth_error_answers() -> None:
    body = json.dumps({"error": "invalid_grant", "error_description": "PIN"}).encode()
    assert oauth_error_of(Answer(400, httpx.Headers(), body)) == ("invalid_grant", "PIN")
    challenge = httpx.Headers({"WWW-Authenticate": 'DPoP error="use_dpop_nonce"'})
    assert oauth_error_of(Answer(401, challenge, b"")) == ("use_dpop_nonce", "HTTP 401")
    assert oauth_error_of(Answer(500, httpx.Headers(), b"<html>")) == (None, "HTTP 500")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"transaction_id": "t", "interval": True}, "interval"),
        ({"transaction_id": "t", "interval": 0}, "interval"),
        ({"transaction_id": "t", "interval": 10**9}, "interval"),
        ({"transaction_id": "t", "interval": "5"}, "interval"),
        ({"interval": 5}, "transaction_id"),
        ({"transaction_id": "x" * 600, "interval": 5}, "transaction_id"),
        ({"transaction_id": 7, "interval": 5}, "transaction_id"),
    ],
)
def test_a_deferred_answer_is_checked(body: dict, words: str) -> None:
    from microcred.services.wallet.openid4vci_client import deferred_of

    with pytest.raises(ReceiveError, match=words):
        deferred_of(body, "conf", "dc+sd-jwt")


def test_a_deferred_answer_gives_the_transaction_and_interval() -> None:
    from microcred.services.wallet.openid4vci_client import Deferred, deferred_of

    assert deferred_of({"transaction_id": "t1", "interval": 30}, "c", "dc+sd-jwt") == Deferred(
        "c", "dc+sd-jwt", "t1", 30
    )
    assert deferred_of({"transaction_id": "t1"}, "c", "f").interval == 5  # the default
