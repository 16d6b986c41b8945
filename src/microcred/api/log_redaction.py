"""No secret in a log line: share tokens in paths, secrets in query strings, credentials in
headers and API tokens are replaced by ``[redacted]`` in every line the server writes.

``RedactSecrets`` is a logging filter. ``log_config()`` is uvicorn's logging configuration
with the filter on every handler and the application's (and every library's) loggers routed
through a filtered handler; ``microcred serve`` runs uvicorn with it. ``install()`` adds the
filter to the handlers already configured when the app is built under another server (for
example ``uvicorn --factory microcred.api.app:app_from_env`` with its own logging).
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

REDACTED = "[redacted]"
ACCESS_LOGGER = "uvicorn.access"

# A path segment after /s/ (share links), and the same URL-encoded (a share URL in a query).
_TOKEN_PATHS = re.compile(r"(/(?:s|claim|offer|invite)/)[^\s/?#&\"'<>]+")
_ENCODED_TOKEN_PATHS = re.compile(r"(%2F(?:s|claim|offer|invite)%2F)[^\s/?#&\"'<>%]+", re.I)
# A query or form parameter whose name says it carries a secret: its value.
_SECRET_NAMES = (
    "token|code|password|passwd|pwd|secret|key|nonce|state|pin|share|session|auth|signature"  # noqa: S105
    "|jwt|otp|csrf"
)
_SECRET_PARAMS = re.compile(
    rf"((?:^|[?&;\s\"'{{,])[\w.\-\[\]]*(?:{_SECRET_NAMES})[\w.\-\[\]]*=)[^&;\s#\"'<>}},]*",
    re.I,
)
# A header that carries a credential, as ``Name: value`` or ``'name': 'value'``.
_SECRET_HEADERS = re.compile(
    r"((?:proxy-)?authorization|set-cookie|cookie|x-csrf-token|x-api-key)"
    r"([\"']?\s*[:=]\s*[\"']?)[^\r\n\"';,]+",
    re.I,
)
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/\-]+=*", re.I)
# The instance's own API and wallet tokens, wherever they appear.
_API_TOKENS = re.compile(r"\bmcw?_[A-Za-z0-9_\-]{16,}")


def redact(text: str) -> str:
    """``text`` with every secret it carries replaced by ``[redacted]``."""
    if not text:
        return text
    text = _TOKEN_PATHS.sub(rf"\1{REDACTED}", text)
    text = _ENCODED_TOKEN_PATHS.sub(rf"\1{REDACTED}", text)
    text = _SECRET_HEADERS.sub(rf"\1\2{REDACTED}", text)
    text = _BEARER.sub(rf"\1 {REDACTED}", text)
    text = _API_TOKENS.sub(REDACTED, text)
    return _SECRET_PARAMS.sub(rf"\1{REDACTED}", text)


def _redact_arg(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value  # numbers keep their type: "%d" still formats them
    text = str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


class RedactSecrets(logging.Filter):
    """Rewrites a record so that no secret is in the line its handler writes: the message
    (formatted with its arguments, so that a secret split between the two is caught), the
    traceback and the stack. uvicorn's access records keep their arguments (its formatter
    reads them as a tuple; the request line is one of them). Redacting twice changes
    nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == ACCESS_LOGGER and isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        else:
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a broken record: logging reports it itself
                message = None
            if message is not None:
                cleaned = redact(message)
                if cleaned != message:
                    record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


FILTER_NAME = "microcred_redact_secrets"


def log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's own logging configuration, every handler filtered; the application's
    loggers (``microcred.*``) at ``level`` and every other library's warnings go through a
    filtered handler too (never to logging's unfiltered last-resort handler)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {FILTER_NAME: {"()": f"{__name__}.RedactSecrets"}}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append(FILTER_NAME)
    config["loggers"]["microcred"] = {"level": level}
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config


_LOGGERS = ("", "uvicorn", "uvicorn.error", ACCESS_LOGGER, "microcred")


def install() -> None:
    """Add the filter to every handler of the server's and the application's loggers that is
    already configured (once each)."""
    for name in _LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                handler.addFilter(RedactSecrets())
