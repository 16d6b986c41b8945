"""Issue 15, "a killed server loses no issued credential and issues none twice", with real
processes: ``microcred serve`` on a SQLite instance answers a wallet (the Python wallet of
tests/services/openid4vci, DPoP and proofs, over HTTP on loopback) and is killed with
SIGKILL, its whole process group, between two flows; a new ``microcred serve`` on the same
database then:

- redeems the access token given before the kill (nothing was only in memory);
- refuses the spent pre-authorized code, the replayed DPoP proof and c_nonce, and a second
  delivery with a token that already had its credential;
- and the database holds one record, one audit line per delivery, the offers marked issued.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from microcred.model.files import load_data
from microcred.services import credentials, organisations, specifications, tokens
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.settings import load_settings
from microcred.store.db import read_transaction
from microcred.store.tables import AuditEntry, IssuedCredential, Oid4vciOffer
from tests.services.openid4vci.conftest import BASE, PRE, SPEC, Wallet, offer_object

MICROCRED = [sys.executable, "-m", "microcred.cli.main"]
CREDENTIAL = "/oid4vci/credential"
SD_JWT = "eu_micro_credential_dc_sd_jwt"


class _Now:
    """The wallet's clock: the real one (the server reads its own)."""

    @property
    def at(self) -> datetime:
        return datetime.now(UTC)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`microcred serve` in a process group of its own (so SIGKILL reaches all of it)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.process = subprocess.Popen(
            [*MICROCRED, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while True:
            assert self.process.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.client = httpx.Client(base_url=self.url, timeout=30)

    def kill(self) -> None:
        self.client.close()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _offer(server: Server, api: dict[str, str], org: str, credential_id: str) -> dict[str, Any]:
    answer = server.client.post(
        f"/api/v1/orgs/{org}/credentials/{credential_id}/offers",
        json={"pre_authorized": True, "tx_code": True},
        headers=api,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _token_form(made: dict[str, Any]) -> dict[str, str]:
    grant = offer_object(made["offer"])["grants"][PRE]
    return {
        "grant_type": PRE,
        "pre-authorized_code": grant["pre-authorized_code"],
        "tx_code": made["tx_code"],
    }


def _error(answer: httpx.Response) -> str:
    assert answer.status_code in (400, 401), answer.text
    assert "Traceback" not in answer.text
    return str(answer.json()["error"])


def _counts(instance: Instance, credential_id: str) -> tuple[int, int, list[str]]:
    """(issued records, oid4vci.credential audit lines, the credential's offer states)."""
    with read_transaction(instance.sessions) as session:
        records = session.scalar(select(func.count()).select_from(IssuedCredential))
        deliveries = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "oid4vci.credential")
        )
        states = list(
            session.scalars(
                select(Oid4vciOffer.state).where(Oid4vciOffer.credential_id == credential_id)
            )
        )
    return int(records or 0), int(deliveries or 0), sorted(states)


def test_a_killed_server_loses_nothing_and_issues_nothing_twice(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MICROCRED_HOME": str(tmp_path / "home"),
        "MICROCRED_DATABASE_URL": f"sqlite:///{tmp_path / 'issuer.db'}",
        "MICROCRED_SECRET_KEY": "killed-server-secret",
        "MICROCRED_BASE_URL": BASE,  # the wallet signs htu/aud for it; it connects to loopback
    }
    instance = Instance(load_settings(env))
    try:
        org = organisations.create(instance, name="Rīgas koledža", country="LV")
        spec = specifications.publish(instance, org.slug, load_data(SPEC))
        request = IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade="9")
        issued = credentials.issue(instance, org.slug, spec.id, request)
        _, secret = tokens.create(instance, org.slug, "offers", ["issue"])
        api = {"Authorization": f"Bearer {secret}"}

        server = Server(env, tmp_path / "first.log")
        try:
            wallet = Wallet(server.client, _Now())  # type: ignore[arg-type]
            first = _offer(server, api, org.slug, issued.id)
            answer = wallet.token(_token_form(first))
            assert answer.status_code == 200, answer.text
            delivered_token = answer.json()["access_token"]
            nonce = wallet.c_nonce()
            proof = wallet.proof(nonce)
            body = {"credential_configuration_id": SD_JWT, "proofs": {"jwt": [proof]}}
            dpop = wallet.dpop("POST", CREDENTIAL, token=delivered_token)
            headers = {"Authorization": f"DPoP {delivered_token}", "DPoP": dpop}
            got = server.client.post(CREDENTIAL, json=body, headers=headers)
            assert got.status_code == 200, got.text
            assert got.json()["credentials"][0]["credential"].count("~") >= 2
            # a second flow stops after its token: the server dies before the credential
            second = _offer(server, api, org.slug, issued.id)
            answer = wallet.token(_token_form(second))
            assert answer.status_code == 200, answer.text
            pending_token = answer.json()["access_token"]
        finally:
            server.kill()
        assert _counts(instance, issued.id) == (1, 1, ["issued", "redeemed"])

        server = Server(env, tmp_path / "second.log")
        try:
            wallet.client = server.client  # type: ignore[assignment]
            # the token given before the kill still gets its credential, once
            got = wallet.resource(
                CREDENTIAL,
                pending_token,
                {"credential_configuration_id": SD_JWT, "proofs": {"jwt": [wallet.proof(wallet.c_nonce())]}},
            )  # fmt: skip
            assert got.status_code == 200, got.text
            again = wallet.resource(
                CREDENTIAL,
                pending_token,
                {"credential_configuration_id": SD_JWT, "proofs": {"jwt": [wallet.proof(wallet.c_nonce())]}},
            )  # fmt: skip
            assert _error(again) == "credential_request_denied"
            # what was spent before the kill stays spent
            replayed = server.client.post(CREDENTIAL, json=body, headers=headers)
            assert _error(replayed) == "invalid_dpop_proof"
            assert "replay" in replayed.json()["error_description"]
            fresh_dpop = wallet.resource(CREDENTIAL, delivered_token, body)
            assert _error(fresh_dpop) == "credential_request_denied"
            assert _error(wallet.token(_token_form(first))) == "invalid_grant"
            assert _error(wallet.token(_token_form(second))) == "invalid_grant"
            # the proof's c_nonce, spent before the kill, is refused with a new token
            third = wallet.token(_token_form(_offer(server, api, org.slug, issued.id)))
            assert third.status_code == 200, third.text
            spent = wallet.resource(CREDENTIAL, third.json()["access_token"], body)
            assert _error(spent) == "invalid_nonce"
        finally:
            server.stop()
        assert _counts(instance, issued.id) == (1, 2, ["issued", "issued", "redeemed"])
    finally:
        instance.close()
