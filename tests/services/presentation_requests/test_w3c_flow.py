"""OpenID4VP verifier transactions end to end through the service, with a W3C (ldp_vc)
presentation made by a real holder key: the request object, the encrypted answer, the
report kept for the employer, and the refusals (wrong nonce, replay, unencrypted answer
where encryption was asked, wrong state, wrong key id), each a test."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from joserfc import jwe
from joserfc.jwk import ECKey

from microcred.clock import FixedClock
from microcred.formats.presentation import build_presentation, sign_presentation
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services import organisations, presentation_requests
from microcred.services.instance import Instance
from microcred.services.issuing import issue_award
from microcred.services.presentation_requests import Invalid, NotFound, ProtocolError, wire
from microcred.settings import Settings
from tests.verify.conftest import make_award

QUERY: dict[str, Any] = {
    "credentials": [
        {
            "id": "badge",
            "format": "ldp_vc",
            "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
            "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
        }
    ]
}
START = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture()
def instance(tmp_path, database_url, clock):
    inst = Instance(
        Settings(
            home=tmp_path / "home",
            database_url=database_url,
            secret_key="test-secret",
            base_url="https://verifier.example",
        ),
        clock,
    )
    yield inst
    inst.close()


@pytest.fixture()
def org(instance):
    return organisations.create(instance, name="Employer SIA", country="LV")


def _claims(jwt: str) -> dict[str, Any]:
    part = jwt.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return data


def _presentation(nonce: str, domain: str, when: datetime) -> dict[str, Any]:
    issuer, holder = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    did = did_key_for(holder)
    credential = issue_award(make_award(learner={"name": "Anna", "identifier": did}), issuer)
    return sign_presentation(
        build_presentation([credential], holder=did),
        holder,
        verification_method=f"{did}#{holder.public_multibase}",
        challenge=nonce,
        domain=domain,
        created=when.replace(microsecond=0),
    )


def _encrypt(request: dict[str, Any], payload: dict[str, Any], **header: Any) -> str:
    jwk = request["client_metadata"]["jwks"]["keys"][0]
    protected = {"alg": jwk["alg"], "enc": "A256GCM", "kid": jwk["kid"], **header}
    return jwe.encrypt_compact(protected, json.dumps(payload).encode(), ECKey.import_key(jwk))


def _new(instance, org, **kw: Any) -> tuple[Any, dict[str, Any]]:
    created = presentation_requests.create(
        instance, org.slug, QUERY, client_id_prefix="redirect_uri", **kw
    )
    return created, _claims(presentation_requests.request_object(instance, created.id))


def test_the_request_object_says_what_openid4vp_asks(instance, org):
    created, request = _new(instance, org)
    assert created.link.startswith("openid4vp://?client_id=redirect_uri%3A")
    assert created.haip_link.startswith("haip-vp://?")
    assert "request_uri=" in created.link
    assert request["client_id"] == f"redirect_uri:{created.response_uri}" == created.client_id
    assert request["response_type"] == "vp_token"
    assert request["response_mode"] == "direct_post.jwt"
    assert request["response_uri"] == created.response_uri
    assert request["dcql_query"] == QUERY
    assert len(request["nonce"]) >= 32 and len(request["state"]) >= 32
    metadata = request["client_metadata"]
    assert metadata["encrypted_response_enc_values_supported"] == ["A128GCM", "A256GCM"]
    (key,) = metadata["jwks"]["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ECDH-ES"
    assert key["use"] == "enc" and key["kid"] and "d" not in key
    assert "dc+sd-jwt" in metadata["vp_formats_supported"]
    other, second = _new(instance, org)
    assert second["nonce"] != request["nonce"] and second["state"] != request["state"]
    assert second["client_metadata"]["jwks"]["keys"][0]["x"] != key["x"]  # ephemeral
    # POST request_uri_method: the wallet's nonce is in the request object
    posted = presentation_requests.request_object(instance, other.id, wallet_nonce="wn-1")
    assert _claims(posted)["wallet_nonce"] == "wn-1"


def test_a_bad_dcql_query_is_refused_naming_the_field(instance, org):
    with pytest.raises(Invalid) as caught:
        presentation_requests.create(instance, org.slug, {"credentials": []})
    assert caught.value.field == "dcql" and "dcql_query.credentials" in str(caught.value)


def test_an_encrypted_w3c_answer_is_verified_and_kept(instance, org, clock):
    created, request = _new(instance, org, keep=timedelta(days=2))
    vp = _presentation(request["nonce"], request["client_id"], START)
    answer = _encrypt(request, {"vp_token": {"badge": [vp]}, "state": request["state"]})
    assert presentation_requests.receive(instance, created.id, {"response": answer}) == {}
    view = presentation_requests.get(instance, org.slug, created.id)
    assert view.status == "answered"
    result = view.result
    assert result is not None and result["valid"] is True and result["complete"] is True
    (entry,) = result["credentials"]
    assert entry["query"] == "badge" and entry["format"] == "ldp_vc" and entry["valid"]
    assert entry["claims"]["credentialSubject"]["achievement"]["name"]
    assert result["dcql"]["credentials"]["badge"][0]["disclosed"] == [
        ["credentialSubject", "achievement", "name"]
    ]
    # the same answer again: refused (single use)
    with pytest.raises(ProtocolError, match="answered already"):
        presentation_requests.receive(instance, created.id, {"response": answer})
    # the request object is no longer served
    with pytest.raises(ProtocolError) as caught:
        presentation_requests.request_object(instance, created.id)
    assert caught.value.error == "invalid_request_uri"
    # kept for the time asked for, then deleted
    clock.advance(days=2, minutes=11)
    assert presentation_requests.delete_expired(instance) == 1
    with pytest.raises(NotFound):
        presentation_requests.get(instance, org.slug, created.id)


def test_another_organisation_does_not_see_the_request(instance, org):
    created, _ = _new(instance, org)
    other = organisations.create(instance, name="Other SIA", country="LV")
    with pytest.raises(NotFound):
        presentation_requests.get(instance, other.slug, created.id)


def test_an_answer_to_another_nonce_fails_and_says_why(instance, org):
    created, request = _new(instance, org)
    vp = _presentation("some-other-nonce", request["client_id"], START)
    answer = _encrypt(request, {"vp_token": {"badge": [vp]}, "state": request["state"]})
    with pytest.raises(ProtocolError) as caught:
        presentation_requests.receive(instance, created.id, {"response": answer})
    assert caught.value.error == "invalid_request"
    view = presentation_requests.get(instance, org.slug, created.id)
    assert view.status == "failed" and view.result is not None
    assert view.result["valid"] is False
    assert view.result["credentials"][0]["valid"] is False


def test_a_presentation_for_another_verifier_fails(instance, org):
    created, request = _new(instance, org)
    vp = _presentation(request["nonce"], "redirect_uri:https://elsewhere.example/cb", START)
    answer = _encrypt(request, {"vp_token": {"badge": [vp]}, "state": request["state"]})
    with pytest.raises(ProtocolError):
        presentation_requests.receive(instance, created.id, {"response": answer})
    assert presentation_requests.get(instance, org.slug, created.id).status == "failed"


def test_an_unencrypted_answer_is_refused_where_encryption_was_asked(instance, org):
    created, request = _new(instance, org)
    vp = _presentation(request["nonce"], request["client_id"], START)
    form = {"vp_token": json.dumps({"badge": [vp]}), "state": request["state"]}
    with pytest.raises(ProtocolError, match="encrypted response"):
        presentation_requests.receive(instance, created.id, form)
    assert presentation_requests.get(instance, org.slug, created.id).status == "pending"


def test_direct_post_takes_the_vp_token_as_form_parameters(instance, org):
    created, request = _new(instance, org, response_mode="direct_post")
    assert "jwks" not in request["client_metadata"]
    vp = _presentation(request["nonce"], request["client_id"], START)
    form = {"vp_token": json.dumps({"badge": [vp]}), "state": request["state"]}
    presentation_requests.receive(instance, created.id, form)
    assert presentation_requests.get(instance, org.slug, created.id).status == "answered"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"state": "not-the-state"}, "state"),
        ({"vp_token": {}}, "vp_token"),
        ({"vp_token": {"badge": []}}, "non-empty array"),
    ],
)
def test_malformed_answers_are_refused_and_the_request_stays_open(instance, org, change, message):
    created, request = _new(instance, org)
    payload = {"vp_token": {"badge": ["x"]}, "state": request["state"], **change}
    with pytest.raises(ProtocolError, match=message):
        presentation_requests.receive(
            instance, created.id, {"response": _encrypt(request, payload)}
        )
    assert presentation_requests.get(instance, org.slug, created.id).status == "pending"


def test_a_jwe_to_another_key_or_kid_is_refused(instance, org):
    created, request = _new(instance, org)
    _, other = _new(instance, org)
    payload = {"vp_token": {"badge": ["x"]}, "state": request["state"]}
    with pytest.raises(ProtocolError, match="cannot be decrypted"):
        presentation_requests.receive(instance, created.id, {"response": _encrypt(other, payload)})
    with pytest.raises(ProtocolError, match="kid"):
        presentation_requests.receive(
            instance, created.id, {"response": _encrypt(request, payload, kid="nope")}
        )


def test_a_missing_required_credential_fails(instance, org):
    created, request = _new(instance, org)
    answer = _encrypt(request, {"vp_token": {"other": ["x"]}, "state": request["state"]})
    with pytest.raises(ProtocolError):
        presentation_requests.receive(instance, created.id, {"response": answer})
    view = presentation_requests.get(instance, org.slug, created.id)
    assert view.result is not None
    assert "badge: asked for and not presented" in view.result["problems"]


def test_the_wallet_refusing_is_recorded(instance, org):
    created, request = _new(instance, org)
    form = {"error": "access_denied", "state": request["state"]}
    presentation_requests.receive(instance, created.id, form)
    view = presentation_requests.get(instance, org.slug, created.id)
    assert view.status == "refused" and view.result == {
        "error": "access_denied",
        "error_description": "",
    }


def test_an_expired_request_takes_no_answer(instance, org, clock):
    created, _ = _new(instance, org)
    clock.advance(minutes=11)
    assert presentation_requests.get(instance, org.slug, created.id).status == "expired"
    with pytest.raises(ProtocolError, match="expired"):
        presentation_requests.receive(instance, created.id, {"response": "a.b.c.d.e"})


def test_the_specification_encrypted_response_decrypts_to_its_payload():
    from tests.verify.dcql_cases import VECTORS

    folder = VECTORS / "encrypted_response"
    payload = wire.decrypt_response(
        (folder / "response.jwe.txt").read_text().strip(),
        json.loads((folder / "private_jwk.json").read_text()),
    )
    assert payload == json.loads((folder / "expected_payload.json").read_text())


def test_same_device_the_browser_comes_back_with_a_response_code(instance, org):
    created = presentation_requests.create(
        instance,
        org.slug,
        QUERY,
        client_id_prefix="redirect_uri",
        redirect_uri="https://verifier.example/employer/answers",
    )
    request = _claims(presentation_requests.request_object(instance, created.id))
    vp = _presentation(request["nonce"], request["client_id"], START)
    answer = _encrypt(request, {"vp_token": {"badge": [vp]}, "state": request["state"]})
    back = presentation_requests.receive(instance, created.id, {"response": answer})
    prefix = "https://verifier.example/employer/answers#response_code="
    assert back["redirect_uri"].startswith(prefix)
    code = back["redirect_uri"].removeprefix(prefix)
    assert presentation_requests.check_response_code(instance, created.id, code)
    assert not presentation_requests.check_response_code(instance, created.id, code + "x")
    with pytest.raises(Invalid):
        presentation_requests.create(instance, org.slug, QUERY, redirect_uri="javascript:x")


def test_answers_are_bounded_in_size_and_the_request_stays_open(instance, org):
    from microcred.services.presentation_requests import responses

    created, request = _new(instance, org)
    huge = "a." + "b" * wire.MAX_RESPONSE_JWE + ".c.d.e"
    with pytest.raises(ProtocolError, match="compact JWE"):
        presentation_requests.receive(instance, created.id, {"response": huge})
    many = {"badge": ["x"] * (responses.MAX_PRESENTATIONS + 1)}
    answer = _encrypt(request, {"vp_token": many, "state": request["state"]})
    with pytest.raises(ProtocolError, match=f"more than {responses.MAX_PRESENTATIONS}"):
        presentation_requests.receive(instance, created.id, {"response": answer})
    plain, plain_request = _new(instance, org, response_mode="direct_post")
    big = json.dumps({"badge": ["x" * responses.MAX_VP_TOKEN_BYTES]})
    with pytest.raises(ProtocolError, match="too large"):
        presentation_requests.receive(
            instance, plain.id, {"vp_token": big, "state": plain_request["state"]}
        )
    for each in (created.id, plain.id):
        assert presentation_requests.get(instance, org.slug, each).status == "pending"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"lifetime": timedelta(seconds=30)}, "lifetime"),
        ({"lifetime": timedelta(hours=25)}, "lifetime"),
        ({"keep": timedelta(days=91)}, "keep"),
        ({"keep": timedelta(0)}, "keep"),
    ],
)
def test_lifetimes_are_bounded_naming_the_field(instance, org, kw, field):
    with pytest.raises(Invalid) as caught:
        presentation_requests.create(instance, org.slug, QUERY, **kw)
    assert caught.value.field == field


def test_a_dcql_query_is_bounded_in_size(instance, org):
    from microcred.services.presentation_requests import MAX_DCQL_BYTES

    query = json.loads(json.dumps(QUERY))
    query["credentials"][0]["claims"] = [
        {"path": ["credentialSubject", f"c{i}" + "x" * 60]} for i in range(MAX_DCQL_BYTES // 60)
    ]
    with pytest.raises(Invalid, match="larger than") as caught:
        presentation_requests.create(instance, org.slug, query)
    assert caught.value.field == "dcql"
