"""microcred's wallet answers an independent OpenID4VP verifier (issue 16, interoperability:
"the project's Node harness acts ... as a verifier whose requests microcred's wallet
answers"): ``interop/js/oid4vp-verifier.mjs`` builds its signed request object with
@openid4vc/openid4vp 0.4.6 (x5c from its own CA, client id ``x509_hash`` or
``x509_san_dns``, direct_post.jwt with an ephemeral ECDH-ES key), serves it by reference,
decrypts and validates the answer with the same library, checks the query with ``dcql``
3.0.0 and each SD-JWT VC with @sd-jwt/sd-jwt-vc 0.19.0 (issuer x5c to microcred's test CA
root, Key Binding JWT nonce and sd_hash, aud = the full client id, the status list entry).
Anna's SD-JWT VC came to her wallet over OpenID4VCI; she discloses the title and her family
name, not the grade. Refusals: declining reaches the verifier as access_denied; a verifier
whose CA is not one of the wallet's trust anchors is refused before anything is sent."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from microcred.api import create_app
from microcred.formats.sd_jwt_vc import vct_url
from microcred.proofs.x509 import TestCA, to_pem
from microcred.services import certificates
from microcred.services.instance import Instance
from microcred.services.openid4vci import offers
from microcred.services.wallet.openid4vci_receive import receive
from microcred.services.wallet.openid4vp_respond import RespondError, open_request, respond
from tests.live_server import free_port as _free_port
from tests.live_server import own_wallet_settings, running_app
from tests.wallet_college import college_issues_to_anna

from .jsref import JS_DIR, REPO_ROOT, node_binary

VERIFIER = JS_DIR / "oid4vp-verifier.mjs"
SPEC = REPO_ROOT / "examples" / "specs" / "university-data-analysis.yaml"
EUDI = "urn:eu.europa.ec.eudi:learning:credential:1"


def _b64u(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


@dataclass
class World:
    url: str
    instance: Instance
    item: str  # Anna's SD-JWT VC
    ports: dict[str, int]  # the Node verifier's port per host
    employer_ca: TestCA  # the Node verifier's own CA, a trust anchor of the wallet


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("oid4vp-js-verifier")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    ports = {"127.0.0.1": _free_port(), "localhost": _free_port()}
    employer_ca = TestCA.create("Node Employer")
    anchors = home / "employer-root.pem"
    anchors.write_bytes(to_pem([employer_ca.root]))
    settings = own_wallet_settings(
        home,
        port,
        "oid4vp-js-verifier-test",
        allowed_hosts=(url, *(f"http://{h}:{p}" for h, p in ports.items())),
        trust_anchors=(anchors,),
    )
    app = create_app(settings)
    instance: Instance = app.state.instance
    college = college_issues_to_anna(instance, SPEC, "correct horse 15", grade="9")
    with running_app(app, port, what="the instance"):
        offer = offers.create(instance, college.org, college.issued.id, pre_authorized=True)
        [(item, _)] = receive(instance, "anna", offer.offer)
        yield World(url, instance, item.id, ports, employer_ca)
    instance.close()


class NodeVerifier:
    """One request of the Node verifier: started, its link read, its verdict awaited."""

    def __init__(self, world: World, host: str, prefix: str, ca: TestCA | None = None) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.private_numbers()
        chain = (ca or world.employer_ca).issue_leaf(
            key.public_key(), "Node Verifier", organization="Node Employer SIA", dns_names=[host]
        )
        root = certificates.test_ca_root(world.instance)
        payload = {
            "port": world.ports[host],
            "host": host,
            "prefix": prefix,
            "x5c": [
                base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain
            ],
            "signing_jwk": {
                "kty": "EC",
                "crv": "P-256",
                "x": _b64u(numbers.public_numbers.x),
                "y": _b64u(numbers.public_numbers.y),
                "d": _b64u(numbers.private_value),
            },
            "issuer_roots": [root.public_bytes(serialization.Encoding.PEM).decode()],
            "dcql_query": {
                "credentials": [
                    {
                        "id": "micro",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": [vct_url(world.url), EUDI]},
                        "claims": [{"path": ["family_name"]}, {"path": ["achievement_title"]}],
                    }
                ]
            },
        }
        self.process = subprocess.Popen(
            [node_binary(), str(VERIFIER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=JS_DIR,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(payload).encode())
        self.process.stdin.close()
        first = self.process.stdout.readline()
        assert first, self.process.stderr.read().decode()[-2000:] if self.process.stderr else ""
        started = json.loads(first)
        self.link: str = started["link"]
        self.client_id: str = started["client_id"]

    def verdict(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        out = self.process.stdout.readline()
        self.process.wait(30)
        assert out, self.process.stderr.read().decode()[-2000:] if self.process.stderr else ""
        result: dict[str, Any] = json.loads(out)["result"]
        return result

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(10)


@pytest.mark.parametrize(
    ("host", "prefix"), [("127.0.0.1", "x509_hash"), ("localhost", "x509_san_dns")]
)
def test_the_wallet_answers_an_independent_verifier(world, host, prefix):
    verifier = NodeVerifier(world, host, prefix)
    try:
        assert verifier.link.startswith("openid4vp://") and verifier.client_id.startswith(prefix)
        opened = open_request(world.instance, verifier.link)
        assert opened.verified and "Node Employer SIA" in opened.verifier
        assert opened.client_id == verifier.client_id
        result = respond(world.instance, "anna", verifier.link, [world.item])
        verdict = verifier.verdict()
    finally:
        verifier.stop()
    assert result["accepted"], (result, verdict)
    assert "error" not in verdict, verdict
    assert verdict["dcql_satisfied"] and verdict["jarm_alg"] == "ECDH-ES"
    [checked] = verdict["credentials"]["micro"]
    assert checked["verified"] and checked["kb"]["aud"] == verifier.client_id
    assert "Bērziņa" in checked["claims"]["family_name"]
    assert checked["claims"]["achievement_title"]
    assert "assessment_grade" not in checked["claims"]  # withheld: not asked for
    assert checked["status"] is not None  # the status list entry the peer checked


def test_declining_reaches_the_independent_verifier(world):
    verifier = NodeVerifier(world, "127.0.0.1", "x509_hash")
    try:
        result = respond(world.instance, "anna", verifier.link, [], refuse=True)
        verdict = verifier.verdict()
    finally:
        verifier.stop()
    assert result["accepted"] and result["refused"]
    assert verdict == {"refused": "access_denied", "state_matches": True}


def test_a_verifier_whose_ca_the_wallet_does_not_trust_is_refused(world):
    stranger = TestCA.create("Stranger")
    verifier = NodeVerifier(world, "127.0.0.1", "x509_hash", ca=stranger)
    try:
        with pytest.raises(RespondError, match="not trusted") as caught:
            respond(world.instance, "anna", verifier.link, [world.item])
    finally:
        verifier.stop()
    assert caught.value.field == "request"
