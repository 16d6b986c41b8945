"""verify/x509_trust and verify/trusted_list: the issuer certificate check and the anchor
files (PEM, ETSI TS 119 612 trusted-list XML)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization

from microcred.proofs import x509 as px
from microcred.proofs.keys import P256KeyPair
from microcred.verify.meanings import MEANINGS
from microcred.verify.report import Check, CheckList, overall
from microcred.verify.trusted_list import (
    TrustAnchorFileError,
    anchors_from_bytes,
    load_anchor_files,
    parse_trusted_list,
)
from microcred.verify.x509_trust import CODES, issuer_certificate_check

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
GRANTED = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
WITHDRAWN = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"


@pytest.fixture(scope="module")
def ca() -> px.TestCA:
    return px.TestCA.create("Verify", now=NOW)


@pytest.fixture(scope="module")
def signer() -> P256KeyPair:
    return P256KeyPair.generate()


def _chain(ca: px.TestCA, signer: P256KeyPair) -> list[str]:
    return px.x5c_header(ca.issue_leaf(px.ec_public_key(signer.to_public_jwk()), "Org", now=NOW))


def _b64(certificate) -> str:
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def trusted_list_xml(services: list[tuple[str, str, list[str]]]) -> bytes:
    """A small TS 119 612 v2 list: (service name, status, [base64 certificates]) each."""
    blocks = []
    for name, status, certificates in services:
        ids = "".join(
            f"<tsl:DigitalId><tsl:X509Certificate>{c}</tsl:X509Certificate></tsl:DigitalId>"
            for c in certificates
        )
        blocks.append(
            f"""<tsl:TSPService><tsl:ServiceInformation>
            <tsl:ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</tsl:ServiceTypeIdentifier>
            <tsl:ServiceName><tsl:Name xml:lang="en">{name}</tsl:Name></tsl:ServiceName>
            <tsl:ServiceDigitalIdentity>{ids}</tsl:ServiceDigitalIdentity>
            <tsl:ServiceStatus>{status}</tsl:ServiceStatus>
            </tsl:ServiceInformation></tsl:TSPService>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#" TSLTag="http://uri.etsi.org/19612/TSLTag">
 <tsl:SchemeInformation><tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier></tsl:SchemeInformation>
 <tsl:TrustServiceProviderList><tsl:TrustServiceProvider>
  <tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang="en">Test TSP</tsl:Name></tsl:TSPName></tsl:TSPInformation>
  <tsl:TSPServices>{"".join(blocks)}</tsl:TSPServices>
 </tsl:TrustServiceProvider></tsl:TrustServiceProviderList>
