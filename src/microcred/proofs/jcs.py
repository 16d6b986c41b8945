"""JSON Canonicalization Scheme (RFC 8785) for the Data Integrity ``-jcs-`` cryptosuites.

``eddsa-jcs-2022`` (vc-di-eddsa 3.3) and ``ecdsa-jcs-2019`` (vc-di-ecdsa 3.3, P-256 with
SHA-256) differ from their RDFC siblings only in the transformation: the document and the
proof configuration are serialized with JCS instead of being canonicalized as RDF; hashing
(SHA-256 of each, proof configuration first), signing and ``proofValue`` are the same. So
:func:`canonicalize_jcs` is a ``dict -> str`` canonicalizer that
:mod:`microcred.proofs.dataintegrity` uses for those suites.

The serialization is the ``rfc8785`` package (Trail of Bits, a pure-Python implementation
tested against the RFC's vectors) rather than code of our own: number serialization (the
ECMAScript rules of RFC 8785 section 3.2.2.3) is where hand-written versions go wrong.
"""

from __future__ import annotations

from typing import Any, Final

import rfc8785

from microcred.proofs.errors import MalformedProof

__all__ = ["JCS_SUITES", "canonicalize_jcs"]

JCS_SUITES: Final = frozenset({"eddsa-jcs-2022", "ecdsa-jcs-2019"})


def canonicalize_jcs(document: dict[str, Any]) -> str:
    """The RFC 8785 serialization of ``document`` (as text; its UTF-8 bytes are what is hashed).

    Raises :class:`MalformedProof` for what JCS cannot represent: a number outside the
    IEEE 754 double range that JSON interoperability needs (RFC 8785 section 3.2.2.3), a
    NaN or infinity, a non-string key."""
    try:
        return rfc8785.dumps(document).decode("utf-8")
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise MalformedProof(
            "document", f"cannot be serialized with JCS (RFC 8785): {exc}"
        ) from None
