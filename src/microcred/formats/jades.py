"""JAdES-sealed Europass Digital Credentials (EDC): the credential inside the seal.

EDC seals an ELM credential with a JAdES baseline-LTA signature in the JWS JSON
serialisation with an unencoded payload (`b64: false`, RFC 7797). This module only reads
the credential out of the seal. The seal's signature check is `microcred.proofs.jades`
(`check_seal`, which raises), and what it means for a verification (the proof, issuer and
trust checks) is the JAdES envelope in `microcred.verify.envelopes`, like every other
format. Creating a qualified electronic seal is outside what this project does.
"""

from __future__ import annotations

import json
from typing import Any

from microcred.proofs.jades import SealRejected, seal_header

__all__ = ["JadesError", "read_sealed"]


class JadesError(ValueError):
    """The document is not a JAdES JWS JSON serialisation this module can read."""


def read_sealed(doc: dict[str, Any]) -> dict[str, Any]:
    """The credential inside a JAdES-sealed document (not yet checked: see `check_seal`).

    Raises `JadesError` when there is no JSON credential to return.
    """
    try:
        seal_header(doc)
    except SealRejected as exc:
        raise JadesError(exc.reason) from None
    try:
        payload = json.loads(doc["payload"])
    except ValueError as cause:
        raise JadesError("the payload is not JSON") from cause
    if not isinstance(payload, dict):
        raise JadesError("the payload is not a JSON object")
    return payload
