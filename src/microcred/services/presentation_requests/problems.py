"""The refusals of the presentation request service."""

from __future__ import annotations

from microcred import errors


class PresentationRequestError(errors.MicrocredError):
    """A presentation request the service refuses."""


class NotFound(PresentationRequestError, errors.NotFound):
    pass


class Invalid(PresentationRequestError, errors.InvalidInput):
    pass


class ProtocolError(PresentationRequestError, errors.InvalidInput):
    """A wallet-facing refusal: ``error`` is the OpenID4VP / OAuth error code to answer."""

    def __init__(self, error: str, message: str, status: int = 400) -> None:
        super().__init__(message, field=None)
        self.error = error
        self.status = status
