"""MICROCRED_OUTBOUND_CA_FILES (or outbound_ca_files in config.toml): extra CA certificates
outbound TLS trusts besides the public bundle; a bad file is refused naming the setting.
(End to end: tests/interop/test_openid4vci_wallet.py, the wallet receiving over TLS.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.x509.oid import NameOID

from microcred.proofs.x509 import TestCA, to_pem
from microcred.services.outbound_tls import network_for
from microcred.settings import load_settings


def test_the_setting_from_the_environment_and_the_toml_file(tmp_path: Path) -> None:
    ca = TestCA.create("Private issuers' CA")
    pem = tmp_path / "private-ca.pem"
    pem.write_bytes(to_pem([ca.root]))
    home = tmp_path / "home"
    home.mkdir()
    assert network_for(load_settings({"MICROCRED_HOME": str(home)})) is None
    settings = load_settings({"MICROCRED_HOME": str(home), "MICROCRED_OUTBOUND_CA_FILES": str(pem)})
    assert settings.outbound_ca_files == (pem,)
    network = network_for(settings)
    assert network is not None
    names = {v for c in network.ssl_context().get_ca_certs() for ((k, v),) in c["subject"]}
    [root_name] = ca.root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert root_name.value in names
    (home / "config.toml").write_text(f'outbound_ca_files = ["{pem}"]\n', encoding="utf-8")
    from_file = load_settings({"MICROCRED_HOME": str(home)})
    assert from_file.outbound_ca_files == (pem,) and "outbound_ca_files" not in from_file.extra


@pytest.mark.parametrize("content", [None, b"not a certificate"])
def test_a_bad_file_names_the_setting(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_bytes(content)
    settings = load_settings(
        {"MICROCRED_HOME": str(tmp_path), "MICROCRED_OUTBOUND_CA_FILES": str(path)}
    )
    with pytest.raises(ValueError, match=r"MICROCRED_OUTBOUND_CA_FILES: .*ca\.pem"):
        network_for(settings)
