"""Organisation certificates, the instance's TEST CA, and the trust anchors of verifiers.

An organisation has at most one X.509 chain (leaf first, without the trust anchor) for its
P-256 key (``vcapi.ensure_p256_key``: the key ``x5c``-signed SD-JWT VCs, signed metadata
and OpenID4VP request objects use). The chain is public; the private key stays the
organisation's encrypted key. The chain is imported (``import_chain``, after a
``certificate_request`` signed by a real CA) or, for the demo and tests, made by the
instance's own test CA (``make_test_chain``). The test CA's names say TEST CA, its private
keys are encrypted at rest with the instance secret, and verifiers trust it only when the
operator sets ``trust_test_ca``.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.proofs.keys import KeyPair, decrypt_private_key, encrypt_private_key
from microcred.proofs.multibase import decode_multikey
from microcred.proofs.x509 import (
    MAX_CHAIN_LENGTH,
    TEST_CA_MARK,
    CertificateError,
    TestCA,
    certificate_request,
    ec_public_key,
    from_pem,
    is_self_signed,
    to_pem,
    x509_hash,
)
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.organisations import Conflict, Invalid, NotFound, find
from microcred.services.vcapi import P256_FRAGMENT, ensure_p256_key
from microcred.settings import Settings
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import InstanceTestCA, Organisation, OrganisationCertificate
from microcred.verify.trusted_list import TrustAnchorFileError, load_anchor_files

MAX_PEM_BYTES = 64 * 1024
TEST_CA_NAME = "microcred instance"
_TEST_CA_AAD = b"microcred instance test CA"
_TEST_CA_ROW = 1


@dataclass(frozen=True)
class ChainView:
    """What may be shown of an organisation's certificate chain (nothing secret in it)."""

    org: str
    source: str  # imported | test_ca
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    x509_hash: str
    dns_names: tuple[str, ...]
    length: int
    pem: str

    @property
    def is_test(self) -> bool:
        return self.source == "test_ca"

    def to_json(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "source": self.source,
            "test_ca": self.is_test,
            "subject": self.subject,
            "issuer": self.issuer,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "x509_hash": self.x509_hash,
            "dns_names": list(self.dns_names),
            "length": self.length,
            "pem": self.pem,
        }


def _org_id(session: Session, org: Organisation | str) -> Organisation:
    return find(session, org.id if isinstance(org, Organisation) else org)


