"""The one parser of untrusted input: a JSON object or a compact JWT, in bounded time and memory.

The verifier, the wallet's importer (`formats.importing`, which adds baked images) and every
adapter read credentials through `parse_input`. A new serialisation (e.g. SD-JWT's
``~``-separated form) is a new `InputKind` here and a new envelope in `verify/`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

MAX_INPUT_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64

_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


class InputError(ValueError):
    """The input is not a credential at all; the message says why, in one line."""


InputKind = Literal["json", "jwt"]


@dataclass(frozen=True)
class ParsedInput:
    document: dict[str, Any] | None
    jwt: str | None = None

    @property
    def kind(self) -> InputKind:
        """What the input is: a JSON object, or a compact JWS/JWT."""
        return "jwt" if self.jwt is not None else "json"


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Iterative depth check: no recursion, so hostile nesting cannot exhaust the stack."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def parse_input(raw: bytes | str | dict[str, Any]) -> ParsedInput:
    if isinstance(raw, dict):
        if depth_exceeds(raw):
            raise InputError(f"the document is nested more than {MAX_DEPTH} levels deep")
        return ParsedInput(document=raw)
    if isinstance(raw, bytes):
        if len(raw) > MAX_INPUT_BYTES:
            raise InputError(
                f"the input is {len(raw) / 1_048_576:.1f} MB; credentials are limited to "
                f"{MAX_INPUT_BYTES // 1_048_576} MB"
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(
                "the input is not UTF-8 text (a credential is JSON or a JWT)"
            ) from None
    else:
        text = raw
        if len(text) > MAX_INPUT_BYTES:
            raise InputError(
                f"the input is {len(text) / 1_048_576:.1f} MB; credentials are limited to "
                f"{MAX_INPUT_BYTES // 1_048_576} MB"
            )
    stripped = text.strip()
    if not stripped:
        raise InputError("the input is empty")
    if _JWT.match(stripped):
        return ParsedInput(document=None, jwt=stripped)
    if stripped[0] not in "{[":
        raise InputError("the input is neither JSON nor a JWT")
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"the input is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise InputError(f"the document is nested more than {MAX_DEPTH} levels deep") from None
    if not isinstance(value, dict):
        raise InputError(f"a credential is a JSON object, not a JSON {type(value).__name__}")
    if depth_exceeds(value):
        raise InputError(f"the document is nested more than {MAX_DEPTH} levels deep")
    return ParsedInput(document=value)
