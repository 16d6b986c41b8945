from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from microcred.jsonld.canonical import canonicalize
from microcred.jsonld.loader import make_loader

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / ".." / "shared" / "vectors"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
_examples = json.loads(
    (REPO / "tests" / "fixtures" / "contexts" / "credentials-examples-v2.jsonld").read_text()
)
LOADER = make_loader({EXAMPLES_V2: _examples})
canon = functools.partial(canonicalize, loader=LOADER)


def load_vector(relative: str) -> Any:
    path = VECTORS / relative
    if not path.exists():
        pytest.fail(f"shared vector {relative} not present: the repository must sit beside shared/")
    return json.loads(path.read_text(encoding="utf-8"))


def read_text(relative: str) -> str:
    path = VECTORS / relative
    if not path.exists():
        pytest.fail(f"shared vector {relative} not present: the repository must sit beside shared/")
    return path.read_text(encoding="utf-8")
