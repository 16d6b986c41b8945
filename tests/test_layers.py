"""The pure core imports no web, database or CLI framework (DESIGN.md practice 1)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "microcred"
PURE = ["model", "jsonld", "proofs", "formats"]
FORBIDDEN = {"httpx", "sqlalchemy", "fastapi", "typer", "rich", "starlette", "requests"}
ORDER = ["model", "jsonld", "proofs", "formats", "verify", "services", "cli"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_pure_core_imports_no_framework():
    for package in PURE:
        for path in (SRC / package).rglob("*.py"):
            bad = {n for n in _imports(path) if n.split(".")[0] in FORBIDDEN}
            assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_verify_pipeline_imports_no_network_client_except_the_opt_in_fetcher():
    for path in (SRC / "verify").rglob("*.py"):
        if path.name == "http_fetch.py":
            continue
        bad = {n for n in _imports(path) if n.split(".")[0] in FORBIDDEN}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_layers_only_import_downwards():
    for package in ORDER:
        allowed_above = set(ORDER[ORDER.index(package) + 1 :])
        for path in (SRC / package).rglob("*.py"):
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] == "microcred" and len(parts) > 1 and parts[1] in allowed_above:
                    raise AssertionError(
                        f"{path.relative_to(SRC)} imports {name} from a layer above"
                    )


def test_public_facade_all_is_complete_and_importable():
    import microcred

    assert microcred.__version__ == "0.1.0"
    assert sorted(microcred.__all__) == sorted(set(microcred.__all__))
    for name in microcred.__all__:
        assert getattr(microcred, name) is not None, name
    assert {"verify_credential", "issue_award", "Specification", "Award"} <= set(microcred.__all__)


def test_adapters_import_nothing_from_the_store():
    """web, api and cli call services; the store is the services' (issue 13, point 6)."""
    for package in ("web", "api", "cli"):
        for path in (SRC / package).rglob("*.py"):
            bad = {
                n
                for n in _imports(path)
                if n == "microcred.store" or n.startswith("microcred.store.")
            }
            assert not bad, f"{path.relative_to(SRC)} imports {bad}"
