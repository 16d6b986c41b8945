"""RDF literals as pyld writes them (``_object_to_rdf`` followed by ``to_nquad``).

pyld internals used here (pinned minor range; the differential tests are the upgrade
gate): ``jsonld._canonicalize_double`` and ``nquads.escape``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from pyld import jsonld as _pyld
from pyld.nquads import escape

from microcred.jsonld.fast_rdf.context import Fallback

__all__ = [
    "RDF_JSON",
    "SIMPLE_LANGUAGE",
    "UNSAFE_TEXT",
    "escape",
    "literal_term",
]

_XSD: Final = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING: Final = _XSD + "string"
_XSD_BOOLEAN: Final = _XSD + "boolean"
_XSD_INTEGER: Final = _XSD + "integer"
_XSD_DOUBLE: Final = _XSD + "double"
_RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_LANGSTRING: Final = _RDF + "langString"
RDF_JSON: Final = _RDF + "JSON"

_canonicalize_double: Callable[[float], str] = _pyld._canonicalize_double

# Terms that the canonical N-Quads serialisation (RDF 1.2, as pyoxigraph and rdf-canonize
# write it) could write differently from pyld's escaping here: control characters other
# than the ones both escape alike (\t \n \r), and language tags that are not plain
# lowercase subtags. Ill-formed IRIs and language tags never get this far (see
# microcred.jsonld.terms): the walk leaves them to the general path, which rejects them.
UNSAFE_TEXT: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SIMPLE_LANGUAGE: Final = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*")


def literal_term(value: Any, datatype: str | None, language: str | None) -> str:
    """The N-Quads object pyld writes for ``{"@value", "@type", "@language"}``."""
    kind = type(value)
    if kind is str:
        if datatype == _XSD_DOUBLE:
            try:
                text = _canonicalize_double(float(value))
            except (ValueError, TypeError):
                text = value
            return f'"{escape(text)}"^^<{_XSD_DOUBLE}>'
        text = value
        if language is not None:
            datatype = datatype or _RDF_LANGSTRING
        else:
            datatype = datatype or _XSD_STRING
    elif kind is bool:
        text = "true" if value else "false"
        datatype = datatype or _XSD_BOOLEAN
    elif kind is int or kind is float:
        try:
            if kind is float and not value.is_integer():  # includes inf and nan
                text = _canonicalize_double(value)
                datatype = datatype or _XSD_DOUBLE
            elif datatype == _XSD_DOUBLE:
                text = _canonicalize_double(float(value))
            elif abs(value) >= 1e21:
                text = _canonicalize_double(value)
                datatype = datatype or _XSD_DOUBLE
            else:
                text = str(int(value))
                datatype = datatype or _XSD_INTEGER
        except OverflowError as cause:  # pyld fails too
            raise Fallback from cause
    else:
        raise Fallback
    if datatype == _RDF_LANGSTRING:
        return f'"{escape(text)}"@{language}' if language else f'"{escape(text)}"'
    if datatype == _XSD_STRING:
        return f'"{escape(text)}"'
    return f'"{escape(text)}"^^<{datatype}>'
