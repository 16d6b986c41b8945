"""``/api/v1/orgs/{org}/certificate``: the organisation's X.509 chain for its P-256 key
(admin scope): show it, import one (PEM, leaf first), or have the instance's TEST CA make
one for a demo."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from microcred.api.deps import CanAdmin, InstanceDep
from microcred.api.errors import ORG_ROUTE_ERRORS, error_responses
from microcred.services import certificates
from microcred.services.certificates import MAX_PEM_BYTES, ChainView
from microcred.services.organisations import NotFound

router = APIRouter(
    prefix="/api/v1/orgs/{org}/certificate",
    tags=["certificates"],
    responses=ORG_ROUTE_ERRORS,
)


class CertificateImport(BaseModel):
    pem: str = Field(
        min_length=1,
        max_length=MAX_PEM_BYTES,
        description="PEM certificates: the organisation's own first, then its issuers",
    )


class CertificatePublic(BaseModel):
    org: str
    source: str = Field(description="imported, or test_ca (made by the instance's TEST CA)")
    test_ca: bool
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    x509_hash: str = Field(description="base64url SHA-256 of the DER leaf (OpenID4VP)")
    dns_names: list[str]
    length: int = Field(description="certificates in the chain (the trust anchor excluded)")
    pem: str


def _public(view: ChainView) -> CertificatePublic:
    return CertificatePublic(**view.to_json())


@router.get("", response_model=CertificatePublic, summary="The organisation's certificate chain")
def show_certificate(instance: InstanceDep, principal: CanAdmin) -> CertificatePublic:
    view = certificates.chain_view(instance, principal.org_id)
    if view is None:
        raise NotFound("the organisation has no certificate", "certificate")
    return _public(view)


@router.put(
    "",
    response_model=CertificatePublic,
    summary="Import a certificate chain for the organisation's P-256 key",
    responses=error_responses(400),
)
def import_certificate(
    instance: InstanceDep, principal: CanAdmin, body: CertificateImport
) -> CertificatePublic:
    return _public(
        certificates.import_chain(instance, principal.org_id, body.pem, actor=principal.actor)
    )


@router.post(
    "/test",
    response_model=CertificatePublic,
    status_code=201,
    summary="Have the instance's TEST CA make a chain (demos and tests only)",
    responses=error_responses(400),
)
def make_test_certificate(instance: InstanceDep, principal: CanAdmin) -> CertificatePublic:
    return _public(certificates.make_test_chain(instance, principal.org_id, actor=principal.actor))
