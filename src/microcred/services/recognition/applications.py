"""Evaluating a holder's wallet against a pathway, and the holder's applications."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.services import organisations
from microcred.services.audit import record
from microcred.services.holders import HolderInvalid
from microcred.services.holders import find as find_holder
from microcred.services.instance import Instance
from microcred.services.organisations import NotFound
from microcred.services.recognition.components import wallet_components
from microcred.services.recognition.pathways import PathwayView, find_pathway, get_pathway
from microcred.stacking import Component, Evaluation, evaluate
from microcred.store.db import transaction
from microcred.store.tables import (
    Holder,
    Organisation,
    PathwayVersion,
    RecognitionApplication,
    WalletCredential,
)


@dataclass(frozen=True)
class ApplicationView:
    id: str
    holder: str
    pathway_id: str
    pathway_key: str
    version: int
    org: str
    component_ids: list[str]
    evaluation: dict[str, Any]
    status: str
    created_at: datetime
    holder_name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "holder": self.holder,
            "pathway": {"id": self.pathway_id, "key": self.pathway_key, "version": self.version},
            "org": self.org,
            "component_ids": self.component_ids,
            "evaluation": self.evaluation,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
        }


def evaluate_holder(
    instance: Instance,
    pathway_ref: str,
    holder_ref: str,
    *,
    now: datetime | None = None,
    lang: str | None = None,
) -> tuple[PathwayView, Evaluation, list[Component]]:
    """Evaluate a holder's whole wallet against a pathway, re-verifying every credential
    (``lang``: the language of the pathway's texts in the sentences, for a page)."""
    moment = now or instance.now()
    view, pathway = get_pathway(instance, pathway_ref)
    components = wallet_components(instance, holder_ref, now=moment)
    return view, evaluate(pathway, components, now=moment, lang=lang), components


def application_view(
    row: RecognitionApplication, holder: Holder, pathway: PathwayVersion, org: Organisation
) -> ApplicationView:
    return ApplicationView(
        row.id,
        holder.handle,
        pathway.id,
        pathway.pathway_key,
        pathway.version,
        org.slug,
        list(row.component_ids),
        dict(row.evaluation),
        row.status,
        row.created_at,
        holder.name,
    )


def apply(
    instance: Instance,
    pathway_ref: str,
    holder_ref: str,
    *,
    item_ids: list[str] | None = None,
    now: datetime | None = None,
) -> ApplicationView:
    """The holder applies: the credentials that count (or those chosen) are shared with the
    authority, as they are in the wallet, with the evaluation of today."""
    moment = now or instance.now()
    view, pathway = get_pathway(instance, pathway_ref)
    everything = wallet_components(instance, holder_ref, item_ids=item_ids, now=moment)
    # A credential that could not be checked now is shared too when it would count: the
    # authority decides whether it does (it is never counted as valid here).
    promoted = [replace(c, status="valid") if c.status == "unchecked" else c for c in everything]
    chosen = (
        item_ids if item_ids is not None else list(evaluate(pathway, promoted, now=moment).used)
    )
    if not chosen:
        raise HolderInvalid(
            "none of the credentials in this wallet counts towards this pathway",
            "credential_ids",
        )
    shared = [c for c in everything if c.id in chosen]
    evaluation = evaluate(pathway, shared, now=moment)
    with transaction(instance.sessions) as session:
        holder = find_holder(session, holder_ref)
        row_p, org = find_pathway(session, view.id)
        originals = {
            r.id: r.original
            for r in session.scalars(
                select(WalletCredential).where(
                    WalletCredential.holder_id == holder.id, WalletCredential.id.in_(chosen)
                )
            )
        }
        row = RecognitionApplication(
            id=str(uuid.uuid4()),
            holder_id=holder.id,
            pathway_id=row_p.id,
            org_id=org.id,
            component_ids=list(chosen),
            credentials=[originals[i] for i in chosen],
            evaluation=evaluation.to_json(),
            status="submitted",
            created_at=moment,
            decided_at=None,
        )
        session.add(row)
        record(
            session,
            org.id,
            f"holder:{holder.handle}",
            "recognition.apply",
            row.id,
            {"pathway_id": row_p.id, "components": len(chosen)},
            at=instance.now(),
        )
        return application_view(row, holder, row_p, org)


def find_application(
    session: Session, application_id: str
) -> tuple[RecognitionApplication, Holder, PathwayVersion, Organisation]:
    row = session.get(RecognitionApplication, application_id)
    if row is None:
        raise NotFound(f"no application '{application_id}'", "application")
    holder = session.get(Holder, row.holder_id)
    pathway = session.get(PathwayVersion, row.pathway_id)
    org = session.get(Organisation, row.org_id)
    assert holder is not None and pathway is not None and org is not None
    return row, holder, pathway, org


def get_application(instance: Instance, application_id: str) -> ApplicationView:
    with transaction(instance.sessions) as session:
        return application_view(*find_application(session, application_id))


def list_applications(
    instance: Instance, *, org_ref: str | None = None, holder_ref: str | None = None
) -> list[ApplicationView]:
    with transaction(instance.sessions) as session:
        query = select(RecognitionApplication)
        if org_ref is not None:
            query = query.where(
                RecognitionApplication.org_id == organisations.find(session, org_ref).id
            )
        if holder_ref is not None:
            query = query.where(
                RecognitionApplication.holder_id == find_holder(session, holder_ref).id
            )
        ids = list(session.scalars(query.order_by(RecognitionApplication.created_at)))
        return [application_view(*find_application(session, r.id)) for r in ids]
