"""services/certificates: organisation chains, the instance's test CA, trust anchors."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from cryptography import x509
from sqlalchemy import select

from microcred.errors import Conflict, InvalidInput
from microcred.proofs import x509 as px
from microcred.proofs.keys import P256KeyPair
from microcred.services import certificates
from microcred.services.instance import Instance
from microcred.services.vcapi import ensure_p256_key
from microcred.services.verifying import verifier_context
from microcred.store.db import read_transaction
from microcred.store.tables import AuditEntry, InstanceTestCA

from .conftest import make_instance


def _p256(instance, org):
    key, _ = ensure_p256_key(instance, org.id)
    return px.ec_public_key(key.to_public_jwk())


def _outside_chain(org_key, *, days=365, now=None):
    """A chain from a CA that is not the instance's (an operator's real CA, say)."""
    ca = px.TestCA.create("Outside")
    chain = ca.issue_leaf(org_key, "Org", days=days, now=now)
    return ca, chain


def test_make_test_chain_is_for_the_org_key_and_says_test(instance, org):
    view = certificates.make_test_chain(instance, org.slug)
    assert view.is_test and view.source == "test_ca"
    assert "issuer.example" in view.dns_names  # the instance's host: x509_san_dns
    chain = certificates.chain_for(instance, org.slug)
    assert chain is not None and len(chain) == 2
    assert px.TEST_CA_MARK in chain[0].issuer.rfc4514_string()
    ca = certificates.test_ca(instance)
    assert ca.root not in chain
    leaf = px.verify_chain(
        px.x5c_header(chain), [ca.root], now=instance.now(), expected_key=_p256(instance, org)
    )
    assert px.x509_hash(leaf) == view.x509_hash


def test_test_ca_is_made_once_and_its_keys_are_encrypted_at_rest(instance):
    first = certificates.test_ca(instance)
    again = certificates.test_ca(instance)
    assert first.root == again.root
    with read_transaction(instance.sessions) as session:
        row = session.scalars(select(InstanceTestCA)).one()
        stored = row.certificates_pem + repr(row.encrypted_keys)
        blob = dict(row.encrypted_keys)
    assert "PRIVATE KEY" not in stored and "CERTIFICATE" in stored
    assert blob["alg"] == "A256GCM"
    # another instance secret cannot read it
    other = Instance(dataclasses.replace(instance.settings, secret_key="another-secret"))
    try:
        with pytest.raises(Exception, match="decrypt"):
            certificates.test_ca(other)
    finally:
        other.close()


def test_import_chain_accepts_the_org_key_and_leaves_out_the_root(instance, org):
    ca, chain = _outside_chain(_p256(instance, org))
    view = certificates.import_chain(instance, org.slug, px.to_pem([*chain, ca.root]))
    assert view.source == "imported" and not view.is_test and view.length == 2
    assert certificates.chain_for(instance, org.slug) == chain
    with read_transaction(instance.sessions) as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "certificate.import" in actions
    # the request an operator sends to a CA is for the same key, signed by it
    csr = x509.load_pem_x509_csr(certificates.request_for(instance, org.slug))
    assert csr.is_signature_valid
    assert csr.public_key() == _p256(instance, org)


def test_import_refuses_another_key_wrong_order_expired_self_signed_and_garbage(instance, org):
    _ca, stranger = _outside_chain(px.ec_public_key(P256KeyPair.generate().to_public_jwk()))
    with pytest.raises(InvalidInput, match="another key") as exc:
        certificates.import_chain(instance, org.slug, px.to_pem(stranger))
    assert exc.value.field == "certificate"
    key = _p256(instance, org)
    _ca, chain = _outside_chain(key)
    with pytest.raises(InvalidInput, match="CA certificate"):
        certificates.import_chain(instance, org.slug, px.to_pem(chain[::-1]))
    # leaf followed by someone else's intermediate: not issued by it
    other = px.TestCA.create("Other")
    with pytest.raises(InvalidInput, match="not issued by certificate 2"):
        certificates.import_chain(instance, org.slug, px.to_pem([chain[0], other.intermediate]))
    past = instance.now() - dt.timedelta(days=30)
    _ca, old = _outside_chain(key, days=10, now=past)
    with pytest.raises(InvalidInput, match="not valid now"):
        certificates.import_chain(instance, org.slug, px.to_pem(old))
    with pytest.raises(InvalidInput, match="not a PEM"):
        certificates.import_chain(instance, org.slug, b"hello")
    with pytest.raises(InvalidInput, match="64 KiB"):
        certificates.import_chain(instance, org.slug, b"x" * 70_000)
    with pytest.raises(InvalidInput, match="self-signed"):
        certificates.import_chain(instance, org.slug, px.to_pem([other.root]))
    assert certificates.chain_for(instance, org.slug) is None


def test_trust_anchors_follow_the_settings(tmp_path, database_url, org, instance):
    ca = certificates.test_ca(instance)
    assert certificates.trust_anchors(instance) == []  # secure default: nothing trusted
    anchors = tmp_path / "anchors.pem"
    outside = px.TestCA.create("Outside")
    anchors.write_bytes(px.to_pem([outside.root]))
    configured = Instance(
        dataclasses.replace(instance.settings, trust_anchors=(anchors,), trust_test_ca=True)
    )
    try:
        assert certificates.trust_anchors(configured) == [outside.root, ca.root]
        context = verifier_context(configured, now=configured.now())
        assert context.trust_anchors == (outside.root, ca.root)
        assert verifier_context(instance, now=instance.now()).trust_anchors == ()
    finally:
        configured.close()
    missing = dataclasses.replace(instance.settings, trust_anchors=(tmp_path / "none.pem",))
    with pytest.raises(InvalidInput, match=r"none\.pem") as exc:
        certificates.anchors_for(missing)
    assert exc.value.field == "trust_anchors"


def test_verifier_access_chain_needs_a_chain_unless_the_test_ca_is_trusted(tmp_path, database_url):
    plain = make_instance(tmp_path / "a", database_url)
    try:
        from microcred.services import organisations

        org = organisations.create(plain, name="Employer", country="LV")
        with pytest.raises(Conflict, match="no certificate"):
            certificates.verifier_access_chain(plain, org.slug)
    finally:
        plain.close()
    demo = Instance(dataclasses.replace(plain.settings, trust_test_ca=True))
    try:
        key, chain = certificates.verifier_access_chain(demo, org.slug)
        assert px.ec_public_key(key.to_public_jwk()) == chain[0].public_key()
        assert px.san_dns_names(chain[0]) == ["issuer.example"]
        _key, again = certificates.verifier_access_chain(demo, org.slug)
        assert again == chain  # made once
    finally:
        demo.close()
