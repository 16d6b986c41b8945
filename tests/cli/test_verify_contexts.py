"""`microcred verify --context URL=FILE` and MICROCRED_EXTRA_CONTEXTS: an operator supplies a
context as a file; it is never fetched (issue 14, point 7).

A registration lasts for the process, so each test uses its own context URL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from microcred.cli.main import app
from microcred.jsonld.fast_rdf import canonicalize_fast
from microcred.jsonld.loader import make_loader
from microcred.proofs import Ed25519KeyPair, add_proof, did_key_for

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _context(url: str) -> dict[str, Any]:
    return {
        "@context": {
            "@protected": True,
            "WidgetCredential": f"{url}#WidgetCredential",
            "colour": f"{url}#colour",
        }
    }


def _signed(url: str) -> dict[str, Any]:
    key = Ed25519KeyPair.generate()
    did = did_key_for(key)
    credential = {
        "@context": [VC_V2, url],
        "id": "urn:uuid:4e6f1a52-8a8e-4b0e-9c2f-2b1f0b7a1c11",
        "type": ["VerifiableCredential", "WidgetCredential"],
        "issuer": did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "colour": "red"},
    }
    loader = make_loader({url: _context(url)})
    return add_proof(
        credential,
        key,
        verification_method=f"{did}#{did.removeprefix('did:key:')}",
        created=datetime(2025, 1, 1, tzinfo=UTC),
        canonicalize=lambda d: canonicalize_fast(d, loader=loader),
    )


@pytest.fixture()
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MICROCRED_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MICROCRED_EXTRA_CONTEXTS", raising=False)
    runner = CliRunner()
    return lambda *args, env=None: runner.invoke(app, [str(a) for a in args], env=env)


def _files(tmp_path: Path, url: str) -> tuple[Path, Path]:
    cred = tmp_path / "cred.json"
    cred.write_text(json.dumps(_signed(url)), encoding="utf-8")
    ctx = tmp_path / "ctx.jsonld"
    ctx.write_text(json.dumps(_context(url)), encoding="utf-8")
    return cred, ctx


def _checks(output: str) -> dict[str, dict[str, str]]:
    return {c["id"]: c for c in json.loads(output)["checks"]}


def test_context_option(run: Any, tmp_path: Path) -> None:
    url = "https://contexts.test/cli-option/v1"
    cred, ctx = _files(tmp_path, url)
    refused = run("verify", cred, "--json")
    assert refused.exit_code == 1, refused.output
    schema = _checks(refused.stdout)["schema"]
    assert schema["status"] == "fail" and url in schema["message"]
    accepted = run("verify", cred, "--json", "--context", f"{url}={ctx}")
    assert accepted.exit_code == 0, accepted.output
    checks = _checks(accepted.stdout)
    assert checks["schema"]["status"] == "pass"
    assert checks["proof"]["status"] == "pass"


def test_context_setting(run: Any, tmp_path: Path) -> None:
    url = "https://contexts.test/cli-setting/v1"
    cred, ctx = _files(tmp_path, url)
    result = run("verify", cred, "--json", env={"MICROCRED_EXTRA_CONTEXTS": f"{url}={ctx}"})
    assert result.exit_code == 0, result.output
    assert _checks(result.stdout)["proof"]["status"] == "pass"


def test_a_bad_context_file_is_a_usage_error(run: Any, tmp_path: Path) -> None:
    url = "https://contexts.test/cli-bad/v1"
    cred, _ = _files(tmp_path, url)
    bad = tmp_path / "bad.jsonld"
    bad.write_text('{"name": "not a context"}', encoding="utf-8")
    result = run("verify", cred, "--context", f"{url}={bad}")
    assert result.exit_code == 2
    assert "--context" in result.output and "is not a JSON-LD context" in result.output
    assert "Traceback" not in result.output
    result = run("verify", cred, "--context", "no-equals-sign")
    assert result.exit_code == 2 and "is not URL=FILE" in result.output


def test_contexts_check(run: Any, tmp_path: Path) -> None:
    url = "https://contexts.test/cli-check/v1"
    _, ctx = _files(tmp_path, url)
    good = run("contexts", "check", f"{url}={ctx}")
    assert good.exit_code == 0, good.output
    assert "is a JSON-LD context" in good.output
    bad = tmp_path / "bad.jsonld"
    bad.write_text('{"@context": {"colour": 5}}', encoding="utf-8")
    result = run("contexts", "check", f"{url}={bad}")
    assert result.exit_code == 2
    assert "not a usable JSON-LD context" in result.output
    assert "Traceback" not in result.output


def test_the_setting_is_read_from_the_environment_and_the_config_file(tmp_path: Path) -> None:
    from microcred.settings import SettingsError, load_settings

    env = {
        "MICROCRED_HOME": str(tmp_path),
        "MICROCRED_EXTRA_CONTEXTS": "https://a.test/v1=a.json, https://b.test/v1=b.json",
    }
    assert load_settings(env).extra_contexts == (
        "https://a.test/v1=a.json",
        "https://b.test/v1=b.json",
    )
    config = tmp_path / "config.toml"
    config.write_text('extra_contexts = ["https://c.test/v1=/srv/c.jsonld"]\n', encoding="utf-8")
    settings = load_settings({"MICROCRED_HOME": str(tmp_path)})
    assert settings.extra_contexts == ("https://c.test/v1=/srv/c.jsonld",)
    assert "extra_contexts" not in settings.extra
    config.write_text("extra_contexts = 5\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="extra_contexts"):
        load_settings({"MICROCRED_HOME": str(tmp_path)})