def _view(slug: str, row: OrganisationCertificate) -> ChainView:
    chain = from_pem(row.chain_pem)
    leaf = chain[0]
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = tuple(san.value.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = ()
    return ChainView(
        org=slug,
        source=row.source,
        subject=leaf.subject.rfc4514_string(),
        issuer=leaf.issuer.rfc4514_string(),
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
        x509_hash=row.leaf_sha256,
        dns_names=names,
        length=len(chain),
        pem=row.chain_pem,
    )


# -- the instance's test CA -------------------------------------------------------------------


def test_ca(instance: Instance) -> TestCA:
    """The instance's TEST CA, made on first use (its keys encrypted with the instance
    secret). Never a real certification authority: its names say so."""
    with read_transaction(instance.sessions) as session:
        row = session.get(InstanceTestCA, _TEST_CA_ROW)
        if row is not None:
            return _load_test_ca(instance, row)
    ca = TestCA.create(TEST_CA_NAME, now=instance.now())
    pem = ca.to_pem()
    certificates = to_pem([ca.root, ca.intermediate])
    keys = pem[len(certificates) :]
    try:
        with transaction(instance.sessions) as session:
            session.add(
                InstanceTestCA(
                    id=_TEST_CA_ROW,
                    certificates_pem=certificates.decode("ascii"),
                    encrypted_keys=encrypt_private_key(keys, key=instance.secret, aad=_TEST_CA_AAD),
                    created_at=instance.now(),
                )
            )
    except IntegrityError:
        pass  # another process made it first: use theirs
    with read_transaction(instance.sessions) as session:
        row = session.get(InstanceTestCA, _TEST_CA_ROW)
        assert row is not None
        return _load_test_ca(instance, row)


def test_ca_root(instance: Instance) -> x509.Certificate:
    """The TEST CA's root certificate (made on first use), without decrypting its keys."""
    with read_transaction(instance.sessions) as session:
        row = session.get(InstanceTestCA, _TEST_CA_ROW)
        if row is not None:
            return from_pem(row.certificates_pem)[0]
    return test_ca(instance).root


def _load_test_ca(instance: Instance, row: InstanceTestCA) -> TestCA:
    keys = decrypt_private_key(dict(row.encrypted_keys), key=instance.secret, aad=_TEST_CA_AAD)
    return TestCA.from_pem(row.certificates_pem.encode("ascii") + keys)


# -- an organisation's chain ------------------------------------------------------------------


def _private_key(key: KeyPair) -> ec.EllipticCurvePrivateKey:
    # The key file form is the one public way out of KeyPair (never written anywhere here).
    exported = key.export_private(None, allow_unencrypted=True)
    _codec, raw = decode_multikey(exported["privateKeyMultibase"])
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def _spki(key: ec.EllipticCurvePublicKey | object) -> bytes:
    public_bytes = getattr(key, "public_bytes", None)
    if public_bytes is None:
        return b""
    return bytes(public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


def _host(instance: Instance) -> str | None:
    return urlsplit(instance.base_url).hostname


def request_for(instance: Instance, org: Organisation | str) -> bytes:
    """A PKCS#10 request (PEM) for the organisation's P-256 key (created on first use), to
    have a CA issue the certificate that ``import_chain`` then takes."""
    with read_transaction(instance.sessions) as session:
        row = _org_id(session, org)
        org_id, name, country = row.id, row.name, row.country
    key, _method = ensure_p256_key(instance, org_id)
    host = _host(instance)
    return certificate_request(
        _private_key(key),
        name,
        organization=name,
        country=country,
        dns_names=(host,) if host else (),
    )


def _checked_chain(
    pem: bytes | str, key: KeyPair, now: datetime
) -> tuple[list[x509.Certificate], bool]:
    """The chain to store and whether a trailing self-signed anchor was left out."""
    raw = pem.encode("utf-8", "replace") if isinstance(pem, str) else pem
    if len(raw) > MAX_PEM_BYTES:
        raise Invalid("the certificate file is larger than 64 KiB", "certificate")
    try:
        chain = from_pem(raw)
    except CertificateError as exc:
        raise Invalid(f"not a PEM certificate chain: {exc}", "certificate") from None
    dropped = False
    if len(chain) > 1 and is_self_signed(chain[-1]):
        chain, dropped = chain[:-1], True  # x5c never carries the trust anchor (HAIP 1.0)
    if len(chain) > MAX_CHAIN_LENGTH:
        raise Invalid(f"at most {MAX_CHAIN_LENGTH} certificates in a chain", "certificate")
    leaf = chain[0]
    if is_self_signed(leaf):
        raise Invalid(
            "the certificate is self-signed; it must be issued by a certification authority "
            "(a wallet refuses a self-signed signer)",
            "certificate",
        )
    try:
        if leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise Invalid(
                "the first certificate is a CA certificate; put the organisation's own "
                "certificate first, then its issuers",
                "certificate",
            )
    except x509.ExtensionNotFound:
        pass
    for index, (child, parent) in enumerate(itertools.pairwise(chain)):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            raise Invalid(
                f"certificate {index + 1} is not issued by certificate {index + 2}: order the "
                "chain leaf first, each certificate followed by its issuer",
                "certificate",
            ) from None
    for index, certificate in enumerate(chain):
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise Invalid(
                f"certificate {index + 1} ({certificate.subject.rfc4514_string()}) is not valid "
                f"now (valid {certificate.not_valid_before_utc:%Y-%m-%d} to "
                f"{certificate.not_valid_after_utc:%Y-%m-%d})",
                "certificate",
            )
    ours = ec_public_key(key.to_public_jwk())
    if _spki(leaf.public_key()) != _spki(ours):
        raise Invalid(
            "the certificate is for another key than the organisation's P-256 signing key; "
            "have the CA sign the organisation's certificate request",
            "certificate",
        )
    return chain, dropped


def _store(
    instance: Instance,
    org_id: str,
    chain: list[x509.Certificate],
    source: str,
    actor: str,
) -> ChainView:
    now = instance.now()
    with transaction(instance.sessions) as session:
        org = session.get(Organisation, org_id)
        if org is None:
            raise NotFound("no such organisation", "org")
        row = session.get(OrganisationCertificate, org_id)
        if row is None:
            row = OrganisationCertificate(org_id=org_id)
            session.add(row)
        row.key_fragment = P256_FRAGMENT
        row.source = source
        row.chain_pem = to_pem(chain).decode("ascii")
        row.leaf_sha256 = x509_hash(chain[0])
        row.not_after = chain[0].not_valid_after_utc
        row.created_at = now
        record(
            session,
            org_id,
            actor,
            "certificate.import" if source == "imported" else "certificate.make_test",
            row.leaf_sha256,
            {"subject": chain[0].subject.rfc4514_string(), "source": source},
            at=now,
        )
        session.flush()
        return _view(org.slug, row)


def import_chain(
    instance: Instance, org: Organisation | str, pem: bytes | str, *, actor: str = "cli"
) -> ChainView:
    """Store a PEM chain (leaf first) for the organisation's P-256 key. Checked: the leaf is
    for that key, not self-signed and not a CA; each certificate is issued by the next; all
    are valid now. A trailing self-signed root is left out (x5c never carries the anchor)."""
    with read_transaction(instance.sessions) as session:
        org_id = _org_id(session, org).id
    key, _method = ensure_p256_key(instance, org_id)
    chain, _dropped = _checked_chain(pem, key, instance.now())
    return _store(instance, org_id, chain, "imported", actor)


def make_test_chain(
    instance: Instance, org: Organisation | str, *, actor: str = "cli"
) -> ChainView:
    """A chain for the organisation's P-256 key made by the instance's TEST CA (demo and
    tests only: the issuer names say TEST CA, and verifiers trust it only when told to)."""
    with read_transaction(instance.sessions) as session:
        row = _org_id(session, org)
        org_id, name = row.id, row.name
    key, _method = ensure_p256_key(instance, org_id)
    host = _host(instance)
    chain = test_ca(instance).issue_leaf(
        ec_public_key(key.to_public_jwk()),
        name,
        organization=name,
        dns_names=(host,) if host else (),
        now=instance.now(),
    )
    return _store(instance, org_id, chain, "test_ca", actor)


def chain_view(instance: Instance, org: Organisation | str) -> ChainView | None:
    with read_transaction(instance.sessions) as session:
        found = _org_id(session, org)
        row = session.get(OrganisationCertificate, found.id)
        return None if row is None else _view(found.slug, row)


def chain_for(instance: Instance, org: Organisation | str) -> list[x509.Certificate] | None:
    """The organisation's chain (leaf first, no anchor) for ``x5c``, or ``None``."""
    with read_transaction(instance.sessions) as session:
        found = _org_id(session, org)
        row = session.get(OrganisationCertificate, found.id)
        return None if row is None else from_pem(row.chain_pem)


def signing_chain(
    instance: Instance, org: Organisation | str
) -> tuple[KeyPair, list[x509.Certificate]] | None:
    """The organisation's P-256 key and its chain, or ``None`` when it has no chain."""
    chain = chain_for(instance, org)
    if chain is None:
        return None
    with read_transaction(instance.sessions) as session:
        org_id = _org_id(session, org).id
    key, _method = ensure_p256_key(instance, org_id)
    return key, chain


def verifier_access_chain(
    instance: Instance, org: Organisation | str
) -> tuple[KeyPair, list[x509.Certificate]]:
    """The key and chain an organisation signs OpenID4VP request objects with (its one
    chain). With none stored, a TEST chain is made when this instance trusts its test CA
    (demo, tests); otherwise ``Conflict`` asks for one to be imported."""
    found = signing_chain(instance, org)
    if found is not None:
        return found
    if not instance.settings.trust_test_ca:
        raise Conflict(
            "the organisation has no certificate: import its certificate chain, or make a "
            "test one for a demo",
            "certificate",
        )
    make_test_chain(instance, org, actor="system")
    found = signing_chain(instance, org)
    assert found is not None
    return found


# -- trust anchors of this instance's verifiers ----------------------------------------------

_anchor_cache: dict[tuple[tuple[str, int, int], ...], list[x509.Certificate]] = {}
_anchor_lock = threading.Lock()


def _stamp(paths: tuple[Path, ...], field: str) -> tuple[tuple[str, int, int], ...]:
    try:
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    except OSError as exc:
        raise Invalid(f"{field} file {exc.filename}: cannot be read", field) from None


def _file_anchors(
    paths: tuple[Path, ...], signer_paths: tuple[Path, ...] = ()
) -> list[x509.Certificate]:
    """The anchors of the configured files, re-read when a file changes."""
    key = (*_stamp(paths, "trust_anchors"), ("--signers--", 0, 0))
    key += _stamp(signer_paths, "trusted_list_signers")
    with _anchor_lock:
        if key not in _anchor_cache:
            signers: list[x509.Certificate] = []
            for path in signer_paths:
                try:
                    signers.extend(from_pem(path.read_bytes()))
                except (OSError, CertificateError) as exc:
                    raise Invalid(
                        f"{path}: not a PEM certificate file ({exc})", "trusted_list_signers"
                    ) from None
            try:
                anchors = load_anchor_files(paths, signers=signers)
            except TrustAnchorFileError as exc:
                raise Invalid(str(exc), "trust_anchors") from None
            _anchor_cache.clear()
            _anchor_cache[key] = anchors
        return list(_anchor_cache[key])


def anchors_for(settings: Settings, instance: Instance | None = None) -> list[x509.Certificate]:
    """The configured anchors (``trust_anchors`` files; a trusted list signed by one of the
    ``trusted_list_signers`` when those are set), and the instance's test CA root when
    ``trust_test_ca`` is set and there is an instance."""
    anchors = _file_anchors(tuple(settings.trust_anchors), tuple(settings.trusted_list_signers))
    if instance is not None and settings.trust_test_ca:
        anchors.append(test_ca_root(instance))
    return anchors


def trust_anchors(instance: Instance) -> list[x509.Certificate]:
    return anchors_for(instance.settings, instance)


def is_test_ca_certificate(certificate: x509.Certificate) -> bool:
    names = certificate.issuer.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    return any(attribute.value == TEST_CA_MARK for attribute in names)
