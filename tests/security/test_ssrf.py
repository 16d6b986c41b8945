"""Issue 12, finding 3: the server fetches URLs for its users (wallet import by URL, the verify
page, the verifier's opt-in did:web / status list / context fetches), so it must never become a
way into the machine or the network it runs in.

Real local HTTP servers on loopback stand for "something listening inside"; the only seam is the
name resolver (to show that the address connected to is the one checked).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from microcred.api import create_app
from microcred.services import holders, wallet
from microcred.services.holders import HolderError
from microcred.services.instance import Instance
from microcred.settings import Settings, SettingsError, load_settings
from microcred.verify.http_fetch import (
    REFUSED,
    AllowListedFetcher,
    FetchError,
    Network,
    OutboundFetcher,
    OutboundPolicy,
    address_is_public,
)

SECRET = b"internal-secret-0123456789"


class _Server:
    """A real HTTP server on 127.0.0.1: answers SECRET, or a redirect, and records every hit."""

    def __init__(self, redirects: dict[str, str] | None = None, delay: float = 0.0) -> None:
        self.hits: list[str] = []
        self.redirects = redirects or {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(self.path)
                if delay:
                    time.sleep(delay)
                target = server.redirects.get(self.path)
                if target is not None:
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path == "/big":
                    body = b"{" + b" " * 200_000 + b"}"
                else:
                    body = SECRET
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.port = self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _instance(tmp_path, database_url: str, **settings: Any) -> Instance:
    return Instance(
        Settings(
            home=tmp_path / "home",
            database_url=database_url,
            secret_key="test",
            base_url="http://localhost:8000",  # the default: its host used to be always allowed
            **settings,
        )
    )


def _internal_urls(port: int) -> list[str]:
    return [
        f"http://localhost:{port}/secret",
        f"http://LOCALHOST:{port}/secret",
        f"http://127.0.0.1:{port}/secret",
        f"http://127.1:{port}/secret",
        f"http://2130706433:{port}/secret",
        f"http://[::1]:{port}/secret",
        f"http://[::ffff:127.0.0.1]:{port}/secret",
        f"http://0.0.0.0:{port}/secret",
        f"http://[::]:{port}/secret",
        f"https://localhost:{port}/secret",
        f"https://127.0.0.1:{port}/secret",
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "https://10.1.2.3/x",
        "https://192.168.1.1/",
        "https://172.16.0.1/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://100.64.0.1/",
        "https://224.0.0.1/",
    ]


# Hosts a careless operator might list: the address check must hold even then.
NAIVE_ALLOW_LIST = (
    "localhost",
    "127.0.0.1",
    "127.1",
    "2130706433",
    "::1",
    "::ffff:127.0.0.1",
    "0.0.0.0",
    "::",
    "169.254.169.254",
    "10.0.0.1",
    "10.1.2.3",
    "192.168.1.1",
    "172.16.0.1",
    "fd00::1",
    "fe80::1",
    "100.64.0.1",
    "224.0.0.1",
)


@pytest.mark.parametrize("allowed_hosts", [(), NAIVE_ALLOW_LIST], ids=["default", "naive-list"])
def test_wallet_import_route_refuses_internal_addresses(
    tmp_path, database_url, server, allowed_hosts
):
    settings = Settings(
        home=tmp_path / "home",
        database_url=database_url,
        secret_key="test",
        base_url="http://localhost:8000",
        allowed_hosts=allowed_hosts,
    )
    app = create_app(settings)
    instance = app.state.instance
    holders.create(instance, name="Anna Bērziņa", handle="anna")
    _, secret = holders.create_token(instance, "anna", "test")
    with TestClient(app) as client:
        for url in [*_internal_urls(server.port), f"http://localhost:{_closed_port()}/x"]:
            response = client.post(
                "/api/v1/wallet/credentials",
                json={"url": url},
                headers={"Authorization": f"Bearer {secret}"},
            )
            assert response.status_code == 422, (url, response.status_code, response.text)
            problem = response.json()["error"]
            assert problem["field"] == "url", problem
            assert problem["message"] == REFUSED, (url, problem)
            assert SECRET.decode() not in response.text
    assert server.hits == []  # nothing inside was ever contacted


@pytest.mark.parametrize("allowed_hosts", [(), NAIVE_ALLOW_LIST], ids=["default", "naive-list"])
def test_wallet_service_error_is_the_same_for_open_and_closed_ports(
    tmp_path, database_url, server, allowed_hosts
):
    instance = _instance(tmp_path, database_url, allowed_hosts=allowed_hosts)
    closed = _closed_port()
    try:
        for host in ("localhost", "127.0.0.1", "[::1]"):
            messages = set()
            for port in (server.port, closed):
                with pytest.raises(HolderError) as caught:
                    wallet.fetch_url(instance, f"http://{host}:{port}/x")
                assert caught.value.field == "url"
                messages.add(str(caught.value))
            assert messages == {REFUSED}, (host, messages)
    finally:
        instance.close()
    assert server.hits == []


def test_the_operator_setting_makes_a_local_server_fetchable(tmp_path, database_url, server):
    """The legitimate path: an operator who names host:port and allows private addresses."""
    entry = f"http://127.0.0.1:{server.port}"
    url = f"{entry}/cred.json"
    allowed = _instance(
        tmp_path / "a", database_url, allowed_hosts=(entry,), outbound_allow_private=True
    )
    listed_only = _instance(tmp_path / "b", database_url, allowed_hosts=(entry,))
    private_only = _instance(
        tmp_path / "c", database_url, allowed_hosts=("example.org",), outbound_allow_private=True
    )
    try:
        assert wallet.fetch_url(allowed, url) == SECRET
        assert server.hits == ["/cred.json"]
        for instance in (listed_only, private_only):
            with pytest.raises(HolderError, match="not allowed or did not answer"):
                wallet.fetch_url(instance, url)
        # the port is part of the allow-list entry: another port of the same host is refused
        other = _Server()
        try:
            with pytest.raises(HolderError) as caught:
                wallet.fetch_url(allowed, f"http://127.0.0.1:{other.port}/cred.json")
            assert str(caught.value) == REFUSED and other.hits == []
        finally:
            other.close()
        # a bare host name means https on 443 only, never http
        bare = _instance(
            tmp_path / "d",
            database_url,
            allowed_hosts=("127.0.0.1",),
            outbound_allow_private=True,
        )
        try:
            with pytest.raises(HolderError) as caught:
                wallet.fetch_url(bare, url)
            assert str(caught.value) == REFUSED
        finally:
            bare.close()
        assert server.hits == ["/cred.json"]
    finally:
        for instance in (allowed, listed_only, private_only):
            instance.close()


def test_redirects_never_leave_the_checked_host(tmp_path, database_url):
    inside = _Server()
    first = _Server(
        redirects={
            "/to-other-port": f"http://127.0.0.1:{inside.port}/secret",
            "/to-other-host": "http://localhost:{port}/secret",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
            "/same-origin": "/final.json",
            "/loop": "/loop",
        }
    )
    first.redirects["/to-other-host"] = f"http://localhost:{first.port}/secret"
    entry = f"http://127.0.0.1:{first.port}"
    instance = _instance(
        tmp_path, database_url, allowed_hosts=(entry,), outbound_allow_private=True
    )
    try:
        for path in ("/to-other-port", "/to-other-host", "/to-metadata", "/loop"):
            with pytest.raises(HolderError) as caught:
                wallet.fetch_url(instance, f"{entry}{path}")
            assert str(caught.value) == REFUSED, path
        assert inside.hits == []
        assert first.hits.count("/loop") <= 4  # a bounded number of hops
        assert "/secret" not in first.hits  # the other host name was not followed either
        # a redirect inside the same origin is followed
        assert wallet.fetch_url(instance, f"{entry}/same-origin") == SECRET
        assert first.hits[-1] == "/final.json"
    finally:
        instance.close()
        inside.close()
        first.close()


def test_the_address_connected_to_is_the_one_checked(server):
    """DNS rebinding: the name is resolved once; a second answer is never used."""
    calls: list[str] = []

    def rebinding(answers: list[str]) -> Any:
        def resolve(host: str, port: int) -> list[str]:
            calls.append(host)
            return [answers[min(len(calls) - 1, len(answers) - 1)]]

        return resolve

    url = f"http://rebind.test:{server.port}/doc.json"
    policy = OutboundPolicy([f"http://rebind.test:{server.port}"], allow_private=True)
    # first answer 127.0.0.1 (checked, allowed by the operator), then 127.0.0.2 where nothing
    # listens: the fetch works only if the connection goes to the checked address
    fetcher = OutboundFetcher(
        policy, network=Network(resolve=rebinding(["127.0.0.1", "127.0.0.2"]))
    )
    assert fetcher.fetch(url) == SECRET
    assert calls == ["rebind.test"] and server.hits == ["/doc.json"]

    # first answer public (passes the check), then loopback: loopback is never contacted
    calls.clear()
    public_then_loopback = OutboundFetcher(
        OutboundPolicy([f"http://rebind.test:{server.port}"]),
        network=Network(resolve=rebinding(["8.8.8.8", "127.0.0.1"])),
        timeout=0.5,
    )
    with pytest.raises(FetchError) as caught:
        public_then_loopback.fetch(url)
    assert str(caught.value) == REFUSED
    assert len(calls) == 1 and server.hits == ["/doc.json"]

    # a name with a public and a private address is refused outright
    mixed = OutboundFetcher(
        OutboundPolicy([f"http://rebind.test:{server.port}"]),
        network=Network(resolve=lambda host, port: ["8.8.8.8", "127.0.0.1"]),
    )
    with pytest.raises(FetchError) as caught:
        mixed.fetch(url)
    assert str(caught.value) == REFUSED and server.hits == ["/doc.json"]


def test_size_and_time_are_bounded():
    slow = _Server(delay=3.0)
    fast = _Server()
    try:
        policy = OutboundPolicy(
            [f"http://127.0.0.1:{slow.port}", f"http://127.0.0.1:{fast.port}"],
            allow_private=True,
        )
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            OutboundFetcher(policy, timeout=0.5).fetch(f"http://127.0.0.1:{slow.port}/x")
        assert str(caught.value) == REFUSED and time.monotonic() - started < 2.5
        with pytest.raises(FetchError, match="larger than"):
            OutboundFetcher(policy, max_bytes=100_000).fetch(f"http://127.0.0.1:{fast.port}/big")
    finally:
        slow.close()
        fast.close()


def test_the_verifiers_fetcher_uses_the_same_rules(server):
    """The verifier's opt-in did:web / status list / context fetch goes through the same
    outbound fetcher: loopback only with the operator's explicit setting."""
    url = f"http://localhost:{server.port}/status/1"
    plain = AllowListedFetcher(["localhost", f"http://localhost:{server.port}"])
    assert plain(url) is None and plain.errors[url] == REFUSED
    assert server.hits == []
    allowed = AllowListedFetcher([f"http://localhost:{server.port}"], allow_private=True)
    assert allowed(url) is None  # SECRET is not JSON
    assert server.hits == ["/status/1"] and allowed.errors[url] == "not JSON"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "0.0.0.0",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "fe80::1",
        "fe80::1%1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
        "not an address",
    ],
)
def test_internal_addresses_are_never_public(address):
    assert not address_is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_are_public(address):
    assert address_is_public(address)


