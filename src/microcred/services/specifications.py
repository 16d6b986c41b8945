"""Specifications as versioned records: an issued credential points to the exact version."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.model.multilingual import pick
from microcred.model.spec import Specification
from microcred.model.validation import parse_specification
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.organisations import NotFound, find, slugify
from microcred.services.versions import same_or_next_version
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import SpecificationVersion


@dataclass(frozen=True)
class SpecView:
    id: str
    org: str
    spec_key: str
    version: int
    title: str
    created_at: datetime
    created: bool
    titles: dict[str, str] = field(default_factory=dict, compare=False)  # every language's

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` when the specification has one (lists in the viewer's language)."""
        return pick(self.titles, (lang, "en")) if self.titles else self.title

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org": self.org,
            "spec_key": self.spec_key,
            "version": self.version,
            "title": self.title,
            "created_at": self.created_at.isoformat(),
            "created": self.created,
        }


def publish(instance: Instance, org_ref: str, data: Any, *, actor: str = "cli") -> SpecView:
    """Store a validated specification as a new version (or return the same latest version).

    Raises SpecificationError with every problem when the data is not valid.
    """
    spec = parse_specification(data)
    spec_key = spec.id or f"spec:{slugify(pick(spec.title))}"
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        row, created = same_or_next_version(
            session,
            SpecificationVersion,
            org_id=org.id,
            key_field="spec_key",
            key=spec_key,
            data=spec.to_data(),
            title=pick(spec.title),
            now=instance.now(),
        )
        if created:
            record(
                session,
                org.id,
                actor,
                "spec.publish",
                row.id,
                {"spec_key": spec_key, "version": row.version},
                at=instance.now(),
            )
        return SpecView(
            row.id, org.slug, spec_key, row.version, row.title, row.created_at, created,
            _titles(row),
        )  # fmt: skip


def load(
    session: Session, org_id: str, spec_ref: str
) -> tuple[SpecificationVersion, Specification]:
    """A spec version by its id, or the latest version of a spec key; only within the org."""
    row = session.scalar(
        select(SpecificationVersion).where(
            SpecificationVersion.org_id == org_id, SpecificationVersion.id == spec_ref
        )
    )
    if row is None:
        row = session.scalar(
            select(SpecificationVersion)
            .where(SpecificationVersion.org_id == org_id, SpecificationVersion.spec_key == spec_ref)
            .order_by(SpecificationVersion.version.desc())
            .limit(1)
        )
    if row is None:
        raise NotFound(f"no specification '{spec_ref}' for this organisation", "spec")
    return row, parse_specification(row.data)


def list_for(instance: Instance, org_ref: str) -> list[SpecView]:
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        rows = session.scalars(
            select(SpecificationVersion)
            .where(SpecificationVersion.org_id == org.id)
            .order_by(SpecificationVersion.spec_key, SpecificationVersion.version)
        )
        return [
            SpecView(
                r.id, org.slug, r.spec_key, r.version, r.title, r.created_at, False, _titles(r)
            )
            for r in rows
        ]


@dataclass(frozen=True)
class SpecVersion:
    """One stored version with its content (the editor, its versions list and the diff)."""

    view: SpecView
    data: dict[str, Any]


def _version(row: SpecificationVersion, org_slug: str) -> SpecVersion:
    view = SpecView(
        row.id, org_slug, row.spec_key, row.version, row.title, row.created_at, False, _titles(row)
    )
    return SpecVersion(view, dict(row.data))


def _titles(row: SpecificationVersion) -> dict[str, str]:
    title = (row.data or {}).get("title")
    return {str(k): str(v) for k, v in title.items()} if isinstance(title, dict) else {}


def get_version(instance: Instance, org_ref: str, spec_ref: str) -> SpecVersion:
    """A version by its id, or the latest of a spec key, with its content; only the org's own
    (NotFound otherwise)."""
    with read_transaction(instance.sessions) as session:
        org = find(session, org_ref)
        row, _ = load(session, org.id, spec_ref)
        return _version(row, org.slug)


def versions_of(instance: Instance, org_ref: str, spec_key: str) -> list[SpecVersion]:
    """Every version of one specification of the org, oldest first (empty when unknown)."""
    with read_transaction(instance.sessions) as session:
        org = find(session, org_ref)
        rows = session.scalars(
            select(SpecificationVersion)
            .where(SpecificationVersion.org_id == org.id, SpecificationVersion.spec_key == spec_key)
            .order_by(SpecificationVersion.version)
        )
        return [_version(r, org.slug) for r in rows]


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SpecificationVersion)) or 0)
