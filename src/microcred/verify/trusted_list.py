"""Trust anchors from files: PEM CA certificates and ETSI TS 119 612 trusted lists (XML).

A trusted list (TS 119 612 v2.x, namespace ``http://uri.etsi.org/02231/v2#``) names trust
service providers; each ``TSPService`` carries its certificates in
``ServiceInformation/ServiceDigitalIdentity/DigitalId/X509Certificate`` (standard base64
DER). Only services whose current ``ServiceStatus`` is one of the "in force" statuses
(granted, recognised at national level, under supervision, accredited, set by national law)
give anchors; withdrawn or ceased services, and the ``OtherTSLPointer`` certificates of a
list of lists (they sign lists, not credentials), give none.

The list's own XML signature (XAdES, enveloped) is checked with signxml when the operator
gives the certificates of the lists' operators (``signers``): the list must be signed by
one of them, and only the signed content is read (no signature wrapping). Without signers
the list is a local file the operator vouches for (taken from the authentic source). The
XML is parsed with defusedxml first (no DTD, no entities, no external references) and is
size-bounded.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from microcred.proofs.x509 import CertificateError, from_pem

TSL_NS = "http://uri.etsi.org/02231/v2#"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
MAX_FILE_BYTES = 16 * 1024 * 1024  # the EU list of lists and national lists are < 5 MB
IN_FORCE_STATUSES = frozenset(
    {
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted",
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/recognisedatnationallevel",
        # TS 119 612 v1 statuses, still in older lists
        "http://uri.etsi.org/TrstSvc/Svcstatus/undersupervision",
        "http://uri.etsi.org/TrstSvc/Svcstatus/accredited",
        "http://uri.etsi.org/TrstSvc/Svcstatus/setbynationallaw",
    }
)


class TrustAnchorFileError(ValueError):
    """A trust anchor file cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class ListedService:
    """One service of a trusted list with the certificates it gives as anchors."""

    provider: str
    name: str
    service_type: str
    status: str
    certificates: tuple[x509.Certificate, ...]

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE_STATUSES


def _q(name: str) -> str:
    return f"{{{TSL_NS}}}{name}"


def _text(node: Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""


def _first_name(node: Element | None) -> str:
    if node is None:
        return ""
    return _text(node.find(_q("Name")))


def parse_trusted_list(data: bytes, *, source: str = "trusted list") -> list[ListedService]:
    """Every ``TSPService`` of a TS 119 612 list, with its X509Certificate digital ids."""
    if len(data) > MAX_FILE_BYTES:
        raise TrustAnchorFileError(f"{source}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise TrustAnchorFileError(f"{source}: not well-formed or unsafe XML ({exc})") from None
    if root.tag != _q("TrustServiceStatusList"):
        raise TrustAnchorFileError(
            f"{source}: not an ETSI TS 119 612 trusted list (root element "
            f"TrustServiceStatusList in {TSL_NS})"
        )
    services: list[ListedService] = []
    for provider in root.iter(_q("TrustServiceProvider")):
        provider_name = _first_name(provider.find(f"{_q('TSPInformation')}/{_q('TSPName')}"))
        for service in provider.iter(_q("TSPService")):
            info = service.find(_q("ServiceInformation"))
            if info is None:
                continue
            certificates: list[x509.Certificate] = []
            for index, node in enumerate(
                info.iterfind(
                    f"{_q('ServiceDigitalIdentity')}/{_q('DigitalId')}/{_q('X509Certificate')}"
                )
            ):
                try:
                    der = base64.b64decode("".join(_text(node).split()), validate=True)
                    certificates.append(x509.load_der_x509_certificate(der))
                except (binascii.Error, ValueError):
                    raise TrustAnchorFileError(
                        f"{source}: {provider_name or 'a provider'}: X509Certificate "
                        f"#{index + 1} is not base64 DER"
                    ) from None
            services.append(
                ListedService(
                    provider=provider_name,
                    name=_first_name(info.find(_q("ServiceName"))),
                    service_type=_text(info.find(_q("ServiceTypeIdentifier"))),
                    status=_text(info.find(_q("ServiceStatus"))),
                    certificates=tuple(certificates),
                )
            )
    return services


def signed_content(
    data: bytes, signers: Sequence[x509.Certificate], *, source: str = "trusted list"
) -> bytes:
    """The part of an XML list its enveloped signature covers, when that signature verifies
    with one of ``signers``; ``TrustAnchorFileError`` otherwise."""
    try:
        tree = ElementTree.fromstring(data)  # defusedxml: refuse DTDs and entities first
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise TrustAnchorFileError(f"{source}: not well-formed or unsafe XML ({exc})") from None
    signature = tree.find(f"{{{DSIG_NS}}}Signature")
    if signature is None:
        raise TrustAnchorFileError(f"{source}: the list is not signed (no ds:Signature)")
    references = len(signature.findall(f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}Reference"))
    if not 1 <= references <= 4:
        raise TrustAnchorFileError(f"{source}: the list's signature has {references} references")
    from lxml import etree
    from signxml.exceptions import SignXMLException
    from signxml.verifier import SignatureConfiguration, XMLVerifier

    config = SignatureConfiguration(expect_references=references)
    for signer in signers:
        try:
            found = XMLVerifier().verify(data, x509_cert=signer, expect_config=config)
        except (SignXMLException, ValueError):
            continue  # not this signer (or not a valid signature at all)
        results = found if isinstance(found, list) else [found]
        for result in results:  # XAdES also signs its SignedProperties: take the list
            element = result.signed_xml
            if element is not None and element.tag == _q("TrustServiceStatusList"):
                return bytes(etree.tostring(element))
    raise TrustAnchorFileError(
        f"{source}: the list's XML signature does not verify with any configured trusted-list "
        "signer certificate"
    )


def anchors_from_bytes(
    data: bytes, *, source: str, signers: Sequence[x509.Certificate] = ()
) -> list[x509.Certificate]:
    """The anchors of one file: a PEM certificate list, or a TS 119 612 XML list (the
    certificates of its services in force; with ``signers``, of its signed content only)."""
    head = data.lstrip()[:200]
    if head.startswith(b"<"):
        if signers:
            data = signed_content(data, signers, source=source)
        return [
            certificate
            for service in parse_trusted_list(data, source=source)
            if service.in_force
            for certificate in service.certificates
        ]
    try:
        return from_pem(data)
    except CertificateError as exc:
        raise TrustAnchorFileError(
            f"{source}: neither PEM certificates nor a TS 119 612 XML trusted list ({exc})"
        ) from None


def load_anchor_files(
    paths: Iterable[Path], *, signers: Sequence[x509.Certificate] = ()
) -> list[x509.Certificate]:
    """The anchors of every file, in order, without duplicates (``signers``: the
    certificates a TS 119 612 list must be signed by)."""
    seen: set[bytes] = set()
    out: list[x509.Certificate] = []
    for path in paths:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise TrustAnchorFileError(f"{path}: larger than 16 MB")
            data = path.read_bytes()
        except OSError as exc:
            raise TrustAnchorFileError(f"{path}: cannot be read ({exc.strerror})") from None
        for certificate in anchors_from_bytes(data, source=str(path), signers=signers):
            fingerprint = certificate.fingerprint(hashes.SHA256())
            if fingerprint not in seen:
                seen.add(fingerprint)
                out.append(certificate)
    return out
