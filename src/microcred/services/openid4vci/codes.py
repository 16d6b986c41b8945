"""Secrets of the flow: made random, stored as their SHA-256, and the stateless nonces.

A c_nonce or DPoP nonce is ``base64url(time || random || HMAC(instance secret, time ||
random))``: the anonymous nonce endpoint stores nothing (no table an attacker could fill);
a c_nonce is made single use when a credential request consumes it (its SHA-256 goes in
the grants table, whose primary key refuses a second use)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime

from microcred.services.instance import Instance

NONCE_PURPOSES = ("c_nonce", "dpop")


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def new_secret(nbytes: int = 32) -> str:
    return b64u(secrets.token_bytes(nbytes))


def digest(value: str) -> str:
    """The SHA-256 (hex) a secret is stored and looked up by."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def keyed(instance: Instance, purpose: str, value: str) -> str:
    """An HMAC of a short secret (a 6-digit tx_code cannot be stored as a plain hash)."""
    mac = hmac.new(instance.secret, f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def derive(instance: Instance, purpose: str, handle: str) -> str:
    """A secret derived from a handle (the offer's pre-authorized code and issuer_state
    from its offer_uri handle), so none of them is ever stored in clear."""
    mac = hmac.new(instance.secret, f"derive\x00{purpose}\x00{handle}".encode(), hashlib.sha256)
    return b64u(mac.digest())


def make_nonce(instance: Instance, purpose: str, now: datetime) -> str:
    body = struct.pack(">Q", int(now.timestamp())) + secrets.token_bytes(16)
    mac = hmac.new(instance.secret, purpose.encode() + b"\x00" + body, hashlib.sha256)
    return b64u(body + mac.digest()[:16])


def nonce_valid(instance: Instance, purpose: str, nonce: object, now: datetime, ttl: int) -> bool:
    """Whether ``nonce`` was made by this instance for ``purpose`` less than ``ttl`` s ago."""
    if not isinstance(nonce, str) or len(nonce) != 54:
        return False
    try:
        raw = unb64u(nonce)
    except ValueError:
        return False
    if len(raw) != 40:
        return False
    body, tag = raw[:24], raw[24:]
    mac = hmac.new(instance.secret, purpose.encode() + b"\x00" + body, hashlib.sha256)
    if not hmac.compare_digest(mac.digest()[:16], tag):
        return False
    made: int = struct.unpack(">Q", body[:8])[0]
    return bool(-5 <= now.timestamp() - made <= ttl)
