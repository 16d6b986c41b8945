from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from microcred.jsonld.loader import OfflineDocumentLoader, make_loader

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared"
VECTORS = SHARED / "vectors"
FIXTURE_CONTEXTS = REPO / "tests" / "fixtures" / "contexts"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


def examples_loader() -> OfflineDocumentLoader:
    doc = json.loads((FIXTURE_CONTEXTS / "credentials-examples-v2.jsonld").read_text())
    return make_loader({EXAMPLES_V2: doc})


def load_vector(relative: str) -> dict[str, Any]:
    path = VECTORS / relative
    if not path.exists():
        pytest.fail(f"shared vector {relative} not present: the repository must sit beside shared/")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def test_loader() -> OfflineDocumentLoader:
    return examples_loader()
