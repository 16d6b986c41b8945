"""W3C VC-API operations: sign a caller's credential as an organisation, verify credentials
and presentations against what this instance knows (its DID documents, status lists and
organisations as trusted issuers)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from microcred.formats.inputs import depth_exceeds
from microcred.jsonld.errors import JsonLdError
from microcred.proofs.dataintegrity import SUITE_KEY_TYPES, add_proof
from microcred.proofs.did import did_key_for
from microcred.proofs.errors import ProofError
from microcred.proofs.keys import KeyPair, P256KeyPair, load_key_file
from microcred.services import status_lists
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.issuing import default_canonicalizer
from microcred.services.organisations import Conflict, Invalid, NotFound, signing_key
from microcred.services.verifying import verifier_context
from microcred.store.db import transaction
from microcred.store.tables import IssuedCredential, Organisation, OrganisationKey
from microcred.verify import VerificationReport, verify_credential
from microcred.verify.data_model import VC_V1, VC_V2, credential_problems, date_time_stamp

P256_FRAGMENT = "key-p256"
DEFAULT_CRYPTOSUITE = "eddsa-rdfc-2022"
_RDFC_FOR_KEY = {"Ed25519": "eddsa-rdfc-2022", "P-256": "ecdsa-rdfc-2019"}
STORED_FORMAT = "vc"  # the credentials table's format of a credential signed through the VC-API
MAX_ID_LENGTH = 100  # the credentials table's id column


class VcApiError(Invalid):
    """A VC-API request that cannot be carried out as asked (the credential, its options)."""


class VcApiConflict(Conflict):
    """Two requests stored a credential under the same id at the same moment."""


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
                    created_at=instance.now(),
                )
            )
            record(
                session,
                org_id,
                "system",
                "key.create",
                P256_FRAGMENT,
                {"keyType": "P-256"},
                at=instance.now(),
            )
            session.flush()
    except IntegrityError:
        pass  # another request created it first
    found = existing()
    assert found is not None
    return found


DI_CONTEXTS = (
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/data-integrity/v1",
)


@dataclass(frozen=True)
class _Method:
    """One of the organisation's verification methods: its URL, controller (the DID the
    credential's issuer must be) and key."""

    url: str
    controller: str
    key: KeyPair


def _methods(instance: Instance, org_id: str, key_type: str) -> list[_Method]:
    """The organisation's verification methods for ``key_type``: on its did:web and on the
    did:key of the same key (either DID can be the issuer)."""
    if key_type == "P-256":
        key, vm = ensure_p256_key(instance, org_id)
    else:
        with transaction(instance.sessions) as session:
            org = session.get(Organisation, org_id)
            if org is None:
                raise NotFound("no such organisation", "org")
            key, vm = signing_key(instance, session, org)
    did_key = did_key_for(key)
    return [
        _Method(vm, vm.split("#", 1)[0], key),
        _Method(f"{did_key}#{key.public_multibase}", did_key, key),
    ]


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else None


def _choose_method(
    instance: Instance,
    org_id: str,
    credential: dict[str, Any],
    suite: str | None,
    verification_method: str | None,
) -> tuple[str, _Method]:
    """The cryptosuite and the key: ``options.verificationMethod`` when given, else the one
    on the DID the credential names as issuer (did:web or did:key), else the did:web one."""
    if verification_method is not None:
        for key_type in ("Ed25519", "P-256"):
            if suite is not None and SUITE_KEY_TYPES[suite] != key_type:
                continue
            for method in _methods(instance, org_id, key_type):
                if method.url == verification_method:
                    return suite or _RDFC_FOR_KEY[key_type], method
        raise VcApiError(
            f"{verification_method} is not a verification method of this organisation"
            + (f" for {suite}" if suite else "")
            + "; its did:web document lists its keys",
            "options.verificationMethod",
        )
    chosen = suite or DEFAULT_CRYPTOSUITE
    methods = _methods(instance, org_id, SUITE_KEY_TYPES[chosen])
    issuer = _issuer_id(credential)
    for method in methods:
        if issuer == method.controller:
            return chosen, method
    if suite is None and isinstance(issuer, str) and issuer.startswith("did:key:"):
        # no suite asked for and the issuer is a did:key of the other key type: its suite
        for method in _methods(instance, org_id, "P-256"):
            if issuer == method.controller:
                return _RDFC_FOR_KEY["P-256"], method
    return chosen, methods[0]


