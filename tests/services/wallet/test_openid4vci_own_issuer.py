"""A microcred wallet receives from microcred's own OpenID4VCI issuer (the same instance,
served by uvicorn on 127.0.0.1): the offer `microcred offer` prints, by value and by
reference, with its PIN; the SD-JWT VC (x5c of the instance's TEST CA, trusted here), the
OB 3.0 Data Integrity credential (ldp_vc) and its VC-JWT (jwt_vc_json) are kept and valid."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from microcred.api import create_app
from microcred.services import holders
from microcred.services.instance import Instance
from microcred.services.wallet.openid4vci_receive import ReceiveError, bound_key, receive
from microcred.settings import Settings
from tests.live_server import free_port as _free_port
from tests.live_server import own_wallet_settings, running_app
from tests.wallet_college import college_issues_to_anna

PASSWORD = "correct horse 15"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SPEC = Path(__file__).resolve().parents[3] / "examples" / "specs" / "university-data-analysis.yaml"


@dataclass
class Served:
    app: Any
    url: str
    instance: Instance
    org: str
    credential_id: str
    settings: Settings


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("own-issuer")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = own_wallet_settings(home, port, "own-issuer-test")
    app = create_app(settings)
    instance: Instance = app.state.instance
    college = college_issues_to_anna(instance, SPEC, PASSWORD)
    with running_app(app, port, what="the issuer"):
        yield Served(app, url, instance, college.org, college.issued.id, settings)
    instance.close()


def _offer(served: Served, monkeypatch: pytest.MonkeyPatch, *configurations: str) -> dict:
    """What `microcred offer --pre-authorized --tx-code --json` prints."""
    from microcred.cli.main import app

    monkeypatch.setenv("MICROCRED_HOME", str(served.settings.home))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", served.settings.database_url)
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "own-issuer-test")
    monkeypatch.setenv("MICROCRED_BASE_URL", served.url)
    args = ["offer", "--org", served.org, "--credential", served.credential_id]
    args += ["--pre-authorized", "--tx-code", "--json"]
    for configuration in configurations:
        args += ["--configuration", configuration]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    printed: dict = json.loads(done.stdout)
    return printed


def test_receives_the_sd_jwt_vc_from_the_same_instance(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed = _offer(served, monkeypatch)
    assert printed["tx_code"]
    [(item, created)] = receive(
        served.instance, "anna", printed["offer"], tx_code=printed["tx_code"]
    )
    assert created and item.kind == "sd-jwt-vc" and item.source == "openid4vci"
    assert item.status == "valid", item.report
    assert item.issuer_name == "Rīgas Tehniskā koledža"
    key = bound_key(served.instance, "anna", item.id)
    assert key is not None
    # the same offer cannot be received twice
    with pytest.raises(ReceiveError) as caught:
        receive(served.instance, "anna", printed["offer"], tx_code=printed["tx_code"])
    assert (caught.value.step, caught.value.oauth_error) == ("token", "invalid_grant")


def test_receives_the_w3c_formats_by_reference(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed = _offer(
        served, monkeypatch, "eu_micro_credential_ldp_vc", "eu_micro_credential_jwt_vc_json"
    )
    reference = "openid-credential-offer://?credential_offer_uri=" + printed["offer_uri"]
    kept = receive(served.instance, "anna", reference, tx_code=printed["tx_code"])
    kinds = sorted(item.kind for item, _created in kept)
    assert len(kinds) == 2 and "vc-jwt" in kinds, kinds
    for item, _created in kept:
        assert item.status == "valid", (item.kind, item.report)
        assert item.title == kept[0][0].title


def test_wrong_pin_at_the_own_issuer(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = _offer(served, monkeypatch)
    wrong = "0000000" if printed["tx_code"] != "0000000" else "1111111"
    with pytest.raises(ReceiveError) as caught:
        receive(served.instance, "anna", printed["offer"], tx_code=wrong)
    assert (caught.value.step, caught.value.oauth_error, caught.value.field) == (
        "token",
        "invalid_grant",
        "tx_code",
    )


def test_the_wallet_page_receives_and_names_a_wrong_pin(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(served.app)
    login = client.get("/wallet/login")
    signed = client.post(
        "/wallet/login",
        data={"csrf": CSRF.search(login.text).group(1), "handle": "anna", "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    page = client.get("/wallet/receive")
    assert page.status_code == 200 and 'name="tx_code"' in page.text
    csrf = CSRF.search(page.text).group(1)
    assert client.post("/wallet/receive", data={"csrf": "forged", "offer": "x"}).status_code == 403

    printed = _offer(served, monkeypatch)
    wrong = client.post(
        "/wallet/receive", data={"csrf": csrf, "offer": printed["offer"], "tx_code": "12"}
    )
    assert wrong.status_code == 422
    text = html.unescape(wrong.text)
    assert 'id="tx_code-error"' in text and "invalid_grant" in text
    assert printed["offer"] in text  # the offer stays in the field for another try

    done = client.post(
        "/wallet/receive",
        data={"csrf": csrf, "offer": printed["offer"], "tx_code": printed["tx_code"]},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    shown = client.get(done.headers["location"])
    assert shown.status_code == 200 and "Received:" in html.unescape(shown.text)

    empty = client.post("/wallet/receive", data={"csrf": csrf, "offer": ""})
    assert empty.status_code == 422 and 'id="offer-error"' in empty.text


def _sign_in_at_the_issuer(started_url: str, served: Served) -> dict[str, str]:
    """The learner's browser at microcred's authorization page: accept; the answer's query."""
    from urllib.parse import parse_qs, urlsplit

    import httpx

    with httpx.Client() as browser:
        page = browser.get(started_url)
        assert page.status_code == 200, page.text
        query = {k: v[0] for k, v in parse_qs(urlsplit(started_url).query).items()}
        answer = browser.post(
            served.url + "/oid4vci/authorize",
            data={
                "csrf": CSRF.search(page.text).group(1),
                "request_uri": query["request_uri"],
                "client_id": query["client_id"],
                "decision": "accept",
            },
        )
    assert answer.status_code == 303, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def test_authorization_code_flow_with_par_pkce_and_iss(served: Served) -> None:
    from microcred.services.openid4vci import offers
    from microcred.services.wallet.openid4vci_receive import Authorization, begin, complete

    def start(session_secret: str) -> Authorization:
        view = offers.create(served.instance, served.org, served.credential_id)
        started = begin(
            served.instance,
            "anna",
            view.offer,
            tx_code=None,
            client_id=served.url,
            redirect_uri=served.url + "/wallet/receive/callback",
            session_secret=session_secret,
        )
        assert isinstance(started, Authorization) and "request_uri=" in started.url
        return started

    back = _sign_in_at_the_issuer(start("session-1").url, served)
    # an unknown state, another web session or another holder find nothing, and leave the
    # pending authorization alone
    with pytest.raises(ReceiveError, match="no sign-in at an issuer is under way"):
        complete(served.instance, "anna", {**back, "state": "other"}, session_secret="session-1")
    with pytest.raises(ReceiveError, match="another wallet session"):
        complete(served.instance, "anna", back, session_secret="session-2")
    holders.create(served.instance, name="Mallory", handle="mallory")
    with pytest.raises(ReceiveError, match="another wallet session"):
        complete(served.instance, "mallory", back, session_secret="session-1")
    [(item, created)] = complete(served.instance, "anna", back, session_secret="session-1")
    assert created and item.kind == "sd-jwt-vc" and item.status == "valid", item.report
    # replayed: the pending authorization was single use
    with pytest.raises(ReceiveError, match="used already"):
        complete(served.instance, "anna", back, session_secret="session-1")

    # another iss (a mix-up) is refused before the code is spent, and ends the attempt
    back = _sign_in_at_the_issuer(start("session-1").url, served)
    with pytest.raises(ReceiveError, match="iss"):
        complete(
            served.instance,
            "anna",
            {**back, "iss": "https://evil.example"},
            session_secret="session-1",
        )
    with pytest.raises(ReceiveError, match="used already"):
        complete(served.instance, "anna", back, session_secret="session-1")
