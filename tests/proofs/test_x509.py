"""proofs/x509: the test CA, x5c encoding and chain validation (HAIP 1.0 x5c rules)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from microcred.proofs import x509 as px
from microcred.proofs.errors import ProofError
from microcred.proofs.keys import P256KeyPair

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def ca() -> px.TestCA:
    return px.TestCA.create("Unit", now=NOW)


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _reason(exc: pytest.ExceptionInfo[px.CertificateError]) -> str:
    return exc.value.reason


def test_chain_is_leaf_then_intermediate_and_validates(ca, key):
    chain = ca.issue_leaf(key.public_key(), "Org", organization="Org SIA", now=NOW)
    assert len(chain) == 2
    assert chain[1] == ca.intermediate and chain[0].issuer == ca.intermediate.subject
    assert ca.root not in chain
    leaf = px.verify_chain(px.x5c_header(chain), [ca.root], now=NOW, expected_key=key.public_key())
    assert leaf == chain[0]
    # DER bytes are accepted too
    der = [c.public_bytes(serialization.Encoding.DER) for c in chain]
    assert px.verify_chain(der, [ca.root], now=NOW) == chain[0]


def test_test_ca_names_say_test(ca):
    for certificate in (ca.root, ca.intermediate):
        text = certificate.subject.rfc4514_string()
        assert "Test" in text and px.TEST_CA_MARK in text


def test_x5c_is_standard_base64_der(ca, key):
    chain = ca.issue_leaf(key.public_key(), "Org", now=NOW)
    header = px.x5c_header(chain)
    assert base64.b64decode(header[0], validate=True) == chain[0].public_bytes(
        serialization.Encoding.DER
    )


def test_x509_hash_is_b64url_sha256_of_der(ca, key):
    leaf = ca.issue_leaf(key.public_key(), "Org", now=NOW)[0]
    digest = hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).digest()
    value = px.x509_hash(leaf)
    assert "=" not in value and "+" not in value and "/" not in value
    assert base64.urlsafe_b64decode(value + "=") == digest


def test_anchor_included_is_refused(ca, key):
    chain = [*ca.issue_leaf(key.public_key(), "Org", now=NOW), ca.root]
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(px.x5c_header(chain), [ca.root], now=NOW)
    assert _reason(exc) == "anchor_included" and "x5c[2]" in str(exc.value)
    # a self-signed root in x5c is refused even when it is not one of the anchors
    other = px.TestCA.create("Other", now=NOW)
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(px.x5c_header([*chain[:2], other.root]), [ca.root], now=NOW)
    assert _reason(exc) == "anchor_included"


def test_self_signed_leaf_is_refused_even_when_trusted(key):
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "self")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(px.x5c_header([certificate]), [certificate], now=NOW)
    assert _reason(exc) == "self_signed_leaf"


def test_untrusted_anchor(ca, key):
    chain = ca.issue_leaf(key.public_key(), "Org", now=NOW)
    other = px.TestCA.create("Other", now=NOW)
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(px.x5c_header(chain), [other.root], now=NOW)
    assert _reason(exc) == "untrusted"
    assert isinstance(exc.value, ProofError)


def test_missing_intermediate_is_untrusted(ca, key):
    leaf = ca.issue_leaf(key.public_key(), "Org", now=NOW)[0]
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(px.x5c_header([leaf]), [ca.root], now=NOW)
    assert _reason(exc) == "untrusted"


def test_no_anchor_configured(ca, key):
    chain = ca.issue_leaf(key.public_key(), "Org", now=NOW)
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(px.x5c_header(chain), [], now=NOW)
    assert _reason(exc) == "no_anchor"


def test_expired_and_not_yet_valid(ca, key):
    chain = ca.issue_leaf(key.public_key(), "Org", now=NOW, days=10)
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(px.x5c_header(chain), [ca.root], now=NOW + dt.timedelta(days=11))
    assert _reason(exc) == "expired" and "the leaf" in str(exc.value)
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(px.x5c_header(chain), [ca.root], now=NOW - dt.timedelta(days=1))
    assert _reason(exc) == "not_yet_valid"


def test_key_mismatch(ca, key):
    chain = ca.issue_leaf(key.public_key(), "Org", now=NOW)
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(px.x5c_header(chain), [ca.root], now=NOW, expected_key=other)
    assert _reason(exc) == "key_mismatch"


def test_ec_public_key_from_jwk_matches_the_keypair():
    pair = P256KeyPair.generate()
    public = px.ec_public_key(pair.to_public_jwk())
    ca = px.TestCA.create("Jwk", now=NOW)
    chain = ca.issue_leaf(public, "Org", now=NOW)
    px.verify_chain(px.x5c_header(chain), [ca.root], now=NOW, expected_key=public)
    with pytest.raises(px.CertificateError):
        px.ec_public_key({"kty": "OKP", "crv": "Ed25519", "x": "AA"})


def test_tampered_leaf_signature_is_untrusted(ca, key):
    chain = ca.issue_leaf(key.public_key(), "Org", now=NOW)
    der = bytearray(chain[0].public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01  # inside the signature value
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain([bytes(der), chain[1]], [ca.root], now=NOW)
    assert _reason(exc) in {"untrusted", "malformed"}


def test_leaf_without_digital_signature_is_refused(ca, key):
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "enc")]))
        .issuer_name(ca.intermediate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, True, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.intermediate_key.public_key()),
            critical=False,
        )
    )
    leaf = builder.sign(ca.intermediate_key, hashes.SHA256())
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(px.x5c_header([leaf, ca.intermediate]), [ca.root], now=NOW)
    assert _reason(exc) == "untrusted"


@pytest.mark.parametrize(
    ("x5c", "reason"),
    [
        ([], "empty"),
        (["***"], "malformed"),
        ([base64.b64encode(b"not der").decode()], "malformed"),
        (["AAAA"] * 9, "too_long"),
        ([base64.b64encode(b"0" * 20000).decode()], "too_long"),
    ],
)
def test_bad_x5c(x5c, reason, ca):
    with pytest.raises(px.CertificateError) as exc:
        px.verify_chain(x5c, [ca.root], now=NOW)
    assert _reason(exc) == reason


def test_pem_round_trips(ca):
    again = px.TestCA.from_pem(ca.to_pem())
    assert again.root == ca.root and again.intermediate == ca.intermediate
    assert again.intermediate_key.private_numbers() == ca.intermediate_key.private_numbers()
    assert px.from_pem(px.to_pem([ca.root, ca.intermediate])) == [ca.root, ca.intermediate]
    with pytest.raises(px.CertificateError) as exc:
        px.from_pem(b"hello")
    assert _reason(exc) in {"empty", "malformed"}


def test_tls_server_certificate_loads_into_ssl_and_validates(ca, tmp_path):
    cert_pem, key_pem = px.tls_server_certificate(ca, now=NOW)
    (tmp_path / "c.pem").write_bytes(cert_pem)
    (tmp_path / "k.pem").write_bytes(key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    chain = px.from_pem(cert_pem)
    for name in ("localhost", "127.0.0.1"):
        px.verify_chain(
            px.x5c_header(chain), [ca.root], now=NOW, purpose="tls_server", server_name=name
        )
    with pytest.raises(px.CertificateError):
        px.verify_chain(
            px.x5c_header(chain), [ca.root], now=NOW, purpose="tls_server", server_name="evil"
        )


def test_san_dns_names(ca, key):
    leaf = ca.issue_leaf(key.public_key(), "V", dns_names=["verifier.example"], now=NOW)[0]
    assert px.san_dns_names(leaf) == ["verifier.example"]
    assert px.san_dns_names(ca.intermediate) == []