</tsl:TrustServiceStatusList>""".encode()


def test_trusted_chain_passes_and_names_the_test_ca(ca, signer):
    check = issuer_certificate_check(
        _chain(ca, signer), [ca.root], now=NOW, signing_key=signer.to_public_jwk()
    )
    assert (check.status, check.code) == ("pass", "issuer_certificate.test_ca")
    assert "TEST CA" in check.message


def test_no_anchor_is_unchecked_never_valid(ca, signer):
    check = issuer_certificate_check(_chain(ca, signer), [], now=NOW)
    assert (check.status, check.code) == ("warn", "issuer_certificate.no_anchor")
    checks = CheckList()
    checks.add(Check("proof", "pass", "", "proof.ok"))
    checks.add(Check("status", "skip", "", "status.none"))
    checks.add(check)
    assert checks.overall() == "unchecked"


def test_untrusted_chain_invalidates(ca, signer):
    other = px.TestCA.create("Elsewhere", now=NOW)
    check = issuer_certificate_check(_chain(ca, signer), [other.root], now=NOW)
    assert (check.status, check.code) == ("fail", "issuer_certificate.untrusted")
    assert overall([Check("proof", "pass", "", "proof.ok"), check]) == "invalid"


def test_key_mismatch_and_anchor_included_fail(ca, signer):
    wrong = issuer_certificate_check(
        _chain(ca, signer), [ca.root], now=NOW, signing_key=P256KeyPair.generate().to_public_jwk()
    )
    assert (wrong.status, wrong.code) == ("fail", "issuer_certificate.key_mismatch")
    included = issuer_certificate_check([*_chain(ca, signer), _b64(ca.root)], [ca.root], now=NOW)
    assert (included.status, included.code) == ("fail", "issuer_certificate.anchor_included")


def test_absent_check_leaves_other_credentials_valid():
    others = [Check("proof", "pass", "", "proof.ok"), Check("status", "skip", "", "status.none")]
    assert overall(others) == "valid"
    # skipped (CheckList.skip_rest: not applicable to this input) is as if absent
    skipped = Check("issuer_certificate", "skip", "not checked", "skipped")
    assert overall([*others, skipped]) == "valid"


def test_every_code_has_a_meaning():
    assert CODES <= set(MEANINGS)


def test_trusted_list_gives_the_certificates_of_services_in_force(ca):
    other = px.TestCA.create("Withdrawn", now=NOW)
    xml = trusted_list_xml(
        [("Granted CA", GRANTED, [_b64(ca.root)]), ("Old CA", WITHDRAWN, [_b64(other.root)])]
    )
    services = parse_trusted_list(xml)
    assert [(s.provider, s.name, s.in_force) for s in services] == [
        ("Test TSP", "Granted CA", True),
        ("Test TSP", "Old CA", False),
    ]
    assert services[0].certificates == (ca.root,)
    assert anchors_from_bytes(xml, source="tl.xml") == [ca.root]


def test_anchor_files_pem_and_xml_deduplicated(tmp_path, ca):
    pem = tmp_path / "anchors.pem"
    pem.write_bytes(px.to_pem([ca.root]))
    tl = tmp_path / "tl.xml"
    tl.write_bytes(trusted_list_xml([("CA", GRANTED, [_b64(ca.root)])]))
    assert load_anchor_files([pem, tl]) == [ca.root]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"<notalist/>", "TS 119 612"),
        (b"<tsl:TrustServiceStatusList xmlns:tsl='http://uri.etsi.org/02231/v2#'>", "XML"),
        (b"hello", "neither PEM"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
            "unsafe",
        ),
    ],
)
def test_bad_anchor_files_name_the_file(data, needle):
    with pytest.raises(TrustAnchorFileError) as exc:
        anchors_from_bytes(data, source="bad-file")
    assert "bad-file" in str(exc.value) and needle in str(exc.value)


def test_bad_certificate_in_list_is_named():
    xml = trusted_list_xml([("CA", GRANTED, ["bm90IGRlcg=="])])
    with pytest.raises(TrustAnchorFileError, match="Test TSP: X509Certificate #1"):
        parse_trusted_list(xml, source="tl.xml")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(TrustAnchorFileError, match=r"missing\.pem"):
        load_anchor_files([tmp_path / "missing.pem"])


def _signed_list(ca: px.TestCA, signer_key, signer_cert) -> bytes:
    from lxml import etree
    from signxml import XMLSigner
    from signxml.algorithms import SignatureMethod

    root = etree.fromstring(trusted_list_xml([("Granted CA", GRANTED, [_b64(ca.root)])]))
    signed = XMLSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256).sign(
        root, key=signer_key, cert=[signer_cert]
    )
    return bytes(etree.tostring(signed))


def test_signed_trusted_list_verifies_with_its_operator_only():
    from cryptography.hazmat.primitives.asymmetric import ec

    now = dt.datetime.now(dt.UTC)  # signxml checks the signer certificate at the current time
    ca = px.TestCA.create("Listed", now=now)
    operator_key = ec.generate_private_key(ec.SECP256R1())
    operator = ca.issue_leaf(operator_key.public_key(), "TL scheme operator", now=now)[0]
    data = _signed_list(ca, operator_key, operator)
    assert anchors_from_bytes(data, source="tl.xml", signers=[operator]) == [ca.root]

    someone_key = ec.generate_private_key(ec.SECP256R1())
    someone = ca.issue_leaf(someone_key.public_key(), "Someone else", now=now)[0]
    with pytest.raises(TrustAnchorFileError, match="does not verify"):
        anchors_from_bytes(data, source="tl.xml", signers=[someone])
    # a certificate added after signing (or any change) breaks the signature
    extra = px.TestCA.create("Smuggled", now=now)
    tampered = data.replace(
        b"</tsl:ServiceDigitalIdentity>",
        f"<tsl:DigitalId><tsl:X509Certificate>{_b64(extra.root)}</tsl:X509Certificate>"
        "</tsl:DigitalId></tsl:ServiceDigitalIdentity>".encode(),
    )
    with pytest.raises(TrustAnchorFileError, match="does not verify"):
        anchors_from_bytes(tampered, source="tl.xml", signers=[operator])
    # unsigned list when signers are configured
    with pytest.raises(TrustAnchorFileError, match="not signed"):
        anchors_from_bytes(
            trusted_list_xml([("CA", GRANTED, [_b64(ca.root)])]), source="tl", signers=[operator]
        )
