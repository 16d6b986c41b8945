from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from microcred.model import parse_award
from microcred.model.files import load_data
from microcred.proofs.keys import Ed25519KeyPair

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def key() -> Ed25519KeyPair:
    return Ed25519KeyPair.generate()


def make_award(spec_name: str = "university-data-analysis.yaml", **extra):
    spec = load_data(ROOT / "examples" / "specs" / spec_name)
    return parse_award(
        {
            "spec": spec,
            "learner": {"name": "Anna Bērziņa", "identifier": "anna@example.lv"},
            "issued_on": "2026-06-30",
            **extra,
        }
    )
