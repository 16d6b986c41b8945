"""VC-API credentials get a status entry, are stored and audited like any other, and
``POST /credentials/status`` revokes, suspends and reinstates them (issue 14, point 3)."""

from __future__ import annotations

from microcred.services import tokens
from tests.api.conftest import assert_error_shape, bearer

VC2 = "https://www.w3.org/ns/credentials/v2"


def credential(**extra):
    return {
        "@context": [VC2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:learner", "name": "Anna Bērziņa"},
        **extra,
    }


def issue(client, headers, body=None, **options):
    response = client.post(
        "/credentials/issue",
        json={"credential": body or credential(), "options": options},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["verifiableCredential"]


def status_of(client, vc):
    return client.post("/api/v1/verify", json=vc).json()["status"]


def update(client, headers, credential_id, *changes):
    return client.post(
        "/credentials/status",
        json={"credentialId": credential_id, "credentialStatus": list(changes)},
        headers=headers,
    )


def change(status):
    return {"type": "BitstringStatusListEntry", "status": status}


def test_issued_credentials_are_stored_with_a_status_and_their_status_can_change(
    client, org, admin
):
    for suite in ("eddsa-rdfc-2022", "ecdsa-jcs-2019"):
        vc = issue(client, admin, cryptosuite=suite)
        entry = vc["credentialStatus"]
        assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "message"
        assert vc["id"].startswith("urn:uuid:")
        stored = client.get(f"/api/v1/orgs/{org.slug}/credentials/{vc['id']}", headers=admin)
        assert stored.status_code == 200, stored.text
        row = stored.json()
        assert row["spec_version_id"] is None and row["credential"] == vc
        assert row["learner_id"] == "did:example:learner" and row["status"] == "active"
        assert status_of(client, vc) == "valid"

        done = update(client, admin, vc["id"], change("suspended"))
        assert done.status_code == 200, done.text
        assert done.json() == {
            "credentialId": vc["id"],
            "status": "suspended",
            "updated": [vc["id"]],
        }
        assert status_of(client, vc) == "suspended"
        assert update(client, admin, vc["id"], change("active")).json()["status"] == "active"
        assert status_of(client, vc) == "valid"
        # the W3C status list suite's form: the purpose to set
        purpose = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}
        assert update(client, admin, vc["id"], purpose).json()["status"] == "revoked"
        assert status_of(client, vc) == "revoked"
        # revocation is for good
        assert_error_shape(update(client, admin, vc["id"], change("active")), 400)
    audit = [
        e["action"] for e in client.get(f"/api/v1/orgs/{org.slug}/audit", headers=admin).json()
    ]
    assert audit.count("credential.sign") == 2 and audit.count("credential.revoke") == 2
    assert audit.count("credential.suspend") == 2 and audit.count("credential.unsuspend") == 2


def test_a_reused_id_is_stored_each_time_and_one_update_reaches_every_copy(client, org, admin):
    given = "https://rtk.example.lv/credentials/42"
    first = issue(client, admin, credential(id=given))
    second = issue(client, admin, credential(id=given, name="again"))
    assert first["id"] == second["id"] == given
    assert (
        first["credentialStatus"]["statusListIndex"]
        != second["credentialStatus"]["statusListIndex"]
    )
    done = update(client, admin, given, change("revoked")).json()
    assert len(done["updated"]) == 2 and done["status"] == "revoked"
    assert status_of(client, first) == status_of(client, second) == "revoked"


def test_a_credential_with_its_own_status_is_signed_as_it_is(client, org, admin):
    own = {
        "id": "https://status.example/1#4",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "4",
        "statusListCredential": "https://status.example/1",
    }
    vc = issue(
        client,
        admin,
        credential(id="urn:uuid:9a1e0c8e-5a3b-4d7e-8f51-2b7a0e3c1d44", credentialStatus=own),
    )
    assert vc["credentialStatus"] == own
    # not stored: its status is the caller's, not ours to change
    assert_error_shape(update(client, admin, vc["id"], change("revoked")), 404)


def test_status_updates_refuse_what_they_cannot_do(client, instance, org, admin, other_org):
    vc = issue(client, admin)
    cases = [
        ({"credentialId": vc["id"], "credentialStatus": []}, 400, "credentialStatus"),
        (
            {
                "credentialId": vc["id"],
                "credentialStatus": [{"type": "StatusList2021Entry", "status": "revoked"}],
            },
            400,
            "credentialStatus[0]",
        ),
        (
            {
                "credentialId": vc["id"],
                "credentialStatus": {"type": "BitstringStatusListEntry", "status": "gone"},
            },
            400,
            "credentialStatus[0]",
        ),
        (
            {
                "credentialId": "urn:uuid:00000000-0000-4000-8000-000000000000",
                "credentialStatus": [change("revoked")],
            },
            404,
            "credentialId",
        ),
        ({"credentialStatus": [change("revoked")]}, 422, None),
    ]
    for body, status, field in cases:
        error = assert_error_shape(
            client.post("/credentials/status", json=body, headers=admin), status
        )
        if field:
            assert error["field"] == field, (body, error)
    assert status_of(client, vc) == "valid"  # nothing changed
    # a token of another organisation does not reach it; one without the revoke scope is refused
    _, other = tokens.create(instance, other_org.slug, "other", ["revoke"])
    assert_error_shape(update(client, bearer(other), vc["id"], change("revoked")), 404)
    _, issuer_only = tokens.create(instance, org.slug, "issuer", ["issue"])
    assert_error_shape(update(client, bearer(issuer_only), vc["id"], change("revoked")), 403)
    assert_error_shape(
        client.post(
            "/credentials/status",
            json={"credentialId": vc["id"], "credentialStatus": [change("revoked")]},
        ),
        401,
    )
    assert status_of(client, vc) == "valid"


def test_a_vc_api_credential_is_not_recast_into_another_format(client, instance, org, admin):
    import pytest

    from microcred.errors import InvalidInput
    from microcred.services.exporting import export

    vc = issue(client, admin)
    for fmt in ("ob3", "jwt", "elm"):
        with pytest.raises(InvalidInput, match="VC-API") as caught:
            export(instance, vc["id"], fmt, org_ref=org.slug)
        assert caught.value.field == "format"
