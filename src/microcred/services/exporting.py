"""Exporting an issued credential as OB3, VC-JWT or a European Learning Model credential."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from microcred.formats.elm import award_to_elm
from microcred.formats.ob3_read import read_ob3
from microcred.formats.registry import EXPORTABLE, FormatName
from microcred.proofs.jose import sign_vc_jwt
from microcred.services.credentials import credential_row
from microcred.services.instance import Instance
from microcred.services.issuing import sign_credential
from microcred.services.organisations import Conflict, Invalid, signing_key
from microcred.store.db import transaction

DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"
FORMATS = EXPORTABLE


def _stored_ob3(document: str, fmt: str) -> dict[str, Any]:
    if fmt == FormatName.JWT:
        import base64

        body = document.split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))
    return dict(json.loads(document))


def export(
    instance: Instance, credential_id: str, fmt: str, *, org_ref: str | None = None
) -> dict[str, Any] | str:
    """The credential in `fmt`; JWT and ELM are signed now with the organisation's key.

    The ELM credential is secured with a Data Integrity proof (eddsa-rdfc-2022): a
    qualified electronic seal, as Europass EDC uses, is outside what this instance can do.
    """
    if fmt not in FORMATS:
        raise Invalid(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}", "format")
    if fmt == FormatName.SD_JWT:  # a fresh one (new salts), not bound to a holder key
        from microcred.services.credentials import get
        from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc

        slug = get(instance, credential_id, org_ref=org_ref).org
        return issue_sd_jwt_vc(instance, slug, credential_id, holder_jwk=None)
    with transaction(instance.sessions) as session:
        row, org = credential_row(session, credential_id, org_ref)
        if row.format == "vc":
            # signed through the VC-API from the caller's JSON: not an award of ours to recast
            raise Invalid(
                "this credential was signed through the VC-API as its caller wrote it; it is "
                "kept only in that form and cannot be exported to another format",
                "format",
            )
        if fmt == row.format:
            return row.document if fmt == FormatName.JWT else dict(json.loads(row.document))
        credential = _stored_ob3(row.document, row.format)
        key, vm = signing_key(instance, session, org)
        return _convert(credential, fmt, key, vm, org.did_web, instance.now())


ELM_CREDENTIAL_STATUS = "elm:CredentialStatus"
_PURPOSE_ORDER = ("message", "revocation", "suspension")


def elm_status(entries: Any) -> dict[str, Any] | None:
    """The one status node an ELM credential may carry (edc-generic-full 3.2 shapes).

    The shapes allow one `credentialStatus`, an IRI node of class `elm:CredentialStatus`:
    the entry that says the most (a `message` entry covers revocation and suspension; of
    an older credential's revocation and suspension pair, the revocation), with that class
    added to its types and an id (its list and index) when it has none.
    """
    found: list[dict[str, Any]] = [
        e for e in (entries if isinstance(entries, list) else [entries]) if isinstance(e, dict)
    ]
    if not found:
        return None
    rank = {purpose: i for i, purpose in enumerate(_PURPOSE_ORDER)}
    chosen = min(found, key=lambda e: rank.get(str(e.get("statusPurpose")), len(rank)))
    entry: dict[str, Any] = dict(chosen)
    types = entry.get("type")
    types = types if isinstance(types, list) else [types] if types else []
    entry["type"] = [*types, ELM_CREDENTIAL_STATUS]
    if not isinstance(entry.get("id"), str):
        entry = {
            "id": f"{entry.get('statusListCredential')}#{entry.get('statusListIndex')}",
            **entry,
        }
    return entry


def _convert(
    credential: dict[str, Any], fmt: str, key: Any, vm: str, issuer: str, now: datetime
) -> dict[str, Any] | str:
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    if fmt == FormatName.JWT:
        return sign_vc_jwt(unsigned, key, kid=vm)
    if fmt == FormatName.OB3:
        return sign_credential(
            unsigned, key, verification_method=vm, created=now.replace(microsecond=0)
        )
    reading = read_ob3(unsigned)
    if reading.award is None:
        raise Conflict(
            "the stored credential cannot be read back into the model: "
            + ", ".join(reading.missing + reading.problems)
        )
    elm = award_to_elm(reading.award, issuer_id=issuer, credential_id=unsigned.get("id"))
    elm["@context"] = [*elm["@context"], DATA_INTEGRITY_V2]
    status = elm_status(unsigned.get("credentialStatus"))
    if status is not None:
        # VC 1.1 has no Bitstring Status List terms: add their context to keep revocation working.
        elm["@context"].insert(2, STATUS_LIST_V1)
        elm["credentialStatus"] = status
    return sign_credential(elm, key, verification_method=vm, created=now.replace(microsecond=0))
