from __future__ import annotations

from pathlib import Path

import pytest

from microcred.services import organisations, specifications
from microcred.services.instance import Instance
from microcred.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "specs"


def make_instance(tmp_path: Path, database_url: str) -> Instance:
    return Instance(
        Settings(
            home=tmp_path / "home",
            database_url=database_url,
            secret_key="test-secret",
            base_url="https://issuer.example",
        )
    )


@pytest.fixture()
def instance(tmp_path, database_url):
    inst = make_instance(tmp_path, database_url)
    yield inst
    inst.close()


@pytest.fixture()
def org(instance):
    return organisations.create(
        instance, name="Rīgas Tehniskā koledža", country="LV", url="https://rtk.example.lv"
    )


@pytest.fixture()
def spec(instance, org):
    from microcred.model.files import load_data

    return specifications.publish(
        instance, org.slug, load_data(EXAMPLES / "university-data-analysis.yaml")
    )
