"""The certification authorities outbound TLS trusts: the public bundle httpx uses, plus the
operator's own PEM files (MICROCRED_OUTBOUND_CA_FILES), for an issuer on a private or test CA
(what NODE_EXTRA_CA_CERTS does for Node). Used by every outbound request of the wallet and the
verifier (offers, metadata, tokens, credentials, documents, status list tokens)."""

from __future__ import annotations

import functools
import ssl

from microcred.settings import Settings
from microcred.verify.http_fetch import Network


@functools.cache
def extra_ca_context(cafiles: tuple[str, ...]) -> ssl.SSLContext:
    """The public CA bundle (as http_fetch.default_ssl_context) plus `cafiles`; made once per
    process and set of files (loading a bundle takes some 70 ms), never changed after, so
    shared safely. ValueError names a file that is not readable PEM certificates."""
    try:
        import certifi

        context = ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        context = ssl.create_default_context()
    for path in cafiles:
        try:
            context.load_verify_locations(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
            raise ValueError(
                f"{path}: not a readable file of PEM certificates ({reason})"
            ) from None
    return context


def network_for(settings: Settings) -> Network | None:
    """A Network trusting the operator's extra CA files too; None without any (the defaults).
    ValueError (naming MICROCRED_OUTBOUND_CA_FILES) for a bad file."""
    if not settings.outbound_ca_files:
        return None
    try:
        context = extra_ca_context(tuple(str(f) for f in settings.outbound_ca_files))
    except ValueError as exc:
        raise ValueError(f"MICROCRED_OUTBOUND_CA_FILES: {exc}") from None
    return Network(ssl_context=lambda: context)


__all__ = ["extra_ca_context", "network_for"]
