"""Issuing, revoking and suspending an organisation's credentials (one at a time)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.formats.registry import ISSUABLE, FormatName
from microcred.model.award import Award
from microcred.model.spec import Specification
from microcred.model.validation import Problem, SpecificationError, parse_award
from microcred.services import status_lists
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.issuing import issue_award
from microcred.services.organisations import (
    Conflict,
    Invalid,
    NotFound,
    find,
    issuer_profile,
    signing_key,
)
from microcred.services.specifications import load
from microcred.store.db import transaction
from microcred.store.tables import IssuedCredential, Oid4vciOffer, Organisation, StatusList


@dataclass(frozen=True)
class IssueRequest:
    learner_name: str
    learner_id: str
    issued_on: date | datetime | str
    grade: str | None = None
    narrative: str | None = None
    evidence_url: str | None = None
    row_key: str | None = None
    # the learner's name split, when known (the SD-JWT VC's given_name / family_name, ELM's
    # givenName / familyName); without them the full name stands alone
    given_name: str | None = None
    family_name: str | None = None


NAME_PART_MAX = 200
"""The longest given or family name accepted (characters)."""


def name_parts(given_name: str | None, family_name: str | None) -> dict[str, str]:
    """The learner's given / family names as the model's learner takes them (absent ones left
    out); a blank or too long one is a `SpecificationError` naming its field."""
    problems, parts = [], {}
    for key, value in (("given_name", given_name), ("family_name", family_name)):
        if value is None:
            continue
        if not value.strip():
            problems.append(Problem(key, "blank; give the name or leave it out"))
        elif len(value.strip()) > NAME_PART_MAX:
            problems.append(
                Problem(key, f"at most {NAME_PART_MAX} characters (this has {len(value.strip())})")
            )
        else:
            parts[key] = value.strip()
    if problems:
        raise SpecificationError(problems)
    return parts


@dataclass(frozen=True)
class IssuedView:
    id: str
    org: str
    spec_version_id: str | None  # None: signed through the VC-API
    row_key: str
    learner_name: str
    learner_id: str
    issued_on: datetime
    format: str
    revoked: bool
    suspended: bool
    created: bool
    document: str

    def credential(self) -> dict[str, Any] | str:
        return self.document if self.format == FormatName.JWT else dict(json.loads(self.document))

    def to_json(self, *, with_document: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "org": self.org,
            "spec_version_id": self.spec_version_id,
            "row_key": self.row_key,
            "learner_name": self.learner_name,
            "learner_id": self.learner_id,
            "issued_on": self.issued_on.isoformat(),
            "format": self.format,
            "status": "revoked" if self.revoked else "suspended" if self.suspended else "active",
            "created": self.created,
        }
        if with_document:
            data["credential"] = self.credential()
        return data


def default_row_key(learner_id: str, spec_version_id: str, issued_on: datetime) -> str:
    """The idempotency key when none is given: learner + exact spec version + date of issue."""
    material = f"{learner_id}\n{spec_version_id}\n{issued_on.date().isoformat()}"
    return "h:" + hashlib.sha256(material.encode()).hexdigest()[:40]


def build_award(spec: Specification, request: IssueRequest) -> Award:
    learner: dict[str, Any] = {
        "name": request.learner_name,
        "identifier": request.learner_id,
        **name_parts(request.given_name, request.family_name),
    }
    data: dict[str, Any] = {"spec": spec, "learner": learner, "issued_on": request.issued_on}
    for key in ("grade", "narrative", "evidence_url"):
        value = getattr(request, key)
        if value not in (None, ""):
            data[key] = value
    return parse_award(data)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_view(row: IssuedCredential, org_slug: str, *, created: bool = False) -> IssuedView:
    return IssuedView(
        row.id,
        org_slug,
        row.spec_version_id,
        row.row_key,
        row.learner_name,
        row.learner_id,
        _aware(row.issued_on),
        row.format,
        row.revoked_at is not None,
        row.suspended,
        created,
        row.document,
    )


def issue(
    instance: Instance,
    org_ref: str,
    spec_ref: str,
    request: IssueRequest,
    *,
    fmt: str = FormatName.OB3,
    actor: str = "cli",
) -> IssuedView:
    """Issue one credential; the same row key again returns the credential already issued."""
    if fmt not in ISSUABLE:
        raise Invalid(f"unknown format '{fmt}'; use {' or '.join(ISSUABLE)}", "format")
    if fmt == FormatName.SD_JWT:
        # An SD-JWT VC is a form of the record, made on demand (services/sd_jwt_issuing.py
        # signs one with fresh salts, and a holder key, each time): the record keeps OB3.
        fmt = FormatName.OB3
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        spec_row, spec = load(session, org.id, spec_ref)
        award = build_award(spec, request)
        row_key = request.row_key or default_row_key(
            award.learner.identifier, spec_row.id, award.issued_on
        )
        existing = session.scalar(
            select(IssuedCredential).where(
                IssuedCredential.org_id == org.id, IssuedCredential.row_key == row_key
            )
        )
        if existing is not None:
            return to_view(existing, org.slug)
        ((list_id, index),) = status_lists.allocate(session, org.id, 1, now=instance.now())
        key, vm = signing_key(instance, session, org)
        signed = issue_award(
            award,
            key,
            issuer_id=org.did_web,
            verification_method=vm,
            fmt=FormatName(fmt),
            credential_status=status_lists.entry(instance, org, list_id, index),
            created=instance.now().replace(microsecond=0),
            issuer_profile=issuer_profile(org),
        )
        document = signed if isinstance(signed, str) else json.dumps(signed, ensure_ascii=False)
        row = IssuedCredential(
            id=award.id,
            org_id=org.id,
            spec_version_id=spec_row.id,
            row_key=row_key,
            learner_name=award.learner.name,
            learner_id=award.learner.identifier,
            issued_on=award.issued_on,
            format=fmt,
            document=document,
            status_list_id=list_id,
            status_index=index,
            revoked_at=None,
            revocation_reason=None,
            suspended=False,
            created_at=instance.now(),
        )
        session.add(row)
        record(
            session,
            org.id,
            actor,
            "credential.issue",
            award.id,
            {"spec_version_id": spec_row.id, "row_key": row_key},
            at=instance.now(),
        )
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            with transaction(instance.sessions) as again:
                winner = again.scalar(
                    select(IssuedCredential).where(
                        IssuedCredential.org_id == org.id, IssuedCredential.row_key == row_key
                    )
                )
                if winner is None:
                    raise
                return to_view(winner, org.slug)
        return to_view(row, org.slug, created=True)


def credential_row(
    session: Session, credential_id: str, org_ref: str | None
) -> tuple[IssuedCredential, Organisation]:
    row = session.get(IssuedCredential, credential_id)
    org = session.get(Organisation, row.org_id) if row is not None else None
    if (
        row is None
        or org is None
        or (org_ref is not None and org_ref not in (org.slug, org.id, org.did_web))
    ):
        raise NotFound(f"no credential '{credential_id}' issued by this organisation", "id")
    return row, org


def get(instance: Instance, credential_id: str, *, org_ref: str | None = None) -> IssuedView:
    with transaction(instance.sessions) as session:
        row, org = credential_row(session, credential_id, org_ref)
        return to_view(row, org.slug)


def _touch(session: Session, row: IssuedCredential, now: datetime) -> None:
    session.get(StatusList, row.status_list_id).changed_at = now  # type: ignore[union-attr]


def revoke(
    instance: Instance,
    credential_id: str,
    *,
    reason: str,
    org_ref: str | None = None,
    actor: str = "cli",
) -> IssuedView:
    if not reason.strip():
        raise Invalid("give a reason for the revocation", "reason")
    with transaction(instance.sessions) as session:
        row, org = credential_row(session, credential_id, org_ref)
        if row.revoked_at is None:
            row.revoked_at = instance.now()
            row.revocation_reason = reason
            _touch(session, row, row.revoked_at)
            # Its unused wallet offers end with it (services/openid4vci/offers).
            session.execute(
                update(Oid4vciOffer)
                .where(
                    Oid4vciOffer.credential_id == row.id,
                    Oid4vciOffer.used_at.is_(None),
                    Oid4vciOffer.state == "offered",
                )
                .values(state="revoked")
            )
            record(
                session,
                org.id,
                actor,
                "credential.revoke",
                row.id,
                {"reason": reason},
                at=instance.now(),
            )
        return to_view(row, org.slug)


def set_suspended(
    instance: Instance,
    credential_id: str,
    suspended: bool,
    *,
    reason: str | None = None,
    org_ref: str | None = None,
    actor: str = "cli",
) -> IssuedView:
    with transaction(instance.sessions) as session:
        row, org = credential_row(session, credential_id, org_ref)
        if row.revoked_at is not None and suspended is False:
            raise Conflict("the credential is revoked; revocation cannot be undone", "id")
        if row.suspended != suspended:
            row.suspended = suspended
            _touch(session, row, instance.now())
            record(
                session,
                org.id,
                actor,
                "credential.suspend" if suspended else "credential.unsuspend",
                row.id,
                {"reason": reason} if reason else {},
                at=instance.now(),
            )
        return to_view(row, org.slug)


def list_for(
    instance: Instance,
    org_ref: str,
    *,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[IssuedView]:
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        query = select(IssuedCredential).where(IssuedCredential.org_id == org.id)
        if search:
            like = f"%{search}%"
            query = query.where(
                IssuedCredential.learner_name.ilike(like)
                | IssuedCredential.learner_id.ilike(like)
                | (IssuedCredential.id == search)
            )
        rows = session.scalars(
            query.order_by(IssuedCredential.created_at.desc()).limit(limit).offset(offset)
        )
        return [to_view(r, org.slug) for r in rows]
