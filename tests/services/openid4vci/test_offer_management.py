"""Managing offers (issue 15, point 3): revoking one (the wallet endpoints then say so),
listing a credential's offers with their state, one offer for every row of a bulk job; the
organisation API's refusals (no token, another organisation, a token without the scope);
every offer and revocation in the audit log."""

from __future__ import annotations

import csv
import io

from microcred.services import audit, bulk_jobs, credentials, organisations, tokens
from microcred.services.openid4vci import job_offers, offers

from .conftest import BASE, PRE, offer_object
from .test_refusals import _error, _par_form

CSV = (
    "learner_name,learner_id,issued_on\n"
    "Anna Bērziņa,mailto:anna@example.lv,2026-06-30\n"
    "Nobody,,2026-06-30\n"
    "Jānis Kalniņš,did:example:janis,2026-06-30\n"
)


def _offers_url(world, cid=None, tail=""):
    return f"/api/v1/orgs/{world.org.slug}/credentials/{cid or world.credential.id}/offers{tail}"


def _listed(world):
    answer = world.client.get(_offers_url(world), headers=world.api)
    assert answer.status_code == 200, answer.text
    return {o["id"]: o for o in answer.json()["offers"]}


def _made(world, **options):
    """A pre-authorized offer (the service gives its id) and the wallet's token request."""
    view = offers.create(
        world.instance, world.org.slug, world.credential.id, pre_authorized=True, **options
    )
    grant = offer_object(view.offer)["grants"][PRE]
    form = {"grant_type": PRE, "pre-authorized_code": grant["pre-authorized_code"]}
    if view.tx_code:
        form["tx_code"] = view.tx_code
    return view, form


def test_a_revoked_offer_says_so_at_every_wallet_endpoint(sqlite_world):
    world = sqlite_world
    made, form = _made(world, tx_code=True)
    offer_id = made.offer_id
    assert _listed(world)[offer_id]["state"] == "open"
    assert _listed(world)[offer_id]["tx_code"] is True
    answer = world.client.delete(_offers_url(world, tail=f"/{offer_id}"), headers=world.api)
    assert answer.status_code == 200 and answer.json()["state"] == "revoked"
    assert "revoked" in _error(world.wallet().token(form), 400, "invalid_grant")
    gone = world.client.get(made.offer_uri.removeprefix(BASE))
    assert "revoked" in _error(gone, 410, "invalid_request")
    # the authorization code flow's issuer_state of a revoked offer
    par = _par_form(world)
    state = par["issuer_state"]
    record = next(o for o in _listed(world).values() if o["state"] == "open")
    offers.revoke(world.instance, world.org.slug, record["id"], actor="test")
    answer = world.client.post("/oid4vci/par", data={**par, "issuer_state": state})
    assert "revoked" in _error(answer, 400, "invalid_request")
    # revoking again changes nothing; a used offer cannot be revoked
    again = world.client.delete(_offers_url(world, tail=f"/{offer_id}"), headers=world.api)
    assert again.status_code == 200 and again.json()["state"] == "revoked"
    used, used_form = _made(world)
    assert world.wallet().token(used_form).status_code == 200
    used_id = used.offer_id
    assert _listed(world)[used_id]["state"] == "used"
    refused = world.client.delete(_offers_url(world, tail=f"/{used_id}"), headers=world.api)
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "offer_id"
    assert "used" in refused.json()["error"]["message"]
    log = audit.entries(world.instance, world.org.slug)
    revokes = [e for e in log if e.action == "oid4vci.offer_revoke"]
    assert {e.details["offer_id"] for e in revokes} == {offer_id, record["id"]}
    assert {e.actor for e in revokes} >= {"test"}


def test_expired_and_listed_states(sqlite_world):
    world = sqlite_world
    made = offers.create(
        world.instance, world.org.slug, world.credential.id, pre_authorized=True,
        expires_in_minutes=2,
    )  # fmt: skip
    assert (made.expires_at - world.clock.at).total_seconds() == 120
    world.clock.advance(minutes=3)
    listed = _listed(world)
    assert listed[made.offer_id]["state"] == "expired"
    refused = world.client.delete(_offers_url(world, tail=f"/{made.offer_id}"), headers=world.api)
    assert refused.status_code == 400 and "expired" in refused.json()["error"]["message"]
    for minutes in (0, 60 * 24 * 31):
        bad = world.client.post(
            _offers_url(world), json={"expires_in_minutes": minutes}, headers=world.api
        )
        assert bad.status_code == 400, bad.text
        assert bad.json()["error"]["field"] == "expires_in_minutes"
    # the API's offer keeps the names outside checks use; it is revoked by its offer URI
    by_api = world.offer(expires_in_minutes=60)
    assert set(by_api) == {"offer", "offer_uri", "tx_code", "expires_at"}
    handle = by_api["offer_uri"].rsplit("/", 1)[1]
    answer = world.client.delete(_offers_url(world, tail=f"/{handle}"), headers=world.api)
    assert answer.status_code == 200 and answer.json()["state"] == "revoked"
    assert answer.json()["expires_at"] == by_api["expires_at"]
    missing = world.client.delete(_offers_url(world, tail="/nope"), headers=world.api)
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "offer_id"


