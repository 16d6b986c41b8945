from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runner import cli_in

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"
SHARED = ROOT.parent / "shared"


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    return cli_in(monkeypatch, tmp_path / "home")


def test_keys_issue_verify_round_trip(cli, tmp_path):
    key = tmp_path / "issuer.key.json"
    result = cli("keys", "new", "--out", key, "--json")
    assert result.exit_code == 0, result.output
    public = json.loads(result.stdout)
    assert public["controller"].startswith("did:key:z6Mk")
    stored = json.loads(key.read_text())
    assert "encryptedPrivateKey" in stored and "privateKeyMultibase" not in stored
    assert key.stat().st_mode & 0o777 == 0o600
    assert public["publicKeyMultibase"] in key.read_text()

    out = tmp_path / "cred.json"
    result = cli(
        "issue",
        "--spec",
        SPEC,
        "--key",
        key,
        "--learner-name",
        "Anna Bērziņa",
        "--learner-id",
        "anna@example.lv",
        "--grade",
        "9",
        "--out",
        out,
        "--json",
    )
    assert result.exit_code == 0, result.output
    issued = json.loads(result.stdout)
    credential = json.loads(out.read_text())
    assert credential["id"] == issued["id"]
    assert credential["issuer"]["id"] == public["controller"]

    result = cli("verify", out, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is True and report["status"] == "valid"
    assert [c["id"] for c in report["checks"]] == [
        "parse",
        "schema",
        "eu_standard",
        "proof",
        "issuer",
        "trust",
        "validity",
        "status",
    ]

    human = cli("verify", out)
    assert human.exit_code == 0 and "Valid" in human.stdout and "did:key:" in human.stdout

    credential["credentialSubject"]["achievement"]["name"] = "Something else"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(credential))
    result = cli("verify", tampered, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert next(c for c in report["checks"] if c["id"] == "proof")["status"] == "fail"


def test_issue_jwt_and_p256(cli, tmp_path):
    key = tmp_path / "p256.json"
    assert cli("keys", "new", "--type", "p256", "--out", key).exit_code == 0
    for fmt in ("ob3", "jwt"):
        out = tmp_path / f"c.{fmt}"
        result = cli(
            "issue",
            "--spec",
            SPEC,
            "--key",
            key,
            "--learner-name",
            "A",
            "--learner-id",
            "did:example:a",
            "--format",
            fmt,
            "--out",
            out,
        )
        assert result.exit_code == 0, result.output
        assert cli("verify", out).exit_code == 0


def test_trust_list_option(cli, tmp_path):
    key = tmp_path / "k.json"
    did = json.loads(cli("keys", "new", "--out", key, "--json").stdout)["controller"]
    out = tmp_path / "c.json"
    cli(
        "issue",
        "--spec",
        SPEC,
        "--key",
        key,
        "--learner-name",
        "A",
        "--learner-id",
        "did:example:a",
        "--out",
        out,
    )
    trust = tmp_path / "trust.json"
    trust.write_text(
        json.dumps({"issuers": [{"id": did, "name": "University of Latvia", "country": "LV"}]})
    )
    report = json.loads(cli("verify", out, "--json", "--trust-list", trust).stdout)
    assert next(c for c in report["checks"] if c["id"] == "trust")["status"] == "pass"


def test_verify_resolve_supplies_remote_documents(cli, tmp_path):
    vector = SHARED / "vectors" / "ob3" / "1edtech-ob3-signed-eddsa-rdfc-2022-testvector.json"
    url = "https://example.edu/issuers/565049"
    mb = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    controller = tmp_path / "issuer.json"
    controller.write_text(
        json.dumps(
            {
                "@context": [
                    "https://www.w3.org/ns/did/v1",
                    "https://w3id.org/security/multikey/v1",
                ],
                "id": url,
                "verificationMethod": [
                    {
                        "id": f"{url}#{mb}",
                        "type": "Multikey",
                        "controller": url,
                        "publicKeyMultibase": mb,
                    }
                ],
                "assertionMethod": [f"{url}#{mb}"],
            }
        )
    )
    assert cli("verify", vector).exit_code == 1  # key not available offline: never a silent pass
    result = cli("verify", vector, "--json", "--resolve", f"{url}={controller}")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "valid"


def test_bad_input_gives_failed_report_or_usage_error(cli, tmp_path):
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.write(b'{"a": "')
        handle.write(b"x" * (50 * 1024 * 1024))
        handle.write(b'"}')
    result = cli("verify", huge, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["checks"][0]["status"] == "fail"
    deep = tmp_path / "deep.json"
    deep.write_text('{"a":' * 50_000 + "1" + "}" * 50_000)
    assert cli("verify", deep).exit_code == 1
    unknown = tmp_path / "unknown.json"
    unknown.write_text(
        json.dumps(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2", "https://unknown.example/ctx"],
                "type": ["VerifiableCredential"],
                "issuer": "did:example:1",
                "credentialSubject": {"id": "did:example:2"},
            }
        )
    )
    result = cli("verify", unknown, "--json")
    assert result.exit_code == 1 and "https://unknown.example/ctx" in result.stdout
    for args in (
        ["verify", tmp_path / "missing.json"],
        ["verify", unknown, "--resolve", "no-equals-sign"],
        [
            "issue",
            "--spec",
            SPEC,
            "--key",
            tmp_path / "nokey.json",
            "--learner-name",
            "A",
            "--learner-id",
            "x:y",
            "--out",
            tmp_path / "o.json",
        ],
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and "error:" in result.stderr


def test_contexts_export(cli, tmp_path):
    result = cli("contexts", "export", tmp_path / "ctx")
    assert result.exit_code == 0
    index = json.loads((tmp_path / "ctx" / "index.json").read_text())
    assert "https://www.w3.org/ns/credentials/v2" in index
    assert "https://w3id.org/microcred/v1" in index
    for name in index.values():
        assert (tmp_path / "ctx" / name).is_file()
