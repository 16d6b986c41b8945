"""Issuing a signed credential from an award and a key (the file-based flow).

Issuing raises: a bad key or award is an error to fix, not a report.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from microcred.clock import system_clock
from microcred.errors import InvalidInput
from microcred.formats.ob3 import award_to_ob3
from microcred.formats.registry import FormatName
from microcred.jsonld.fast_rdf import canonicalize_fast
from microcred.model.award import Award
from microcred.proofs.dataintegrity import add_proof
from microcred.proofs.did import did_key_for
from microcred.proofs.jose import sign_vc_jwt
from microcred.proofs.keys import KeyPair


class IssuingError(InvalidInput):
    """The key or the award cannot be used to issue (a public key only, a key type)."""


def default_canonicalizer() -> Callable[[dict[str, Any]], str]:
    """The compiled fast path (falls back to the general path; proven identical by differential tests)."""
    return canonicalize_fast


def sign_credential(
    credential: dict[str, Any],
    key: KeyPair,
    *,
    verification_method: str,
    created: datetime | None = None,
    canonicalize: Callable[[dict[str, Any]], str] | None = None,
) -> dict[str, Any]:
    return add_proof(
        credential,
        key,
        verification_method=verification_method,
        # A library call with no Instance (the facade's issue_award): the system's clock,
        # unless the caller says when. Services with an Instance always pass created=.
        created=created or system_clock().replace(microsecond=0),
        canonicalize=canonicalize or default_canonicalizer(),
    )


def issue_award(
    award: Award,
    key: KeyPair,
    *,
    issuer_id: str | None = None,
    verification_method: str | None = None,
    fmt: FormatName = FormatName.OB3,
    credential_status: dict[str, Any] | list[dict[str, Any]] | None = None,
    created: datetime | None = None,
    issuer_profile: dict[str, Any] | None = None,
    base_url: str | None = None,
    holder_jwk: dict[str, Any] | None = None,
) -> dict[str, Any] | str:
    """The award as a signed OB3 credential (Data Integrity), a vc+jwt string, or an SD-JWT VC
    string (its ``vct`` at ``base_url``, the instance's; no status without a record)."""
    if not key.has_private:
        raise IssuingError("the key file holds only a public key; issuing needs the private key")
    issuer = issuer_id or did_key_for(key)
    vm = verification_method or (
        f"{issuer}#{key.public_multibase}" if issuer.startswith("did:key:") else f"{issuer}#key-1"
    )
    credential = award_to_ob3(
        award, issuer_id=issuer, credential_status=credential_status, issuer_profile=issuer_profile
    )
    if fmt == FormatName.JWT:
        return sign_vc_jwt(credential, key, kid=vm)
    if fmt == FormatName.SD_JWT:
        return _sd_jwt_vc(award, key, issuer, vm, created, issuer_profile, base_url, holder_jwk)
    return sign_credential(credential, key, verification_method=vm, created=created)


def _sd_jwt_vc(
    award: Award,
    key: KeyPair,
    issuer: str,
    kid: str,
    created: datetime | None,
    profile: dict[str, Any] | None,
    base_url: str | None,
    holder_jwk: dict[str, Any] | None = None,
) -> str:
    """The award as an SD-JWT VC signed with ``key`` (``kid`` names it), without a record."""
    from microcred.formats.sd_jwt_vc import Signer
    from microcred.model.multilingual import pick
    from microcred.services.sd_jwt_issuing import sign_sd_jwt_vc
    from microcred.settings import Settings

    body = award.spec.awarding_body
    name = profile.get("name") if profile else None
    country = (profile or {}).get("address", {}).get("addressCountryCode")
    signer = Signer(issuer, str(name or pick(body.name)), str(country or body.country))
    moment = created or award.issued_on  # as OB3 says validFrom: the date of issue
    return sign_sd_jwt_vc(
        award,
        key,
        signer=signer,
        base_url=base_url or Settings.base_url,
        iat=int(moment.timestamp()),
        kid=kid,
        holder_jwk=holder_jwk,
    )