def _prepare(credential: dict[str, Any], method: _Method) -> dict[str, Any]:
    """The document to sign: the issuer filled in when the caller left it out, and the Data
    Integrity context added to a VC 1.1 credential whose contexts do not define the proof
    terms (the VC 2.0 context does)."""
    document = dict(credential)
    if "issuer" not in document:
        document["issuer"] = method.controller
    elif isinstance(document["issuer"], dict) and "id" not in document["issuer"]:
        document["issuer"] = {**document["issuer"], "id": method.controller}
    contexts = document.get("@context")
    items = contexts if isinstance(contexts, list) else [contexts]
    if items and items[0] == VC_V1 and not any(c in DI_CONTEXTS for c in items):
        document["@context"] = [*items, DI_CONTEXTS[0]]
    return document


def _refuse_problems(document: dict[str, Any]) -> None:
    problems = credential_problems(document)
    if problems:
        raise VcApiError(
            "the credential does not follow the VC data model: "
            + "; ".join(str(p) for p in problems),
            f"credential.{problems[0].field}",
        )


def _sign(
    instance: Instance, document: dict[str, Any], method: _Method, suite: str
) -> dict[str, Any]:
    try:
        return add_proof(
            document,
            method.key,
            verification_method=method.url,
            created=instance.now().replace(microsecond=0),
            canonicalize=default_canonicalizer(),
            cryptosuite=suite,
        )
    except JsonLdError as exc:
        raise VcApiError(f"the credential is not valid JSON-LD: {exc}", "credential") from None
    except (ProofError, ValueError, TypeError) as exc:
        raise VcApiError(f"the credential cannot be signed: {exc}", "credential") from None
    except (LookupError, AttributeError, RecursionError) as exc:
        # The JSON-LD processor failing on a hostile context (pyld: KeyError '@vocab' for
        # {"@vocab": null}) is a credential that is not valid JSON-LD, not a server error.
        raise VcApiError(
            f"the credential is not valid JSON-LD (its @context cannot be processed: "
            f"{type(exc).__name__} {str(exc)[:100]})",
            "credential",
        ) from None


def row_key_prefix(credential_id: str) -> str:
    """The row key of every stored credential signed through the VC-API with this id (the
    id itself may be long or reused: its digest keys it)."""
    return "vc-api:" + hashlib.sha256(credential_id.encode()).hexdigest()[:40] + ":"


def _stored_id(document: dict[str, Any]) -> str:
    """The id the credential is stored (and its status updated) under: its own, or a new
    ``urn:uuid:`` added to it."""
    if "id" not in document:
        document["id"] = f"urn:uuid:{uuid.uuid4()}"
    credential_id = document["id"]
    assert isinstance(credential_id, str)  # credential_problems checked it is one URL
    if len(credential_id) > MAX_ID_LENGTH:
        raise VcApiError(
            f"the credential id is longer than {MAX_ID_LENGTH} characters; leave it out and "
            f"one is made",
            "credential.id",
        )
    return credential_id


def _learner(document: dict[str, Any]) -> tuple[str, str]:
    subject = document.get("credentialSubject")
    first = subject[0] if isinstance(subject, list) else subject
    first = first if isinstance(first, dict) else {}
    name, subject_id = first.get("name"), first.get("id")
    return (
        name[:300] if isinstance(name, str) else "",
        subject_id[:500] if isinstance(subject_id, str) else "",
    )


def _is_vc11(document: dict[str, Any]) -> bool:
    contexts = document.get("@context")
    return isinstance(contexts, list) and bool(contexts) and contexts[0] == VC_V1


def has_status_entry(document: dict[str, Any]) -> bool:
    """Whether a stored VC-API credential names a status entry (a VC 1.1 one does not)."""
    return "credentialStatus" in document


