"""What the authority's application page and the learner's application page show: each shared
credential verified again now, with its issuer, date of issue and ECTS; the same course
counted twice (the same specification or achievement, or the same title); the learner's other
applications for the same pathway; the exclusions listed once; the decision and where the
stacked credential went."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from microcred.model.multilingual import pick
from microcred.services import delivery
from microcred.services.holders import HolderNotFound
from microcred.services.instance import Instance
from microcred.services.recognition.applications import (
    ApplicationView,
    application_view,
    find_application,
)
from microcred.services.recognition.components import shared_components
from microcred.services.recognition.decisions import DecisionView, get_decision
from microcred.services.recognition.outcome import stacked_item
from microcred.stacking import Component, evaluate, parse_pathway
from microcred.store.db import read_transaction
from microcred.store.tables import PathwayVersion, RecognitionApplication, RecognitionDecision


@dataclass(frozen=True)
class ComponentRow:
    """One shared credential as the authority sees it (``index``: its place in the
    application, for the link to its verification report)."""

    index: int
    title: dict[str, str]
    issuer: str | None
    issued_on: datetime | None
    ects: Decimal | None
    status: str  # verified again now: valid, unchecked, revoked, ...
    counted: bool  # the evaluation of now counts it towards a rule
    same_course_as: tuple[int, ...]  # the numbers (1-based) of the other rows for the same course
    same_by: str | None  # "spec" (same specification or achievement) or "title"
    ref: str  # the component's id in the application (the wallet item id), for `accept`

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class Earlier:
    """Another application of the same learner for the same pathway."""

    id: str
    created_at: datetime
    status: str
    outcome: str | None


@dataclass(frozen=True)
class Review:
    application: ApplicationView
    holder_id: str
    holder_name: str
    pathway_title: dict[str, str]
    components: tuple[ComponentRow, ...]
    evaluation: dict[str, Any]  # as verified now (the decision's own, once decided)
    exclusions: tuple[dict[str, Any], ...]  # each component not counted, once
    unchecked: tuple[int, ...]  # rows that could not be checked now
    satisfied_if_unchecked_count: bool
    earlier: tuple[Earlier, ...]
    decision: DecisionView | None
    stacked_item: str | None  # the learner's wallet item holding the stacked credential
    emailed_to: str | None  # where the claim link of the stacked credential was mailed
    rule_titles: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)

    def rule_titles_in(self, lang: str) -> dict[str, str]:
        """Each rule's title in ``lang`` (else English, else its first)."""
        return {rule: pick(text, (lang, "en")) for rule, text in self.rule_titles.items() if text}

    def component_titles_in(self, lang: str) -> dict[str, str]:
        """Each shared credential's title in ``lang`` (else English), by its id."""
        return {c.ref: pick(c.title, (lang, "en")) for c in self.components if c.title}


def _same_course(components: list[Component]) -> list[tuple[tuple[int, ...], str | None]]:
    """For each component, the other components for the same course, and why they are."""
    out: list[tuple[tuple[int, ...], str | None]] = []
    for i, c in enumerate(components):
        by_spec = tuple(
            j for j, d in enumerate(components) if j != i and c.spec_id and d.spec_id == c.spec_id
        )
        titles = {t.casefold().strip() for t in c.title.values()}
        by_title = tuple(
            j
            for j, d in enumerate(components)
            if j != i
            and j not in by_spec
            and titles & {t.casefold().strip() for t in d.title.values()}
        )
        same = tuple(sorted(j + 1 for j in by_spec + by_title))
        out.append((same, "spec" if by_spec else "title" if by_title else None))
    return out


def _earlier(
    session: Any, row: RecognitionApplication, pathway: PathwayVersion
) -> tuple[Earlier, ...]:
    keys = select(PathwayVersion.id).where(
        PathwayVersion.org_id == pathway.org_id, PathwayVersion.pathway_key == pathway.pathway_key
    )
    found = session.scalars(
        select(RecognitionApplication)
        .where(
            RecognitionApplication.holder_id == row.holder_id,
            RecognitionApplication.pathway_id.in_(keys),
            RecognitionApplication.id != row.id,
        )
        .order_by(RecognitionApplication.created_at)
    )
    out = []
    for other in found:
        outcome = session.scalar(
            select(RecognitionDecision.outcome).where(
                RecognitionDecision.application_id == other.id
            )
        )
        out.append(Earlier(other.id, other.created_at, other.status, outcome))
    return tuple(out)


def review(instance: Instance, application_id: str) -> Review:
    """The application with each shared credential verified again now."""
    with read_transaction(instance.sessions) as session:
        row, holder, pathway_row, org = find_application(session, application_id)
        view = application_view(row, holder, pathway_row, org)
        ids, originals = list(row.component_ids), list(row.credentials)
        pathway = parse_pathway(pathway_row.data)
        earlier = _earlier(session, row, pathway_row)
        holder_id, holder_name = holder.id, holder.name
    decision = get_decision(instance, view.id)
    moment = decision.decided_at if decision is not None else instance.now()
    shared = shared_components(instance, ids, originals, instance.now())
    now_eval = evaluate(pathway, shared, now=moment)
    promoted = [
        dataclasses.replace(c, status="valid") if c.status == "unchecked" else c for c in shared
    ]
    if_counted = evaluate(pathway, promoted, now=moment).satisfied
    evaluation = decision.evaluation if decision is not None else now_eval.to_json()
    used = set(evaluation.get("used") or [])
    exclusions: dict[str, dict[str, Any]] = {}
    for rule in evaluation.get("rules") or []:
        for excluded in rule.get("excluded") or []:
            exclusions.setdefault(str(excluded.get("component")), excluded)
    same = _same_course(shared)
    credential_id = decision.credential_id if decision is not None else None
    sent = delivery.latest(instance, credential_id) if credential_id else None
    rows = tuple(
        ComponentRow(
            i,
            dict(c.title) or {"en": c.name},
            c.issuer_name or c.issuer_id,
            c.issued_on,
            c.ects,
            c.status,
            c.id in used,
            same[i][0],
            same[i][1],
            c.id,
        )
        for i, c in enumerate(shared)
    )
    return Review(
        view,
        holder_id,
        holder_name,
        {str(k): str(v) for k, v in pathway.title.items()},
        rows,
        evaluation,
        tuple(exclusions.values()),
        tuple(i for i, c in enumerate(shared) if c.status == "unchecked"),
        if_counted and not now_eval.satisfied,
        earlier,
        decision,
        stacked_item(instance, holder_id, credential_id),
        sent.email if sent is not None else None,
        {r.id: dict(r.title) for r in pathway.rules if r.title},
    )


def shared_document(instance: Instance, application_id: str, index: int) -> str:
    """The credential at ``index`` of an application, as the learner shared it."""
    with read_transaction(instance.sessions) as session:
        row, *_ = find_application(session, application_id)
        originals = list(row.credentials)
    if not 0 <= index < len(originals):
        raise HolderNotFound(f"the application has no credential number {index + 1}", "index")
    return str(originals[index])


def holder_review(instance: Instance, holder_id: str, application_id: str) -> Review:
    """The learner's own application (:class:`HolderNotFound` for anyone else's)."""
    with read_transaction(instance.sessions) as session:
        row = session.get(RecognitionApplication, application_id[:100])
        mine = row is not None and row.holder_id == holder_id
    if not mine:
        raise HolderNotFound("no such application in this wallet", "application")
    return review(instance, application_id)
