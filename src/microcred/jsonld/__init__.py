"""JSON-LD layer: bundled contexts, offline document loader, RDFC-1.0 canonicalization."""

from __future__ import annotations

from microcred.jsonld.contexts import (
    BUNDLED_CONTEXT_URLS,
    MICROCRED_CONTEXT_V1,
    export_contexts,
    load_context,
)
from microcred.jsonld.errors import (
    DocumentTooComplexError,
    JsonLdError,
    UndefinedTermError,
    UnknownContextError,
)

__all__ = [
    "BUNDLED_CONTEXT_URLS",
    "MICROCRED_CONTEXT_V1",
    "DocumentTooComplexError",
    "JsonLdError",
    "UndefinedTermError",
    "UnknownContextError",
    "export_contexts",
    "load_context",
]
