"""Stacked credentials: signed for a positive decision (with a status list entry and an
issuing record, like any credential the authority issues) and verified against their
components."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from microcred.model.multilingual import pick
from microcred.model.spec import AwardingBody
from microcred.services import organisations, status_lists
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.issuing import sign_credential
from microcred.services.verifying import verifier_context
from microcred.services.versions import same_or_next_version
from microcred.stacking import (
    Component,
    Pathway,
    StackedReport,
    build_stacked_credential,
    components_in,
    verify_stacked,
)
from microcred.store.db import transaction
from microcred.store.tables import (
    IssuedCredential,
    Organisation,
    PathwayVersion,
    SpecificationVersion,
)


def issue_stacked(
    instance: Instance,
    session: Session,
    org: Organisation,
    pathway: Pathway,
    pathway_row: PathwayVersion,
    *,
    credential_id: str,
    holder_name: str,
    holder_did: str,
    components: list[Component],
    ects: Decimal | None,
    decided_at: datetime,
    outcome: str,
    reasons: list[str],
    actor: str,
) -> dict[str, Any]:
    """Sign the stacked credential with the authority's key, with a status list entry (so the
    authority can revoke it like any credential it issued) and an issuing record."""
    body = AwardingBody(name={"en": org.name}, country=org.country, id=org.did_web, url=org.url)
    spec = pathway.target.specification(body)
    spec_key = spec.id or f"pathway-target:{pathway.id}"
    spec_row = _target_spec_row(session, org, spec_key, spec.to_data(), instance.now())
    ((list_id, index),) = status_lists.allocate(session, org.id, 1, now=instance.now())
    key, vm = organisations.signing_key(instance, session, org)
    unsigned = build_stacked_credential(
        pathway,
        credential_id=credential_id,
        authority=body,
        issuer_id=org.did_web,
        issuer_profile=organisations.issuer_profile(org),
        holder_name=holder_name,
        holder_id=holder_did,
        components=components,
        ects_recognised=ects,
        decided_at=decided_at,
        outcome=outcome,
        reasons=reasons,
        credential_status=status_lists.entry(instance, org, list_id, index),
    )
    signed = sign_credential(unsigned, key, verification_method=vm, created=decided_at)
    session.add(
        IssuedCredential(
            id=credential_id,
            org_id=org.id,
            spec_version_id=spec_row,
            row_key=f"recognition:{credential_id}",
            learner_name=holder_name,
            learner_id=holder_did,
            issued_on=decided_at,
            format="ob3",
            document=json.dumps(signed, ensure_ascii=False),
            status_list_id=list_id,
            status_index=index,
            revoked_at=None,
            revocation_reason=None,
            suspended=False,
            created_at=instance.now(),
        )
    )
    record(
        session,
        org.id,
        actor,
        "credential.issue",
        credential_id,
        {"spec_version_id": spec_row, "pathway_id": pathway_row.id, "stacked": True},
        at=instance.now(),
    )
    return signed


def _target_spec_row(
    session: Session, org: Organisation, spec_key: str, data: dict[str, Any], now: datetime
) -> str:
    """The pathway target as a specification version of the authority (what it awards)."""
    row, created = same_or_next_version(
        session,
        SpecificationVersion,
        org_id=org.id,
        key_field="spec_key",
        key=spec_key,
        data=data,
        title=str(pick(data["title"]))[:500],
        now=now,
    )
    if created:
        session.flush()
    return row.id


def revocation_dates(instance: Instance) -> Any:
    """When a credential this instance issued was revoked (from its own records), else None."""

    def lookup(credential_id: str) -> datetime | None:
        with transaction(instance.sessions) as session:
            row = session.get(IssuedCredential, credential_id)
            return row.revoked_at if row is not None else None

    return lookup


def verify_stacked_document(
    instance: Instance,
    credential: dict[str, Any] | str | bytes,
    bundle: Any,
    *,
    now: datetime | None = None,
) -> StackedReport:
    """Verify a stacked credential against the components in a bundle or presentation."""
    ctx = verifier_context(instance, now=now or instance.now())
    return verify_stacked(
        credential, components_in(bundle), ctx, revoked_at=revocation_dates(instance)
    )
