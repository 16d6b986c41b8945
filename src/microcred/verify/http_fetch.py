"""Every outbound request of the instance: allow-listed scheme, host and port only, never an
internal address, with limits.

One fetcher for everything the server downloads on someone's behalf: wallet import by URL and
the verify page's URL (services/wallet.py), and the verifier's opt-in did:web documents,
controller documents, status lists and contexts (`AllowListedFetcher`, injected as
`VerifierContext.fetch`; the pipeline itself never touches the network).

The rules, in order, for the first URL and for every redirect:

* the URL's scheme, host and port must match an allow-list entry: `host` (https on 443),
  `host:port` (https on that port), `https://host[:port]` or `http://host[:port]` (plain http
  only when the operator writes it out);
* the host name is resolved once; every address must be public (never loopback, private,
  link-local, unique-local, shared, multicast, unspecified, reserved or documentation space,
  IPv4 or IPv6, including IPv4 embedded in IPv6) unless the operator allows private addresses
  (`MICROCRED_OUTBOUND_ALLOW_PRIVATE`); the connection goes to that checked address (the TLS
  certificate is still checked against the host name), so a second DNS answer is never used;
* redirects stay on the same host, are checked again and are at most `MAX_REDIRECTS`;
* the answer is streamed and cut at `max_bytes`; the whole fetch has a deadline.

Whatever goes wrong before the destination answers (not allowed, blocked address, no DNS
answer, refused, unreachable, timeout, TLS failure, a redirect elsewhere) is one message,
`REFUSED`, so the errors never tell what is listening where.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpcore
import httpx

MAX_DOCUMENT_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 5.0
DEFAULT_CACHE_SECONDS = 300.0
MAX_REDIRECTS = 3
DOCUMENT_ACCEPT = "application/json, application/ld+json, application/did+json"
REFUSED = "could not fetch URL: the host is not allowed or did not answer"
DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

# Not in ipaddress's private tables (Python 3.11) but never a destination on the internet.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)


class FetchError(Exception):
    """The URL could not be used; the message is safe to show to whoever asked."""


def _refused() -> FetchError:
    return FetchError(REFUSED)


def address_is_public(text: str) -> bool:
    """Whether `text` is an IP address on the public internet (and so may be connected to
    without the operator's explicit say-so). Embedded IPv4 (mapped, 6to4, NAT64, Teredo) is
    judged by the IPv4 address it carries."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(address.packed)  # drop a scope id (fe80::1%eth0)
        embedded: list[ipaddress.IPv4Address] = []
        if address.ipv4_mapped is not None:
            embedded.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in ipaddress.ip_network("64:ff9b::/96"):
            embedded.append(ipaddress.IPv4Address(address.packed[-4:]))
        if embedded and not all(address_is_public(str(e)) for e in embedded):
            return False
        if address.ipv4_mapped is not None:
            return True
    if any(address.version == n.version and address in n for n in _NOT_PUBLIC):
        return False
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or not address.is_global
    )


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str  # as sent on the wire: lower case, IDNA (punycode), IPv6 without brackets
    port: int


def _destination(url: str) -> Destination | None:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    scheme = parsed.scheme
    if scheme not in DEFAULT_PORTS or parsed.userinfo or not parsed.raw_host:
        return None
    host = parsed.raw_host.decode("ascii").lower()
    return Destination(scheme, host, parsed.port or DEFAULT_PORTS[scheme])


def parse_allow_entry(entry: str) -> Destination | None:
    """`host`, `host:port`, `[v6]:port` mean https; `http://` must be written out."""
    entry = entry.strip().rstrip("/")
    if not entry:
        return None
    if "://" not in entry:
        bare = entry.strip("[]")
        try:
            if ipaddress.ip_address(bare).version == 6:
                entry = f"[{bare}]"
        except ValueError:
            pass
        entry = f"https://{entry}"
    found = _destination(entry)
    if found is None or httpx.URL(entry).path not in ("", "/"):
        return None
    return found


