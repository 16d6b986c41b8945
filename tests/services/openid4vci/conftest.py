"""An OpenID4VCI app on a fixed clock, an issued credential, and a small Python wallet
(joserfc keys, DPoP and proof JWTs) driving the endpoints over the ASGI app."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from joserfc import jws
from joserfc.jwk import ECKey

from microcred.api import create_app
from microcred.clock import FixedClock
from microcred.model.files import load_data
from microcred.services import credentials, organisations, specifications, tokens
from microcred.services.credentials import IssueRequest
from microcred.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"
BASE = "https://issuer.example"
PRE = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Wallet:
    """Signs what a wallet signs: DPoP proofs and openid4vci-proof+jwt proofs."""

    def __init__(self, client: TestClient, clock: FixedClock) -> None:
        self.client = client
        self.clock = clock
        self.key = ECKey.generate_key("P-256")
        self.dpop_nonce: str | None = None

    def now(self) -> int:
        return int(self.clock.at.timestamp())

    def dpop(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        nonce: str | None = None,
        key: ECKey | None = None,
        **overrides: Any,
    ) -> str:
        key = key or self.key
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(12),
            "htm": method,
            "htu": BASE + path,
            "iat": self.now(),
        }
        if nonce or self.dpop_nonce:
            claims["nonce"] = nonce or self.dpop_nonce
        if token:
            claims["ath"] = b64u(hashlib.sha256(token.encode()).digest())
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        header = {"alg": "ES256", "typ": "dpop+jwt", "jwk": key.as_dict(private=False)}
        return jws.serialize_compact(header, json.dumps(claims).encode(), key)

    def proof(
        self,
        nonce: str | None,
        *,
        key: ECKey | None = None,
        header: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> str:
        key = key or ECKey.generate_key("P-256")
        claims: dict[str, Any] = {"aud": BASE, "iat": self.now(), "nonce": nonce}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        head = {"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": key.as_dict(private=False)}
        head.update(header or {})
        return jws.serialize_compact(head, json.dumps(claims).encode(), key)

    def post_form(self, path: str, form: dict[str, str], **headers: str) -> Any:
        return self.client.post(path, data=form, headers=headers)

    def token(self, form: dict[str, str]) -> Any:
        """The token request, retried once with the server's DPoP-Nonce (RFC 9449 8)."""
        answer = self.post_form("/oid4vci/token", form, DPoP=self.dpop("POST", "/oid4vci/token"))
        if answer.status_code == 400 and answer.json().get("error") == "use_dpop_nonce":
            self.dpop_nonce = answer.headers["DPoP-Nonce"]
            answer = self.post_form(
                "/oid4vci/token", form, DPoP=self.dpop("POST", "/oid4vci/token")
            )
        if "DPoP-Nonce" in answer.headers:
            self.dpop_nonce = answer.headers["DPoP-Nonce"]
        return answer

    def c_nonce(self) -> str:
        return str(self.client.post("/oid4vci/nonce").json()["c_nonce"])

    def resource(self, path: str, token: str, body: Any, **dpop_overrides: Any) -> Any:
        headers = {
            "Authorization": f"DPoP {token}",
            "DPoP": self.dpop("POST", path, token=token, **dpop_overrides),
        }
        answer = self.client.post(path, json=body, headers=headers)
        if "DPoP-Nonce" in answer.headers:
            self.dpop_nonce = answer.headers["DPoP-Nonce"]
        return answer


def offer_object(offer: str) -> dict[str, Any]:
    query = parse_qs(urlsplit(offer).query)
    return dict(json.loads(unquote(query["credential_offer"][0])))


class World:
    def __init__(
        self, tmp_path: Path, database_url: str, *, base: str = BASE, **settings: Any
    ) -> None:
        self.clock = FixedClock(datetime.fromtimestamp(int(time.time()), UTC))
        self.app = create_app(
            Settings(
                home=tmp_path / "home",
                database_url=database_url,
                secret_key="oid4vci-test",
                base_url=base,
                **settings,
            ),
            clock=self.clock,
        )
        self.instance = self.app.state.instance
        self.client = TestClient(self.app, base_url=BASE)
        self.org = organisations.create(self.instance, name="Rīgas koledža", country="LV")
        specification = specifications.publish(self.instance, self.org.slug, load_data(SPEC))
        request = IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade="9")
        self.credential = credentials.issue(self.instance, self.org.slug, specification.id, request)
        _, secret = tokens.create(self.instance, self.org.slug, "offers", ["issue", "read"])
        self.api = {"Authorization": f"Bearer {secret}"}

    def wallet(self) -> Wallet:
        return Wallet(self.client, self.clock)

    def offer(self, **body: Any) -> dict[str, Any]:
        body.setdefault("pre_authorized", True)
        answer = self.client.post(
            f"/api/v1/orgs/{self.org.slug}/credentials/{self.credential.id}/offers",
            json=body,
            headers=self.api,
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def access_token(self, wallet: Wallet, **body: Any) -> str:
        made = self.offer(**body)
        grant = offer_object(made["offer"])["grants"][PRE]
        form = {"grant_type": PRE, "pre-authorized_code": grant["pre-authorized_code"]}
        if made["tx_code"]:
            form["tx_code"] = made["tx_code"]
        answer = wallet.token(form)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


@pytest.fixture()
def world(tmp_path: Path, database_url: str):
    made = World(tmp_path, database_url)
    yield made
    made.client.close()
    made.instance.close()


@pytest.fixture()
def sqlite_world(tmp_path: Path):
    """The same on SQLite only: for refusals that do not depend on the database (the
    replay and single-use tests run on both)."""
    made = World(tmp_path, f"sqlite:///{tmp_path / 'oid4vci.db'}")
    yield made
    made.client.close()
    made.instance.close()
