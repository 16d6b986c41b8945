"""SD-JWT VC against the reference peer @sd-jwt/sd-jwt-vc 0.19.0 (interop/js/sdjwt.mjs): the
peer verifies an SD-JWT VC microcred issued, with its Key Binding JWT and its Token Status
List entry; microcred verifies one the peer issued (KB-JWT too); tampered ones fail here."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from microcred.formats.inputs import parse_input
from microcred.formats.sd_jwt_vc import claims_of
from microcred.model.files import load_data
from microcred.proofs.keys import P256KeyPair
from microcred.proofs.sd_jwt import (
    SdJwt,
    decode_disclosure,
    make_disclosure,
    parse_sd_jwt,
    present,
    unverified_payload,
)
from microcred.services import credentials, organisations, specifications
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc
from microcred.services.token_status import published_token
from microcred.services.vcapi import ensure_p256_key
from microcred.settings import Settings
from microcred.verify import VerifierContext, verify_credential
from microcred.verify.sd_jwt_vc import verify_sd_jwt_vc
from tests.verify.conftest import make_award

from .jsref import JS_DIR, node_binary

SCRIPT = JS_DIR / "sdjwt.mjs"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"
AUD, NONCE = "https://verifier.example", "n-0S6_WzA2Mj"


def node(request: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [node_binary(), str(SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=JS_DIR,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


@pytest.fixture()
def instance(tmp_path):
    made = Instance(
        Settings(
            home=tmp_path / "home",
            database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            secret_key="test",
            base_url="https://issuer.example",
        )
    )
    yield made
    made.close()


def test_the_peer_verifies_microcreds_sd_jwt_vc_with_key_binding_and_status(instance):
    org = organisations.create(instance, name="Rīgas Tehniskā koledža", country="LV")
    spec = specifications.publish(
        instance, org.slug, load_data(EXAMPLES / "university-data-analysis.yaml")
    )
    request = IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade="9")
    issued = credentials.issue(instance, org.slug, spec.id, request)
    holder = P256KeyPair.generate()
    compact = issue_sd_jwt_vc(instance, org.slug, issued.id, holder_jwk=holder.to_public_jwk())
    now = int(instance.now().timestamp())
    shown = present(
        parse_sd_jwt(compact),
        lambda d: d.name != "assessment_grade",  # the learner keeps the grade to themselves
        holder_key=holder,
        aud=AUD,
        nonce=NONCE,
        iat=now,
    )
    key, _ = ensure_p256_key(instance, org.id)
    status = unverified_payload(shown)["status"]["status_list"]
    list_id = int(status["uri"].rsplit("/", 1)[1])
    tokens = {status["uri"]: published_token(instance, org.slug, list_id)}
    ask = {
        "op": "verify",
        "issuer_jwk": key.to_public_jwk(),
        "now": now,
        "aud": AUD,
        "nonce": NONCE,
        "status_tokens": tokens,
    }
    answer = node({**ask, "sd_jwt": shown.serialize()})
    assert answer["verified"], answer.get("error")
    assert answer["kb"]["aud"] == AUD and answer["kb"]["nonce"] == NONCE
    claims = answer["claims"]
    assert claims["family_name"] == "Anna Bērziņa" and "assessment_grade" not in claims
    assert claims["vct"] == "https://issuer.example/vct/eu-micro-credential/1"

    # the peer refuses what microcred refuses: a changed disclosure, another nonce
    forged = make_disclosure("Mallory", "learner_name").encoded
    kept = [d for d in shown.disclosures if decode_disclosure(d).name != "learner_name"]
    tampered = SdJwt(shown.jwt, (*kept, forged), shown.kb_jwt).serialize()
    assert not node({**ask, "sd_jwt": tampered})["verified"]
    assert not node({**ask, "nonce": "other", "sd_jwt": shown.serialize()})["verified"]

    # and, once the record is revoked, the peer reads the revocation from the status list
    credentials.revoke(instance, issued.id, reason="issued in error")
    tokens = {status["uri"]: published_token(instance, org.slug, list_id)}
    later = int(instance.now().timestamp()) + 1  # the re-signed token's iat is now
    revoked = node({**ask, "now": later, "status_tokens": tokens, "sd_jwt": shown.serialize()})
    assert not revoked["verified"] and revoked["error"] == "Status is not valid", revoked


def test_microcred_verifies_an_sd_jwt_vc_the_peer_issued():
    award = make_award(grade="9")
    claims = claims_of(award, issuer_id="did:example:replaced", base_url="https://peer.example")
    claims.pop("iss")
    now = datetime.now(UTC)
    sd = ["family_name", "learner_name", "learner_identification", "assessment_grade"]
    made = node(
        {"op": "issue", "claims": claims, "sd": sd, "aud": AUD, "nonce": NONCE,
         "iat": int(now.timestamp())}
    )  # fmt: skip
    ctx = VerifierContext(now=now)
    report = verify_credential(made["sd_jwt"], ctx)
    assert report.valid, report.to_json()
    assert report.check("proof").code == "proof.ok"
    assert report.summary.learner_name == "Anna Bērziņa"
    with_kb = verify_sd_jwt_vc(parse_input(made["presentation"]), ctx, aud=AUD, nonce=NONCE)
    assert with_kb.valid, with_kb.to_json()
    assert "Key Binding JWT verified" in with_kb.check("proof").message
    wrong_aud = verify_sd_jwt_vc(
        parse_input(made["presentation"]), ctx, aud="https://x", nonce=NONCE
    )
    assert not wrong_aud.valid and wrong_aud.check("proof").code == "proof.purpose"

    # tampered: a disclosure the peer never signed, and a changed payload
    parsed = parse_sd_jwt(made["sd_jwt"])
    extra = make_disclosure("10", "assessment_grade").encoded
    swapped = [d for d in parsed.disclosures if decode_disclosure(d).name != "assessment_grade"]
    changed = SdJwt(parsed.jwt, (*swapped, extra)).serialize()
    report = verify_credential(changed, ctx)
    assert report.status == "invalid" and report.check("proof").code == "proof.invalid_signature"