def _store(
    instance: Instance,
    org_id: str,
    document: dict[str, Any],
    method: _Method,
    suite: str,
    actor: str,
) -> dict[str, Any]:
    """Give the credential a status entry, sign it and store it like any other credential,
    in one transaction (a credential that could not be stored is not handed out)."""
    credential_id = _stored_id(document)
    now = instance.now()
    with transaction(instance.sessions) as session:
        org = session.get(Organisation, org_id)
        if org is None:
            raise NotFound("no such organisation", "org")
        # The credential's own id may be used again (a caller's template): each issuance is
        # its own row, and a status update by that id reaches every one of them.
        row_id = credential_id
        if session.get(IssuedCredential, credential_id) is not None:
            row_id = f"urn:uuid:{uuid.uuid4()}"
        # Every stored credential holds a status-list slot (the table's invariant); only a
        # VC 2.0 credential names it: see issue() for why a VC 1.1 one does not.
        ((list_id, index),) = status_lists.allocate(session, org_id, 1, now=now)
        if not _is_vc11(document):
            document["credentialStatus"] = status_lists.entry(instance, org, list_id, index)
        signed = _sign(instance, document, method, suite)
        name, subject_id = _learner(signed)
        valid_from = date_time_stamp(signed.get("validFrom") or signed.get("issuanceDate"))
        session.add(
            IssuedCredential(
                id=row_id,
                org_id=org_id,
                spec_version_id=None,
                row_key=f"{row_key_prefix(credential_id)}{row_id}",
                learner_name=name,
                learner_id=subject_id,
                issued_on=valid_from or now,
                format=STORED_FORMAT,
                document=json.dumps(signed, ensure_ascii=False),
                status_list_id=list_id,
                status_index=index,
                revoked_at=None,
                revocation_reason=None,
                suspended=False,
                created_at=now,
            )
        )
        record(
            session,
            org_id,
            actor,
            "credential.sign",
            row_id,
            {
                "credentialId": credential_id[:200],
                "cryptosuite": suite,
                "via": "vc-api",
                "verificationMethod": method.url,
                "stored": True,
            },
            at=now,
        )
        try:
            session.flush()
        except IntegrityError:
            raise VcApiConflict(
                f"another credential with the id {credential_id} was stored at the same moment;"
                " send the request again",
                "credential.id",
            ) from None
    return signed


def issue(
    instance: Instance,
    org_id: str,
    credential: dict[str, Any],
    *,
    cryptosuite: str | None = None,
    verification_method: str | None = None,
    actor: str = "api",
) -> dict[str, Any]:
    """Sign ``credential`` as the organisation (Data Integrity); raises VcApiError.

    The credential is checked against the VC data model first (the rules the verifier's
    schema check applies), and its issuer must be the organisation: its did:web or the
    did:key of the signing key. Unless it brings a ``credentialStatus`` of its own, it gets
    the organisation's status entry and is stored (revocable and suspendable, by its id, like
    every issued credential); one with its own status is signed as it is, its status the
    caller's to keep.

    A VC 1.1 credential (``@context`` starting with the 2018 credentials context) gets no
    status entry: the Bitstring Status List is a VC 2.0 mechanism, whose terms only the
    ``https://www.w3.org/ns/credentials/status/v1`` context defines for VC 1.1, a context
    other verifiers (the W3C eddsa/ecdsa test suites' loaders) do not know. It is still
    signed, stored and audited; ``POST /credentials/status`` refuses to revoke or suspend it,
    as nothing in it could show the change."""
    if cryptosuite is not None and cryptosuite not in SUITE_KEY_TYPES:
        raise VcApiError(
            f"unsupported cryptosuite '{cryptosuite}'; use one of: "
            f"{', '.join(sorted(SUITE_KEY_TYPES))}",
            "options.cryptosuite",
        )
    if depth_exceeds(credential):
        raise VcApiError("the credential is nested too deeply", "credential")
    if "@context" not in credential:
        raise VcApiError(
            f"the credential has no @context; it must start with {VC_V2}", "credential.@context"
        )
    if "proof" in credential:
        raise VcApiError("the credential already has a proof", "credential.proof")
    suite, method = _choose_method(instance, org_id, credential, cryptosuite, verification_method)
    document = _prepare(credential, method)
    _refuse_problems(document)
    issuer = _issuer_id(document)
    if isinstance(issuer, str) and issuer != method.controller:
        raise VcApiError(
            f"this token signs as {method.controller}; the credential names another issuer "
            f"({issuer})",
            "credential.issuer",
        )
    if "credentialStatus" not in document:
        return _store(instance, org_id, document, method, suite, actor)
    signed = _sign(instance, document, method, suite)
    subject = signed.get("id") if isinstance(signed.get("id"), str) else None
    with transaction(instance.sessions) as session:
        record(
            session,
            org_id,
            actor,
            "credential.sign",
            (subject or f"urn:uuid:{uuid.uuid4()}")[:200],
            {"cryptosuite": suite, "via": "vc-api", "verificationMethod": method.url},
            at=instance.now(),
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
    require_binding: bool = False,
) -> dict[str, Any]:
    """The presentation report, as `microcred verify --challenge --domain --json` prints it."""
    from microcred.verify.presentation import verify_presentation as verify_vp

    report = verify_vp(
        presentation,
        verifier_context(instance, now=now),
        challenge=challenge,
        domain=domain,
        require_binding=require_binding,
    )
    data: dict[str, Any] = report.to_json()
    return data
