"""Untrusted input parsing lives in `microcred.formats.inputs` (the importers use it too)."""

from microcred.formats.inputs import (
    MAX_DEPTH,
    MAX_INPUT_BYTES,
    InputError,
    ParsedInput,
    depth_exceeds,
    parse_input,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "InputError",
    "ParsedInput",
    "depth_exceeds",
    "parse_input",
]
