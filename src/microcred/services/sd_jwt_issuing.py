"""An issued credential record as an SD-JWT VC (``dc+sd-jwt``): a FORM of the record.

One award, one record, one status index: `issue_sd_jwt_vc` signs a fresh SD-JWT VC (new salts
every time) of a record already issued (`services.credentials.issue`), with the record's
status index in ``status.status_list`` (the IETF Token Status List served for the record's
list, `services.status_lists.token_status_url`), so that revoking or suspending the record
changes every form of it. The OpenID4VCI credential endpoint calls it with the wallet's key
(``cnf.jwk``); `microcred issue --format sd-jwt` and `microcred export --format sd-jwt` too.

Signed ES256 with the organisation's P-256 key (EdDSA with its Ed25519 key as an option):
the header has ``x5c`` (leaf first, no anchor) when the organisation has a certificate chain
for that key (`services.certificates`), else ``kid``, the DID URL of the key in its did:web
document. ``iss`` is the organisation's did:web, which that ``kid`` resolves against.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Literal

from microcred.formats.ob3_read import read_ob3
from microcred.formats.sd_jwt_type_metadata import vct_integrity
from microcred.formats.sd_jwt_vc import SD_JWT_VC_TYP, Signer, award_to_claims, vct_url
from microcred.model.award import Award
from microcred.proofs.errors import KeyUsageError
from microcred.proofs.keys import KeyPair, keypair_from_jwk
from microcred.proofs.sd_jwt import issue_sd_jwt
from microcred.proofs.x509 import x5c_header
from microcred.services import certificates, status_lists
from microcred.services.credentials import credential_row
from microcred.services.instance import Instance
from microcred.services.organisations import Conflict, Invalid, find, signing_key
from microcred.services.vcapi import ensure_p256_key
from microcred.store.db import read_transaction, transaction

__all__ = ["Algorithm", "check_holder_jwk", "issue_sd_jwt_vc", "sign_sd_jwt_vc"]

Algorithm = Literal["ES256", "EdDSA"]
MAX_JWK_MEMBERS = 20


def check_holder_jwk(jwk: Any) -> dict[str, Any]:
    """The holder's public JWK as ``cnf.jwk`` takes it (public members only); Invalid names
    what is wrong (a private key, a key type no verifier here reads)."""
    if not isinstance(jwk, dict) or len(jwk) > MAX_JWK_MEMBERS:
        raise Invalid("the holder key must be a JWK: a JSON object", "holder_jwk")
    if "d" in jwk:
        raise Invalid(
            "the holder key carries its private part (d); give only the public JWK",
            "holder_jwk",
        )
    try:
        key = keypair_from_jwk(jwk)
    except KeyUsageError as exc:
        raise Invalid(f"the holder key cannot be used: {exc}", "holder_jwk") from None
    return dict(key.to_public_jwk())


def sign_sd_jwt_vc(
    award: Award,
    key: KeyPair,
    *,
    signer: Signer,
    base_url: str,
    iat: int,
    kid: str | None = None,
    x5c: list[str] | None = None,
    holder_jwk: dict[str, Any] | None = None,
    status: dict[str, Any] | None = None,
) -> str:
    """The compact SD-JWT VC of ``award`` signed by ``key`` (``alg`` follows the key)."""
    if not key.has_private:
        raise Invalid("the key holds only a public key; issuing needs the private key", "key")
    header: dict[str, Any] = {"typ": SD_JWT_VC_TYP}
    if x5c:
        header["x5c"] = x5c
    elif kid:
        header["kid"] = kid
    plan = award_to_claims(
        award,
        signer,
        vct=vct_url(base_url),
        vct_integrity=vct_integrity(base_url),
        iat=iat,
        holder_jwk=check_holder_jwk(holder_jwk) if holder_jwk is not None else None,
        status=status,
    )
    return issue_sd_jwt(plan, key, header=header).serialize()


def _stored_award(document: str, fmt: str) -> Award:
    if fmt == "vc":
        raise Invalid(
            "this credential was signed through the VC-API as its caller wrote it; it is kept "
            "only in that form and cannot be issued as an SD-JWT VC",
            "format",
        )
    if fmt == "jwt":
        body = document.split(".")[1]
        credential = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    else:
        credential = json.loads(document)
    reading = read_ob3({k: v for k, v in credential.items() if k != "proof"})
    if reading.award is None:
        raise Conflict(
            "the stored credential cannot be read back into the model: "
            + ", ".join(reading.missing + reading.problems)
        )
    return reading.award


def _chain(instance: Instance, org: Any) -> list[str] | None:
    """The ``x5c`` of the organisation's certificate chain for its P-256 key, if it has one."""
    chain = certificates.chain_for(instance, org)
    return x5c_header(chain) if chain else None


def issue_sd_jwt_vc(
    instance: Instance,
    org_slug: str,
    credential_id: str,
    *,
    holder_jwk: dict[str, Any] | None,
    algorithm: Algorithm = "ES256",
) -> str:
    """A fresh SD-JWT VC of the issued credential ``credential_id`` of organisation
    ``org_slug``, bound to ``holder_jwk`` (``cnf.jwk``) when given. NotFound / Invalid /
    Conflict name the field."""
    with read_transaction(instance.sessions) as session:
        org = find(session, org_slug)
        org_id = org.id
    if algorithm == "ES256":
        key, vm = ensure_p256_key(instance, org_id)  # created on first use, like the VC-API's
    with transaction(instance.sessions) as session:
        row, org = credential_row(session, credential_id, org_slug)
        if algorithm == "EdDSA":
            key, vm = signing_key(instance, session, org)
        award = _stored_award(row.document, row.format)
        status = {
            "status_list": {
                "idx": row.status_index,
                "uri": status_lists.token_status_url(instance, org, row.status_list_id),
            }
        }
        signer = Signer(org.did_web, org.name, org.country)
        x5c = _chain(instance, org.slug) if algorithm == "ES256" else None
        return sign_sd_jwt_vc(
            award,
            key,
            signer=signer,
            base_url=instance.base_url,
            iat=int(instance.now().timestamp()),
            kid=vm,
            x5c=x5c,
            holder_jwk=holder_jwk,
            status=status,
        )
