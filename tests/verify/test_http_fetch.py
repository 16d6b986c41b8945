from __future__ import annotations

import json

import httpx

from microcred.proofs.did import did_web_document
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services.issuing import issue_award
from microcred.verify import VerifierContext, verify_credential
from microcred.verify.http_fetch import AllowListedFetcher, Network
from tests.verify.conftest import NOW, make_award

PUBLIC = "93.184.215.14"  # what the offline resolver answers for every name


def _client(routes: dict[str, object], seen: list[str]) -> Network:
    """Offline: every name resolves to a public address and the transport answers `routes`
    (the outbound fetcher's allow-list, address check and limits still apply)."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        body = routes.get(str(request.url))
        if body is None:
            return httpx.Response(404)
        return httpx.Response(
            200, content=body if isinstance(body, bytes) else json.dumps(body).encode()
        )

    return Network(
        resolve=lambda host, port: ["127.0.0.1" if host == "localhost" else PUBLIC],
        transport=lambda pin: httpx.MockTransport(handler),
    )


def test_did_web_issuer_resolved_over_https_only_when_allow_listed():
    key = Ed25519KeyPair.generate()
    did = "did:web:university.example.lv"
    document = did_web_document(did, [("key-1", key)])
    credential = issue_award(make_award(), key, issuer_id=did, verification_method=f"{did}#key-1")
    seen: list[str] = []
    routes = {"https://university.example.lv/.well-known/did.json": document}

    allowed = AllowListedFetcher(["university.example.lv"], network=_client(routes, seen))
    report = verify_credential(credential, VerifierContext(now=NOW, fetch=allowed))
    assert report.status == "valid", report.to_json()
    assert seen == ["https://university.example.lv/.well-known/did.json"]

    seen.clear()
    other = AllowListedFetcher(["elsewhere.example"], network=_client(routes, seen))
    report = verify_credential(credential, VerifierContext(now=NOW, fetch=other))
    assert seen == []  # a host not on the allow-list is never contacted
    assert report.check("proof").status == "warn" and not report.valid


def test_fetcher_limits():
    seen: list[str] = []
    routes = {
        "https://a.example/big": b"{" + b" " * 2_000_000 + b"}",
        "https://a.example/list": [1, 2],
    }
    fetch = AllowListedFetcher(["a.example"], network=_client(routes, seen), max_bytes=1_000_000)
    assert (
        fetch("https://a.example/big") is None and "larger" in fetch.errors["https://a.example/big"]
    )
    assert fetch("https://a.example/list") is None
    assert fetch("https://a.example/missing") is None
    assert fetch("http://a.example/big") is None  # plain HTTP is never used


def test_cache_honours_the_documents_validity_and_loopback_http_when_the_operator_allows_it():
    seen: list[str] = []
    now = [1_000_000.0]
    routes = {
        "http://localhost:8000/status/x/1/revocation": {
            "validUntil": "1970-01-12T13:50:00Z",
            "x": 1,
        },  # 1_000_200
        "https://a.example/doc": {"x": 2},
    }
    fetch = AllowListedFetcher(
        ["http://localhost:8000", "a.example"],
        allow_private=True,  # MICROCRED_OUTBOUND_ALLOW_PRIVATE: loopback only when said so
        network=_client(routes, seen),
        clock=lambda: now[0],
    )
    assert fetch("http://localhost:8000/status/x/1/revocation") == {
        "validUntil": "1970-01-12T13:50:00Z",
        "x": 1,
    }
    assert fetch("http://localhost:8000/status/x/1/revocation") is not None
    assert len(seen) == 1  # served from the cache while the list is valid
    now[0] += 300
    fetch("http://localhost:8000/status/x/1/revocation")
    assert len(seen) == 2  # expired with the list's validUntil: fetched again
    assert fetch("http://a.example/doc") is None  # plain HTTP only where the entry says http://
    assert fetch("http://localhost:8001/x") is None  # nor on another port
    strict = AllowListedFetcher(["http://localhost:8000"], network=_client(routes, seen))
    assert strict("http://localhost:8000/status/x/1/revocation") is None  # loopback: refused
    assert len(seen) == 2  # before any connection
