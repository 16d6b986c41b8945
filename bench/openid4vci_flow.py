"""OpenID4VCI pre-authorized flow, end to end on loopback: offer to credential.

Starts `microcred serve` on 127.0.0.1 (a fresh SQLite instance; with --tls over TLS with a
test CA) and runs, N times, what an issuer and a wallet do for one credential:

  POST /api/v1/orgs/{org}/credentials/{id}/offers (the issuer's API, pre-authorized + PIN)
  GET  credential_offer_uri, GET /.well-known/openid-credential-issuer
  POST /oid4vci/token (DPoP, pre-authorized_code + tx_code)
  POST /oid4vci/nonce, POST /oid4vci/credential (DPoP + one openid4vci-proof+jwt)

with one keep-alive HTTP connection (the wallet keeps the server's last DPoP-Nonce, as
RFC 9449 lets it). The wallet side signs with joserfc. Prints the median and p90 in ms
(target: median < 50 ms) and one JSON line.

    .venv/bin/python bench/openid4vci_flow.py [--n 200] [--tls]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from joserfc import jws
from joserfc.jwk import ECKey

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"
MICROCRED = Path(sys.executable).with_name("microcred")
PRE = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
SD = "eu_micro_credential_dc_sd_jwt"


def _b64u(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _setup(home: Path, env: dict[str, str], tls: bool) -> tuple[str, str, str, str | None]:
    from microcred.model.files import load_data
    from microcred.services import credentials, organisations, specifications, tokens
    from microcred.services.credentials import IssueRequest
    from microcred.services.instance import Instance
    from microcred.settings import load_settings

    instance = Instance(load_settings(env))
    org = organisations.create(instance, name="Bench College", country="LV", slug="bench")
    spec = specifications.publish(instance, org.slug, load_data(SPEC))
    request = IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade="9")
    issued = credentials.issue(instance, org.slug, spec.id, request)
    _, secret = tokens.create(instance, org.slug, "bench", ["issue"])
    ca_file = None
    if tls:
        from microcred.proofs.x509 import TestCA, tls_server_certificate, to_pem

        ca = TestCA.create("bench TLS")
        chain, key = tls_server_certificate(ca, ("localhost",), ("127.0.0.1",))
        (home / "tls.pem").write_bytes(chain)
        (home / "tls.key").write_bytes(key)
        ca_file = str(home / "tls-ca.pem")
        Path(ca_file).write_bytes(to_pem([ca.root]))
    instance.close()
    return org.slug, issued.id, secret, ca_file


class Wallet:
    def __init__(self, client: httpx.Client, base: str) -> None:
        self.client, self.base = client, base
        self.dpop_key = ECKey.generate_key("P-256")
        self.nonce: str | None = None

    def dpop(self, method: str, url: str, token: str | None = None) -> str:
        claims = {
            "jti": secrets.token_urlsafe(12),
            "htm": method,
            "htu": url,
            "iat": int(time.time()),
        }
        if self.nonce:
            claims["nonce"] = self.nonce
        if token:
            claims["ath"] = _b64u(hashlib.sha256(token.encode()).digest())
        header = {"alg": "ES256", "typ": "dpop+jwt", "jwk": self.dpop_key.as_dict(private=False)}
        return jws.serialize_compact(header, json.dumps(claims).encode(), self.dpop_key)

    def post(self, url: str, token: str | None = None, **kwargs: object) -> httpx.Response:
        for _ in range(2):
            headers = {"DPoP": self.dpop("POST", url, token)}
            if token:
                headers["Authorization"] = f"DPoP {token}"
            answer = self.client.post(url, headers=headers, **kwargs)  # type: ignore[arg-type]
            self.nonce = answer.headers.get("DPoP-Nonce", self.nonce)
            if answer.status_code in (400, 401) and "use_dpop_nonce" in answer.text:
                continue
            return answer
        return answer

    def receive(self, offer_uri: str, pin: str) -> str:
        offer = self.client.get(offer_uri).json()
        issuer = offer["credential_issuer"]
        metadata = self.client.get(issuer + "/.well-known/openid-credential-issuer").json()
        code = offer["grants"][PRE]["pre-authorized_code"]
        token = self.post(
            issuer + "/oid4vci/token",
            data={"grant_type": PRE, "pre-authorized_code": code, "tx_code": pin},
        )
        token.raise_for_status()
        access = token.json()["access_token"]
        c_nonce = self.client.post(metadata["nonce_endpoint"]).json()["c_nonce"]
        holder = ECKey.generate_key("P-256")
        proof = jws.serialize_compact(
            {"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": holder.as_dict(private=False)},
            json.dumps({"aud": issuer, "iat": int(time.time()), "nonce": c_nonce}).encode(),
            holder,
        )
        answer = self.post(
            metadata["credential_endpoint"],
            access,
            json={"credential_configuration_id": SD, "proofs": {"jwt": [proof]}},
        )
        answer.raise_for_status()
        return str(answer.json()["credentials"][0]["credential"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--tls", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        port = _free_port()
        base = f"{'https' if args.tls else 'http'}://127.0.0.1:{port}"
        env = {
            "MICROCRED_HOME": str(home),
            "MICROCRED_SECRET_KEY": "bench-openid4vci",
            "MICROCRED_BASE_URL": base,
            "MICROCRED_DATABASE_URL": f"sqlite:///{home / 'bench.db'}",
        }
        # one address makes every request here: lift the per-address throttle of the flow
        (home / "config.toml").write_text("oid4vci_requests_per_minute = 1000000\n")
        org, credential_id, secret, ca_file = _setup(home, env, args.tls)
        command = [str(MICROCRED), "serve", "--host", "127.0.0.1", "--port", str(port)]
        if args.tls:
            command += [
                "--ssl-certfile",
                str(home / "tls.pem"),
                "--ssl-keyfile",
                str(home / "tls.key"),
            ]
        server = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            client = httpx.Client(verify=ca_file or True, timeout=30)
            for _ in range(150):
                try:
                    client.get(base + "/.well-known/openid-credential-issuer")
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            wallet = Wallet(client, base)
            offers_url = f"{base}/api/v1/orgs/{org}/credentials/{credential_id}/offers"
            api = {"Authorization": f"Bearer {secret}"}
            times = []
            for i in range(args.n + 10):
                started = time.perf_counter()
                made = client.post(
                    offers_url, json={"pre_authorized": True, "tx_code": True}, headers=api
                ).json()
                credential = wallet.receive(made["offer_uri"], made["tx_code"])
                elapsed = (time.perf_counter() - started) * 1000
                assert credential.count("~") >= 2
                if i >= 10:  # warm-up runs left out
                    times.append(elapsed)
            client.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    times.sort()
    median = statistics.median(times)
    p90 = times[int(len(times) * 0.9) - 1]
    print(
        f"OpenID4VCI pre-authorized flow, offer to credential ({'TLS' if args.tls else 'HTTP'}, loopback)"
    )
    print(f"  runs {len(times)}  median {median:.1f} ms  p90 {p90:.1f} ms  (target median < 50 ms)")
    print(json.dumps({"bench": "openid4vci_flow", "tls": args.tls, "runs": len(times),
                      "median_ms": round(median, 2), "p90_ms": round(p90, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()
