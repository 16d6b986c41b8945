"""The issuer's whole flow over HTTP, and the documents a verifier needs, served by the API."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from microcred.proofs.did import did_web_to_url
from microcred.services import tokens
from microcred.verify import VerifierContext, verify_credential
from tests.api.conftest import bearer


def _path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "testserver", url
    return parts.path


def verify_over_http(client, credential, org_slug):
    """Verify with only what the public HTTP routes serve: the DID document and status lists."""
    documents = {}
    did_doc = client.get(f"/orgs/{org_slug}/did.json")
    assert did_doc.status_code == 200
    assert did_doc.headers["content-type"].startswith("application/json")
    documents[did_web_to_url(did_doc.json()["id"])] = did_doc.json()
    status = credential["credentialStatus"]
    for entry in status if isinstance(status, list) else [status]:
        url = entry["statusListCredential"]
        response = client.get(_path(url))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/vc+ld+json")
        max_age = int(response.headers["cache-control"].split("max-age=")[1])
        assert 0 < max_age <= 24 * 3600
        documents[url] = response.json()
    trust = __import__("microcred.verify", fromlist=["TrustList"]).TrustList.empty()
    return verify_credential(
        credential, VerifierContext(now=datetime.now(UTC), documents=documents, trust=trust)
    )


def test_issue_read_revoke_suspend_verify(client, org, admin, spec_data):
    base = f"/api/v1/orgs/{org.slug}"
    info = client.get(base, headers=admin).json()
    assert info["slug"] == org.slug and info["did"] == "did:web:testserver:orgs:" + org.slug

    published = client.post(f"{base}/specs", json=spec_data, headers=admin)
    assert published.status_code == 201, published.text
    again = client.post(f"{base}/specs", json=spec_data, headers=admin)
    assert again.status_code == 200 and again.json()["id"] == published.json()["id"]
    specs = client.get(f"{base}/specs", headers=admin).json()
    assert [s["id"] for s in specs] == [published.json()["id"]]

    body = {
        "spec_id": published.json()["spec_key"],
        "learner_name": "Anna Bērziņa",
        "learner_id": "mailto:anna@example.lv",
        "issued_on": "2026-06-30",
        "grade": "9",
        "row_key": "cohort-1/anna",
    }
    issued = client.post(f"{base}/credentials", json=body, headers=admin)
    assert issued.status_code == 201, issued.text
    created = issued.json()
    assert created["status"] == "active" and created["created"] is True
    credential = created["credential"]
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["issuer"]["id"] == info["did"]
    repeat = client.post(f"{base}/credentials", json=body, headers=admin)
    assert repeat.status_code == 200 and repeat.json()["id"] == created["id"]

    cid = created["id"]
    got = client.get(f"{base}/credentials/{cid}", headers=admin)
    assert got.status_code == 200 and got.json()["credential"] == credential
    listed = client.get(f"{base}/credentials", params={"search": "Bērz"}, headers=admin).json()
    assert [i["id"] for i in listed["items"]] == [cid] and listed["items"][0]["credential"] is None
    assert (
        client.get(f"{base}/credentials", params={"search": "nobody"}, headers=admin).json()[
            "items"
        ]
        == []
    )
    page = client.get(f"{base}/credentials", params={"limit": 1, "offset": 1}, headers=admin)
    assert page.json()["items"] == []

    report = client.post("/api/v1/verify", json=credential).json()
    assert report["valid"] is True and report["status"] == "valid", report
    assert {c["id"] for c in report["checks"]} >= {"proof", "issuer", "trust", "status"}
    assert client.post("/api/v1/verify", json={"verifiableCredential": credential}).json()["valid"]
    assert verify_over_http(client, credential, org.slug).status == "valid"

    suspended = client.post(
        f"{base}/credentials/{cid}/suspend", json={"reason": "audit"}, headers=admin
    )
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert client.post("/api/v1/verify", json=credential).json()["status"] == "suspended"
    assert verify_over_http(client, credential, org.slug).status == "suspended"
    lifted = client.post(f"{base}/credentials/{cid}/unsuspend", headers=admin)
    assert lifted.status_code == 200 and lifted.json()["status"] == "active"
    assert client.post("/api/v1/verify", json=credential).json()["status"] == "valid"

    revoked = client.post(
        f"{base}/credentials/{cid}/revoke", json={"reason": "fraud"}, headers=admin
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    report = client.post("/api/v1/verify", json=credential)
    assert report.status_code == 200 and report.json()["status"] == "revoked"
    assert report.json()["valid"] is False
    assert verify_over_http(client, credential, org.slug).status == "revoked"
    cannot = client.post(f"{base}/credentials/{cid}/unsuspend", headers=admin)
    assert cannot.status_code == 400 and cannot.json()["error"]["field"] == "id"

    audit = client.get(f"{base}/audit", headers=admin).json()
    actions = [e["action"] for e in audit]
    assert actions[:5] == [
        "credential.revoke",
        "credential.unsuspend",
        "credential.suspend",
        "credential.issue",
        "spec.publish",
    ]
    assert audit[0]["actor"] == "token:test admin"
    assert "token.create" in actions


def test_jwt_credentials_verify_as_text(client, org, admin, published):
    body = {
        "spec_id": published["id"],
        "learner_name": "Jānis Ozols",
        "learner_id": "mailto:janis@example.lv",
        "format": "jwt",
    }
    issued = client.post(f"/api/v1/orgs/{org.slug}/credentials", json=body, headers=admin)
    assert issued.status_code == 201, issued.text
    jwt = issued.json()["credential"]
    assert isinstance(jwt, str) and jwt.count(".") == 2
    for response in (
        client.post("/api/v1/verify", content=jwt, headers={"content-type": "text/plain"}),
        client.post("/api/v1/verify", json=jwt),
        client.post("/api/v1/verify", json={"verifiableCredential": jwt}),
    ):
        assert response.status_code == 200 and response.json()["status"] == "valid", response.text
    tampered = jwt[:-4] + ("AAAA" if not jwt.endswith("AAAA") else "BBBB")
    report = client.post("/api/v1/verify", content=tampered, headers={"content-type": "text/plain"})
    assert report.status_code == 200 and report.json()["valid"] is False


def test_tokens_over_the_api(client, instance, org, admin):
    base = f"/api/v1/orgs/{org.slug}/tokens"
    made = client.post(base, json={"name": "ci issuer", "scopes": ["issue", "read"]}, headers=admin)
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    token = made.json()["token"]
    assert secret.startswith("mc_") and token["scopes"] == ["issue", "read"]
    assert client.get(f"/api/v1/orgs/{org.slug}/specs", headers=bearer(secret)).status_code == 200
    listed = client.get(base, headers=admin).json()
    assert {t["name"] for t in listed} == {"test admin", "ci issuer"}
    assert secret not in str(listed) and all("secret" not in t for t in listed)
    assert next(t for t in listed if t["name"] == "ci issuer")["last_used_at"] is not None
    gone = client.delete(f"{base}/{token['id']}", headers=admin)
    assert gone.status_code == 200 and gone.json()["revoked_at"] is not None
    refused = client.get(f"/api/v1/orgs/{org.slug}/specs", headers=bearer(secret))
    assert refused.status_code == 401
    assert client.delete(f"{base}/no-such-token", headers=admin).status_code == 404
    bad_scope = client.post(base, json={"name": "x", "scopes": ["root"]}, headers=admin)
    assert bad_scope.status_code == 422 and bad_scope.json()["error"]["field"].startswith("scopes")
    assert tokens.authenticate(instance, secret) is None


def test_public_documents(client, org, admin, published):
    did = client.get(f"/orgs/{org.slug}/did.json").json()
    assert did["id"] == org.did
    assert [vm["type"] for vm in did["verificationMethod"]] == ["Multikey"]
    assert client.get("/orgs/nobody/did.json").status_code == 404
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    index = client.get("/contexts").json()
    assert "https://w3id.org/microcred/v1" in index
    for url, location in index.items():
        response = client.get(_path(location))
        assert response.status_code == 200, location
        assert response.headers["content-type"].startswith("application/ld+json")
        assert "@context" in response.json(), url
    own = client.get("/contexts/microcred/v1")
    assert own.status_code == 200 and "@context" in own.json()
    assert client.get("/contexts/nothing-here").status_code == 404
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_verify_route_returns_the_report_in_the_documented_shape(
    client, instance, org, admin, published
):
    """The route sends the verifier's report as it is: the same JSON the response model
    (VerificationReportPublic, without null fields) describes, for every kind of outcome."""
    from microcred.api.schemas import VerificationReportPublic
    from microcred.services import vcapi

    body = {"spec_id": published["id"], "learner_name": "Anna", "learner_id": "mailto:a@example.lv"}
    issued = client.post(f"/api/v1/orgs/{org.slug}/credentials", json=body, headers=admin)
    assert issued.status_code == 201, issued.text
    credential = issued.json()["credential"]
    tampered = {**credential, "name": "Something else"}
    expired = {**credential, "validUntil": "2020-01-01T00:00:00Z"}
    unknown = {"@context": ["https://unknown.example/ctx"], "type": ["VerifiableCredential"]}
    for raw in (credential, tampered, expired, unknown, "not.a.jwt"):
        response = client.post("/api/v1/verify", json=raw)
        assert response.status_code == 200, response.text
        described = VerificationReportPublic.model_validate(
            vcapi.verify(instance, raw, now=datetime.now(UTC)).to_json()
        ).model_dump(mode="json", exclude_none=True)
        got = response.json()
        # the verification time differs between the two runs; everything else is the same
        got.pop("verified_at", None), described.pop("verified_at", None)
        assert got == described
    assert client.post("/api/v1/verify", json=credential).json()["status"] == "valid"
