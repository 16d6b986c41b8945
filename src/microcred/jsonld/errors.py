"""Errors raised by the JSON-LD layer."""

from __future__ import annotations


class JsonLdError(Exception):
    """Base class for every JSON-LD processing error raised by microcred."""


class UnknownContextError(JsonLdError):
    """A document referenced a context URL that is not bundled (nothing was fetched)."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"unknown JSON-LD context {url!r}: it is not bundled and nothing was fetched "
            "(the document loader is offline and fail-closed)"
        )


class UndefinedTermError(JsonLdError):
    """A property or type term did not expand to an absolute IRI (safe mode)."""

    def __init__(self, term: str, kind: str = "property") -> None:
        self.term = term
        self.kind = kind
        super().__init__(
            f"undefined JSON-LD {kind} term {term!r}: it does not expand to an absolute IRI "
            "with the document's contexts"
        )


class DocumentTooComplexError(JsonLdError):
    """The input is nested too deeply (or too large) to be processed safely."""
