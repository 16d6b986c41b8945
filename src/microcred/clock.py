"""The clock: the one place microcred reads the time of day.

Services never read the clock themselves (``tests/test_layers.py`` fails if they do): they
ask the :class:`~microcred.services.instance.Instance` they are given (``instance.now()``)
or take ``now=`` from their caller. The adapters (CLI, API, web, jobs) build the instance,
so they decide which clock it has: the system's in production, a fixed one in a test
that checks an expiry, a replay or a "valid until".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""A function giving the current time, timezone-aware (UTC)."""


def system_clock() -> datetime:
    """The system's time, in UTC (a module-level function, so a worker process can get it
    by pickling)."""
    return datetime.now(UTC)


class FixedClock:
    """A clock that stays at one moment until it is moved: for tests and replays.

    A class rather than a closure so a process pool can pickle it to its workers."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware moment (e.g. tzinfo=UTC)")
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        """Move the clock forward by ``timedelta(**delta)`` (``days=8``, ``minutes=5``...)."""
        self.at = self.at + timedelta(**delta)
