"""The organisation's issued credentials as the console lists them at scale: each with its
course, filtered by text, status, course and date of issue, one page at a time, with the
counts of the whole selection by status. Reads only (the read-only transaction)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import Integer, and_, func, select

from microcred.model.multilingual import pick
from microcred.services.instance import Instance
from microcred.store.db import read_transaction
from microcred.store.tables import IssuedCredential, SpecificationVersion

StatusFilter = Literal["", "active", "revoked", "suspended"]
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class CredentialFilter:
    """What the console asks for; every field optional (empty: no condition)."""

    search: str = ""  # learner name or identifier (part of it), or a credential id
    status: StatusFilter = ""
    course: str = ""  # a specification key of the organisation
    issued_from: date | None = None
    issued_to: date | None = None  # inclusive

    def active(self) -> bool:
        return bool(self.search or self.status or self.course or self.issued_from or self.issued_to)


@dataclass(frozen=True)
class ListedCredential:
    id: str
    learner_name: str
    learner_id: str
    course_key: str  # "" for a credential signed through the VC-API (no specification)
    course_titles: dict[str, str]  # the specification's title by language
    issued_on: datetime
    status: str  # active | revoked | suspended

    def course(self, lang: str) -> str:
        """The course title in the viewer's language when the specification has it."""
        return pick(self.course_titles, (lang, "en")) if self.course_titles else ""


@dataclass(frozen=True)
class CredentialPage:
    items: list[ListedCredential]
    total: int  # of the whole selection, every page
    counts: dict[str, int]  # the whole selection by status: active, revoked, suspended
    page: int  # 1-based
    pages: int
    courses: list[tuple[str, str]] = field(default_factory=list)  # (key, title) to filter by


def _status(revoked_at: datetime | None, suspended: bool) -> str:
    return "revoked" if revoked_at is not None else "suspended" if suspended else "active"


def _titles(data: Any, title: str | None) -> dict[str, str]:
    """The specification's multilingual title (its stored data), else its one stored title."""
    found = data.get("title") if isinstance(data, dict) else None
    if isinstance(found, dict) and all(isinstance(v, str) for v in found.values()) and found:
        return dict(found)
    return {"en": title} if title else {}


def _where(query: Any, org_id: str, wanted: CredentialFilter) -> Any:  # a Select of any row
    query = query.where(IssuedCredential.org_id == org_id)
    if wanted.search:
        like = f"%{wanted.search}%"
        query = query.where(
            IssuedCredential.learner_name.ilike(like)
            | IssuedCredential.learner_id.ilike(like)
            | (IssuedCredential.id == wanted.search)
        )
    if wanted.status == "revoked":
        query = query.where(IssuedCredential.revoked_at.is_not(None))
    elif wanted.status == "suspended":
        query = query.where(IssuedCredential.revoked_at.is_(None), IssuedCredential.suspended)
    elif wanted.status == "active":
        query = query.where(
            IssuedCredential.revoked_at.is_(None), IssuedCredential.suspended.is_(False)
        )
    if wanted.course:
        query = query.where(SpecificationVersion.spec_key == wanted.course)
    if wanted.issued_from:
        start = datetime.combine(wanted.issued_from, time.min, tzinfo=UTC)
        query = query.where(IssuedCredential.issued_on >= start)
    if wanted.issued_to:
        end = datetime.combine(wanted.issued_to + timedelta(days=1), time.min, tzinfo=UTC)
        query = query.where(IssuedCredential.issued_on < end)
    return query


def _joined(query: Any) -> Any:
    return query.outerjoin(
        SpecificationVersion,
        and_(
            SpecificationVersion.id == IssuedCredential.spec_version_id,
            SpecificationVersion.org_id == IssuedCredential.org_id,
        ),
    )


def list_page(
    instance: Instance,
    org_id: str,
    wanted: CredentialFilter,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> CredentialPage:
    """One page of the selection, newest first, with the selection's counts."""
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    with read_transaction(instance.sessions) as session:
        counted = session.execute(
            _where(
                _joined(
                    select(
                        func.count(),
                        func.sum(IssuedCredential.revoked_at.is_not(None).cast(Integer)),
                        func.sum(
                            and_(
                                IssuedCredential.revoked_at.is_(None), IssuedCredential.suspended
                            ).cast(Integer)
                        ),
                    ).select_from(IssuedCredential)
                ),
                org_id,
                wanted,
            )
        ).one()
        total, revoked, suspended = (int(v or 0) for v in counted)
        pages = max(1, -(-total // size))
        current = max(1, min(page, pages))
        rows = session.execute(
            _where(
                _joined(
                    select(
                        IssuedCredential.id,
                        IssuedCredential.learner_name,
                        IssuedCredential.learner_id,
                        SpecificationVersion.title,
                        SpecificationVersion.spec_key,
                        SpecificationVersion.data,
                        IssuedCredential.issued_on,
                        IssuedCredential.revoked_at,
                        IssuedCredential.suspended,
                    ).select_from(IssuedCredential)
                ),
                org_id,
                wanted,
            )
            .order_by(IssuedCredential.created_at.desc(), IssuedCredential.id)
            .limit(size)
            .offset((current - 1) * size)
        ).all()
        courses = session.execute(
            select(SpecificationVersion.spec_key, func.max(SpecificationVersion.title))
            .where(SpecificationVersion.org_id == org_id)
            .group_by(SpecificationVersion.spec_key)
            .order_by(SpecificationVersion.spec_key)
        ).all()
    items = [
        ListedCredential(
            id=row[0],
            learner_name=row[1],
            learner_id=row[2],
            course_key=row[4] or "",
            course_titles=_titles(row[5], row[3]),
            issued_on=row[6],
            status=_status(row[7], bool(row[8])),
        )
        for row in rows
    ]
    counts = {"active": total - revoked - suspended, "revoked": revoked, "suspended": suspended}
    return CredentialPage(
        items, total, counts, current, pages, [(key, title) for key, title in courses]
    )
