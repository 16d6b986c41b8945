"""The microcred wallet answers microcred's own OpenID4VP verifier (one instance, uvicorn on
127.0.0.1): Anna receives her SD-JWT VC over OpenID4VCI, the employer asks for the title and
her family name, she discloses only those (the grade withheld), the employer sees it valid.
Refusals: a request whose verifier certificate is not trusted, a credential that does not
match the query, declining (the verifier hears access_denied), a link that is no link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from microcred.api import create_app
from microcred.services import (
    certificates,
    credentials,
    presentation_requests,
)
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.services.openid4vci import offers
from microcred.services.wallet.openid4vci_receive import receive
from microcred.services.wallet.openid4vp_respond import RespondError, open_request, respond
from tests.live_server import free_port as _free_port
from tests.live_server import own_wallet_settings, running_app
from tests.wallet_college import college_issues_to_anna

SPEC = Path(__file__).resolve().parents[3] / "examples" / "specs" / "university-data-analysis.yaml"
EUDI = "urn:eu.europa.ec.eudi:learning:credential:1"


@dataclass
class World:
    url: str
    instance: Instance
    org: str
    item: str  # Anna's SD-JWT VC in her wallet
    badge: str  # and an Open Badges 3.0 credential (Data Integrity)
    jwt: str  # and a VC-JWT of another credential (jwt_vc_json)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("oid4vp-wallet")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = own_wallet_settings(home, port, "oid4vp-wallet-test")
    app = create_app(settings)
    instance: Instance = app.state.instance
    college = college_issues_to_anna(instance, SPEC, "correct horse 15", grade="9")
    with running_app(app, port, what="the instance"):
        offer = offers.create(instance, college.org, college.issued.id, pre_authorized=True)
        [(item, _)] = receive(instance, "anna", offer.offer)
        from microcred.services import wallet

        badge, _ = wallet.import_bytes(
            instance, "anna", college.issued.document.encode(), filename="b.json"
        )
        as_jwt = credentials.issue(
            instance,
            college.org,
            college.spec_id,
            IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-07-01"),
            fmt="jwt",
        )
        jwt, _ = wallet.import_bytes(instance, "anna", as_jwt.document.encode())
        yield World(url, instance, college.org, item.id, badge.id, jwt.id)
    instance.close()


def _query(vct: str, claims: list[list[str]] | None = None) -> dict[str, Any]:
    return {
        "credentials": [
            {
                "id": "micro",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [vct, EUDI]},
                "claims": [{"path": p} for p in claims or [["family_name"], ["achievement_title"]]],
            }
        ]
    }


def _vct(world: World) -> str:
    from microcred.formats.sd_jwt_vc import vct_url

    return vct_url(world.url)


def test_anna_answers_an_employer_with_only_what_is_asked(world):
    created = presentation_requests.create(world.instance, world.org, _query(_vct(world)))
    opened = open_request(world.instance, created.link)
    assert opened.verified and "Rīgas Tehniskā koledža" in opened.verifier
    assert opened.client_id == created.client_id
    result = respond(world.instance, "anna", created.link, [world.item])
    assert result["accepted"], result
    disclosed = result["sent"]["micro"][0]["disclosed"]
    assert "family_name" in disclosed and "assessment_grade" not in disclosed
    view = presentation_requests.get(world.instance, world.org, created.id)
    assert view.status == "answered" and view.result is not None and view.result["valid"]
    claims = view.result["credentials"][0]["claims"]
    assert claims["family_name"] and "assessment_grade" not in claims


def test_the_learner_may_disclose_more(world):
    created = presentation_requests.create(world.instance, world.org, _query(_vct(world)))
    result = respond(
        world.instance, "anna", created.link, [world.item], disclose_more=["assessment_grade"]
    )
    assert result["accepted"], result
    assert "assessment_grade" in result["sent"]["micro"][0]["disclosed"]


def test_declining_tells_the_verifier(world):
    created = presentation_requests.create(world.instance, world.org, _query(_vct(world)))
    result = respond(world.instance, "anna", created.haip_link, [], refuse=True)
    assert result["accepted"] and result["refused"]
    assert presentation_requests.get(world.instance, world.org, created.id).status == "refused"


def test_a_credential_that_does_not_match_is_not_sent(world):
    created = presentation_requests.create(
        world.instance, world.org, _query("https://other.example/vct/other")
    )
    with pytest.raises(RespondError, match="does not match") as caught:
        respond(world.instance, "anna", created.link, [world.item])
    assert caught.value.field == "credential"
    assert presentation_requests.get(world.instance, world.org, created.id).status == "pending"


def test_a_verifier_whose_certificate_is_not_trusted_is_refused(world, monkeypatch):
    created = presentation_requests.create(world.instance, world.org, _query(_vct(world)))
    monkeypatch.setattr(certificates, "trust_anchors", lambda instance: [])
    with pytest.raises(RespondError, match="not trusted"):
        open_request(world.instance, created.link)


@pytest.mark.parametrize("link", ["https://x.example/", "mailto:a@b", "openid4vp://?client_id=a"])
def test_not_a_request_link(world, link):
    with pytest.raises(RespondError) as caught:
        open_request(world.instance, link)
    assert caught.value.field == "link"


def test_an_sd_jwt_vc_and_an_open_badge_together(world):
    query = _query(_vct(world))
    query["credentials"].append(
        {
            "id": "badge",
            "format": "ldp_vc",
            "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
            "require_cryptographic_holder_binding": False,
            "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
        }
    )
    created = presentation_requests.create(world.instance, world.org, query)
    result = respond(world.instance, "anna", created.link, [world.item, world.badge])
    assert result["accepted"], result
    view = presentation_requests.get(world.instance, world.org, created.id)
    assert view.result is not None and view.result["valid"], view.result["problems"]
    assert {c["query"] for c in view.result["credentials"]} == {"micro", "badge"}


JWT_QUERY: dict[str, Any] = {
    "credentials": [
        {
            "id": "vc_jwt",
            "format": "jwt_vc_json",
            "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
            "require_cryptographic_holder_binding": False,
            "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
        }
    ]
}


def test_a_vc_jwt_is_sent_as_a_vp_jwt_for_jwt_vc_json(world):
    created = presentation_requests.create(world.instance, world.org, JWT_QUERY)
    opened = open_request(world.instance, created.link)
    from microcred.services.wallet.openid4vp_choices import choices

    (wanted,) = choices(world.instance, "anna", opened)
    assert [c.item_id for c in wanted.choices] == [world.jwt] and wanted.choices[0].whole
    result = respond(world.instance, "anna", created.link, [world.jwt])
    assert result["accepted"], result
    view = presentation_requests.get(world.instance, world.org, created.id)
    assert view.result is not None and view.result["valid"], view.result["problems"]
    (entry,) = view.result["credentials"]
    assert entry["format"] == "jwt_vc_json"
    parse = next(c for c in entry["report"]["checks"] if c["id"] == "parse")
    assert "vp+jwt" in parse["message"]
    assert entry["claims"]["credentialSubject"]["achievement"]["name"]
    proof = next(c for c in entry["report"]["checks"] if c["id"] == "proof")
    assert created.client_id in proof["message"]  # the vp+jwt's aud is the full client id


def test_a_data_integrity_credential_does_not_answer_jwt_vc_json(world):
    created = presentation_requests.create(world.instance, world.org, JWT_QUERY)
    with pytest.raises(RespondError, match="does not match"):
        respond(world.instance, "anna", created.link, [world.badge])


def test_the_verifier_refuses_a_json_presentation_for_jwt_vc_json(world):
    """A jwt_vc_json answer must be a vp+jwt: a JSON-LD presentation is refused by name."""
    from microcred.services import sharing

    created = presentation_requests.create(
        world.instance, world.org, JWT_QUERY, response_mode="direct_post"
    )
    opened = open_request(world.instance, created.link)
    vp = sharing.present(
        world.instance, "anna", [world.badge], challenge=opened.nonce, domain=opened.client_id
    )
    import json

    form = {"vp_token": json.dumps({"vc_jwt": [vp]}), "state": opened.state or ""}
    with pytest.raises(presentation_requests.ProtocolError):
        presentation_requests.receive(world.instance, created.id, form)
    view = presentation_requests.get(world.instance, world.org, created.id)
    assert view.status == "failed" and view.result is not None
    assert "vp+jwt" in view.result["credentials"][0]["problems"][0]
