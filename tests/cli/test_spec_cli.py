from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from microcred.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_version_and_help():
    assert run("--version").stdout.startswith("microcred ")
    result = run("--help")
    assert result.exit_code == 0 and "spec" in result.stdout


def test_validate_examples_exit_zero():
    files = [str(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    result = run("spec", "validate", *files)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("valid") == len(files)


def _variant(tmp_path: Path, name: str, change) -> Path:
    data = yaml.safe_load((EXAMPLES / "university-data-analysis.yaml").read_text())
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_missing_workload_exits_one_and_names_it(tmp_path):
    path = _variant(tmp_path, "no-workload.yaml", lambda d: d.pop("workload"))
    result = run("spec", "validate", str(path))
    assert result.exit_code == 1
    assert "workload" in result.stdout


def test_json_report_shape(tmp_path):
    bad = _variant(
        tmp_path,
        "bad.yaml",
        lambda d: (d.__setitem__("eqf_level", 9), d["awarding_body"].__setitem__("country", "XX")),
    )
    good = EXAMPLES / "lv-vocational-welding.yaml"
    result = run("spec", "validate", "--json", str(good), str(bad))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report[0] == {"file": str(good), "valid": True, "errors": []}
    assert report[1]["valid"] is False
    assert {e["path"] for e in report[1]["errors"]} == {"eqf_level", "awarding_body.country"}
    assert all(set(e) == {"path", "message"} for e in report[1]["errors"])


def test_json_spec_files_are_accepted(tmp_path):
    data = yaml.safe_load((EXAMPLES / "lv-vocational-welding.yaml").read_text())
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    assert run("spec", "validate", str(path)).exit_code == 0


def test_unreadable_files_exit_two_with_one_line(tmp_path):
    not_yaml = tmp_path / "notes.yaml"
    not_yaml.write_text("key: [1, 2\n  other: }\n")
    for target in (str(not_yaml), str(tmp_path / "missing.yaml")):
        result = run("spec", "validate", target)
        assert result.exit_code == 2, result.output
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:")
        assert "Traceback" not in result.output


def test_new_template_is_valid_and_commented(tmp_path):
    out = tmp_path / "mine.yaml"
    assert run("spec", "new", "--out", str(out)).exit_code == 0
    text = out.read_text()
    assert "MANDATORY" in text and "quality_assurance" in text
    assert run("spec", "validate", str(out)).exit_code == 0
    assert run("spec", "new", "--out", str(out)).exit_code == 2  # refuses to overwrite
