"""The app served by a real uvicorn on 127.0.0.1 in a thread, for tests that need an HTTP peer
(Chromium, the wallet's own HTTP client, the npm peers). One piece, so every such fixture starts,
waits for and stops the server the same way."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from microcred.settings import Settings


def free_port() -> int:
    """A port the OS has just handed out on 127.0.0.1 (free unless another process races us)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def own_wallet_settings(home: Path, port: int, secret_key: str, **more: Any) -> Settings:
    """An instance at http://127.0.0.1:``port`` (SQLite in ``home``) whose own wallet may reach
    it on loopback and trust the test CA's chains; ``more`` adds or replaces settings."""
    url = f"http://127.0.0.1:{port}"
    values: dict[str, Any] = {
        "home": home / "home",
        "database_url": f"sqlite:///{home / 'db.sqlite3'}",
        "secret_key": secret_key,
        "base_url": url,
        "allowed_hosts": (url,),
        "outbound_allow_private": True,  # the wallet reaches its own instance on loopback
        "trust_test_ca": True,
    }
    return Settings(**{**values, **more})


@contextmanager
def running_app(
    app: Any, port: int, *, what: str = "the web server", **config: Any
) -> Iterator[uvicorn.Server]:
    """Serve ``app`` on 127.0.0.1:``port`` until the block ends; ``config`` goes to uvicorn.Config.
    Raises naming ``what`` if the server has not started within 20 s."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.05)
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(10)
