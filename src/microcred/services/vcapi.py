"""W3C VC-API operations: sign a caller's credential as an organisation, verify credentials
and presentations against what this instance knows (its DID documents, status lists and
organisations as trusted issuers)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from microcred.formats.inputs import depth_exceeds
from microcred.jsonld.errors import JsonLdError
from microcred.proofs.dataintegrity import SUITE_KEY_TYPES
from microcred.proofs.errors import ProofError
from microcred.proofs.keys import KeyPair, P256KeyPair, load_key_file
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.issuing import default_canonicalizer, sign_credential
from microcred.services.organisations import Invalid, NotFound, signing_key
from microcred.services.verifying import verifier_context
from microcred.store.db import transaction
from microcred.store.tables import Organisation, OrganisationKey
from microcred.verify import VerificationReport, verify_credential

P256_FRAGMENT = "key-p256"
DEFAULT_CRYPTOSUITE = "eddsa-rdfc-2022"


class VcApiError(Invalid):
    """A VC-API request that cannot be carried out as asked (the credential, its options)."""


def _load_row_key(instance: Instance, row: OrganisationKey) -> KeyPair:
    return load_key_file(
        {
            "type": "Multikey",
            "keyType": row.key_type,
            "publicKeyMultibase": row.public_multibase,
            "encryptedPrivateKey": row.encrypted_private,
        },
        encryption_key=instance.secret,
    )


def ensure_p256_key(instance: Instance, org_id: str) -> tuple[KeyPair, str]:
    """The organisation's P-256 key for ``ecdsa-rdfc-2019``, created on first use.

    It is stored like the Ed25519 key (encrypted at rest) and listed in the org's did:web
    document as ``#key-p256``. It is stored with ``active=False`` so that the
    organisation's default signing key (the active Ed25519 one) stays unambiguous.
    """

    def existing() -> tuple[KeyPair, str] | None:
        with transaction(instance.sessions) as session:
            org = session.get(Organisation, org_id)
            if org is None:
                raise NotFound("no such organisation", "org")
            row = session.scalar(
                select(OrganisationKey).where(
                    OrganisationKey.org_id == org_id, OrganisationKey.key_type == "P-256"
                )
            )
            if row is None:
                return None
            return _load_row_key(instance, row), f"{org.did_web}#{row.fragment}"

    found = existing()
    if found is not None:
        return found
    key = P256KeyPair.generate()
    try:
        with transaction(instance.sessions) as session:
            org = session.get(Organisation, org_id)
            assert org is not None
            session.add(
                OrganisationKey(
                    org_id=org_id,
                    fragment=P256_FRAGMENT,
                    key_type=key.key_type,
                    public_multibase=key.public_multibase,
                    encrypted_private=key.export_private(instance.secret)["encryptedPrivateKey"],
                    active=False,
                    created_at=datetime.now(UTC),
                )
            )
            record(session, org_id, "system", "key.create", P256_FRAGMENT, {"keyType": "P-256"})
            session.flush()
    except IntegrityError:
        pass  # another request created it first
    found = existing()
    assert found is not None
    return found


def _issuer_of(credential: dict[str, Any]) -> tuple[str | None, bool]:
    """(issuer id, whether an issuer was given at all)."""
    issuer = credential.get("issuer")
    if issuer is None:
        return None, False
    if isinstance(issuer, str):
        return issuer, True
    if isinstance(issuer, dict):
        value = issuer.get("id")
        return (value if isinstance(value, str) else None), True
    raise VcApiError("issuer must be a string or an object with an id", "credential.issuer")


def issue(
    instance: Instance,
    org_id: str,
    credential: dict[str, Any],
    *,
    cryptosuite: str | None = None,
    actor: str = "api",
) -> dict[str, Any]:
    """Sign ``credential`` as the organisation (Data Integrity); raises VcApiError."""
    suite = cryptosuite or DEFAULT_CRYPTOSUITE
    if suite not in SUITE_KEY_TYPES:
        raise VcApiError(
            f"unsupported cryptosuite '{suite}'; use one of: {', '.join(sorted(SUITE_KEY_TYPES))}",
            "options.cryptosuite",
        )
    if depth_exceeds(credential):
        raise VcApiError("the credential is nested too deeply", "credential")
    if "@context" not in credential:
        raise VcApiError("the credential has no @context", "credential.@context")
    if "proof" in credential:
        raise VcApiError("the credential already has a proof", "credential.proof")
    document = dict(credential)
    key: KeyPair | None = None
    vm = ""
    with transaction(instance.sessions) as session:
        org = session.get(Organisation, org_id)
        if org is None:
            raise NotFound("no such organisation", "org")
        did = org.did_web
        if suite == "eddsa-rdfc-2022":
            key, vm = signing_key(instance, session, org)
    issuer, given = _issuer_of(document)
    if not given:
        document["issuer"] = did
    elif issuer is None:
        document["issuer"] = {**document["issuer"], "id": did}
    elif issuer != did:
        raise VcApiError(
            f"this token signs as {did}; the credential names another issuer ({issuer})",
            "credential.issuer",
        )
    if suite == "ecdsa-rdfc-2019":
        key, vm = ensure_p256_key(instance, org_id)
    assert key is not None
    try:
        signed = sign_credential(
            document, key, verification_method=vm, canonicalize=default_canonicalizer()
        )
    except JsonLdError as exc:
        raise VcApiError(f"the credential is not valid JSON-LD: {exc}", "credential") from None
    except (ProofError, ValueError, TypeError) as exc:
        raise VcApiError(f"the credential cannot be signed: {exc}", "credential") from None
    except (LookupError, AttributeError) as exc:
        # The JSON-LD processor failing on a hostile context (pyld: KeyError '@vocab' for
        # {"@vocab": null}) is a credential that is not valid JSON-LD, not a server error.
        raise VcApiError(
            f"the credential is not valid JSON-LD (its @context cannot be processed: "
            f"{type(exc).__name__} {str(exc)[:100]})",
            "credential",
        ) from None
    subject = signed.get("id") if isinstance(signed.get("id"), str) else None
    with transaction(instance.sessions) as session:
        record(
            session,
            org_id,
            actor,
            "credential.sign",
            (subject or f"urn:uuid:{uuid.uuid4()}")[:200],
            {"cryptosuite": suite, "via": "vc-api"},
        )
    return signed


def verify(
    instance: Instance, raw: dict[str, Any] | str | bytes, *, now: datetime
) -> VerificationReport:
    return verify_credential(raw, verifier_context(instance, now=now))


@dataclass
class PresentationResult:
    checks: list[dict[str, str]] = field(default_factory=list)
    credentials: list[dict[str, Any]] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return all(c["status"] in ("pass", "warn", "skip") for c in self.checks) and all(
            r["valid"] for r in self.credentials
        )

    def to_json(self) -> dict[str, Any]:
        return {"verified": self.verified, "checks": self.checks, "credentials": self.credentials}


def _types(node: dict[str, Any]) -> list[Any]:
    value = node.get("type")
    return value if isinstance(value, list) else [value]


def verify_presentation(
    instance: Instance,
    presentation: dict[str, Any],
    *,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
) -> PresentationResult:
    """The presentation's proof (authentication, challenge, domain), holder binding and each
    credential in it: the same pipeline as `microcred verify --challenge --domain`."""
    from microcred.verify.presentation import verify_presentation as verify_vp

    report = verify_vp(
        presentation, verifier_context(instance, now=now), challenge=challenge, domain=domain
    )
    data = report.to_json()
    result = PresentationResult()
    result.checks.extend(dict(c) for c in data["checks"])
    result.credentials.extend(data["credentials"])
    return result


def verify_presentation_report(
    instance: Instance,
    presentation: dict[str, Any] | str | bytes,
    *,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """The presentation report, as `microcred verify --challenge --domain --json` prints it."""
    from microcred.verify.presentation import verify_presentation as verify_vp

    report = verify_vp(
        presentation, verifier_context(instance, now=now), challenge=challenge, domain=domain
    )
    data: dict[str, Any] = report.to_json()
    return data
