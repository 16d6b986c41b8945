"""The one mapping of domain errors to HTTP statuses, for both HTTP adapters: the API's error
answers (``api/errors.py``) and the web pages that show a domain error (``web/``).

It sits beside the adapters, not in either, so the web pages use the same table without
importing the API (which mounts the web pages) and without a table of their own.
"""

from __future__ import annotations

from microcred import errors
from microcred.model.validation import SpecificationError
from microcred.services.holders import HolderError
from microcred.services.issuing import IssuingError
from microcred.services.wallet import WalletImportError

__all__ = ["status_for"]


def status_for(exc: errors.MicrocredError) -> tuple[int, str]:
    """The HTTP status and error code of a domain error: the one mapping, by meaning first.

    Invalid input and conflicts keep the status each API gave them before the domain errors
    had a common root: 422 on the wallet (holder) routes, 400 on the organisation routes.
    """
    if isinstance(exc, errors.NotFound):
        return 404, "not_found"
    if isinstance(exc, errors.TooManyAttempts):
        return 429, "too_many_attempts"
    if isinstance(exc, errors.Unavailable):
        return 503, "unavailable"
    if isinstance(exc, SpecificationError):
        return 422, "validation_error"
    if isinstance(exc, WalletImportError):
        # bytes that hold no credential cannot be read (400); an address that gives none is
        # a field of the request that cannot be used (422)
        return (422, "import_failed") if exc.field == "url" else (400, "not_a_credential")
    if isinstance(exc, HolderError):
        return 422, "validation_error"
    if isinstance(exc, IssuingError):
        return 400, "issuing_error"
    return 400, "bad_request"
