"""microcred's OpenID4VCI issuer with wallet attestation and key attestation required (as
for EUDI wallets), under the independent wallet ``interop/js/oid4vci-wallet.mjs --attest``:
@openid4vc/oauth2 0.4.6 presents a wallet attestation (signed with jose by a wallet
provider's certificate, x5c) with its PoP at PAR and token (``attest_jwt_client_auth``) and
a key attestation in each proof; the same wallet without them is refused."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from microcred.model.files import load_data
from microcred.proofs.x509 import TestCA, tls_server_certificate, to_pem
from microcred.services import certificates, credentials, organisations, specifications
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.services.openid4vci import offers
from microcred.settings import load_settings

from .jsref import JS_DIR, node_binary
from .test_openid4vci_wallet import MICROCRED, SPEC, WALLET, _free_port

pytestmark = pytest.mark.interop


class Server:
    def __init__(self, home: Path, url: str, instance: Instance, org: str, credential: str):
        self.home, self.url, self.instance = home, url, instance
        self.org, self.credential = org, credential

    def offer(self, **options: Any) -> offers.OfferView:
        return offers.create(self.instance, self.org, self.credential, **options)

    def wallet(self, offer: str, *args: str) -> tuple[int, dict[str, Any]]:
        done = subprocess.run(
            [node_binary(), str(WALLET), "--offer", offer, *args],
            cwd=JS_DIR,
            env={**os.environ, "NODE_EXTRA_CA_CERTS": str(self.home / "tls-ca.pem")},
            capture_output=True,
            text=True,
            timeout=60,
        )
        try:
            return done.returncode, json.loads(done.stdout)
        except ValueError:
            raise AssertionError(f"wallet output: {done.stdout!r} {done.stderr!r}") from None


def _wallet_provider(directory: Path) -> Path:
    """A wallet provider's CA (the anchor the issuer trusts) and its signing key and chain
    (what the harness signs with); returns the anchor file."""
    directory.mkdir()
    ca = TestCA.create("Interop Wallet Provider")
    key = ec.generate_private_key(ec.SECP256R1())
    chain = ca.issue_leaf(key.public_key(), "Interop Wallet Provider", organization="Interop")
    (directory / "provider-key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (directory / "provider-chain.pem").write_bytes(to_pem(chain))
    anchor = directory / "anchor.pem"
    anchor.write_bytes(to_pem([ca.root]))
    return anchor


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("oid4vci-attested")
    port = _free_port()
    url = f"https://127.0.0.1:{port}"
    anchor = _wallet_provider(home / "provider")
    env = {
        "MICROCRED_HOME": str(home),
        "MICROCRED_SECRET_KEY": "openid4vci-attested-secret",
        "MICROCRED_BASE_URL": url,
        "MICROCRED_DATABASE_URL": f"sqlite:///{home / 'issuer.db'}",
        "MICROCRED_WALLET_ATTESTATION": "required",
        "MICROCRED_KEY_ATTESTATION": "required",
        "MICROCRED_WALLET_PROVIDER_TRUST_ANCHORS": str(anchor),
    }
    instance = Instance(load_settings(env))
    org = organisations.create(instance, name="Rīgas koledža", country="LV", slug="rk")
    spec = specifications.publish(instance, org.slug, load_data(SPEC))
    request = IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade="9")
    issued = credentials.issue(instance, org.slug, spec.id, request)
    certificates.make_test_chain(instance, org.slug)
    tls_ca = TestCA.create("microcred attested interop TLS")
    chain_pem, key_pem = tls_server_certificate(tls_ca, ("localhost",), ("127.0.0.1",))
    (home / "tls.pem").write_bytes(chain_pem)
    (home / "tls.key").write_bytes(key_pem)
    (home / "tls-ca.pem").write_bytes(to_pem([tls_ca.root]))
    process = subprocess.Popen(
        [str(MICROCRED), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--ssl-certfile", str(home / "tls.pem"), "--ssl-keyfile", str(home / "tls.key")],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    trusted = ssl.create_default_context(cafile=str(home / "tls-ca.pem"))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/.well-known/openid-credential-issuer", verify=trusted)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"microcred serve did not start: {process.stderr}")
                time.sleep(0.2)
        yield Server(home, url, instance, org.slug, issued.id)
    finally:
        process.terminate()
        process.wait(timeout=10)
        instance.close()


def test_attested_wallet_receives_by_both_flows(server: Server) -> None:
    attest = ("--attest", str(server.home / "provider"))
    made = server.offer(pre_authorized=True)
    code, result = server.wallet(made.offer, *attest, "--batch", "2")
    assert code == 0 and result["ok"] and result["attested"], result
    assert [c["check"]["verified"] for c in result["credentials"]] == [True, True]
    made = server.offer(pre_authorized=False)
    code, result = server.wallet(made.offer, *attest, "--flow", "code")
    assert code == 0 and result["ok"], result


def test_the_same_wallet_without_attestation_is_refused(server: Server) -> None:
    code, result = server.wallet(server.offer(pre_authorized=True).offer)
    assert code == 1 and "invalid_client" in json.dumps(result), result