def test_offer_routes_refuse_other_organisations_and_missing_scopes(sqlite_world):
    world = sqlite_world
    made = offers.create(world.instance, world.org.slug, world.credential.id)
    other = organisations.create(world.instance, name="Cita skola", country="LV")
    _, other_secret = tokens.create(world.instance, other.slug, "o", ["issue", "read"])
    _, viewer_secret = tokens.create(world.instance, world.org.slug, "v", ["read"])
    viewer = {"Authorization": f"Bearer {viewer_secret}"}
    foreign = {"Authorization": f"Bearer {other_secret}"}
    job_url = f"/api/v1/orgs/{world.org.slug}/jobs/{'0' * 36}/offers"
    revoke_url = _offers_url(world, tail=f"/{made.offer_id}")
    for method, url in (("GET", _offers_url(world)), ("DELETE", revoke_url), ("POST", job_url)):
        assert world.client.request(method, url).status_code == 401, (method, url)
        # another organisation's token on this organisation's path: not found, nothing leaked
        answer = world.client.request(method, url, headers=foreign)
        assert answer.status_code == 404, (method, url, answer.text)
    assert world.client.get(_offers_url(world), headers=viewer).status_code == 200
    for method, url in (("DELETE", revoke_url), ("POST", job_url)):
        answer = world.client.request(method, url, headers=viewer)
        assert answer.status_code == 403, (method, url, answer.text)
    # on its own path, the other organisation finds neither the credential nor the offer
    theirs = f"/api/v1/orgs/{other.slug}/credentials/{world.credential.id}/offers"
    assert world.client.get(theirs, headers=foreign).status_code == 404
    answer = world.client.delete(f"{theirs}/{made.offer_id}", headers=foreign)
    assert answer.status_code == 404
    assert _listed(world)[made.offer_id]["state"] == "open"


def test_offers_for_every_row_of_a_bulk_job(world, tmp_path):
    path = tmp_path / "learners.csv"
    path.write_text(CSV, encoding="utf-8")
    spec_id = world.credential.spec_version_id
    started = bulk_jobs.start(world.instance, world.org.slug, spec_id, path, enqueue=None)
    bulk_jobs.run_in_process(world.instance, started.job_id, workers=1)
    url = f"/api/v1/orgs/{world.org.slug}/jobs/{started.job_id}/offers"
    answer = world.client.post(url, json={"tx_code": True, "expires_in_minutes": 60 * 24 * 7},
                               headers=world.api)  # fmt: skip
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["offers"], body["without_offer"]) == (2, 1)
    rows = {r["line"]: r for r in body["rows"]}
    assert rows[2]["learner_email"] == "anna@example.lv" and rows[4]["learner_email"] is None
    assert rows[3]["learner_name"] == "Nobody" and rows[3]["offer"] is None
    assert "learner_id is empty" in rows[3]["problem"]
    for line in (2, 4):
        row = rows[line]
        assert row["problem"] is None and len(row["tx_code"]) == 6
        assert row["offer_link"].startswith("openid-credential-offer://?credential_offer_uri=")
        assert offer_object(row["offer"])["grants"][PRE]["tx_code"]["length"] == 6
        assert world.client.get(row["offer_uri"].removeprefix(BASE)).status_code == 200
    # the wallet redeems one row's offer with its PIN
    grant = offer_object(rows[2]["offer"])["grants"][PRE]
    form = {"grant_type": PRE, "pre-authorized_code": grant["pre-authorized_code"],
            "tx_code": rows[2]["tx_code"]}  # fmt: skip
    assert world.wallet().token(form).status_code == 200
    # again: fresh offers; the earlier unused ones stay valid until they expire
    again = job_offers.create_for_job(world.instance, world.org.slug, started.job_id)
    assert again.made == 2 and again.rows[0].offer.offer_uri != rows[2]["offer_uri"]
    assert world.client.get(rows[4]["offer_uri"].removeprefix(BASE)).status_code == 200
    table = list(csv.DictReader(io.StringIO(again.to_csv())))
    assert [r["line"] for r in table] == ["2", "3", "4"]
    assert set(table[0]) == set(job_offers.CSV_COLUMNS)
    assert table[1]["problem"].startswith("not issued") and not table[1]["offer"]
    actions = [e.action for e in audit.entries(world.instance, world.org.slug)]
    assert actions.count("oid4vci.job_offers") == 2
    job_entries = [e for e in audit.entries(world.instance, world.org.slug)
                   if e.action == "oid4vci.offer" and e.details.get("job") == started.job_id]  # fmt: skip
    assert len(job_entries) == 4
    # a token that may issue but not read gets the offers without the learners' names
    _, issuer_only = tokens.create(world.instance, world.org.slug, "i", ["issue"])
    blind = world.client.post(url, headers={"Authorization": f"Bearer {issuer_only}"})
    assert blind.status_code == 201, blind.text
    assert {(r["learner_name"], r["learner_email"]) for r in blind.json()["rows"]} == {("", None)}
    assert "Bērziņa" not in blind.text and "anna@example.lv" not in blind.text
    unknown = world.client.post(f"/api/v1/orgs/{world.org.slug}/jobs/nope/offers",
                                headers=world.api)  # fmt: skip
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "job"


def test_revoking_the_credential_ends_its_unused_offers(sqlite_world):
    world = sqlite_world
    used, used_form = _made(world)
    assert world.wallet().token(used_form).status_code == 200
    open_offer, form = _made(world, tx_code=True)
    credentials.revoke(world.instance, world.credential.id, reason="t", org_ref=world.org.slug)
    states = {i: o["state"] for i, o in _listed(world).items()}
    assert states == {used.offer_id: "used", open_offer.offer_id: "revoked"}
    assert "revoked" in _error(world.wallet().token(form), 400, "invalid_grant")
    gone = world.client.get(open_offer.offer_uri.removeprefix(BASE))
    assert gone.status_code == 410