def test_the_private_address_setting_is_read_and_checked(tmp_path):
    assert load_settings({}, home=tmp_path).outbound_allow_private is False
    on = load_settings({"MICROCRED_OUTBOUND_ALLOW_PRIVATE": "1"}, home=tmp_path)
    assert on.outbound_allow_private is True
    with pytest.raises(SettingsError, match="MICROCRED_OUTBOUND_ALLOW_PRIVATE"):
        load_settings({"MICROCRED_OUTBOUND_ALLOW_PRIVATE": "maybe"}, home=tmp_path)


def test_allow_list_entries_name_scheme_host_and_port():
    policy = OutboundPolicy(["issuer.example", "docs.example:8443", "http://dev.example:8000"])
    assert policy.permits("https://issuer.example/a") is not None
    assert policy.permits("https://ISSUER.example:443/a") is not None
    assert policy.permits("https://issuer.example:8443/a") is None
    assert policy.permits("http://issuer.example/a") is None
    assert policy.permits("https://docs.example:8443/a") is not None
    assert policy.permits("https://docs.example/a") is None
    assert policy.permits("http://dev.example:8000/a") is not None
    assert policy.permits("http://dev.example/a") is None
    assert policy.permits("https://user@issuer.example/a") is None
    assert policy.permits("ftp://issuer.example/a") is None
    assert policy.permits("file:///etc/passwd") is None


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Could not fetch this address: the host is not allowed or did not answer."),
        ("lv", "Neizdevās ielādēt šo adresi: resursdators nav atļauts vai neatbildēja."),
    ],
)
def test_the_public_verify_page_does_not_fetch_internal_addresses(
    tmp_path, database_url, server, lang, text
):
    """The verify page needs no account: its link field is the same outbound fetcher."""
    import html
    import re

    app = create_app(
        Settings(
            home=tmp_path / "home",
            database_url=database_url,
            secret_key="test",
            base_url="http://localhost:8000",
            allowed_hosts=NAIVE_ALLOW_LIST,
        )
    )
    with TestClient(app) as client:
        form = client.get(f"/?lang={lang}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf, form.text[:500]
        pages = []
        for url in (f"http://localhost:{server.port}/x", f"http://localhost:{_closed_port()}/x"):
            response = client.post(
                f"/verify?lang={lang}", data={"csrf": csrf.group(1), "link": url}
            )
            assert response.status_code < 500 and SECRET.decode() not in response.text
            assert text in html.unescape(response.text), response.text[-3000:]
            pages.append(response.text.replace(url, "").replace(url.split("/")[2], ""))
    assert pages[0] == pages[1]  # an open port and a closed one look the same
    assert server.hits == []


def _tls_files(tmp_path, name: str) -> tuple[str, str, str]:
    """A throwaway certificate authority and a server certificate for `name` (PEM paths)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = [tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"]
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(paths[0]), str(paths[1]), str(paths[2])


def test_https_to_the_checked_address_keeps_the_host_name_for_tls(tmp_path):
    """Connecting to the pinned address does not weaken TLS: SNI, Host and the certificate
    check use the URL's host name."""
    import ssl

    ca, cert, key = _tls_files(tmp_path, "issuer.test")
    tls = _Server()
    seen: dict[str, Any] = {}
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)

    def remember_sni(sock: Any, name: str | None, context: Any) -> None:
        seen["sni"] = name

    server_context.sni_callback = remember_sni
    tls.httpd.socket = server_context.wrap_socket(tls.httpd.socket, server_side=True)
    try:
        entry = f"https://issuer.test:{tls.port}"
        network = Network(
            resolve=lambda host, port: ["127.0.0.1"],
            ssl_context=lambda: ssl.create_default_context(cafile=ca),
        )
        fetcher = OutboundFetcher(OutboundPolicy([entry], allow_private=True), network=network)
        assert fetcher.fetch(f"{entry}/doc.json") == SECRET
        assert seen["sni"] == "issuer.test" and tls.hits == ["/doc.json"]
        # the same server under a name its certificate does not carry: refused
        other = f"https://other.test:{tls.port}"
        wrong = OutboundFetcher(OutboundPolicy([other], allow_private=True), network=network)
        with pytest.raises(FetchError) as caught:
            wrong.fetch(f"{other}/doc.json")
        assert str(caught.value) == REFUSED and tls.hits == ["/doc.json"]
        # and with the system's authorities, the test CA is not trusted
        system = OutboundFetcher(
            OutboundPolicy([entry], allow_private=True),
            network=Network(resolve=lambda host, port: ["127.0.0.1"]),
        )
        with pytest.raises(FetchError):
            system.fetch(f"{entry}/doc.json")
    finally:
        tls.close()
