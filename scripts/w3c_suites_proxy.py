"""The small HTTP proxy scripts/w3c-suites.sh puts between a W3C test suite and
`microcred serve`.

Why: the suites send the implementation's configured headers only over HTTPS
(vc-data-model-2.0-test-suite posts plain-HTTP endpoints with its own bare client), but
`POST /credentials/issue` needs the organisation's token, and over plain HTTP that suite
does not unwrap the VC-API issue response (`{"verifiableCredential": ...}`) the way its
HTTPS client (vc-test-suite-implementations) does. So the proxy answers over HTTPS
(``--cert``/``--key``, a throw-away self-signed pair: the suites' client accepts it), adds
``Authorization: Bearer <token>`` to requests that have none, and with ``--log FILE``
appends each exchange as one JSON line (method, path, request, status, response), so a
failing suite test can be read next to what the server answered.

Standard library only: it runs with any Python 3.11, outside the project's environment.
"""

from __future__ import annotations

import argparse
import json
import ssl
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "host", "server", "date"}
EXCERPT = 8000  # characters of each body kept in the log


def make_handler(backend: str, token: str, log: str | None) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            # backend is checked to be http(s) in main(); the path is the suite's request path
            url = backend + self.path
            request = urllib.request.Request(url, data=body, method=self.command)  # noqa: S310
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    request.add_header(name, value)
            if token and "authorization" not in {k.lower() for k in self.headers}:
                request.add_header("Authorization", f"Bearer {token}")
            try:
                with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310
                    status, data, headers = answer.status, answer.read(), answer.headers
            except urllib.error.HTTPError as error:
                status, data, headers = error.code, error.read(), error.headers
            if log:
                entry: dict[str, Any] = {
                    "kind": "http",
                    "method": self.command,
                    "path": self.path,
                    "request": (body or b"").decode("utf-8", "replace")[:EXCERPT],
                    "status": status,
                    "response": data.decode("utf-8", "replace")[:EXCERPT],
                }
                with lock, open(log, "a", encoding="utf-8") as out:
                    out.write(json.dumps(entry) + "\n")
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _forward

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the JSON log (if asked) is the record; keep the suite's output readable

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="port to listen on")
    parser.add_argument("--backend", required=True, help="the server, e.g. http://127.0.0.1:8765")
    parser.add_argument("--token", default="", help="bearer token added when a request has none")
    parser.add_argument("--log", default=None, help="append each exchange to this JSON-lines file")
    parser.add_argument("--cert", default=None, help="PEM certificate: serve HTTPS")
    parser.add_argument("--key", default=None, help="PEM private key of --cert")
    args = parser.parse_args()
    if not args.backend.startswith(("http://", "https://")):
        parser.error("--backend must be an http:// or https:// URL")
    handler = make_handler(args.backend.rstrip("/"), args.token, args.log)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
