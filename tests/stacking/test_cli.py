"""`microcred pathway ...` and `microcred recognition ...` on a fresh home."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from microcred.cli.demo_recognition import run_demo_step
from microcred.cli.main import app
from microcred.services.instance import Instance
from microcred.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
PATHWAYS = ROOT / "examples" / "pathways"


def test_cli_publish_evaluate_apply_decide_verify(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MICROCRED_HOME", str(home))
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "cli-test-secret")
    instance = Instance(load_settings())
    summary = run_demo_step(instance, tmp_path, "anna")  # orgs, wallet, pathway
    instance.close()
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output

    listed = json.loads(run("pathway", "list", "--json"))
    assert listed[0]["pathway_key"] == "https://recognition.example.lv/pathways/data-analysis"
    again = json.loads(
        run(
            "pathway",
            "publish",
            str(PATHWAYS / "data-analysis.yaml"),
            "--org",
            "demo-recognition-authority",
            "--json",
        )
    )
    assert again["created"] is False
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: urn:x\ntitle: {en: X}\nrules: []\n", encoding="utf-8")
    out = run("pathway", "publish", str(bad), "--org", "demo-recognition-authority", code=1)
    assert "target" in out and "rules" in out
    table = run("pathway", "evaluate", again["id"], "--holder", "anna")
    assert "satisfied" in table and "Core courses" in table
    evaluated = json.loads(run("pathway", "evaluate", again["id"], "--holder", "anna", "--json"))
    assert evaluated["evaluation"]["satisfied"] is True
    application = json.loads(run("recognition", "apply", again["id"], "--holder", "anna", "--json"))
    refused = run(
        "recognition",
        "decide",
        application["id"],
        "--org",
        "demo-recognition-authority",
        "--outcome",
        "maybe",
        "--reason",
        "x",
        code=2,
    )
    assert "outcome" in refused
    stacked_file = tmp_path / "stacked.json"
    decided = run(
        "recognition",
        "decide",
        application["id"],
        "--org",
        "demo-recognition-authority",
        "--outcome",
        "recognised",
        "--reason",
        "All rules met.",
        "--out",
        str(stacked_file),
    )
    assert "Stacked credential urn:uuid:" in decided
    vp = tmp_path / "credentials" / "stacked-components-vp.json"
    report = json.loads(
        run("recognition", "verify", str(stacked_file), "--bundle", str(vp), "--json")
    )
    assert report["valid"] and len(report["components"]) == 4
    human = run("recognition", "verify", str(stacked_file), "--bundle", str(vp))
    assert "component credentials present" in human
    assert summary["stacked_credential"]["verification"]["valid"]
