"""The demo's OpenID4VP part: an employer asks for Anna's data-analysis micro-credentials
(a DCQL query: an SD-JWT VC with her name and the title, and an Open Badges 3.0 credential);
her microcred wallet checks the employer's signed request and answers with the SD-JWT VC
(name and title disclosed, grade withheld) and the Open Badge; the employer's report shows
both verified. Served on a free 127.0.0.1 port for the step, as in the OpenID4VCI part; the
employer's page of the answer is printed for the served instance (sign-in in demo_accounts)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from microcred.cli.demo_certificates import demo_settings

EUDI_LEARNING = "urn:eu.europa.ec.eudi:learning:credential:1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def demo_query(vct_values: list[str]) -> dict[str, Any]:
    return {
        "credentials": [
            {
                "id": "micro_credential",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [*vct_values, EUDI_LEARNING]},
                "claims": [
                    {"path": ["given_name"]},
                    {"path": ["family_name"]},
                    {"path": ["achievement_title"]},
                ],
            },
            {
                "id": "open_badge",
                "format": "ldp_vc",
                "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
                "require_cryptographic_holder_binding": False,
                "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
            },
        ]
    }


def run_demo_step(
    home: Path,
    say: Callable[[str], None],
    *,
    holder: str = "anna",
    org: str = "lu",
    learner_email: str = "anna.berzina0@example.lv",
) -> dict[str, Any]:
    import uvicorn

    from microcred.api.app import create_app
    from microcred.formats.sd_jwt_vc import vct_url
    from microcred.services import organisations, presentation_requests, wallet
    from microcred.services.wallet.openid4vp_respond import respond

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
                raise RuntimeError("the demo verifier did not start")
            time.sleep(0.05)
        employer = organisations.create(
            instance, name="Datu Darbnīca SIA", country="LV", slug="employer", actor="demo"
        )
        # Anna's data-analysis micro-credential, issued and received within this step, so
        # that its status lists are this (served) instance's own: an Open Badge into her
        # wallet, and the same as an SD-JWT VC over OpenID4VCI
        from datetime import date

        from microcred.services import credentials
        from microcred.services.credentials import IssueRequest
        from microcred.services.openid4vci import offers
        from microcred.services.wallet.openid4vci_receive import receive

        earlier = credentials.list_for(instance, org, search=learner_email)[0]
        fresh = credentials.issue(
            instance,
            org,
            str(earlier.spec_version_id),
            IssueRequest(
                earlier.learner_name,
                earlier.learner_id,
                date.today(),
                grade="9",
                given_name="Anna",  # the name split, so the SD-JWT VC's family_name is her
                family_name="Bērziņa",  # surname and the employer sees both disclosed
            ),
            actor="demo",
        )
        badge, _ = wallet.import_bytes(
            instance, holder, fresh.document.encode(), filename="data-analysis.json"
        )
        offer = offers.create(instance, org, fresh.id, pre_authorized=True, actor="demo")
        [(sd_jwt, _)] = receive(instance, holder, offer.offer)
        created = presentation_requests.create(
            instance, employer.slug, demo_query([vct_url(url)]), actor="demo"
        )
        say(f"  {employer.name} asks (OpenID4VP, DCQL, served during this step): {created.link}")
        say(f"  the same as a HAIP link: {created.haip_link}")
        sent = respond(instance, holder, created.link, [sd_jwt.id, badge.id])
        for query_id, entries in sent["sent"].items():
            for entry in entries:
                shown = ", ".join(entry["disclosed"])
                if query_id == "micro_credential" and "assessment_grade" not in shown:
                    shown += " (the title is always visible; the grade is withheld)"
                say(f"  {holder}'s wallet sends {query_id}: {shown}")
        view = presentation_requests.get(instance, employer.slug, created.id)
        result = view.result or {}
        for entry in result.get("credentials", []):
            say(f"  the employer sees {entry['query']} ({entry['format']}): {entry['status']}")
        say(f"  the answer again: microcred request show {created.id}")
        served = demo_settings(home).base_url.rstrip("/")
        say(f"  the employer's page of it: {served}/console/requests/{created.id}")
        say(
            f"  (kept {presentation_requests.KEEP.days} days; new requests at {served}/console/requests)"
        )
        say(f"  {holder} answers requests in her wallet at {served}/wallet/present")
    finally:
        server.should_exit = True
        thread.join(10)
        instance.close()
    return {
        "openid4vp": {
            "request": created.id,
            "link": created.link,
            "status": view.status,
            "valid": bool(result.get("valid")),
            "page": f"/console/requests/{created.id}",
        }
    }
