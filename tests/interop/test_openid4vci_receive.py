"""The microcred wallet receives over OpenID4VCI 1.0 from an independent issuer
(``interop/js/oid4vci-issuer.mjs``: @openid4vc/oauth2 + @openid4vc/openid4vci 0.4.6 and
@sd-jwt/sd-jwt-vc 0.19.0 on loopback): stored, bound to its own key, shown; and refused with
the step and the issuer's error when the PIN is wrong, the offer replayed or expired, the
issuer answers an error or too much, the credential is bound to another key, or the host is
not allowed."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner

from microcred.proofs.sd_jwt import disclose, parse_sd_jwt, unverified_header, unverified_payload
from microcred.proofs.x509 import TestCA
from microcred.services import holders, wallet
from microcred.services.instance import Instance
from microcred.services.wallet.openid4vci_receive import ReceiveError, bound_key, receive
from microcred.settings import Settings

from .jsref import JS_DIR

ISSUER_SCRIPT = JS_DIR / "oid4vci-issuer.mjs"


def _b64u(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


@dataclass
class JsIssuer:
    url: str
    root_pem: Path

    def offer(self, **options: Any) -> dict[str, Any]:
        answer = httpx.post(f"{self.url}/control/offer", json=options, timeout=10)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def stats(self) -> dict[str, int]:
        result: dict[str, int] = httpx.get(f"{self.url}/control/stats", timeout=10).json()
        return result

    def configure(self, **settings: Any) -> None:
        httpx.post(f"{self.url}/control/settings", json=settings, timeout=10).raise_for_status()


@pytest.fixture(scope="module")
def js_issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JsIssuer]:
    """The independent issuer, signing with a key certified by a private test CA
    (``x5c`` leaf + intermediate; the root is the wallet's trust anchor)."""
    folder = tmp_path_factory.mktemp("oid4vci-issuer")
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.private_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64u(numbers.public_numbers.x),
        "y": _b64u(numbers.public_numbers.y),
        "d": _b64u(numbers.private_value),
    }
    ca = TestCA.create("Independent issuer")
    chain = ca.issue_leaf(key.public_key(), "Independent test issuer", organization="Test")
    x5c = [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain]
    root_pem = folder / "root.pem"
    root_pem.write_bytes(ca.root.public_bytes(serialization.Encoding.PEM))
    config = folder / "config.json"
    config.write_text(json.dumps({"issuer_jwk": jwk, "x5c": x5c}))
    process = subprocess.Popen(
        ["node", str(ISSUER_SCRIPT), str(config)],
        cwd=JS_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            pytest.fail(
                f"the JS issuer did not start: {process.stderr.read() if process.stderr else ''}"
            )
        yield JsIssuer(json.loads(line)["url"], root_pem)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _instance(home: Path, database_url: str, issuer: JsIssuer, hosts: tuple[str, ...]) -> Instance:
    return Instance(
        Settings(
            home=home,
            database_url=database_url,
            secret_key="wallet-test-secret",
            base_url="https://wallet.example",
            allowed_hosts=hosts,
            outbound_allow_private=True,  # the issuer is on loopback
            trust_anchors=(issuer.root_pem,),
        )
    )


@pytest.fixture()
def learner(tmp_path: Path, database_url: str, js_issuer: JsIssuer) -> Iterator[Instance]:
    instance = _instance(tmp_path / "home", database_url, js_issuer, (js_issuer.url,))
    holders.create(instance, name="Ada Lovelace", handle="ada")
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def sqlite_learner(
    tmp_path_factory: pytest.TempPathFactory, js_issuer: JsIssuer
) -> Iterator[Instance]:
    """One SQLite wallet for the refusals (each test uses fresh offers)."""
    folder = tmp_path_factory.mktemp("wallet")
    instance = _instance(
        folder / "home", f"sqlite:///{folder / 'w.sqlite3'}", js_issuer, (js_issuer.url,)
    )
    holders.create(instance, name="Ada Lovelace", handle="ada")
    yield instance
    instance.close()


@pytest.mark.parametrize("by_reference", [False, True], ids=["by-value", "by-reference"])
def test_receives_an_sd_jwt_vc_bound_to_its_own_key(
    learner: Instance, js_issuer: JsIssuer, by_reference: bool
) -> None:
    before = js_issuer.stats()
    offer = js_issuer.offer(by_reference=by_reference)
    kept = receive(learner, "ada", offer["offer"], tx_code=offer["tx_code"])

    assert len(kept) == 1
    item, created = kept[0]
    assert created and item.kind == "sd-jwt-vc" and item.source == "openid4vci"
    assert item.title == "Data literacy basics"
    assert item.issuer_id == js_issuer.url and item.issuer_country == "LV"
    assert item.eqf_level == 5
    # verified when received, and stored with the report: the issuer's signature (x5c chain)
    # and every disclosure checked
    checks = {c["id"]: c for c in item.report["checks"]}
    assert checks["proof"]["status"] == "pass", checks["proof"]
    assert checks["issuer"]["status"] == "pass", checks["issuer"]
    assert item.status == item.report["status"] != "invalid"
    sd_jwt = parse_sd_jwt(item.original)
    assert unverified_header(sd_jwt)["typ"] == "dc+sd-jwt"
    claims = disclose(unverified_payload(sd_jwt), sd_jwt.disclosures)
    assert claims["family_name"] == "Lovelace"  # the disclosures were kept

    # bound to a key of its own, kept encrypted (no private part in clear)
    key = bound_key(learner, "ada", item.id)
    assert key is not None and key.to_public_jwk() == claims["cnf"]["jwk"]
    with learner.sessions() as session:
        from microcred.store.tables import WalletCredential

        stored = session.get(WalletCredential, item.id)
        assert stored is not None and stored.holder_key is not None
        assert "privateKeyMultibase" not in stored.holder_key
        assert "encryptedPrivateKey" in stored.holder_key

    # shown like any other credential
    assert [i.id for i in wallet.list_items(learner, "ada")] == [item.id]

    # the issuer demanded a DPoP nonce at the token endpoint and the wallet retried once
    after = js_issuer.stats()
    assert after.get("/token 400", 0) - before.get("/token 400", 0) == 1
    assert after.get("/token 200", 0) - before.get("/token 200", 0) == 1


def test_each_credential_gets_a_fresh_key(sqlite_learner: Instance, js_issuer: JsIssuer) -> None:
    keys = []
    for _ in range(2):
        offer = js_issuer.offer()
        [(item, _created)] = receive(
            sqlite_learner, "ada", offer["offer"], tx_code=offer["tx_code"]
        )
        key = bound_key(sqlite_learner, "ada", item.id)
        assert key is not None
        keys.append(key.to_public_jwk())
    assert keys[0] != keys[1]


def test_dpop_nonce_demanded_by_the_credential_endpoint(
    sqlite_learner: Instance, js_issuer: JsIssuer
) -> None:
    js_issuer.configure(nonce_endpoint_dpop_nonce=False)
    try:
        before = js_issuer.stats()
        offer = js_issuer.offer()
        [(_item, created)] = receive(
            sqlite_learner, "ada", offer["offer"], tx_code=offer["tx_code"]
        )
        assert created
        after = js_issuer.stats()
        assert after.get("/credential 401", 0) - before.get("/credential 401", 0) == 1
        assert after.get("/credential 200", 0) - before.get("/credential 200", 0) == 1
    finally:
        js_issuer.configure(nonce_endpoint_dpop_nonce=True)


def _refused(instance: Instance, offer: str, tx_code: str | None) -> ReceiveError:
    with pytest.raises(ReceiveError) as caught:
        receive(instance, "ada", offer, tx_code=tx_code)
    return caught.value


def test_wrong_pin(sqlite_learner: Instance, js_issuer: JsIssuer) -> None:
    offer = js_issuer.offer()
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    error = _refused(sqlite_learner, offer["offer"], wrong)
    assert (error.step, error.oauth_error, error.field) == ("token", "invalid_grant", "tx_code")
    assert wallet.list_items(sqlite_learner, "ada", issuer="nothing-stored") == []


def test_missing_pin_is_asked_for_before_anything_is_sent(
    sqlite_learner: Instance, js_issuer: JsIssuer
) -> None:
    offer = js_issuer.offer()
    before = js_issuer.stats().get("POST /token", 0)
    error = _refused(sqlite_learner, offer["offer"], None)
    assert (error.step, error.field) == ("token", "tx_code")
    assert "transaction code" in str(error)
    assert js_issuer.stats().get("POST /token", 0) == before


def test_replayed_offer(sqlite_learner: Instance, js_issuer: JsIssuer) -> None:
    offer = js_issuer.offer()
    receive(sqlite_learner, "ada", offer["offer"], tx_code=offer["tx_code"])
    error = _refused(sqlite_learner, offer["offer"], offer["tx_code"])
    assert (error.step, error.oauth_error) == ("token", "invalid_grant")
    assert "already used" in str(error)


def test_expired_offer(sqlite_learner: Instance, js_issuer: JsIssuer) -> None:
    offer = js_issuer.offer(mode="expired")
    error = _refused(sqlite_learner, offer["offer"], offer["tx_code"])
    assert (error.step, error.oauth_error) == ("token", "invalid_grant")
    assert "expired" in str(error)


def test_issuer_answering_an_error(sqlite_learner: Instance, js_issuer: JsIssuer) -> None:
    offer = js_issuer.offer(mode="credential_error")
    error = _refused(sqlite_learner, offer["offer"], offer["tx_code"])
    assert (error.step, error.oauth_error) == ("credential", "invalid_credential_request")
    assert "refuses on purpose" in str(error)


def test_oversized_response(sqlite_learner: Instance, js_issuer: JsIssuer) -> None:
    offer = js_issuer.offer(mode="oversized")
    error = _refused(sqlite_learner, offer["offer"], offer["tx_code"])
    assert error.step == "credential" and "larger than" in str(error)


def test_credential_bound_to_another_key(sqlite_learner: Instance, js_issuer: JsIssuer) -> None:
    offer = js_issuer.offer(mode="wrong_cnf")
    error = _refused(sqlite_learner, offer["offer"], offer["tx_code"])
    assert error.step == "credential" and "cnf.jwk" in str(error)


def test_a_host_not_allowed_gets_no_request(tmp_path: Path, js_issuer: JsIssuer) -> None:
    instance = _instance(
        tmp_path / "home", f"sqlite:///{tmp_path / 'w.sqlite3'}", js_issuer, ("issuer.example",)
    )
    holders.create(instance, name="Ada Lovelace", handle="ada")
    try:
        offer = js_issuer.offer()
        before = sum(js_issuer.stats().values())
        error = _refused(instance, offer["offer"], offer["tx_code"])
        assert error.step == "metadata" and "not allowed" in str(error)
        assert sum(js_issuer.stats().values()) == before
        reference = js_issuer.offer(by_reference=True)
        before = sum(js_issuer.stats().values())
        error = _refused(instance, reference["offer"], reference["tx_code"])
        assert error.step == "offer" and "not allowed" in str(error)
        assert sum(js_issuer.stats().values()) == before  # nothing reached the issuer
    finally:
        instance.close()


def test_cli_receive_json(
    sqlite_learner: Instance, js_issuer: JsIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from microcred.cli.main import app

    settings = sqlite_learner.settings
    monkeypatch.setenv("MICROCRED_HOME", str(settings.home))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "wallet-test-secret")
    monkeypatch.setenv("MICROCRED_ALLOWED_HOSTS", js_issuer.url)
    monkeypatch.setenv("MICROCRED_OUTBOUND_ALLOW_PRIVATE", "true")
    offer = js_issuer.offer(by_reference=True)
    runner = CliRunner()
    wrong = runner.invoke(
        app, ["wallet", "receive", "--holder", "ada", offer["offer"], "--tx-code", "x1", "--json"]
    )
    assert wrong.exit_code == 2, wrong.output
    assert "Traceback" not in wrong.output
    error = json.loads(wrong.stdout)["error"]
    assert (error["step"], error["oauth_error"]) == ("token", "invalid_grant")

    offer = js_issuer.offer()
    done = runner.invoke(
        app,
        [
            "wallet",
            "receive",
            "--holder",
            "ada",
            offer["offer"],
            "--tx-code",
            offer["tx_code"],
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    [credential] = json.loads(done.stdout)["credentials"]
    assert credential["kind"] == "sd-jwt-vc" and credential["created"] is True
    assert credential["status"] == credential["report"]["status"]
    listed = runner.invoke(app, ["wallet", "list", "--holder", "ada", "--json"])
    assert credential["id"] in [c["id"] for c in json.loads(listed.stdout)["credentials"]]


def _cli_env(instance: Instance, js_issuer: JsIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = instance.settings
    monkeypatch.setenv("MICROCRED_HOME", str(settings.home))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "wallet-test-secret")
    monkeypatch.setenv("MICROCRED_ALLOWED_HOSTS", js_issuer.url)
    monkeypatch.setenv("MICROCRED_OUTBOUND_ALLOW_PRIVATE", "true")


def test_deferred_credential_pending_then_collected(
    sqlite_learner: Instance, js_issuer: JsIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issuer answers 202 with a transaction_id: the wallet keeps a pending receipt,
    lists it, asks the deferred endpoint no sooner than the interval, and keeps the
    credential once the issuer gives it (bound to the key proved at the first request)."""
    import time

    from microcred.cli.main import app
    from microcred.services.wallet.openid4vci_receive import collect, list_pending

    _cli_env(sqlite_learner, js_issuer, monkeypatch)
    runner = CliRunner()
    count = len(wallet.list_items(sqlite_learner, "ada"))
    offer = js_issuer.offer(mode="deferred")
    args = ["wallet", "receive", "--holder", "ada", offer["offer"], "--tx-code", offer["tx_code"]]
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.output
    printed = json.loads(done.stdout)
    assert printed["credentials"] == []
    [pending] = printed["pending"]
    assert pending["status"] == "pending" and pending["title"] == "Micro-credential"
    assert pending["credential_issuer"] == js_issuer.url
    from microcred.services import privacy

    [kept] = privacy.personal_data(sqlite_learner, "ada")["pending_receipts"]
    assert kept["id"] == pending["id"] and "sealed" not in kept  # no secret of the flow
    listed = runner.invoke(app, ["wallet", "pending", "--holder", "ada", "--json"])
    assert [p["id"] for p in json.loads(listed.stdout)["pending"]] == [pending["id"]]
    assert pending["id"] in runner.invoke(app, ["wallet", "pending", "--holder", "ada"]).stdout

    # asked again before the issuer's interval (60 s here): nothing is sent
    slow = js_issuer.offer(mode="deferred", interval=60)
    [waiting] = receive(sqlite_learner, "ada", slow["offer"], tx_code=slow["tx_code"]).pending
    before = js_issuer.stats().get("POST /deferred_credential", 0)
    [early] = collect(sqlite_learner, "ada", waiting.id)
    assert early.outcome == "waiting" and early.pending is not None
    assert js_issuer.stats().get("POST /deferred_credential", 0) == before
    time.sleep(1.05)  # past the 1 s interval of the first
    [still] = collect(sqlite_learner, "ada", pending["id"])
    assert still.outcome == "pending" and still.pending is not None
    assert js_issuer.stats().get("/deferred_credential 202", 0) >= 1
    assert len(wallet.list_items(sqlite_learner, "ada")) == count

    httpx.post(
        f"{js_issuer.url}/control/release",
        json={"pre_authorized_code": offer["pre_authorized_code"]},
        timeout=10,
    ).raise_for_status()
    collected = runner.invoke(
        app, ["wallet", "collect", "--holder", "ada", pending["id"], "--wait", "5", "--json"]
    )
    assert collected.exit_code == 0, collected.output
    [result] = json.loads(collected.stdout)["collected"]
    assert result["outcome"] == "received", result
    [credential] = result["credentials"]
    assert credential["kind"] == "sd-jwt-vc" and credential["report"]["status"] != "invalid"
    key = bound_key(sqlite_learner, "ada", credential["id"])
    item = next(i for i in wallet.list_items(sqlite_learner, "ada") if i.id == credential["id"])
    claims = disclose(unverified_payload(parse_sd_jwt(item.original)), [])
    assert key is not None and key.to_public_jwk() == claims["cnf"]["jwk"]
    assert [p.id for p in list_pending(sqlite_learner, "ada")] == [waiting.id]
    unknown = runner.invoke(app, ["wallet", "collect", "--holder", "ada", pending["id"]])
    assert unknown.exit_code != 0 and "no such pending credential" in unknown.output


@pytest.mark.parametrize(
    ("mode", "setting", "step", "words"),
    [
        (None, "number", "nonce", "c_nonce is missing or not a string"),
        (None, "huge", "nonce", "c_nonce is missing or not a string"),
        ("always_invalid_nonce", None, "credential", "refuses every c_nonce"),
        ("json_for_sd_jwt", None, "credential", "an SD-JWT VC must be a string"),
        ("not_sd_jwt", None, "credential", "the SD-JWT VC cannot be read"),
    ],
    ids=["c_nonce-number", "c_nonce-huge", "c_nonce-refused", "json-for-sd-jwt", "not-sd-jwt"],
)
def test_a_malicious_issuer_gets_nothing_stored(
    sqlite_learner: Instance,
    js_issuer: JsIssuer,
    mode: str | None,
    setting: str | None,
    step: str,
    words: str,
) -> None:
    count = len(wallet.list_items(sqlite_learner, "ada"))
    js_issuer.configure(c_nonce=setting)
    try:
        before = js_issuer.stats().get("/credential 400", 0)
        offer = js_issuer.offer(mode=mode)
        error = _refused(sqlite_learner, offer["offer"], offer["tx_code"])
    finally:
        js_issuer.configure(c_nonce=None)
    assert error.step == step and words in str(error), str(error)
    if mode == "always_invalid_nonce":  # one retry with a fresh c_nonce, then the error
        assert error.oauth_error == "invalid_nonce"
        assert js_issuer.stats().get("/credential 400", 0) - before == 2
    assert len(wallet.list_items(sqlite_learner, "ada")) == count


def test_the_web_wallet_lists_a_deferred_credential_and_checks_again(
    sqlite_learner: Instance, js_issuer: JsIssuer
) -> None:
    import html
    import re
    import time

    from fastapi.testclient import TestClient

    from microcred.api import create_app

    app = create_app(sqlite_learner.settings)
    holders.create(
        app.state.instance, name="Ada Lovelace", handle="ada-web", password="pw 15 chars!"
    )
    client = TestClient(app, base_url="https://wallet.example")  # its cookies are Secure
    csrf = re.compile(r'name="csrf" value="([^"]+)"')
    login = client.get("/wallet/login")
    client.post(
        "/wallet/login",
        data={
            "csrf": csrf.search(login.text).group(1),
            "handle": "ada-web",
            "password": "pw 15 chars!",
        },
    )
    page = client.get("/wallet/receive")
    token = csrf.search(page.text).group(1)
    offer = js_issuer.offer(mode="deferred")
    sent = client.post(
        "/wallet/receive",
        data={"csrf": token, "offer": offer["offer"], "tx_code": offer["tx_code"]},
    )
    text = html.unescape(sent.text)
    assert sent.status_code == 200 and "Waiting for the issuer" in text
    assert "the issuer will give it later" in text
    [pending] = re.findall(r'action="(/wallet/receive/pending/[^"]+)"', sent.text)
    early = html.unescape(client.post(pending, data={"csrf": token}).text)
    assert "Not ready yet: Micro-credential" in early
    httpx.post(
        f"{js_issuer.url}/control/release",
        json={"pre_authorized_code": offer["pre_authorized_code"]},
        timeout=10,
    )
    time.sleep(1.05)
    done = client.post(pending, data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/wallet/credentials/")
    assert "Received: Data literacy basics" in html.unescape(
        client.get(done.headers["location"]).text
    )
    gone = client.post(pending, data={"csrf": token})
    assert gone.status_code == 404 and "no longer awaited" in gone.text
    app.state.instance.close()


def test_deleting_the_holder_deletes_what_the_wallet_waits_for(
    sqlite_learner: Instance, js_issuer: JsIssuer
) -> None:
    from sqlalchemy import func, select

    from microcred.services import privacy
    from microcred.store.tables import WalletPendingReceipt

    holders.create(sqlite_learner, name="Ada Byron", handle="ada-gone")
    offer = js_issuer.offer(mode="deferred")
    kept = receive(sqlite_learner, "ada-gone", offer["offer"], tx_code=offer["tx_code"])
    assert len(kept.pending) == 1
    privacy.delete_holder(sqlite_learner, "ada-gone")
    with sqlite_learner.sessions() as session:
        left = session.scalar(
            select(func.count())
            .select_from(WalletPendingReceipt)
            .where(WalletPendingReceipt.id == kept.pending[0].id)
        )
    assert left == 0
