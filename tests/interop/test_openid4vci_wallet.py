"""microcred's OpenID4VCI issuer under an independent wallet: ``interop/js/oid4vci-wallet.mjs``
(@openid4vc/openid4vci + @openid4vc/oauth2 + @openid4vc/utils 0.4.6, jose, and
@sd-jwt/sd-jwt-vc 0.19.0 verifying what it receives) against ``microcred serve`` over TLS on
127.0.0.1 (a test CA for the server, trusted through NODE_EXTRA_CA_CERTS), the
organisation signing with a chain of the instance's TEST CA (x5c)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from microcred.model.files import load_data
from microcred.proofs.x509 import TestCA, tls_server_certificate, to_pem
from microcred.services import certificates, credentials, organisations, specifications
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.services.openid4vci import offers
from microcred.settings import load_settings

from .jsref import JS_DIR, REPO_ROOT, node_binary

WALLET = JS_DIR / "oid4vci-wallet.mjs"
SPEC = REPO_ROOT / "examples" / "specs" / "university-data-analysis.yaml"
MICROCRED = Path(sys.executable).with_name("microcred")
pytestmark = pytest.mark.interop


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Issuer:
    url: str
    env: dict[str, str]
    tls_root: Path
    issuer_root: Path
    instance: Instance
    org: str
    credential_id: str
    spec_id: str

    def offer(self, credential_id: str | None = None, **options: Any) -> offers.OfferView:
        return offers.create(
            self.instance, self.org, credential_id or self.credential_id, **options
        )

    def new_credential(self, name: str) -> str:
        request = IssueRequest(name, f"{name.split()[0].lower()}@example.lv", "2026-06-30")
        return credentials.issue(self.instance, self.org, self.spec_id, request).id

    def wallet(self, offer: str, *args: str) -> tuple[int, dict[str, Any]]:
        env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(self.tls_root)}
        done = subprocess.run(
            [
                node_binary(),
                str(WALLET),
                "--offer",
                offer,
                "--issuer-ca",
                str(self.issuer_root),
                *args,
            ],
            cwd=JS_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        try:
            return done.returncode, json.loads(done.stdout)
        except ValueError:
            raise AssertionError(f"wallet output: {done.stdout!r} {done.stderr!r}") from None


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issuer]:
    home = tmp_path_factory.mktemp("oid4vci-server")
    port = _free_port()
    url = f"https://127.0.0.1:{port}"
    env = {
        "MICROCRED_HOME": str(home),
        "MICROCRED_SECRET_KEY": "openid4vci-interop-secret",
        "MICROCRED_BASE_URL": url,
        "MICROCRED_DATABASE_URL": f"sqlite:///{home / 'issuer.db'}",
    }
    instance = Instance(load_settings(env))
    org = organisations.create(instance, name="Rīgas koledža", country="LV", slug="rk")
    spec = specifications.publish(instance, org.slug, load_data(SPEC))
    request = IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade="9")
    issued = credentials.issue(instance, org.slug, spec.id, request)
    certificates.make_test_chain(instance, org.slug)
    issuer_root = home / "issuer-ca.pem"
    issuer_root.write_bytes(to_pem([certificates.test_ca(instance).root]))
    tls_ca = TestCA.create("microcred interop TLS")
    chain_pem, key_pem = tls_server_certificate(tls_ca, ("localhost",), ("127.0.0.1",))
    (home / "tls.pem").write_bytes(chain_pem)
    (home / "tls.key").write_bytes(key_pem)
    tls_root = home / "tls-ca.pem"
    tls_root.write_bytes(to_pem([tls_ca.root]))
    server = subprocess.Popen(
        [str(MICROCRED), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--ssl-certfile", str(home / "tls.pem"), "--ssl-keyfile", str(home / "tls.key")],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/.well-known/openid-credential-issuer", verify=str(tls_root))
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"microcred serve did not start: {server.stderr}")
                time.sleep(0.2)
        yield Issuer(url, env, tls_root, issuer_root, instance, org.slug, issued.id, spec.id)
    finally:
        server.terminate()
        server.wait(timeout=10)
        instance.close()


def test_metadata_over_tls_names_the_https_issuer(issuer: Issuer) -> None:
    metadata = httpx.get(
        issuer.url + "/.well-known/openid-credential-issuer", verify=str(issuer.tls_root)
    ).json()
    assert metadata["credential_issuer"] == issuer.url
    server = httpx.get(
        issuer.url + "/.well-known/oauth-authorization-server", verify=str(issuer.tls_root)
    ).json()
    assert server["token_endpoint"] == issuer.url + "/oid4vci/token"
    with pytest.raises(httpx.ConnectError):  # not trusted without the test CA
        httpx.get(issuer.url + "/.well-known/openid-credential-issuer")


def test_pre_authorized_flow_with_tx_code_and_batch_by_reference(issuer: Issuer) -> None:
    made = issuer.offer(pre_authorized=True, tx_code=True)
    assert made.tx_code is not None
    code, result = issuer.wallet(made.by_reference, "--tx-code", made.tx_code, "--batch", "2")
    assert code == 0 and result["ok"], result
    assert result["token_type"] == "DPoP" and result["notified"] is True
    bound = []
    for item in result["credentials"]:
        check = item["check"]
        assert item["format"] == "dc+sd-jwt" and check["verified"] is True
        assert check["x5c"] == 2 and check["statusChecked"] is True
        assert check["vct"] == issuer.url + "/vct/eu-micro-credential/1"
        assert "Bērziņa" in check["claims"]["family_name"]  # disclosed by the issuer
        bound.append(check["claims"]["cnf"]["jwk"]["x"])
    assert len(set(bound)) == 2  # one credential per proof, each bound to its own key
    # the same offer again: single use
    code, again = issuer.wallet(made.by_reference, "--tx-code", made.tx_code)
    assert code == 1 and not again["ok"]
    assert "used already" in json.dumps(again) or "invalid" in json.dumps(again)


def test_wrong_tx_code_is_refused_with_invalid_grant(issuer: Issuer) -> None:
    made = issuer.offer(pre_authorized=True, tx_code=True)
    wrong = "000000" if made.tx_code != "000000" else "111111"
    code, result = issuer.wallet(made.offer, "--tx-code", wrong)
    assert code == 1 and "invalid_grant" in json.dumps(result), result


def test_authorization_code_flow_with_par_pkce_and_iss(issuer: Issuer) -> None:
    made = issuer.offer(pre_authorized=False)
    code, result = issuer.wallet(made.offer, "--flow", "code")
    assert code == 0 and result["ok"], result
    (item,) = result["credentials"]
    assert item["check"]["verified"] is True


def test_w3c_configurations_come_as_the_stored_credentials(issuer: Issuer) -> None:
    made = issuer.offer(
        pre_authorized=True,
        configuration_ids=["eu_micro_credential_ldp_vc", "eu_micro_credential_jwt_vc_json"],
    )
    code, result = issuer.wallet(made.offer)
    assert code == 0 and result["ok"], result
    ldp, jwt = result["credentials"]
    assert ldp["format"] == "ldp_vc" and ldp["credential"]["id"] == issuer.credential_id
    assert jwt["format"] == "jwt_vc_json" and jwt["credential"].count(".") == 2


def test_a_credential_revoked_after_its_offer_is_not_issued(issuer: Issuer) -> None:
    credential_id = issuer.new_credential("Jānis Kalniņš")
    made = issuer.offer(credential_id, pre_authorized=True)
    credentials.revoke(issuer.instance, credential_id, reason="test", org_ref=issuer.org)
    code, result = issuer.wallet(made.offer)
    # revoking the credential ends its unused offers: the token request is refused already
    said = json.dumps(result)
    assert code == 1 and "invalid_grant" in said and "revoked" in said, result


def test_cli_offer_json_is_exactly_the_named_shape(issuer: Issuer) -> None:
    done = subprocess.run(
        [str(MICROCRED), "offer", "--org", issuer.org, "--credential", issuer.credential_id,
         "--pre-authorized", "--tx-code", "--json"],
        env={**os.environ, **issuer.env},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    assert set(made) == {"offer", "offer_uri", "tx_code", "expires_at"}
    assert made["offer"].startswith("openid-credential-offer://?credential_offer=")
    assert made["offer_uri"].startswith(issuer.url + "/oid4vci/offers/")
    link = "openid-credential-offer://?credential_offer_uri=" + urllib.parse.quote(
        made["offer_uri"], safe=""
    )
    code, result = issuer.wallet(link, "--tx-code", made["tx_code"])
    assert code == 0 and result["ok"], result


def test_microcred_wallet_receives_over_tls_trusting_an_extra_ca(
    issuer: Issuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`microcred wallet receive` of another instance, against this https issuer whose TLS
    certificate is of a private CA: refused until MICROCRED_OUTBOUND_CA_FILES names it."""
    from typer.testing import CliRunner

    from microcred.cli.main import app

    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "wallet"))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", f"sqlite:///{tmp_path / 'wallet.db'}")
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "tls-wallet-secret")
    monkeypatch.setenv("MICROCRED_ALLOWED_HOSTS", issuer.url)
    monkeypatch.setenv("MICROCRED_OUTBOUND_ALLOW_PRIVATE", "true")  # the issuer is on loopback
    monkeypatch.setenv("MICROCRED_TRUST_ANCHORS", str(issuer.issuer_root))
    runner = CliRunner()
    made = runner.invoke(app, ["holder", "create", "--name", "Anna Bērziņa", "--handle", "anna"])
    assert made.exit_code == 0, made.output
    offer = issuer.offer(pre_authorized=True, tx_code=True)
    assert offer.tx_code is not None
    receive = ["wallet", "receive", "--holder", "anna", offer.offer, "--tx-code", offer.tx_code]
    untrusted = runner.invoke(app, [*receive, "--json"])
    assert untrusted.exit_code == 2, untrusted.output
    assert json.loads(untrusted.stdout)["error"]["step"] == "metadata"
    monkeypatch.setenv("MICROCRED_OUTBOUND_CA_FILES", str(tmp_path / "missing.pem"))
    bad = runner.invoke(app, [*receive, "--json"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert "MICROCRED_OUTBOUND_CA_FILES" in json.loads(bad.stdout)["error"]["message"]
    monkeypatch.setenv("MICROCRED_OUTBOUND_CA_FILES", str(issuer.tls_root))
    done = runner.invoke(app, [*receive, "--json"])
    assert done.exit_code == 0, done.output
    [kept] = json.loads(done.stdout)["credentials"]
    assert kept["kind"] == "sd-jwt-vc" and kept["status"] == "valid", [
        (c["id"], c["message"]) for c in kept["report"]["checks"] if c["status"] != "pass"
    ]
