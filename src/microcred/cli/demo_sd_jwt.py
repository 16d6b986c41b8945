"""The demo's SD-JWT VC part: one of the demo organisation's credentials written as an SD-JWT VC
(dc+sd-jwt, bound to a holder key, its x5c chain from the instance's TEST CA), then a
presentation of it that hides the grade, with a Key Binding JWT, both verified."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def run_demo_step(home: Path, say: Callable[[str], None], *, org: str = "lu") -> dict[str, Any]:
    from microcred.cli.demo_certificates import demo_settings
    from microcred.formats.inputs import parse_input
    from microcred.formats.sd_jwt_vc import vct_url
    from microcred.proofs.keys import P256KeyPair
    from microcred.proofs.sd_jwt import parse_sd_jwt, present
    from microcred.services import credentials
    from microcred.services.instance import Instance
    from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc
    from microcred.services.verifying import verifier_context
    from microcred.verify import verify_credential
    from microcred.verify.sd_jwt_vc import verify_sd_jwt_vc

    instance = Instance(demo_settings(home))
    try:
        record = next(c for c in credentials.list_for(instance, org) if not c.revoked)
        holder = P256KeyPair.generate()  # the learner's wallet key (cnf.jwk)
        compact = issue_sd_jwt_vc(instance, org, record.id, holder_jwk=holder.to_public_jwk())
        out = home / "credential.sd-jwt"
        out.write_text(compact + "\n", encoding="utf-8")
        now = datetime.now(UTC)
        ctx = verifier_context(instance, now=now)
        issued = verify_credential(compact, ctx)
        aud, nonce = "https://employer.example", "demo-nonce-1"
        shown = present(
            parse_sd_jwt(compact),
            lambda d: d.name != "assessment_grade",
            holder_key=holder,
            aud=aud,
            nonce=nonce,
            iat=int(now.timestamp()),
        )
        presented = verify_sd_jwt_vc(parse_input(shown.serialize()), ctx, aud=aud, nonce=nonce)
        vct = vct_url(instance.base_url)
    finally:
        instance.close()
    say(
        f"  SD-JWT VC of {record.learner_name}'s credential written to {out} "
        f"({len(parse_sd_jwt(compact).disclosures)} disclosures); `microcred verify {out}` "
        f"says [bold]{issued.status}[/]"
    )
    say(f"  Its type metadata: {vct} (no sign-in)")
    say(
        f"  A presentation without the grade, with a Key Binding JWT for {aud}: "
        f"[bold]{presented.status}[/]"
    )
    return {
        "sd_jwt_vc": {
            "file": str(out),
            "vct": vct,
            "status": issued.status,
            "presentation": presented.status,
        }
    }
