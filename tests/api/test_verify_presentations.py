from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from microcred.api.app import create_app
from microcred.formats.presentation import build_presentation, sign_presentation
from microcred.proofs.did import did_key_for
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services.issuing import issue_award
from microcred.settings import Settings
from tests.verify.conftest import make_award


def test_api_verify_checks_presentations_with_challenge_and_domain(tmp_path):
    app = create_app(
        Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", secret_key="t")
    )
    issuer, holder = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    did = did_key_for(holder)
    award = make_award(learner={"name": "Anna", "identifier": did})
    credential = issue_award(award, issuer)
    vp = sign_presentation(
        build_presentation([credential], holder=did),
        holder,
        verification_method=f"{did}#{holder.public_multibase}",
        challenge="c-123",
        domain="employer.example",
        created=datetime.now(UTC).replace(microsecond=0),
    )
    with TestClient(app) as client:
        ok = client.post("/api/v1/verify?challenge=c-123&domain=employer.example", json=vp)
        assert ok.status_code == 200 and ok.json()["valid"] is True, ok.json()
        assert len(ok.json()["credentials"]) == 1
        replay = client.post("/api/v1/verify?challenge=other&domain=employer.example", json=vp)
        assert replay.json()["valid"] is False
        assert any(c["id"] == "proof" and c["status"] == "fail" for c in replay.json()["checks"])
        single = client.post("/api/v1/verify", json=credential).json()
        assert set(single) == {"valid", "status", "checks"}
