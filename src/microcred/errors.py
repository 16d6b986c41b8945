"""The domain errors, by meaning: what went wrong, never how an adapter shows it.

::

    MicrocredError(message, field)      every refusal by the services (and the model)
    ├── NotFound                        no such object (or one of another organisation/holder)
    ├── Conflict                        the request clashes with the current state
    ├── InvalidInput                    a value is not acceptable; ``field`` names it
    ├── Forbidden                       the caller may not do this
    ├── TooManyAttempts                 refused for ``retry_after`` seconds (the throttle)
    └── Unavailable                     a dependency is not there (a queue, a worker)

Each service keeps its own names for the errors it raises (``organisations.NotFound``,
``holders.HolderNotFound``, ``recognition.RecognitionError`` ...): they subclass one of these
by meaning (and their service's own base, so that a caller can still catch "anything the
wallet refused"). The adapters map these classes once each: HTTP status and code in
``microcred.api.errors``, CLI exit code (and a hint naming the command's own option for
``field``) in ``microcred.cli.common.handles_errors``. A message names no CLI flag, no API
field syntax and no command: the adapter adds its own hint.

This module imports nothing: every layer may use it.
"""

from __future__ import annotations

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "MicrocredError",
    "NotFound",
    "TooManyAttempts",
    "Unavailable",
]


class MicrocredError(Exception):
    """A request the domain refuses; ``field`` is the input at fault, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def message(self) -> str:
        return str(self)


class NotFound(MicrocredError):
    """No such object (an object of another organisation or holder is not found either)."""


class Conflict(MicrocredError):
    """The request clashes with the current state (a name taken, a decision already made)."""


class InvalidInput(MicrocredError):
    """A value is not acceptable; ``field`` names it."""


class Forbidden(MicrocredError):
    """The caller may not do this (another organisation's application, a wrong password)."""


class TooManyAttempts(MicrocredError):
    """Too many failed attempts: refused until ``retry_after`` seconds have passed."""

    def __init__(self, message: str, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field)
        self.retry_after = retry_after


class Unavailable(MicrocredError):
    """Something the request needs is not there now (a job queue, a worker); try later."""
