"""Versioned records of an organisation: specifications and pathways.

Each key (a specification's or a pathway's id) has versions 1, 2, ...; each version keeps
the SHA-256 digest of its content. Publishing the content of the latest version again
returns that version; any other content becomes the next version. Versions are never
changed or deleted, so an issued credential or an application points to exactly what
it was issued or judged against.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.store.tables import PathwayVersion, SpecificationVersion

__all__ = ["content_digest", "same_or_next_version"]

Versioned = TypeVar("Versioned", SpecificationVersion, PathwayVersion)


def content_digest(data: Any) -> str:
    """The digest a version keeps of its content (key order and escaping do not count)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def same_or_next_version(
    session: Session,
    model: type[Versioned],
    *,
    org_id: str,
    key_field: str,
    key: str,
    data: dict[str, Any],
    title: str,
    now: datetime,
) -> tuple[Versioned, bool]:
    """The latest version of `key` when its content is `data`, else a new version (latest
    + 1, or 1), added to the session; and whether it is new. The caller flushes or commits
    and records the audit entry."""
    digest = content_digest(data)
    latest = session.scalar(
        select(model)
        .where(model.org_id == org_id, getattr(model, key_field) == key)
        .order_by(model.version.desc())
        .limit(1)
    )
    if latest is not None and latest.digest == digest:
        return latest, False
    row = model(
        id=str(uuid.uuid4()),
        org_id=org_id,
        version=(latest.version + 1) if latest is not None else 1,
        title=title,
        data=data,
        digest=digest,
        created_at=now,
        **{key_field: key},
    )
    session.add(row)
    return row, True
