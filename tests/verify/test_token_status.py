"""The Token Status List check (verify/token_status.py, draft-14 §8.3): a token of the
credential's issuer decides revoked / suspended / valid; anything that makes the token
unusable (tampered, another signer, another list's token, expired, unavailable) leaves the
status unchecked, never valid."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from microcred.formats.token_status_list import (
    encode,
    reference_claim,
    status_list_object,
    token_claims,
)
from microcred.proofs.did import did_web_document
from microcred.proofs.jose import sign_jws
from microcred.proofs.keys import P256KeyPair
from microcred.proofs.x509 import TestCA, x5c_header
from microcred.verify import VerifierContext
from microcred.verify.report import Check, overall
from microcred.verify.resolution import DocumentFinder
from microcred.verify.token_status import (
    AllowListedTokenFetcher,
    StatusTokenMemo,
    TokenIssuer,
    check_token_status,
    issuer_of,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
URI = "https://issuer.example/statuslists/rtk/1"
DID = "did:web:issuer.example:orgs:rtk"
# index 0 valid, 1 revoked, 2 suspended, 3 the application-specific 0x3
VALUES = [0, 1, 2, 3] + [0] * 60


@pytest.fixture(scope="module")
def key() -> P256KeyPair:
    return P256KeyPair.generate()


def make_token(
    key: P256KeyPair,
    *,
    uri: str = URI,
    exp: datetime | None = NOW + timedelta(hours=24),
    iat: datetime = NOW - timedelta(minutes=1),
    values: list[int] = VALUES,
    header: dict[str, object] | None = None,
) -> str:
    claims = token_claims(
        uri,
        status_list_object(encode(values, 2), 2),
        iat=int(iat.timestamp()),
        exp=int(exp.timestamp()) if exp else None,
        ttl=300,
    )
    return sign_jws(
        claims, key, header=header or {"typ": "statuslist+jwt", "kid": f"{DID}#key-p256"}
    )


def context(tokens: dict[str, str], **extra: object) -> VerifierContext:
    return VerifierContext(now=NOW, fetch_token=tokens.get, **extra)  # type: ignore[arg-type]


def check(
    token: str | None, issuer: TokenIssuer, idx: int = 0, ctx: VerifierContext | None = None
) -> Check:
    ctx = ctx or context({URI: token} if token else {})
    return check_token_status(reference_claim(idx, URI), issuer, ctx, DocumentFinder())


def verdict(result: Check) -> str:
    """The overall status a report with this status check (and every other check passed)."""
    passed = [Check(k, "pass", "", f"{k}.ok") for k in ("parse", "schema", "proof", "issuer")]
    return overall([*passed, Check("validity", "pass", "", "validity.ok"), result])


def test_the_issuers_token_decides(key):
    token, issuer = make_token(key), TokenIssuer(key)
    valid, revoked, suspended, other = (check(token, issuer, i) for i in range(4))
    assert (valid.status, valid.code) == ("pass", "status.ok")
    assert (revoked.status, revoked.code) == ("fail", "status.revoked")
    assert (suspended.status, suspended.code) == ("fail", "status.suspended")
    assert other.code == "status.other"
    assert [verdict(c) for c in (valid, revoked, suspended)] == ["valid", "revoked", "suspended"]
    assert "index 1" in revoked.message and URI in revoked.message


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["status_list"] = status_list_object(encode([0] * 64, 2), 2)  # "nothing revoked"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def test_what_makes_a_token_unusable_leaves_the_status_unchecked(key):
    issuer = TokenIssuer(key)
    other = P256KeyPair.generate()
    cases = {
        "tampered": (_tamper(make_token(key)), "status.token_signer"),
        "another signer": (make_token(other), "status.token_signer"),
        "another list": (make_token(key, uri=URI + "0"), "status.token_subject"),
        "expired": (make_token(key, exp=NOW - timedelta(hours=1)), "status.token_expired"),
        "issued later": (make_token(key, iat=NOW + timedelta(hours=1)), "status.token_expired"),
        "wrong typ": (make_token(key, header={"typ": "JWT"}), "status.token_malformed"),
        "not a jwt": ("garbage", "status.token_malformed"),
    }
    for name, (token, code) in cases.items():
        result = check(token, issuer, idx=1)  # index 1 is revoked in the real token
        assert (result.status, result.code) == ("warn", code), name
        assert result.document == URI, name
        assert verdict(result) == "unchecked", name


def test_alg_none_is_refused(key):
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"statuslist+jwt"}').rstrip(b"=")
    payload = make_token(key).split(".")[1]
    result = check(f"{header.decode()}.{payload}.", TokenIssuer(key), idx=1)
    assert result.code == "status.token_signer" and verdict(result) == "unchecked"


def test_an_unavailable_token_is_unchecked_never_valid(key):
    result = check(None, TokenIssuer(key))
    assert (result.status, result.code) == ("warn", "status.token_unavailable")
    assert result.document == URI
    assert verdict(result) == "unchecked"
    no_fetcher = VerifierContext(now=NOW)
    assert check(None, TokenIssuer(key), ctx=no_fetcher).code == "status.token_unavailable"


def test_an_index_past_the_list_is_unchecked(key):
    result = check(make_token(key), TokenIssuer(key), idx=64)
    assert result.code == "status.range" and verdict(result) == "unchecked"


def test_the_credentials_reference_itself(key):
    ctx = context({URI: make_token(key)})
    finder = DocumentFinder()
    none = check_token_status(None, TokenIssuer(key), ctx, finder)
    assert (none.status, none.code) == ("skip", "status.none") and verdict(none) == "valid"
    bad = check_token_status(
        {"status_list": {"idx": "1", "uri": URI}}, TokenIssuer(key), ctx, finder
    )
    assert (bad.status, bad.code) == ("fail", "status.malformed")
    other = check_token_status({"identifiers": {}}, TokenIssuer(key), ctx, finder)
    assert other.code == "status.unsupported" and verdict(other) == "unchecked"


def test_x5c_the_same_leaf_or_nothing(key):
    ca = TestCA.create("microcred test CA")
    chain = ca.issue_leaf(key._crypto_private_key().public_key(), "RTK")
    x5c = x5c_header(chain)
    issuer = issuer_of(key, x5c)
    signed = make_token(key, header={"typ": "statuslist+jwt", "x5c": x5c})
    assert check(signed, issuer, 1).code == "status.revoked"
    # a token under another certificate, of another key, is not the issuer's
    other = P256KeyPair.generate()
    foreign = ca.issue_leaf(other._crypto_private_key().public_key(), "Someone else")
    forged = make_token(other, header={"typ": "statuslist+jwt", "x5c": x5c_header(foreign)})
    assert check(forged, issuer, 1).code == "status.token_signer"
    # the issuer's certificate in the header, but signed by another key
    lying = make_token(other, header={"typ": "statuslist+jwt", "x5c": x5c})
    assert check(lying, issuer, 1).code == "status.token_signer"
    broken = make_token(key, header={"typ": "statuslist+jwt", "x5c": ["bm90IGEgY2VydA=="]})
    assert check(broken, issuer, 1).code == "status.token_malformed"


def test_another_key_of_the_issuers_did(key):
    """A credential signed with the Ed25519 key of a did:web, its list with the P-256 key
    of the same DID document (draft §11.3: the same web-based key resolution)."""
    other = P256KeyPair.generate()
    document = did_web_document(DID, [("key-1", key), ("key-p256", other)])
    finder = DocumentFinder({"https://issuer.example/orgs/rtk/did.json": document})
    token = make_token(other)  # kid did:web:...#key-p256
    ctx = context({URI: token})
    found = check_token_status(reference_claim(1, URI), TokenIssuer(key, did=DID), ctx, finder)
    assert found.code == "status.revoked", found.message
    # the DID document not at hand: unchecked, and which document is said
    offline = check_token_status(
        reference_claim(1, URI), TokenIssuer(key, did=DID), ctx, DocumentFinder()
    )
    assert offline.code == "status.list_key_unavailable" and verdict(offline) == "unchecked"
    assert offline.document == "https://issuer.example/orgs/rtk/did.json"
    # the same token against an issuer of another DID: not its list
    elsewhere = TokenIssuer(key, did="did:web:elsewhere.example")
    refused = check_token_status(reference_claim(1, URI), elsewhere, ctx, DocumentFinder())
    assert refused.code == "status.token_signer"


def test_verified_tokens_are_remembered_per_token_and_key(key):
    memo = StatusTokenMemo()
    token = make_token(key)
    ctx = context({URI: token}, status_tokens=memo)
    assert check(token, TokenIssuer(key), 1, ctx).code == "status.revoked"
    assert len(memo) == 1
    assert check(token, TokenIssuer(key), 2, ctx).code == "status.suspended"
    assert len(memo) == 1  # the same token and key: found
    other = P256KeyPair.generate()
    assert check(token, TokenIssuer(other), 1, ctx).code == "status.token_signer"
    assert len(memo) == 1  # a failure is never remembered
    # past the token's exp: the memo does not lend it
    later = replace(context({URI: token}, status_tokens=memo), now=NOW + timedelta(hours=25))
    assert check(token, TokenIssuer(key), 1, later).code == "status.token_expired"


class _Serve(BaseHTTPRequestHandler):
    token = ""
    accepts: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).accepts.append(self.headers.get("Accept", ""))
        body = self.token.encode() if self.path == "/statuslists/rtk/1" else b""
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/statuslist+jwt")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_token_over_http_from_an_allow_listed_host(key):
    _Serve.token, _Serve.accepts = make_token(key, uri="http://127.0.0.1/statuslists/rtk/1"), []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Serve)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        url = f"http://127.0.0.1:{port}/statuslists/rtk/1"
        fetcher = AllowListedTokenFetcher([f"http://127.0.0.1:{port}"], allow_private=True)
        assert fetcher(url) == _Serve.token
        assert fetcher(url) == _Serve.token and len(_Serve.accepts) == 1  # cached (ttl)
        assert _Serve.accepts == ["application/statuslist+jwt"]
        assert fetcher(f"http://127.0.0.1:{port}/statuslists/rtk/2") is None  # 404
        refused = AllowListedTokenFetcher(["issuer.example"])
        assert refused(url) is None and url in refused.errors  # not on the allow-list
        blocked = AllowListedTokenFetcher([f"http://127.0.0.1:{port}"])  # loopback refused
        assert blocked(url) is None
    finally:
        server.shutdown()
        server.server_close()
