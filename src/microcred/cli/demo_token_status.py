"""The demo's Token Status List part: the credential revoked in the issuer step, as an SD-JWT
VC, names its entry in the organisation's statuslist+jwt; the token says INVALID there and
the SD-JWT VC verifies as revoked (one revocation, every format)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def run_demo_step(
    home: Path,
    say: Callable[[str], None],
    *,
    org: str = "lu",
    learner_email: str = "janis.zarins1@example.lv",
) -> dict[str, Any]:
    import base64
    import json

    from microcred.cli.demo_certificates import demo_settings
    from microcred.formats.token_status_list import decompress, get_status
    from microcred.services import credentials, token_status
    from microcred.services.instance import Instance
    from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc
    from microcred.services.verifying import verifier_context
    from microcred.verify import verify_credential

    instance = Instance(demo_settings(home))
    try:
        revoked = credentials.list_for(instance, org, search=learner_email)[0]
        compact = issue_sd_jwt_vc(instance, org, revoked.id, holder_jwk=None)
        body = compact.split("~")[0].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        reference = claims["status"]["status_list"]
        list_id = int(reference["uri"].rsplit("/", 1)[1])
        token = token_status.published_token(instance, org, list_id)
        payload = token.split(".")[1]
        listed = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        value = get_status(decompress(listed["status_list"]["lst"]), reference["idx"], 2)
        report = verify_credential(compact, verifier_context(instance, now=datetime.now(UTC)))
    finally:
        instance.close()
    say(
        f"  Token Status List: {reference['uri']} (application/statuslist+jwt, no sign-in) "
        f"has {value} (INVALID) at index {reference['idx']}, the entry of {revoked.learner_name}; "
        f"that credential as an SD-JWT VC verifies [bold]{report.status}[/]"
    )
    return {
        "token_status_list": {
            "uri": reference["uri"],
            "index": reference["idx"],
            "status": value,
            "sd_jwt_vc": report.status,
        }
    }
