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


class InvalidTermError(JsonLdError):
    """An IRI or a language tag of the document is not well formed.

    Such a term could otherwise reach the N-Quads text unescaped and change what the
    canonical form says (a quad hidden from the JSON inside a language-map key, say), so it
    is an error in both canonicalization paths, never dropped or parsed leniently.
    """

    def __init__(self, kind: str, value: str, path: str | None = None) -> None:
        self.kind = kind
        self.value = value
        self.path = path
        shown = value if len(value) <= 60 else value[:57] + "..."
        where = f" at {path}" if path else ""
        if kind == "language tag":
            fix = "use a well-formed BCP 47 (RFC 5646) tag such as 'en' or 'lv-LV'"
        else:
            fix = (
                "use a well-formed absolute IRI (RFC 3987): percent-encode spaces and the "
                'characters < > " { } | ^ ` \\'
            )
        super().__init__(f"the {kind} {shown!r}{where} is not well formed: {fix}")

    def at(self, path: str | None) -> InvalidTermError:
        """The same error, naming where in the JSON the term stands."""
        return InvalidTermError(self.kind, self.value, path)
