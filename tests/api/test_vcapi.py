"""W3C VC-API: issue -> verify round trips, tampering, presentations."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from microcred.proofs.dataintegrity import add_proof
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services import tokens
from tests.api.conftest import assert_error_shape, bearer

VC2 = "https://www.w3.org/ns/credentials/v2"


def plain_credential() -> dict:
    return {
        "@context": [VC2],
        "id": "urn:uuid:4d1f3c4e-8a55-4a51-9c55-4d0bb1d1b4a1",
        "type": ["VerifiableCredential"],
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Anna"},
    }


def issue(client, headers, credential=None, **options):
    body = {"credential": credential or plain_credential(), "options": options}
    return client.post("/credentials/issue", json=body, headers=headers)


def test_issue_and_verify_round_trip_both_suites(client, org, admin):
    for suite in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019"):
        response = issue(client, admin, cryptosuite=suite)
        assert response.status_code == 201, response.text
        vc = response.json()["verifiableCredential"]
        assert vc["issuer"] == org.did and vc["proof"]["cryptosuite"] == suite
        result = client.post("/credentials/verify", json={"verifiableCredential": vc})
        assert result.status_code == 200, result.text
        body = result.json()
        assert body["verified"] is True and "proof" in body["checks"] and body["errors"] == []
        assert body["report"]["status"] == "valid"
        # also the microcred report endpoint
        assert client.post("/api/v1/verify", json=vc).json()["valid"] is True
    did = client.get(f"/orgs/{org.slug}/did.json").json()
    assert {vm["id"].split("#")[1] for vm in did["verificationMethod"]} == {"key-1", "key-p256"}
    # the P-256 key is made once; the default signing key is still Ed25519
    again = issue(client, admin, cryptosuite="ecdsa-rdfc-2019").json()["verifiableCredential"]
    assert again["proof"]["verificationMethod"].endswith("#key-p256")
    assert (
        issue(client, admin)
        .json()["verifiableCredential"]["proof"]["verificationMethod"]
        .endswith("#key-1")
    )
    audit = client.get(f"/api/v1/orgs/{org.slug}/audit", headers=admin).json()
    assert [e["action"] for e in audit].count("credential.sign") == 4


def test_issuer_given_as_the_org_is_accepted_another_is_refused(client, org, admin):
    same = {**plain_credential(), "issuer": {"id": org.did, "name": "RTK"}}
    response = issue(client, admin, same)
    assert (
        response.status_code == 201
        and response.json()["verifiableCredential"]["issuer"]["id"] == org.did
    )
    nameless = {**plain_credential(), "issuer": {"name": "RTK"}}
    assert issue(client, admin, nameless).json()["verifiableCredential"]["issuer"]["id"] == org.did
    other = {**plain_credential(), "issuer": "did:web:elsewhere.example"}
    error = assert_error_shape(issue(client, admin, other), 400)
    assert error["field"] == "credential.issuer"
    error = assert_error_shape(issue(client, admin, {**plain_credential(), "issuer": 7}), 400)
    assert error["field"] == "credential.issuer"


def test_issue_bad_input(client, admin):
    cases = [
        ({"credential": {**plain_credential(), "@context": [VC2, "https://evil.example/x"]}}, 400),
        ({"credential": {**plain_credential(), "undefinedTerm": 1}}, 400),
        ({"credential": {k: v for k, v in plain_credential().items() if k != "@context"}}, 400),
        ({"credential": {**plain_credential(), "proof": {}}}, 400),
        ({"credential": plain_credential(), "options": {"cryptosuite": "rsa-2048"}}, 422),
        ({"credential": "not an object"}, 422),
        ({}, 422),
        ({"credential": {**plain_credential(), "@context": 5}}, 400),
        ({"credential": {**plain_credential(), "@context": [VC2, {"@vocab": 3}]}}, 400),
    ]
    for body, status in cases:
        assert_error_shape(client.post("/credentials/issue", json=body, headers=admin), status)
    malformed = client.post(
        "/credentials/issue",
        content=b'{"credential": ',
        headers={**admin, "content-type": "application/json"},
    )
    assert assert_error_shape(malformed, 400)["code"] == "malformed_json"


def test_tampered_and_malformed_credentials_fail_verification(client, admin):
    vc = issue(client, admin).json()["verifiableCredential"]
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["name"] = "Mallory"
    response = client.post("/credentials/verify", json={"verifiableCredential": tampered})
    error = assert_error_shape(response, 400)
    body = response.json()
    assert body["verified"] is False and "proof" in {e["title"] for e in body["errors"]}
    assert error["code"] == "verification_failed"
    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    assert (
        client.post("/credentials/verify", json={"verifiableCredential": unsigned}).status_code
        == 400
    )
    for body in (
        {"verifiableCredential": 5},
        {"verifiableCredential": None},
        {},
        {"verifiableCredential": vc, "options": "x"},
        {"verifiableCredential": "garbage"},  # a string is only taken as a compact JWS
    ):
        assert_error_shape(client.post("/credentials/verify", json=body), 422)
    for value in ("garbage.not.ajws", {}, {"@context": ["https://unknown.example/ctx"]}):
        response = client.post("/credentials/verify", json={"verifiableCredential": value})
        assert_error_shape(response, 400)


def _presentation(client, admin, holder, *, challenge="nonce-1", domain="https://verifier.example"):
    holder_did = did_key_for(holder)
    credential = plain_credential()
    credential["credentialSubject"]["id"] = holder_did  # issued to the holder who presents it
    vc = issue(client, admin, credential).json()["verifiableCredential"]
    unsigned = {
        "@context": [VC2],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": [vc],
    }
    return add_proof(
        unsigned,
        holder,
        verification_method=f"{holder_did}#{holder.public_multibase}",
        created=datetime.now(UTC),
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


def test_presentations_verify(client, admin):
    holder = Ed25519KeyPair.generate()
    vp = _presentation(client, admin, holder)
    options = {"challenge": "nonce-1", "domain": "https://verifier.example"}
    ok = client.post(
        "/presentations/verify", json={"verifiablePresentation": vp, "options": options}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["verified"] is True and {"proof", "holder", "credential[0]"} <= set(
        ok.json()["checks"]
    )
    wrong = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": vp, "options": {**options, "challenge": "nonce-2"}},
    )
    assert_error_shape(wrong, 400)
    assert "challenge" in wrong.json()["errors"][0]["detail"]
    # the error names the member that failed: the presentation, not a credential
    assert wrong.json()["error"]["field"] == "verifiablePresentation"
    no_challenge = client.post("/presentations/verify", json={"verifiablePresentation": vp})
    assert no_challenge.status_code == 200 and no_challenge.json()["warnings"]
    tampered = copy.deepcopy(vp)
    tampered["verifiableCredential"][0]["credentialSubject"]["name"] = "Mallory"
    bad = client.post(
        "/presentations/verify", json={"verifiablePresentation": tampered, "options": options}
    )
    assert_error_shape(bad, 400)
    impostor = {**vp, "holder": "did:example:someone-else"}
    assert_error_shape(
        client.post(
            "/presentations/verify", json={"verifiablePresentation": impostor, "options": options}
        ),
        400,
    )
    for body in (
        {"verifiablePresentation": {}},
        {"verifiablePresentation": {"type": "VerifiablePresentation", "proof": 5}},
        {
            "verifiablePresentation": {
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [1, "x"],
            }
        },
    ):
        assert_error_shape(client.post("/presentations/verify", json=body), 400)
    for body in (
        {},
        {"verifiablePresentation": "x"},
        {"verifiablePresentation": vp, "options": {"challenge": 1}},
    ):
        assert_error_shape(client.post("/presentations/verify", json=body), 422)


def test_vc_api_issue_needs_a_live_token(client, instance, org):
    view, secret = tokens.create(instance, org.slug, "issuer", ["issue"])
    assert issue(client, bearer(secret)).status_code == 201
    tokens.revoke(instance, org.slug, view.id)
    assert_error_shape(issue(client, bearer(secret)), 401)


def test_every_suite_on_either_did_and_the_chosen_key(client, org, admin, instance):
    suites = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "eddsa-jcs-2022", "ecdsa-jcs-2019")
    for suite in suites:
        vc = issue(client, admin, cryptosuite=suite).json()["verifiableCredential"]
        assert vc["issuer"] == org.did and vc["proof"]["cryptosuite"] == suite
        if "jcs" in suite:  # vc-di-eddsa / vc-di-ecdsa 3.3: proof.@context is the document's
            assert vc["proof"]["@context"] == vc["@context"]
        assert client.post("/credentials/verify", json={"verifiableCredential": vc}).json()[
            "verified"
        ], suite
    did = client.get(f"/orgs/{org.slug}/did.json").json()
    methods = {vm["id"]: vm["publicKeyMultibase"] for vm in did["verificationMethod"]}
    p256 = methods[f"{org.did}#key-p256"]
    # the issuer may be the organisation's did:key: the key of that DID signs
    for suite, multikey in (
        ("eddsa-jcs-2022", methods[f"{org.did}#key-1"]),
        ("ecdsa-rdfc-2019", p256),
    ):
        did_key = f"did:key:{multikey}"
        credential = {**plain_credential(), "issuer": did_key}
        vc = issue(client, admin, credential, cryptosuite=suite).json()["verifiableCredential"]
        assert vc["proof"]["verificationMethod"] == f"{did_key}#{multikey}"
        result = client.post("/credentials/verify", json={"verifiableCredential": vc}).json()
        assert result["verified"] is True, result
    # options.verificationMethod picks the key, and the suite follows its type
    chosen = f"{org.did}#key-p256"
    vc = issue(client, admin, verificationMethod=chosen).json()["verifiableCredential"]
    assert vc["proof"]["verificationMethod"] == chosen
    assert vc["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    # a key that is not the organisation's, or one of another type than the suite's: 400
    for options in (
        {"verificationMethod": "did:key:z6MkhTNL7i2etLerDK8Acz5t528giE5KA4p75T6ka1E1D74r#x"},
        {"verificationMethod": chosen, "cryptosuite": "eddsa-rdfc-2022"},
    ):
        error = assert_error_shape(issue(client, admin, **options), 400)
        assert error["field"] == "options.verificationMethod"
    # with no suite asked for, a P-256 did:key issuer is signed by that key (ecdsa-rdfc-2019)
    p256_issuer = {**plain_credential(), "issuer": f"did:key:{p256}"}
    vc = issue(client, admin, p256_issuer).json()["verifiableCredential"]
    assert vc["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert vc["proof"]["verificationMethod"] == f"did:key:{p256}#{p256}"
    # a did:key issuer with the key of the other type: the token does not sign as that DID
    other = {**plain_credential(), "issuer": f"did:key:{p256}"}
    error = assert_error_shape(issue(client, admin, other, cryptosuite="eddsa-rdfc-2022"), 400)
    assert error["field"] == "credential.issuer"
