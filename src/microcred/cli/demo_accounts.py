"""The demo's sign-ins (``microcred demo``): members of the demo organisation (an
administrator and an issuer), a recognition officer of the demo authority, and the learner's
wallet; each printed with the page to sign in at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

# The demo's published sign-ins (a throwaway local instance).
DEMO_MEMBERS = (
    ("lu", "admin@lu.example.lv", "administrator", "demo-password-admin", "/console/login"),
    ("lu", "issuer@lu.example.lv", "issuer", "demo-password-issuer", "/console/login"),
    # the employer of the OpenID4VP step (cli/demo_presentation.py): its request pages
    ("employer", "hr@darbnica.example.lv", "viewer", "demo-password-employer", "/console/login"),
    (
        "demo-recognition-authority",
        "officer@recognition.example.lv",
        "recognition_officer",
        "demo-password-officer",
        "/authority/login",
    ),
)


def run_demo_step(home: Path, say: Callable[[str], None]) -> dict[str, Any]:
    from microcred.cli.demo_certificates import demo_settings
    from microcred.services import members, organisations
    from microcred.services.instance import Instance

    instance = Instance(demo_settings(home))
    base = instance.base_url
    slugs = {o.slug for o in organisations.list_all(instance)}
    made = []
    try:
        for org, email, role, password, login in DEMO_MEMBERS:
            if org not in slugs:
                continue
            _, secret = members.invite(instance, org, email, role, actor="demo")
            members.accept(instance, secret, password)
            made.append({"org": org, "email": email, "role": role, "password": password,
                         "sign_in": base + login})  # fmt: skip
    finally:
        instance.close()
    say("\n[bold]Sign-ins of the demo[/] (the web app, once it is served):")
    for m in made:
        say(f"  {m['role']:<20} {m['email']} / {m['password']}  at {m['sign_in']}")
    say(f"  {'learner (wallet)':<20} anna / demo-password-anna  at {base}/wallet/login")
    say(f"  learners claim credentials from e-mail links; mails go to {home / 'outbox'}")
    say(f"  (no SMTP server set up); API docs at {base}/docs")
    return {"sign_ins": made}
