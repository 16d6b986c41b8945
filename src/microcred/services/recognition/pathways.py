"""Pathways: what an authority publishes (versioned by key, like specifications)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.model.multilingual import pick
from microcred.services import organisations
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.organisations import NotFound
from microcred.services.versions import same_or_next_version
from microcred.stacking import Pathway, parse_pathway
from microcred.store.db import transaction
from microcred.store.tables import Organisation, PathwayVersion


@dataclass(frozen=True)
class PathwayView:
    id: str
    org: str
    pathway_key: str
    version: int
    title: str
    created_at: datetime
    created: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org": self.org,
            "pathway_key": self.pathway_key,
            "version": self.version,
            "title": self.title,
            "created_at": self.created_at.isoformat(),
            "created": self.created,
        }


def _pathway_view(row: PathwayVersion, org_slug: str, created: bool = False) -> PathwayView:
    return PathwayView(
        row.id, org_slug, row.pathway_key, row.version, row.title, row.created_at, created
    )


def publish_pathway(
    instance: Instance, org_ref: str, data: Any, *, actor: str = "cli"
) -> PathwayView:
    """Store a validated pathway as a new version of its key (or return the same latest one).

    Raises PathwayError (a SpecificationError) with every problem when the data is not valid."""
    pathway = parse_pathway(data)
    with transaction(instance.sessions) as session:
        org = organisations.find(session, org_ref)
        row, created = same_or_next_version(
            session,
            PathwayVersion,
            org_id=org.id,
            key_field="pathway_key",
            key=pathway.id,
            data=pathway.to_data(),
            title=pick(pathway.title, tuple(pathway.languages) or ("en",))[:500],
            now=instance.now(),
        )
        if created:
            record(
                session,
                org.id,
                actor,
                "pathway.publish",
                row.id,
                {"pathway_key": pathway.id, "version": row.version},
                at=instance.now(),
            )
        return _pathway_view(row, org.slug, created)


def find_pathway(session: Session, ref: str) -> tuple[PathwayVersion, Organisation]:
    """A pathway version by id, `KEY@VERSION`, or the latest version of a key."""
    row = session.get(PathwayVersion, ref)
    if row is None:
        key, _, version = ref.rpartition("@")
        query = select(PathwayVersion)
        if key and version.isdigit():
            query = query.where(
                PathwayVersion.pathway_key == key, PathwayVersion.version == int(version)
            )
        else:
            query = query.where(PathwayVersion.pathway_key == ref)
        row = session.scalar(query.order_by(PathwayVersion.version.desc()).limit(1))
    if row is None:
        raise NotFound(f"no pathway '{ref}'", "pathway")
    org = session.get(Organisation, row.org_id)
    assert org is not None
    return row, org


def get_pathway(instance: Instance, ref: str) -> tuple[PathwayView, Pathway]:
    with transaction(instance.sessions) as session:
        row, org = find_pathway(session, ref)
        return _pathway_view(row, org.slug), parse_pathway(row.data)


def list_pathways(instance: Instance, org_ref: str | None = None) -> list[PathwayView]:
    with transaction(instance.sessions) as session:
        query = select(PathwayVersion, Organisation.slug).join(
            Organisation, Organisation.id == PathwayVersion.org_id
        )
        if org_ref is not None:
            query = query.where(PathwayVersion.org_id == organisations.find(session, org_ref).id)
        rows = session.execute(
            query.order_by(PathwayVersion.pathway_key, PathwayVersion.version)
        ).all()
        return [_pathway_view(row, slug) for row, slug in rows]
