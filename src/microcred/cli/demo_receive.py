"""The demo's OpenID4VCI part on the learner's side: the demo organisation offers one of
Anna's micro-credentials as an SD-JWT VC (pre-authorized code with a PIN), and her microcred
wallet receives it over real HTTP on loopback, as it would from any issuer.

The instance is served for the length of the step on a free 127.0.0.1 port, which is then
its credential issuer identifier; the wallet may reach it because this demo instance (only
it) allow-lists that address and private addresses."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from microcred.cli.demo_certificates import demo_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run_demo_step(
    home: Path,
    say: Callable[[str], None],
    *,
    org: str = "lu",
    holder: str = "anna",
    learner_email: str = "anna.berzina0@example.lv",
) -> dict[str, Any]:
    import uvicorn

    from microcred.api.app import create_app
    from microcred.services import credentials
    from microcred.services.openid4vci import offers
    from microcred.services.wallet.openid4vci_receive import receive

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = replace(
        demo_settings(home), base_url=url, allowed_hosts=(url,), outbound_allow_private=True
    )
    app = create_app(settings)
    instance = app.state.instance
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the demo issuer did not start")
            time.sleep(0.05)
        credential = credentials.list_for(instance, org, search=learner_email)[0]
        view = offers.create(
            instance, org, credential.id, pre_authorized=True, tx_code=True, actor="demo"
        )
        say(f"  {org} offers it over OpenID4VCI (served during this step): {view.by_reference}")
        say(f"  PIN (transaction code): {view.tx_code}")
        kept = receive(instance, holder, view.by_reference, tx_code=view.tx_code)
        for item, _created in kept:
            say(
                f"  received into {holder}'s wallet over OpenID4VCI: {item.title} "
                f"({item.kind}): {item.status}"
            )
    finally:
        server.should_exit = True
        thread.join(10)
        instance.close()
    return {
        "openid4vci_receive": {
            "issuer": url,
            "offer": view.by_reference,
            "tx_code": view.tx_code,
            "received": [
                {"id": item.id, "kind": item.kind, "status": item.status} for item, _ in kept
            ],
        }
    }
