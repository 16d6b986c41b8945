"""`microcred token ...` makes the bootstrap tokens the API accepts; `serve` is wired up."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from microcred.api.app import app_from_env
from microcred.cli.main import app
from tests.api.conftest import CheckingClient

runner = CliRunner()


def test_token_cli_and_app_from_env(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MICROCRED_DATABASE_URL", database_url)
    monkeypatch.setenv("MICROCRED_SECRET_KEY", "cli-test")
    monkeypatch.setenv("MICROCRED_BASE_URL", "http://testserver")
    assert (
        runner.invoke(app, ["org", "create", "--name", "CLI Org", "--country", "LV"]).exit_code == 0
    )
    made = runner.invoke(
        app, ["token", "create", "--org", "cli-org", "--name", "boot", "--scope", "admin", "--json"]
    )
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    secret, token_id = created["secret"], created["token"]["id"]
    bad = runner.invoke(
        app, ["token", "create", "--org", "cli-org", "--name", "x", "--scope", "root"]
    )
    assert bad.exit_code == 2 and "scope" in bad.output
    missing = runner.invoke(app, ["token", "list", "--org", "nobody"])
    assert missing.exit_code == 2

    with CheckingClient(app_from_env()) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get("/api/v1/orgs/cli-org/tokens", headers=headers).status_code == 200
        listed = runner.invoke(app, ["token", "list", "--org", "cli-org", "--json"])
        assert json.loads(listed.output)[0]["last_used_at"] is not None
        assert secret not in listed.output
        assert runner.invoke(app, ["token", "revoke", token_id, "--org", "cli-org"]).exit_code == 0
        assert client.get("/api/v1/orgs/cli-org/tokens", headers=headers).status_code == 401

    help_text = runner.invoke(app, ["serve", "--help"]).output
    assert "--workers" in help_text and "--port" in help_text
