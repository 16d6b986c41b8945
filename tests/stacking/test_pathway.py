"""Pathway files: the examples are valid, and problems come with a path and a fix."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from microcred.model.files import load_data
from microcred.model.validation import validate_specification
from microcred.stacking import PathwayError, parse_pathway, validate_pathway

ROOT = Path(__file__).resolve().parents[2]
PATHWAYS = ROOT / "examples" / "pathways"


@pytest.mark.parametrize("path", sorted(PATHWAYS.glob("*.yaml")), ids=lambda p: p.name)
def test_example_pathways_are_valid(path):
    assert validate_pathway(load_data(path)) == []


@pytest.mark.parametrize(
    "path", sorted((PATHWAYS / "components").glob("*.yaml")), ids=lambda p: p.name
)
def test_example_component_specifications_are_valid(path):
    assert validate_specification(load_data(path)) == []


def test_vocational_pathway_is_bilingual_any_three_of_five_at_eqf_4():
    pathway = parse_pathway(load_data(PATHWAYS / "vocational-metalwork.yaml"))
    assert set(pathway.title) == {"lv", "en"} and pathway.languages == ("lv", "en")
    choose = pathway.rule("modules").choose
    assert choose is not None and (choose.at_least, len(choose.of)) == (3, 5)
    assert pathway.accept.min_eqf_level == 4 and pathway.target.achievement_type == "Certificate"


def test_problems_have_paths_and_fixes():
    data = load_data(PATHWAYS / "data-analysis.yaml")
    data["rules"][1]["choose"]["at_least"] = 9
    data["rules"].append({"id": "core", "total": {"ects": 1}, "cover": {"outcomes": ["x"]}})
    data["accept"]["assessment_types"] = ["oral"]
    del data["target"]["assessment"]
    data["target"]["worklaod"] = {}
    with pytest.raises(PathwayError) as caught:
        parse_pathway(data)
    problems = {p.path: p.message for p in caught.value.problems}
    assert "only 3 credentials are listed" in problems["rules[1].choose"]
    assert "exactly one of" in problems["rules[4]"]
    assert "use one of: written_examination" in problems["accept.assessment_types[0]"]
    assert problems["target.assessment"].startswith("is required: add the type of assessment")
    assert "did you mean 'workload'" in problems["target.worklaod"]
    assert parse_pathway.__module__ == "microcred.stacking.pathway"
    assert validate_pathway([])[0].path == "(document)"


def test_stacking_is_pure():
    forbidden = {"sqlalchemy", "httpx", "fastapi", "typer", "rich", "starlette", "requests"}
    for path in (ROOT / "src" / "microcred" / "stacking").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"
                assert not name.startswith(("microcred.services", "microcred.cli")), name
