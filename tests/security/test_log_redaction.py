"""Finding 11: no secret reaches a log line the server writes.

``microcred serve`` runs for real (a subprocess on a free loopback port); a real share link
is opened, and addresses with secrets in their query are requested. The access log names the
requests with the secrets replaced by ``[redacted]``. The application's own loggers and
tracebacks, under the same logging configuration, are redacted in the same way.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from microcred.model.files import load_data
from microcred.services import credentials, holders, organisations, sharing, specifications
from microcred.services import wallet as wallets
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance
from microcred.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "src" / "microcred" / "data" / "examples" / "specs" / "university-data-analysis.yaml"
MICROCRED = Path(sys.executable).with_name("microcred")
SECRET_KEY = "log-redaction-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(home: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}
    env.update(
        MICROCRED_HOME=str(home),
        MICROCRED_SECRET_KEY=SECRET_KEY,
        MICROCRED_BASE_URL=base_url,
        PYTHONUNBUFFERED="1",
    )
    return env


def _a_share_link(home: Path, base_url: str) -> str:
    """A real share link of a real credential in a real wallet of the instance at ``home``."""
    settings = Settings(
        home=home,
        database_url=f"sqlite:///{home / 'microcred.db'}",
        secret_key=SECRET_KEY,
        base_url=base_url,
    )
    instance = Instance(settings)
    try:
        org = organisations.create(instance, name="Latvijas Universitāte", country="LV")
        spec = specifications.publish(instance, org.slug, load_data(SPEC))
        issued = credentials.issue(
            instance,
            org.slug,
            spec.id,
            IssueRequest(
                learner_name="Anna Bērziņa", learner_id="anna@example.lv", issued_on="2026-03-02"
            ),
        )
        holders.create(instance, name="Anna Bērziņa", handle="anna", password="correct horse 1")
        document = issued.credential()
        raw = document if isinstance(document, str) else json.dumps(document)
        item, _ = wallets.import_bytes(instance, "anna", raw.encode())
        link = sharing.create_share(instance, "anna", [item.id])
    finally:
        instance.close()
    assert link.url is not None
    return link.url


def test_the_access_log_of_microcred_serve_has_no_share_token_and_no_query_secret(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    home = tmp_path / "home"
    url = _a_share_link(home, base)
    share_token = url.rsplit("/s/", 1)[1]
    query_secret = "q-Secret-4f9a7c21e0"
    server = subprocess.Popen(
        [str(MICROCRED), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(home, base),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("microcred serve did not start")
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get(f"/s/{share_token}").status_code == 200
            assert client.get(f"/s/{share_token}", params={"lang": "lv"}).status_code == 200
            client.get(
                "/wallet/login",
                params={"token": query_secret, "code": query_secret, "lang": "lv"},
            )
            client.get(f"/s/{share_token}x/more?state={query_secret}&password={query_secret}")
            client.get(
                "/api/v1/wallet",
                params={"api_key": query_secret, "pin": query_secret, "nonce": query_secret},
                headers={"Authorization": f"Bearer mcw_{query_secret}"},
            )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    access = [line for line in output.splitlines() if '"GET ' in line]
    assert len(access) >= 5, output
    assert share_token not in output, output
    assert query_secret not in output, output
    assert "GET /s/[redacted] HTTP/1.1" in output, output
    assert "GET /s/[redacted]?lang=lv HTTP/1.1" in output, output  # harmless values stay
    assert "token=[redacted]&code=[redacted]&lang=lv" in output, output
    assert "state=[redacted]&password=[redacted]" in output, output
    assert "api_key=[redacted]&pin=[redacted]&nonce=[redacted]" in output, output


APP_LOGS = textwrap.dedent(
    """
    import logging, logging.config, sys
    from microcred.api.log_redaction import log_config

    logging.config.dictConfig(log_config())
    token, secret = sys.argv[1], sys.argv[2]
    api = logging.getLogger("microcred.api")
    api.warning("share link opened: http://localhost:8000/s/%s", token)
    api.error("request %s failed", "/s/" + token + "?lang=lv")
    api.error("headers: Authorization: Bearer %s; Cookie: microcred_session=%s", secret, secret)
    api.error("with a query: %s", {"url": "/wallet?token=" + secret})
    try:
        raise ValueError("cannot open /s/" + token + " with code=" + secret)
    except ValueError:
        api.exception("unhandled error")
    logging.getLogger("microcred.jobs").info("offer %s", "https://x.example/offer?pre-authorized_code=" + secret)
    logging.getLogger("uvicorn.error").error("Exception in ASGI application: /s/%s", token)
    logging.getLogger("httpx").warning("HTTP Request: GET https://h.example/s/%s?key=%s", token, secret)
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/s/" + token + "?nonce=" + secret, "1.1", 200
    )
    """
)


def test_the_applications_own_logs_and_tracebacks_are_redacted():
    token = "Zm9vYmFyYmF6cXV4LXNoYXJlLXRva2VuLTEyMzQ1Ng"
    secret = "s3cr3t-Value-77aa0"
    result = subprocess.run(
        [sys.executable, "-c", APP_LOGS, token, secret],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert token not in output and secret not in output, output
    assert "share link opened: http://localhost:8000/s/[redacted]" in output
    assert "request /s/[redacted]?lang=lv failed" in output
    assert "Authorization: [redacted]" in output and "Cookie: [redacted]" in output
    assert "/wallet?token=[redacted]" in output
    assert "ValueError: cannot open /s/[redacted] with code=[redacted]" in output  # traceback
    assert "pre-authorized_code=[redacted]" in output
    assert "Exception in ASGI application: /s/[redacted]" in output
    assert "https://h.example/s/[redacted]?key=[redacted]" in output
    assert '"GET /s/[redacted]?nonce=[redacted] HTTP/1.1" 200' in output


# Starts servers or worker processes, or runs long: `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow
