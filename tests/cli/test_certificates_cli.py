"""``microcred org certificate import|make-test|show|request|test-ca``."""

from __future__ import annotations

import json

import pytest
from cryptography import x509

from microcred.proofs import x509 as px
from microcred.proofs.keys import P256KeyPair
from tests.cli.runner import cli_in


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    return cli_in(
        monkeypatch, tmp_path / "home", BASE_URL="https://issuer.example", TRUST_TEST_CA=None
    )


def test_certificate_commands(cli, tmp_path):
    made = cli("org", "create", "--name", "Koledža", "--country", "LV", "--json")
    slug = json.loads(made.stdout)["slug"]
    none = cli("org", "certificate", "show", "--org", slug)
    assert none.exit_code == 2 and "no certificate" in none.output

    test = cli("org", "certificate", "make-test", "--org", slug, "--json")
    assert test.exit_code == 0, test.output
    body = json.loads(test.stdout)
    assert body["test_ca"] is True and body["dns_names"] == ["issuer.example"]
    shown = cli("org", "certificate", "show", "--org", slug)
    assert "TEST certificate" in shown.stdout and body["x509_hash"] in shown.stdout

    # a CSR for the org key, signed by an outside CA, imported
    csr_file = tmp_path / "org.csr"
    assert cli("org", "certificate", "request", "--org", slug, "--out", csr_file).exit_code == 0
    csr = x509.load_pem_x509_csr(csr_file.read_bytes())
    outside = px.TestCA.create("Outside")
    chain = outside.issue_leaf(csr.public_key(), "Koledža")
    pem = tmp_path / "chain.pem"
    pem.write_bytes(px.to_pem([*chain, outside.root]))
    imported = cli("org", "certificate", "import", "--org", slug, pem, "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["source"] == "imported"
    assert json.loads(imported.stdout)["length"] == 2  # the root left out
    printed = cli("org", "certificate", "show", "--org", slug, "--pem")
    assert px.from_pem(printed.stdout) == chain

    root = cli("org", "certificate", "test-ca")
    assert px.TEST_CA_MARK in px.from_pem(root.stdout)[0].subject.rfc4514_string()


def test_import_errors_are_one_line(cli, tmp_path):
    slug = json.loads(cli("org", "create", "--name", "X", "--country", "LV", "--json").stdout)[
        "slug"
    ]
    other = px.TestCA.create("Other")
    stranger = other.issue_leaf(px.ec_public_key(P256KeyPair.generate().to_public_jwk()), "Someone")
    pem = tmp_path / "stranger.pem"
    pem.write_bytes(px.to_pem(stranger))
    result = cli("org", "certificate", "import", "--org", slug, pem)
    assert result.exit_code == 2
    assert "another key" in result.output and "Traceback" not in result.output
    missing = cli("org", "certificate", "import", "--org", slug, tmp_path / "nope.pem")
    assert missing.exit_code == 2 and "cannot be read" in missing.output
    unknown = cli("org", "certificate", "make-test", "--org", "nobody")
    assert unknown.exit_code == 2 and "org list" in unknown.output
