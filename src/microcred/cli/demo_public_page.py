"""The demo's public portfolio page: Anna switches on her page ``/p/<token>`` with her valid
credentials (each verified when the page opens); she switches it off, or chooses what it
shows, in the wallet (Share links → Your public page)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def run_demo_step(
    home: Path, say: Callable[[str], None], *, holder: str = "anna"
) -> dict[str, Any]:
    from microcred.cli.demo_certificates import demo_settings
    from microcred.services import public_portfolios, wallet
    from microcred.services.instance import Instance

    instance = Instance(demo_settings(home))
    try:
        items = wallet.list_items(instance, holder)
        counted = wallet.same_course(items)
        chosen = [i.id for i in items if counted.get(i.id) == i.id]
        page = public_portfolios.switch_on(instance, holder, chosen)
    finally:
        instance.close()
    say(f"  public portfolio page ({len(chosen)} credentials, she can switch it off): {page.url}")
    return {"public_page": {"url": page.url, "credentials": len(chosen)}}
