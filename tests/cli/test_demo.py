from __future__ import annotations

import json

from typer.testing import CliRunner

from microcred.cli.main import app


def test_demo_json_summary(tmp_path):
    result = CliRunner().invoke(
        app, ["demo", "--home", str(tmp_path / "d"), "--no-serve", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["specs_valid"] == len(summary["specs"]) >= 4
    assert summary["verification"] == {"issued": "valid", "tampered": "invalid"}
    assert (tmp_path / "d" / "credentials" / "anna-berzina.json").is_file()
