"""The demo's OpenID4VCI part on the issuer's side: an offer of one of Anna's
micro-credentials for ANOTHER wallet, printed as a terminal QR code, its links and its PIN.

It names the demo instance's own address (``microcred demo`` serves it at the end), so a
wallet on this machine (the Node harness ``interop/js/oid4vci-wallet.mjs``, ``microcred
wallet receive``) can take it while the demo is served; it lasts the offer lifetime
(15 minutes by default) and is single use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from microcred.cli.demo_certificates import demo_settings
from microcred.cli.offer import terminal_qr


def run_demo_step(
    home: Path,
    say: Callable[[str], None],
    *,
    org: str = "lu",
    learner_email: str = "anna.berzina0@example.lv",
) -> dict[str, Any]:
    from microcred.services import credentials
    from microcred.services.instance import Instance
    from microcred.services.openid4vci import offers

    instance = Instance(demo_settings(home))
    try:
        credential = credentials.list_for(instance, org, search=learner_email)[0]
        view = offers.create(
            instance, org, credential.id, pre_authorized=True, tx_code=True, actor="demo"
        )
    finally:
        instance.close()
    say("  an offer of the same credential for any other wallet, served once the demo serves:")
    for line in terminal_qr(view.by_reference).splitlines():
        say(f"  {line}")
    say(f"  link: {view.by_reference}")
    say(f"  offer by value: {view.offer}")
    say(f"  PIN (transaction code): {view.tx_code}; expires {view.expires_at.isoformat()}")
    return {
        "openid4vci_offer": {
            "credential": credential.id,
            "offer": view.offer,
            "offer_uri": view.offer_uri,
            "link": view.by_reference,
            "tx_code": view.tx_code,
            "expires_at": view.expires_at.isoformat(),
        }
    }