class OutboundPolicy:
    """Which URLs may be fetched: the allow-list, and whether private addresses are allowed."""

    def __init__(self, entries: Iterable[str], *, allow_private: bool = False) -> None:
        parsed = (parse_allow_entry(e) for e in entries)
        self.destinations = frozenset(d for d in parsed if d is not None)
        self.allow_private = allow_private

    def permits(self, url: str) -> Destination | None:
        found = _destination(url)
        return found if found is not None and found in self.destinations else None

    def address_allowed(self, address: str) -> bool:
        if self.allow_private:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                return False
            return True
        return address_is_public(address)


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (the caller checks them all)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Pin:
    """A destination and the one checked address the connection must go to."""

    destination: Destination
    address: str


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the checked address whatever host name httpcore asks for."""

    def __init__(self, pin: Pin) -> None:
        self._pin = pin
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        wanted = self._pin.destination
        if (host.strip("[]").lower(), port) != (wanted.host, wanted.port):
            raise httpcore.ConnectError("not the checked destination")
        return self._inner.connect_tcp(
            self._pin.address, port, timeout, local_address, socket_options
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never used")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """Certificates checked against the host name, with the CA bundle httpx uses. Made once
    per process (loading the bundle takes some 70 ms; a protocol client makes several
    requests per flow) and never changed after: a client-side context is shared safely."""
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()


def pinned_transport(pin: Pin, ssl_context: ssl.SSLContext | None = None) -> httpx.BaseTransport:
    """An httpx transport whose only connection goes to `pin.address`; the request keeps the
    host name (Host header, SNI, certificate check against the name)."""
    context = ssl_context or default_ssl_context()
    # the context given to HTTPTransport too, so that it does not load a CA bundle of its own
    transport = httpx.HTTPTransport(verify=context, retries=0)
    # httpx has no parameter for httpcore's network backend: the pool is replaced (the same
    # pool HTTPTransport builds, with the pinned backend)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=context,
        max_connections=1,
        retries=0,
        network_backend=_PinnedBackend(pin),
    )
    return transport


@dataclass(frozen=True)
class Network:
    """How names are resolved and connections opened. Tests substitute the resolver (to show
    that a second DNS answer is never used), the certificate authorities, or, offline, the
    whole transport."""

    resolve: Callable[[str, int], Sequence[str]] = system_resolve
    ssl_context: Callable[[], ssl.SSLContext] = default_ssl_context
    transport: Callable[[Pin], httpx.BaseTransport] | None = None

    def connect(self, pin: Pin) -> httpx.BaseTransport:
        if self.transport is not None:
            return self.transport(pin)
        return pinned_transport(pin, self.ssl_context())


@dataclass(frozen=True)
class Answer:
    """What a destination answered: status, headers and the (bounded) body."""

    status: int
    headers: httpx.Headers
    body: bytes


class OutboundFetcher:
    """GET a URL under an `OutboundPolicy`; returns the body or raises `FetchError`.
    `send` makes one request of any method for a protocol client."""

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        network: Network | None = None,
        max_bytes: int = MAX_DOCUMENT_BYTES,
        timeout: float = TIMEOUT_SECONDS,
        accept: str = DOCUMENT_ACCEPT,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self.policy = policy
        self.network = network or Network()
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.accept = accept
        self.max_redirects = max_redirects

    def _pin(self, destination: Destination, address: str | None) -> Pin:
        if address is None:
            try:
                ipaddress.ip_address(destination.host)
                addresses: Sequence[str] = [destination.host]
            except ValueError:
                try:
                    addresses = list(self.network.resolve(destination.host, destination.port))
                except (OSError, UnicodeError, ValueError):
                    raise _refused() from None
            if not addresses or not all(self.policy.address_allowed(a) for a in addresses):
                raise _refused()
            address = addresses[0]
        return Pin(destination, address)

    def fetch(self, url: str) -> bytes:
        destination = self.policy.permits(url)
        if destination is None:
            raise _refused()
        deadline = time.monotonic() + self.timeout
        pin = self._pin(destination, None)
        for _ in range(self.max_redirects + 1):
            status, location, body = self._get(url, pin, deadline)
            if status not in _REDIRECTS:
                if status != 200:
                    raise FetchError(f"the URL answered HTTP {status}")
                return body
            if location is None:
                raise FetchError(f"the URL answered HTTP {status} without a Location")
            try:
                url = str(httpx.URL(url).join(location))
            except (httpx.InvalidURL, TypeError, ValueError):
                raise _refused() from None
            target = self.policy.permits(url)
            if target is None or target.host != pin.destination.host:
                raise _refused()  # never to another host, nor to a scheme or port not allowed
            pin = self._pin(target, pin.address)  # the same host: the address already checked
        raise _refused()

    def _get(self, url: str, pin: Pin, deadline: float) -> tuple[int, str | None, bytes]:
        answer = self._exchange("GET", url, pin, deadline, {}, None, error_bodies=False)
        return answer.status, answer.headers.get("location"), answer.body

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> Answer:
        """One request under the same rules (allow-list, checked address, size and time
        limits), for a protocol client (OpenID4VCI, OAuth): redirects are not followed (an
        endpoint answers where it is), and an error status comes back with its bounded body
        and headers (an OAuth error object, a DPoP-Nonce) instead of raising."""
        destination = self.policy.permits(url)
        if destination is None:
            raise _refused()
        deadline = time.monotonic() + self.timeout
        pin = self._pin(destination, None)
        return self._exchange(method, url, pin, deadline, headers or {}, content, error_bodies=True)

    def _exchange(
        self,
        method: str,
        url: str,
        pin: Pin,
        deadline: float,
        headers: dict[str, str],
        content: bytes | None,
        *,
        error_bodies: bool,
    ) -> Answer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _refused()
        try:
            with httpx.Client(
                transport=self.network.connect(pin),
                timeout=httpx.Timeout(remaining),
                follow_redirects=False,
                trust_env=False,
            ) as client:
                sent = {"Accept": self.accept, **headers, "Accept-Encoding": "identity"}
                with client.stream(method, url, headers=sent, content=content) as response:
                    status = response.status_code
                    if status in _REDIRECTS or (status != 200 and not error_bodies):
                        return Answer(status, response.headers, b"")
                    if response.headers.get("content-encoding", "identity") != "identity":
                        raise FetchError("the URL answered with a compressed body")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > self.max_bytes:
                        raise self._too_large()
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > self.max_bytes:
                            raise self._too_large()
                        if time.monotonic() > deadline:
                            raise _refused()
                    return Answer(status, response.headers, bytes(body))
        except FetchError:
            raise
        except (httpx.HTTPError, httpcore.NetworkError, OSError, ssl.SSLError, ValueError):
            raise _refused() from None

    def _too_large(self) -> FetchError:
        return FetchError(f"the answer is larger than {self.max_bytes} bytes")


class AllowListedFetcher:
    """The verifier's fetcher (`VerifierContext.fetch`): a JSON document through the
    `OutboundFetcher`, cached until its own validity ends (at most 5 minutes), `None` when
    it cannot be had (the reason in `errors`)."""

    def __init__(
        self,
        allowed_hosts: Iterable[str],
        *,
        allow_private: bool = False,
        network: Network | None = None,
        max_bytes: int = MAX_DOCUMENT_BYTES,
        timeout: float = TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = OutboundPolicy(allowed_hosts, allow_private=allow_private)
        self._fetcher = OutboundFetcher(
            self.policy, network=network, max_bytes=max_bytes, timeout=timeout
        )
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self.errors: dict[str, str] = {}

    def allowed(self, url: str) -> bool:
        """Whether the URL's scheme, host and port are on the allow-list (the address is
        checked when it is fetched)."""
        return self.policy.permits(url) is not None

    def _expiry(self, document: dict[str, Any]) -> float:
        """Cache a document until its own validUntil (status lists), at most 5 minutes, and
        no longer than a status list's `ttl` (milliseconds) asks."""
        limit = self._clock() + DEFAULT_CACHE_SECONDS
        subject = document.get("credentialSubject")
        ttl = subject.get("ttl") if isinstance(subject, dict) else None
        if isinstance(ttl, int | float) and not isinstance(ttl, bool) and ttl >= 0:
            limit = min(limit, self._clock() + ttl / 1000)
        until = document.get("validUntil")
        if isinstance(until, str):
            try:
                return min(limit, datetime.fromisoformat(until.replace("Z", "+00:00")).timestamp())
            except ValueError:
                return self._clock()
        return limit

    def __call__(self, url: str) -> dict[str, Any] | None:
        if not self.allowed(url):
            self.errors[url] = REFUSED
            return None
        cached = self._cache.get(url)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        document = self._get(url)
        if document is not None:
            self._cache[url] = (self._expiry(document), document)
        return document

    def _get(self, url: str) -> dict[str, Any] | None:
        try:
            body = self._fetcher.fetch(url)
        except FetchError as exc:
            self.errors[url] = str(exc)
            return None
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            self.errors[url] = "not JSON"
            return None
        return value if isinstance(value, dict) else None
