"""``microcred request create --org ORG --dcql FILE --json`` and ``microcred request show ID
--json``: the names outside checks use (issue 16)."""

from __future__ import annotations

import json

import pytest

from tests.cli.runner import cli_in
from tests.verify.dcql_cases import QUERY_LANG


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    return cli_in(
        monkeypatch, tmp_path / "home", TRUST_TEST_CA="true", BASE_URL="https://employer.example"
    )


def test_request_create_and_show(cli):
    made = cli("org", "create", "--name", "Darba devējs SIA", "--country", "LV", "--json")
    assert made.exit_code == 0, made.output
    slug = json.loads(made.stdout)["slug"]
    created = cli(
        "request", "create", "--org", slug, "--dcql", QUERY_LANG / "simple.json", "--json"
    )
    assert created.exit_code == 0, created.output
    body = json.loads(created.stdout)
    assert {"id", "link", "request_uri"} <= set(body)
    assert body["link"].startswith("openid4vp://?client_id=x509_hash%3A")
    assert body["request_uri"] == f"https://employer.example/oid4vp/requests/{body['id']}"
    shown = cli("request", "show", body["id"], "--json")
    assert shown.exit_code == 0, shown.output
    view = json.loads(shown.stdout)
    assert view["status"] == "pending" and view["result"] is None
    assert view["dcql_query"]["credentials"][0]["id"] == "my_credential"
    plain = cli("request", "show", body["id"])
    assert "pending" in plain.stdout


def test_bad_input_is_a_clear_error(cli, tmp_path):
    made = cli("org", "create", "--name", "Cits SIA", "--country", "LV", "--json")
    slug = json.loads(made.stdout)["slug"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"credentials": []}')
    result = cli("request", "create", "--org", slug, "--dcql", bad)
    assert result.exit_code != 0 and "credentials" in result.output
    assert "Traceback" not in result.output
    result = cli("request", "create", "--org", slug, "--dcql", tmp_path / "none.json")
    assert result.exit_code == 2 and "--dcql" in result.output
    result = cli("request", "show", "00000000-0000-0000-0000-000000000000")
    assert result.exit_code != 0 and "no presentation request" in result.output
