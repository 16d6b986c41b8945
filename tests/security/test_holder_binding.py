"""Issue 12, finding 6: a presentation of someone else's credential must not read as theirs.

A credential issued to an e-mail address has no subject id, so nothing binds it to the person
who presents it. The W3C rule stays (a presentation's holder may differ from the subjects;
that is verifier policy), but the report now says, per credential, whether it is bound to the
presenter and how, and the pages where an employer decides say so in plain words.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from microcred.formats.presentation import build_presentation, sign_presentation
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services.issuing import issue_award
from microcred.verify import VerifierContext
from microcred.verify.presentation import verify_presentation
from tests.verify.conftest import NOW, make_award

CHALLENGE = "binding-challenge"
DOMAIN = "https://employer.example"
UNBOUND_EN = "Not shown to belong to the person who presented it"
UNBOUND_LV = "Nav pierādīts, ka tas pieder personai, kas to uzrādīja"


def _present(credentials: list, holder: Ed25519KeyPair, *, created: datetime) -> dict:
    did = did_key_for(holder)
    return sign_presentation(
        build_presentation(copy.deepcopy(credentials), did),
        holder,
        verification_method=f"{did}#{holder.public_multibase}",
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=created,
    )


@pytest.fixture(scope="module")
def people():
    issuer, a, b = (Ed25519KeyPair.generate() for _ in range(3))
    by_email = issue_award(make_award(), issuer)  # learner anna@example.lv: no subject id
    to_b = issue_award(make_award(learner={"name": "Bruno", "identifier": did_key_for(b)}), issuer)
    to_a = issue_award(
        make_award(
            "employer-forklift-safety.yaml", learner={"name": "Anna", "identifier": did_key_for(a)}
        ),
        issuer,
    )
    assert "id" not in by_email["credentialSubject"]
    return {"a": a, "b": b, "email": by_email, "to_b": to_b, "to_a": to_a}


def _bindings(report) -> dict[str, dict]:
    return {c["id"]: c["holder_binding"] for c in report.to_json()["credentials"]}


def test_the_report_says_per_credential_whether_it_is_bound_to_the_presenter(people):
    a = people["a"]
    vp = _present(
        [people["email"], people["to_b"], people["to_a"]],
        a,
        created=datetime(2026, 11, 23, 11, 59, tzinfo=UTC),
    )
    report = verify_presentation(vp, VerifierContext(now=NOW), challenge=CHALLENGE, domain=DOMAIN)
    bindings = _bindings(report)
    email = bindings[people["email"]["id"]]
    to_b = bindings[people["to_b"]["id"]]
    to_a = bindings[people["to_a"]["id"]]
    assert email["status"] == "not_bound" and email["method"] == "none"
    assert email["code"] == "holder.not_bound.no_subject_id"
    assert "names no subject id" in email["message"]
    assert to_b["status"] == "not_bound" and to_b["method"] == "none"
    assert to_b["code"] == "holder.not_bound.other_subject"
    assert did_key_for(people["b"]) in to_b["message"]
    assert to_a["status"] == "bound" and to_a["method"] == "subject_id"
    assert to_a["code"] == "holder.bound.subject_id"
    assert did_key_for(a) in to_a["message"]
    # The presentation-level holder check names the unbound ones and why; a credential issued
    # to another DID is not bound either, which VC DM 2.0 allows (issue 14, point 10): valid,
    # unless this verifier asks for binding.
    holder = report.check("holder")
    assert holder.status == "warn" and holder.code == "holder.not_bound" and report.valid
    assert did_key_for(people["b"]) in holder.message and people["email"]["id"] in holder.message
    strict = verify_presentation(
        vp, VerifierContext(now=NOW), challenge=CHALLENGE, domain=DOMAIN, require_binding=True
    )
    assert strict.check("holder").status == "fail" and not strict.valid
    # In-process objects say the same as the JSON.
    assert [c.binding.status for c in report.credentials] == ["not_bound", "not_bound", "bound"]


def test_an_e_mail_credential_keeps_the_w3c_rule_but_is_plainly_not_bound(people):
    a = people["a"]
    vp = _present(
        [people["email"], people["to_a"]], a, created=datetime(2026, 11, 23, 11, 59, tzinfo=UTC)
    )
    report = verify_presentation(vp, VerifierContext(now=NOW), challenge=CHALLENGE, domain=DOMAIN)
    # W3C: the holder may differ from a subject; that is policy, not an invalid presentation.
    assert report.valid, report.to_json()
    holder = report.check("holder")
    assert holder.status == "warn" and holder.code == "holder.not_bound"
    assert "not shown to belong to" in holder.message
    assert people["email"]["id"] in holder.message
    bindings = _bindings(report)
    assert bindings[people["email"]["id"]]["status"] == "not_bound"
    assert bindings[people["to_a"]["id"]]["status"] == "bound"
    # All bound: the holder check passes and says how.
    only_a = verify_presentation(
        _present([people["to_a"]], a, created=datetime(2026, 11, 23, 11, 59, tzinfo=UTC)),
        VerifierContext(now=NOW),
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    assert only_a.check("holder").status == "pass"
    assert only_a.check("holder").code == "holder.ok"


def test_a_forged_presentation_binds_nothing(people):
    """Signed by Mallory's key but naming A as holder: no credential is shown to be A's."""
    mallory = Ed25519KeyPair.generate()
    did_a = did_key_for(people["a"])
    vp = sign_presentation(
        build_presentation([copy.deepcopy(people["to_a"])], did_a),
        mallory,
        verification_method=f"{did_key_for(mallory)}#{mallory.public_multibase}",
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=datetime(2026, 11, 23, 11, 59, tzinfo=UTC),
    )
    report = verify_presentation(vp, VerifierContext(now=NOW), challenge=CHALLENGE, domain=DOMAIN)
    assert not report.valid
    binding = _bindings(report)[people["to_a"]["id"]]
    assert binding["status"] == "not_bound"
    assert binding["code"] == "holder.not_bound.holder_not_proven"


# ------------------------------------------------------------------ the pages


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    from microcred.api import create_app
    from microcred.settings import Settings
    from microcred.web import mount

    home = tmp_path_factory.mktemp("holder-binding")
    app = create_app(
        Settings(
            home=home,
            database_url=f"sqlite:///{home / 'db.sqlite'}",
            secret_key="holder-binding",
            base_url="http://testserver",
        )
    )
    mount(app)
    with TestClient(app) as client:
        yield client


def _csrf(client: TestClient, path: str = "/") -> str:
    page = client.get(path)
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the verify form carries a CSRF token"
    return found.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_verify_page_shows_an_unbound_credential_as_not_the_presenters(app_client, people):
    a = people["a"]
    vp = _present(
        [people["email"], people["to_a"]], a, created=datetime.now(UTC).replace(microsecond=0)
    )
    token = _csrf(app_client)
    page = app_client.post("/verify", data={"text": json.dumps(vp), "csrf": token})
    assert page.status_code == 200, page.text[:500]
    text = _text(page.text)
    assert text.count(UNBOUND_EN) == 1, text
    assert "Issued to the person who presented it" in text
    assert did_key_for(a) in text  # who presented it
    assert 'data-binding="not_bound"' in page.text and 'data-binding="bound"' in page.text
    # and in Latvian
    token = _csrf(app_client, "/?lang=lv")
    page = app_client.post("/verify?lang=lv", data={"text": json.dumps(vp), "csrf": token})
    assert page.status_code == 200
    assert UNBOUND_LV in _text(page.text)


def test_the_share_page_shows_a_credential_not_issued_to_the_wallets_did(app_client, people):
    from microcred.services import holders, sharing, wallet

    instance = app_client.app.state.instance
    holder = holders.create(instance, name="Mallory", handle="mallory", password="long password 1")
    # Mallory imports Anna's e-mail credential and a credential issued to her wallet's DID.
    wallet.import_bytes(instance, "mallory", json.dumps(people["email"]).encode())
    issuer = Ed25519KeyPair.generate()
    own = issue_award(make_award(learner={"name": "Mallory", "identifier": holder.did}), issuer)
    wallet.import_bytes(instance, "mallory", json.dumps(own).encode())
    items = wallet.list_items(instance, "mallory")
    share = sharing.create_share(instance, "mallory", [i.id for i in items])
    path = "/s/" + share.url.rsplit("/s/", 1)[1]
    page = app_client.get(path, params={"lang": "en"})
    assert page.status_code == 200
    assert _text(page.text).count(UNBOUND_EN) == 1, _text(page.text)
    data = app_client.get(path, headers={"accept": "application/json"}).json()
    bindings = {c["credential"]["id"]: c["holder_binding"] for c in data["credentials"]}
    assert bindings[people["email"]["id"]]["status"] == "not_bound"
    assert bindings[own["id"]]["status"] == "bound"
    assert bindings[own["id"]]["method"] == "subject_id"
    lv = app_client.get(path + "?lang=lv")
    assert UNBOUND_LV in _text(lv.text)


def test_the_api_report_documents_holder_binding(app_client, people):
    vp = _present(
        [people["email"], people["to_a"]],
        people["a"],
        created=datetime.now(UTC).replace(microsecond=0),
    )
    response = app_client.post(f"/api/v1/verify?challenge={CHALLENGE}&domain={DOMAIN}", json=vp)
    assert response.status_code == 200 and response.json()["valid"] is True
    bindings = [c["holder_binding"]["status"] for c in response.json()["credentials"]]
    assert bindings == ["not_bound", "bound"]
    schema = app_client.get("/openapi.json").json()["components"]["schemas"]
    assert "HolderBindingPublic" in schema
