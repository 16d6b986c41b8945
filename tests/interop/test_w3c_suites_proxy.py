"""scripts/w3c_suites_proxy.py, the proxy scripts/w3c-suites.sh puts between a W3C test
suite and `microcred serve`: it adds the issue token to requests without one (never
replacing the caller's), passes status and body through, and logs each exchange."""

from __future__ import annotations

import importlib.util
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "w3c_suites_proxy.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("w3c_suites_proxy", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Echo(BaseHTTPRequestHandler):
    """A backend that answers 201 with what it received, or 400 for /bad."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        answer = json.dumps(
            {"authorization": self.headers.get("Authorization"), "body": body.decode()}
        ).encode()
        self.send_response(400 if self.path == "/bad" else 201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(server: ThreadingHTTPServer) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    backend = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    log = tmp_path / "exchanges.jsonl"
    handler = _load().make_handler(_serve(backend), "mc_secret", str(log))
    front = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    yield _serve(front), log
    front.shutdown()
    backend.shutdown()


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_token_is_added_only_when_the_request_has_none(proxy: tuple[str, Path]) -> None:
    url, _ = proxy
    status, seen = _post(url + "/credentials/issue", b'{"credential": {}}', {})
    assert status == 201
    assert seen == {"authorization": "Bearer mc_secret", "body": '{"credential": {}}'}
    _, seen = _post(url + "/credentials/issue", b"{}", {"Authorization": "Bearer mine"})
    assert seen["authorization"] == "Bearer mine"


def test_errors_pass_through_and_every_exchange_is_logged(proxy: tuple[str, Path]) -> None:
    url, log = proxy
    status, _ = _post(url + "/bad", b'{"x": 1}', {})
    assert status == 400
    (entry,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry["method"] == "POST" and entry["path"] == "/bad"
    assert entry["status"] == 400 and entry["request"] == '{"x": 1}'
    assert json.loads(entry["response"])["authorization"] == "Bearer mc_secret"
