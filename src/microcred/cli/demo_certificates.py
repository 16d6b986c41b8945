"""The demo's certificate part: the demo organisation gets a chain from the instance's TEST
CA, and the demo instance (only it) trusts that CA (``trust_test_ca``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from microcred.settings import Settings


def demo_settings(home: Path) -> Settings:
    """The demo instance's settings: its own database, and its TEST CA trusted."""
    return Settings(
        home=home, database_url=f"sqlite:///{home / 'microcred.db'}", trust_test_ca=True
    )


def run_demo_step(home: Path, say: Callable[[str], None], org: str = "lu") -> dict[str, Any]:
    from microcred.proofs.x509 import to_pem
    from microcred.services import certificates
    from microcred.services.instance import Instance

    instance = Instance(demo_settings(home))
    try:
        view = certificates.make_test_chain(instance, org, actor="demo")
        root = home / "test-ca-root.pem"
        root.write_bytes(to_pem([certificates.test_ca_root(instance)]))
    finally:
        instance.close()
    say(
        f"  certificate for {view.subject} from the instance's TEST CA (x509_hash "
        f"{view.x509_hash}); its root is in {root}: trusted by this demo instance only"
    )
    return {
        "certificate": {
            "organisation": org,
            "source": view.source,
            "subject": view.subject,
            "x509_hash": view.x509_hash,
            "test_ca_root": str(root),
        }
    }
