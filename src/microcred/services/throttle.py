"""Sign-in throttling: failed attempts counted per account and per client address, in the
database (table ``throttle_buckets``), so that every process of an instance counts together.

Rate-limit libraries (``limits``, ``slowapi``) keep their counters in memory, Redis,
Memcached or MongoDB, none in the SQL database the instance already has; a counter per key
in one small table is all that is needed here, so it is written out below.

A bucket counts failures in a window (``Rule.window``) that starts at its first failure; at
``Rule.limit`` failures the key is blocked for ``Rule.lockout``. While blocked, an attempt is
refused before any password is checked (:class:`Throttled`, with the seconds to wait), which
also keeps a flood of guesses from costing a password hash each.

Password sign-ins *reserve* their attempt before the password is checked (so that many
concurrent guesses cannot all slip in under the limit) and give it back when the password was
right (:func:`reserve`, :func:`succeeded`). Token checks, whose secrets are random and cheap
to check, look first and count failures after (:func:`check`, :func:`failed`). Keys are
stored as SHA-256 digests: no handle or address is kept in clear.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.errors import TooManyAttempts
from microcred.services.instance import Instance
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import ThrottleBucket


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window: timedelta
    lockout: timedelta


# A holder's account: 10 wrong passwords in 15 minutes, from anywhere, block it for 15 minutes.
ACCOUNT = Rule("account", 10, timedelta(minutes=15), timedelta(minutes=15))
# One client address (an IPv6 /64): 30 wrong passwords in 15 minutes, on any accounts.
ADDRESS = Rule("address", 30, timedelta(minutes=15), timedelta(minutes=15))
# One client address: 30 unknown or revoked API tokens in 15 minutes (API and console).
TOKEN_ADDRESS = Rule("token-address", 30, timedelta(minutes=15), timedelta(minutes=15))

Key = tuple[Rule, str]


class Throttled(TooManyAttempts):
    """Too many failed attempts: refused until ``retry_after`` seconds have passed."""

    def __init__(self, retry_after: int, rule: str) -> None:
        super().__init__(
            f"too many failed sign-in attempts; try again in {retry_after} seconds", retry_after
        )
        self.rule = rule

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def client_address(host: str | None) -> str:
    """The address a client is counted under: IPv4 as it is, IPv6 by its /64 (one host
    commonly has a whole /64), anything else (a test client, a Unix socket) as it is."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:200]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


def _digest(rule: Rule, value: str) -> str:
    return hashlib.sha256(f"{rule.name}\0{value}".encode()).hexdigest()


def _wait(bucket: ThrottleBucket | None, now: datetime) -> int | None:
    if bucket is None or bucket.blocked_until is None or bucket.blocked_until <= now:
        return None
    return max(1, math.ceil((bucket.blocked_until - now).total_seconds()))


def _refusal(
    found: Iterable[tuple[Rule, ThrottleBucket | None]], now: datetime
) -> Throttled | None:
    waits = [(wait, rule) for rule, b in found if (wait := _wait(b, now)) is not None]
    if not waits:
        return None
    wait, rule = max(waits, key=lambda w: w[0])
    return Throttled(wait, rule.name)


def _locked(session: Session, rule: Rule, value: str, now: datetime) -> ThrottleBucket:
    """The bucket of a key, locked for this transaction (created when missing)."""
    key = _digest(rule, value)
    bucket = session.get(ThrottleBucket, key, with_for_update=True)
    if bucket is None:
        bucket = ThrottleBucket(
            key=key,
            rule=rule.name,
            failures=0,
            window_started_at=now,
            blocked_until=None,
            expires_at=now + rule.window,
        )
        try:
            with session.begin_nested():
                session.add(bucket)
        except IntegrityError:  # another process made it at the same moment
            bucket = session.get(ThrottleBucket, key, with_for_update=True, populate_existing=True)
            assert bucket is not None
    if bucket.blocked_until is not None:
        if bucket.blocked_until <= now:  # the lockout is over: start afresh
            bucket.failures, bucket.window_started_at, bucket.blocked_until = 0, now, None
    elif bucket.window_started_at + rule.window <= now:  # a new window
        bucket.failures, bucket.window_started_at = 0, now
    return bucket


def _count(bucket: ThrottleBucket, rule: Rule, now: datetime, step: int) -> None:
    bucket.failures = max(0, bucket.failures + step)
    if bucket.failures >= rule.limit:
        if bucket.blocked_until is None or bucket.blocked_until <= now:
            bucket.blocked_until = now + rule.lockout
    elif step < 0:
        bucket.blocked_until = None
    ends = [bucket.window_started_at + rule.window]
    if bucket.blocked_until is not None:
        ends.append(bucket.blocked_until)
    bucket.expires_at = max(ends)


def _sweep(session: Session, now: datetime) -> None:
    # Now and then (about one write in 50), forget buckets whose window and lockout are over.
    if random.random() < 0.02:  # noqa: S311 - not a secret, only how often to clean up
        session.execute(delete(ThrottleBucket).where(ThrottleBucket.expires_at < now))


def check(instance: Instance, keys: Iterable[Key]) -> None:
    """Raise :class:`Throttled` when any of ``keys`` is blocked; read only."""
    keys = list(keys)
    now = instance.now()
    with read_transaction(instance.sessions) as session:
        digests = {_digest(rule, value): rule for rule, value in keys}
        rows = session.scalars(select(ThrottleBucket).where(ThrottleBucket.key.in_(digests)))
        refusal = _refusal(((digests[r.key], r) for r in rows), now)
    if refusal is not None:
        raise refusal


def failed(instance: Instance, keys: Iterable[Key]) -> None:
    """Count a failed attempt against each of ``keys``."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        for rule, value in sorted(keys, key=lambda k: _digest(*k)):  # one lock order
            _count(_locked(session, rule, value, now), rule, now, +1)
        _sweep(session, now)


def reserve(instance: Instance, keys: Iterable[Key]) -> None:
    """Count an attempt as failed before it is made, or raise :class:`Throttled` (counting
    nothing) when any key is blocked. Give it back with :func:`succeeded`."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        found = [
            (rule, _locked(session, rule, value, now))
            for rule, value in sorted(keys, key=lambda k: _digest(*k))
        ]
        refusal = _refusal(found, now)
        if refusal is None:
            for rule, bucket in found:
                _count(bucket, rule, now, +1)
            _sweep(session, now)
    if refusal is not None:
        raise refusal


def succeeded(
    instance: Instance, *, forget: Iterable[Key] = (), give_back: Iterable[Key] = ()
) -> None:
    """A reserved attempt was right: ``forget`` clears its keys (the account's failures),
    ``give_back`` takes back the one attempt (the address's count, which a right password
    must not reset, or one known account would wipe the address's record)."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        for rule, value in forget:
            session.execute(
                delete(ThrottleBucket).where(ThrottleBucket.key == _digest(rule, value))
            )
        for rule, value in sorted(give_back, key=lambda k: _digest(*k)):
            _count(_locked(session, rule, value, now), rule, now, -1)
