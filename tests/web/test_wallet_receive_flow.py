"""The web wallet receives over OpenID4VCI's authorization code flow, in real Chromium,
from microcred's own issuer served by uvicorn: the learner pastes an offer that has only the
authorization code grant, the wallet pushes the authorization request (PAR, PKCE S256,
state) and sends the browser to the issuer's authorization page; the learner accepts; the
issuer sends the browser back to /wallet/receive/callback, where state (single use, bound to
this web session) and iss are checked, the code is redeemed with DPoP and the SD-JWT VC is
kept, verified and shown. The same answer again, a forged state, or another browser's
answer get a clear page and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from microcred.api import create_app
from microcred.services import wallet as wallet_service
from microcred.services.instance import Instance
from microcred.services.openid4vci import offers
from tests.live_server import free_port as _free_port
from tests.live_server import own_wallet_settings, running_app
from tests.wallet_college import college_issues_to_anna

from .conftest import PASSWORD, SPECS, assert_accessible, assert_fits, wallet_sign_in


@dataclass
class Issuer:
    url: str
    instance: Instance
    org: str
    credential_id: str


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issuer]:
    home = tmp_path_factory.mktemp("receive-flow")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = own_wallet_settings(home, port, "receive-flow-test")
    app = create_app(settings)
    instance: Instance = app.state.instance
    college = college_issues_to_anna(instance, SPECS / "university-data-analysis.yaml", PASSWORD)
    with running_app(app, port, what="the issuer"):
        yield Issuer(url, instance, college.org, college.issued.id)
    instance.close()


def _paste(page: Any, issuer: Issuer) -> None:
    view = offers.create(issuer.instance, issuer.org, issuer.credential_id)
    page.goto(f"{issuer.url}/wallet/receive")
    page.fill("#offer", view.offer)
    page.click("form[action='/wallet/receive'] button[type=submit]")
    page.wait_for_url(f"{issuer.url}/oid4vci/authorize?**")


def test_authorization_code_flow_in_the_web_wallet(browser: Any, issuer: Issuer) -> None:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/receive/callback" in r.url else None)
    wallet_sign_in(page, issuer.url, "anna")
    _paste(page, issuer)
    # the issuer's own page: what is asked, by which wallet (client_id), accept or cancel
    assert "request_uri=" in page.url and "Anna Bērziņa" in page.content()
    page.click("button[value=accept]")
    page.wait_for_url(f"{issuer.url}/wallet/credentials/**")
    assert "Received:" in page.content()
    [item] = wallet_service.list_items(issuer.instance, "anna")
    assert item.kind == "sd-jwt-vc" and item.status == "valid", item.report
    assert item.title in page.content()

    # the issuer's answer used again (the back button, a replay): a clear page, nothing new
    [callback] = seen
    assert "state=" in callback and "iss=" in callback
    shown = page.goto(callback)
    assert shown is not None and shown.status == 400
    assert "used already" in page.content() and "Start again" in page.content()
    assert_accessible(page)  # the error page, with the form and its new choice below
    assert_fits(page)
    forged = page.goto(f"{issuer.url}/wallet/receive/callback?code=x&state=forged")
    assert forged is not None and forged.status == 400
    assert len(wallet_service.list_items(issuer.instance, "anna")) == 1

    # started in this browser, the answer opened in another one (the same learner signed in
    # there): refused there, and still good here
    captured: list[str] = []

    def hold_the_answer(route: Any) -> None:  # the issuer's redirect, not followed here
        answer = route.fetch(max_redirects=0)
        captured.append(answer.headers["location"])
        route.fulfill(status=200, body="held", content_type="text/plain")

    page.route("**/oid4vci/authorize", hold_the_answer)
    _paste(page, issuer)
    page.click("button[value=accept]")
    page.wait_for_load_state("load")
    page.unroute("**/oid4vci/authorize")
    assert captured and captured[0].startswith(f"{issuer.url}/wallet/receive/callback?")
    other_context = browser.new_context(locale="en-GB")
    other = other_context.new_page()
    wallet_sign_in(other, issuer.url, "anna")
    refused = other.goto(captured[0])
    assert refused is not None and refused.status == 400
    assert "another wallet session" in other.content()
    other_context.close()
    page.goto(captured[0])
    assert "Received:" in page.content()  # a fresh SD-JWT VC (new salts, new holder key)
    assert len(wallet_service.list_items(issuer.instance, "anna")) == 2

    # the learner cancels at the issuer: access_denied comes back, shown plainly
    _paste(page, issuer)
    page.click("button[value=deny]")
    page.wait_for_url(f"{issuer.url}/wallet/receive/callback?**")
    assert "access_denied" in page.content()
    context.close()
