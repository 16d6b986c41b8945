"""X.509 for microcred: the instance's test CA, leaf and TLS test certificates, certificate
requests; and (from :mod:`microcred.proofs.x509_chain`) ``x5c`` encoding and chain
validation, re-exported here so callers import one module.

Used for the ``x5c`` header of SD-JWT VCs, signed issuer metadata, OpenID4VP request
objects (client id prefix ``x509_hash`` / ``x509_san_dns``) and Status List Tokens.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from microcred.proofs.x509_chain import (
    MAX_CERTIFICATE_BYTES,
    MAX_CHAIN_LENGTH,
    TEST_CA_MARK,
    CertificateError,
    CertificateReason,
    Usage,
    decode_x5c,
    ec_public_key,
    from_pem,
    is_self_signed,
    san_dns_names,
    to_pem,
    verify_chain,
    x5c_header,
    x509_hash,
)

__all__ = [
    "MAX_CERTIFICATE_BYTES",
    "MAX_CHAIN_LENGTH",
    "TEST_CA_MARK",
    "CertificateError",
    "CertificateReason",
    "TestCA",
    "Usage",
    "certificate_request",
    "decode_x5c",
    "ec_public_key",
    "from_pem",
    "is_self_signed",
    "san_dns_names",
    "tls_server_certificate",
    "to_pem",
    "verify_chain",
    "x5c_header",
    "x509_hash",
]

# -- the test CA ------------------------------------------------------------------------------


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def _utc(now: dt.datetime | None) -> dt.datetime:
    when = now if now is not None else dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return when.astimezone(dt.UTC).replace(microsecond=0)


def _ca_certificate(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    path_length: int,
    not_before: dt.datetime,
    days: int,
) -> x509.Certificate:
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass(frozen=True)
class TestCA:
    """A private root and intermediate (P-256) that issue leaf certificates for tests and the
    demo. Its names say TEST CA; nothing outside a test or demo set-up should trust it."""

    __test__ = False  # not a pytest test class

    root: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey
    intermediate: x509.Certificate
    intermediate_key: ec.EllipticCurvePrivateKey

    @classmethod
    def create(cls, common_name: str, *, now: dt.datetime | None = None) -> TestCA:
        start = _utc(now) - dt.timedelta(minutes=5)
        root_key = ec.generate_private_key(ec.SECP256R1())
        intermediate_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name(f"{common_name} Test Root CA", TEST_CA_MARK)
        root = _ca_certificate(
            root_name, root_key, root_name, root_key, path_length=1, not_before=start, days=3650
        )
        intermediate = _ca_certificate(
            _name(f"{common_name} Test Intermediate CA", TEST_CA_MARK),
            intermediate_key,
            root_name,
            root_key,
            path_length=0,
            not_before=start,
            days=1825,
        )
        return cls(root, root_key, intermediate, intermediate_key)

    def issue_leaf(
        self,
        public_key: ec.EllipticCurvePublicKey,
        subject_cn: str,
        *,
        organization: str | None = None,
        dns_names: Sequence[str] = (),
        ip_addresses: Sequence[str] = (),
        usage: Usage = "signing",
        now: dt.datetime | None = None,
        days: int = 365,
    ) -> list[x509.Certificate]:
        """A leaf for ``public_key`` signed by the intermediate: ``[leaf, intermediate]``
        (the chain as it goes into ``x5c``: leaf first, the root excluded)."""
        start = _utc(now) - dt.timedelta(minutes=5)
        names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(subject_cn, organization))
            .issuer_name(self.intermediate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.intermediate_key.public_key()
                ),
                critical=False,
            )
        )
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        if usage == "tls_server":
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        leaf = builder.sign(self.intermediate_key, hashes.SHA256())
        return [leaf, self.intermediate]

    def to_pem(self) -> bytes:
        """Root, intermediate and both private keys (unencrypted PKCS#8): encrypt before
        storing it (the services layer does)."""

        def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
            return key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )

        return (
            to_pem([self.root, self.intermediate])
            + key_pem(self.root_key)
            + key_pem(self.intermediate_key)
        )

    @classmethod
    def from_pem(cls, data: bytes) -> TestCA:
        certificates = from_pem(data)
        keys: list[ec.EllipticCurvePrivateKey] = []
        marker = b"-----BEGIN PRIVATE KEY-----"
        for part in data.split(marker)[1:]:
            key = serialization.load_pem_private_key(marker + part, password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise CertificateError("malformed", "test CA: the keys are not EC keys")
            keys.append(key)
        if len(certificates) != 2 or len(keys) != 2:
            raise CertificateError("malformed", "test CA: expected two certificates and two keys")
        return cls(certificates[0], keys[0], certificates[1], keys[1])


def certificate_request(
    private_key: ec.EllipticCurvePrivateKey,
    subject_cn: str,
    *,
    organization: str | None = None,
    country: str | None = None,
    dns_names: Sequence[str] = (),
) -> bytes:
    """A PKCS#10 certificate signing request (PEM) for ``private_key``, to send to a CA."""
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if country:
        attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), critical=False
        )
    request = builder.sign(private_key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM)


def tls_server_certificate(
    ca: TestCA,
    hostnames: Sequence[str] = ("localhost",),
    ips: Sequence[str] = ("127.0.0.1",),
    *,
    now: dt.datetime | None = None,
) -> tuple[bytes, bytes]:
    """(certificate chain PEM, private key PEM) for a TLS server in tests (``microcred serve
    --ssl-certfile/--ssl-keyfile``); clients trust ``to_pem([ca.root])``."""
    key = ec.generate_private_key(ec.SECP256R1())
    chain = ca.issue_leaf(
        key.public_key(),
        hostnames[0] if hostnames else "microcred test server",
        dns_names=hostnames,
        ip_addresses=ips,
        usage="tls_server",
        now=now,
        days=30,
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return to_pem(chain), key_pem
