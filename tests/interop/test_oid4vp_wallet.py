"""microcred's OpenID4VP verifier answered by an independent wallet
(``interop/js/oid4vp-wallet.mjs``: @openid4vc/openid4vp + @openid4vc/oauth2 0.4.6, dcql 3.0.0,
@sd-jwt/sd-jwt-vc 0.19.0, jose) over HTTP on loopback: the wallet fetches the request_uri,
checks the signed request (x5c to the test CA root, the x509_hash client id), matches the
DCQL query with ``dcql``, presents an SD-JWT VC microcred issued with a Key Binding JWT and
encrypts the answer to the ephemeral key. Then the refusals, each a test: wrong nonce, aud
not the full client id, replay, missing required claim, tampered disclosure, an extra
disclosure the issuer never signed (its KB-JWT sd_hash covering it), revoked
credential, untrusted issuer chain, unencrypted answer where encryption was asked."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from microcred.api.app import create_app
from microcred.model.files import load_data
from microcred.services import (
    certificates,
    credentials,
    organisations,
    presentation_requests,
    specifications,
)
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc
from microcred.settings import Settings
from tests.live_server import free_port as _free_port
from tests.live_server import running_app

from .jsref import JS_DIR, REPO_ROOT, node_binary

WALLET = JS_DIR / "oid4vp-wallet.mjs"
SPECS = REPO_ROOT / "examples" / "specs"


def _b64u(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


def _holder_jwk() -> dict[str, str]:
    numbers = ec.generate_private_key(ec.SECP256R1()).private_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64u(numbers.public_numbers.x),
        "y": _b64u(numbers.public_numbers.y),
        "d": _b64u(numbers.private_value),
    }


@dataclass
class Verifier:
    url: str
    instance: Instance
    org: str
    spec: str
    root_pem: str

    def credential(self, **kw: Any) -> tuple[str, dict[str, str], str]:
        issued = credentials.issue(
            self.instance,
            self.org,
            self.spec,
            IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade="9"),
        )
        jwk = _holder_jwk()
        public = {k: v for k, v in jwk.items() if k != "d"}
        return (
            issue_sd_jwt_vc(self.instance, self.org, issued.id, holder_jwk=public),
            jwk,
            issued.id,
        )


@pytest.fixture(scope="module")
def verifier() -> Iterator[Verifier]:
    home = Path(tempfile.mkdtemp(prefix="microcred-oid4vp-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        home=home,
        database_url=f"sqlite:///{home / 'db.sqlite3'}",
        secret_key="oid4vp-test",
        base_url=url,
        trust_test_ca=True,
    )
    app = create_app(settings)
    instance: Instance = app.state.instance
    org = organisations.create(instance, name="Employer and Issuer SIA", country="LV")
    spec = specifications.publish(
        instance, org.slug, load_data(SPECS / "university-data-analysis.yaml")
    )
    certificates.make_test_chain(instance, org.slug)
    root = certificates.test_ca(instance).root.public_bytes(serialization.Encoding.PEM).decode()
    with running_app(app, port, what="the verifier"):
        yield Verifier(url, instance, org.slug, spec.id, root)
    shutil.rmtree(home, ignore_errors=True)


def query(vct_claims: list[list[str]] | None = None) -> dict[str, Any]:
    return {
        "credentials": [
            {
                "id": "micro",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT[0], "urn:eu.europa.ec.eudi:learning:credential:1"]},
                "claims": [
                    {"path": p} for p in (vct_claims or [["family_name"], ["achievement_title"]])
                ],
            }
        ]
    }


VCT: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _vct(verifier: Verifier) -> None:
    from microcred.proofs.sd_jwt import parse_sd_jwt, unverified_payload

    sd_jwt, _, _ = verifier.credential()
    VCT.append(unverified_payload(parse_sd_jwt(sd_jwt))["vct"])


def wallet(
    verifier: Verifier,
    link: str,
    creds: dict[str, Any],
    attack: str | None = None,
    anchors: list[str] | None = None,
) -> dict[str, Any]:
    payload = {
        "link": link,
        "trust_anchors": anchors if anchors is not None else [verifier.root_pem],
        "credentials": creds,
        "attack": attack,
    }
    done = subprocess.run(
        [node_binary(), str(WALLET)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=60,
        cwd=JS_DIR,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def ask(verifier: Verifier, dcql: dict[str, Any] | None = None, **kw: Any) -> Any:
    return presentation_requests.create(verifier.instance, verifier.org, dcql or query(), **kw)


def show(verifier: Verifier, request_id: str) -> presentation_requests.RequestView:
    return presentation_requests.get(verifier.instance, verifier.org, request_id)


def test_an_independent_wallet_answers_and_the_employer_sees_the_report(verifier):
    sd_jwt, jwk, _ = verifier.credential()
    created = ask(verifier)
    answer = wallet(verifier, created.link, {"micro": {"sd_jwt": sd_jwt, "holder_jwk": jwk}})
    assert "error" not in answer, answer
    assert answer["request"]["client_id_prefix"] == "x509_hash"
    assert answer["request"]["client_id"] == created.client_id
    assert answer["request"]["response_mode"] == "direct_post.jwt"
    assert answer["dcql_satisfied"] is True
    view = show(verifier, created.id)
    assert answer["status"] == 200, json.dumps(view.result, indent=1)[:6000]
    assert view.status == "answered", view.result
    assert view.result is not None and view.result["valid"] is True
    (entry,) = view.result["credentials"]
    assert entry["key_binding"]["status"] == "pass"
    assert entry["claims"]["family_name"] and entry["claims"]["achievement_title"]
    assert "assessment_grade" not in entry["claims"]  # withheld: not asked for
    assert set(entry["disclosed"]) >= {"family_name"}


def test_the_haip_link_and_plain_get_work_too(verifier):
    sd_jwt, jwk, _ = verifier.credential()
    created = ask(verifier)
    link = created.haip_link.replace("&request_uri_method=post", "")
    answer = wallet(verifier, link, {"micro": {"sd_jwt": sd_jwt, "holder_jwk": jwk}})
    assert answer["status"] == 200, answer


def test_an_x509_san_dns_request_is_answered(verifier):
    sd_jwt, jwk, _ = verifier.credential()
    created = ask(verifier, client_id_prefix="x509_san_dns")
    assert created.client_id == "x509_san_dns:127.0.0.1"
    answer = wallet(verifier, created.link, {"micro": {"sd_jwt": sd_jwt, "holder_jwk": jwk}})
    assert answer["request"]["client_id_prefix"] == "x509_san_dns", answer
    assert answer["status"] == 200, answer
    assert show(verifier, created.id).status == "answered"


@pytest.mark.parametrize(
    ("attack", "needle"),
    [
        ("wrong_nonce", "nonce"),
        ("wrong_aud", "audience"),
        ("drop_claim", "missing"),
        ("tamper_disclosure", "disclosure"),
        ("extra_disclosure", "one of its disclosures was changed"),
    ],
)
def test_a_bad_presentation_is_refused_and_the_employer_sees_why(verifier, attack, needle):
    sd_jwt, jwk, _ = verifier.credential()
    created = ask(verifier)
    answer = wallet(
        verifier, created.link, {"micro": {"sd_jwt": sd_jwt, "holder_jwk": jwk}}, attack
    )
    assert answer["status"] == 400 and answer["body"]["error"] == "invalid_request", answer
    view = show(verifier, created.id)
    assert view.status in ("failed", "pending"), view
    text = json.dumps(view.result or answer["body"]).lower()
    assert needle in text, text[:2000]


def test_a_replayed_answer_is_refused(verifier):
    sd_jwt, jwk, _ = verifier.credential()
    created = ask(verifier)
    answer = wallet(verifier, created.link, {"micro": {"sd_jwt": sd_jwt, "holder_jwk": jwk}})
    assert answer["status"] == 200, answer
    again = httpx.post(answer["request"]["response_uri"], data=answer["form"], timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_request"
    # and to a new request of the same verifier: another nonce and key, refused
    other = ask(verifier)
    replay = httpx.post(
        f"{verifier.url}/oid4vp/responses/{other.id}", data=answer["form"], timeout=10
    )
    assert replay.status_code == 400
    assert show(verifier, other.id).status == "pending"


def test_an_unencrypted_answer_is_refused_where_encryption_was_asked(verifier):
    sd_jwt, jwk, _ = verifier.credential()
    created = ask(verifier)
    answer = wallet(
        verifier, created.link, {"micro": {"sd_jwt": sd_jwt, "holder_jwk": jwk}}, "unencrypted"
    )
    assert answer["status"] == 400 and "encrypted" in answer["body"]["error_description"]
    assert show(verifier, created.id).status == "pending"


def test_a_revoked_credential_is_reported_revoked(verifier):
    sd_jwt, jwk, credential_id = verifier.credential()
    credentials.revoke(verifier.instance, credential_id, reason="test", org_ref=verifier.org)
    created = ask(verifier)
    answer = wallet(verifier, created.link, {"micro": {"sd_jwt": sd_jwt, "holder_jwk": jwk}})
    assert answer["status"] == 400, answer
    view = show(verifier, created.id)
    assert view.result is not None and view.result["valid"] is False
    assert view.result["credentials"][0]["status"] == "revoked", view.result


def test_an_untrusted_issuer_chain_is_refused(verifier):
    sd_jwt, jwk, _ = verifier.credential()
    # an SD-JWT VC by an issuer whose chain leads to a CA the verifier does not trust
    from microcred.proofs.x509 import TestCA

    outsider = TestCA.create("Outsider")
    created = ask(verifier)
    forged = _resign_with_outsider(sd_jwt, outsider)
    answer = wallet(verifier, created.link, {"micro": {"sd_jwt": forged, "holder_jwk": jwk}})
    assert answer["status"] == 400, answer
    view = show(verifier, created.id)
    assert view.result is not None and view.result["valid"] is False
    checks = {c["id"]: c for c in view.result["credentials"][0]["report"]["checks"]}
    assert checks["issuer_certificate"]["status"] == "fail", checks["issuer_certificate"]


def _resign_with_outsider(sd_jwt: str, ca: Any) -> str:
    from microcred.proofs.jose import sign_jws
    from microcred.proofs.keys import P256KeyPair
    from microcred.proofs.sd_jwt import parse_sd_jwt, unverified_header, unverified_payload
    from microcred.proofs.x509 import x5c_header

    parsed = parse_sd_jwt(sd_jwt)
    key = P256KeyPair.generate()
    leaf_key = key._crypto_private_key().public_key()
    chain = ca.issue_leaf(leaf_key, "Outsider issuer", organization="Outsider")
    header = {k: v for k, v in unverified_header(parsed).items() if k not in ("alg", "kid")}
    header["x5c"] = x5c_header(chain)
    jwt = sign_jws(unverified_payload(parsed), key, header=header)
    return "~".join([jwt, *parsed.disclosures]) + "~"


def test_a_request_signed_by_an_untrusted_verifier_is_refused_by_the_wallet(verifier):
    from microcred.proofs.x509 import TestCA

    stranger = TestCA.create("Stranger").root.public_bytes(serialization.Encoding.PEM).decode()
    created = ask(verifier)
    answer = wallet(verifier, created.link, {}, anchors=[stranger])
    assert answer.get("stage") == "request" and "trusted" in answer["error"], answer


def test_the_wallet_refusing_tells_the_verifier(verifier):
    created = ask(verifier)
    answer = wallet(verifier, created.link, {}, "refuse")
    assert answer["status"] == 200
    assert show(verifier, created.id).status == "refused"


def test_the_request_uri_serves_a_signed_request_object(verifier):
    created = ask(verifier)
    got = httpx.get(created.request_uri, timeout=10)
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/oauth-authz-req+jwt")
    header = json.loads(base64.urlsafe_b64decode(got.text.split(".")[0] + "=="))
    assert header["typ"] == "oauth-authz-req+jwt" and header["alg"] == "ES256"
    assert len(header["x5c"]) >= 1
    missing = httpx.get(
        f"{verifier.url}/oid4vp/requests/00000000-0000-0000-0000-000000000000", timeout=10
    )
    assert missing.status_code == 404 and missing.json()["error"] == "invalid_request"
