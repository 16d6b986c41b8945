"""The authority's decisions on applications. Never automatic: `decide` is always an
explicit act of the authority; a positive decision signs a stacked credential
(:mod:`.stacked`)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import select

from microcred import errors
from microcred.services import organisations
from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.organisations import OrganisationError
from microcred.services.recognition.applications import find_application
from microcred.services.recognition.components import shared_components
from microcred.services.recognition.outcome import Notified, notify
from microcred.services.recognition.stacked import issue_stacked
from microcred.stacking import Component, evaluate, parse_pathway
from microcred.store.db import transaction
from microcred.store.tables import Organisation, RecognitionDecision

Outcome = Literal["recognised", "partly", "refused"]
# The outcomes a decision may have, in the order forms offer them: the type's own values.
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)


class RecognitionError(OrganisationError):
    """Refused by the recognition service: raised as one of the three below, by meaning."""


class RecognitionInvalid(RecognitionError, errors.InvalidInput):
    """A value of the decision is not acceptable (an outcome, the reasons, the accepted)."""


class RecognitionForbidden(RecognitionError, errors.Forbidden):
    """Only the authority an application is addressed to decides it."""


class RecognitionConflict(RecognitionError, errors.Conflict):
    """The application is decided already."""


@dataclass(frozen=True)
class DecisionView:
    id: str
    application_id: str
    org: str
    outcome: str
    reasons: list[str]
    accepted: list[str]
    ects_recognised: str | None
    decided_at: datetime
    evaluation: dict[str, Any]
    credential_id: str | None
    document: str | None
    notified: Notified | None = None  # set by `decide`: what reached the learner

    def credential(self) -> dict[str, Any] | None:
        return dict(json.loads(self.document)) if self.document else None

    def to_json(self, *, with_document: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "application_id": self.application_id,
            "org": self.org,
            "outcome": self.outcome,
            "reasons": self.reasons,
            "accepted": self.accepted,
            "ects_recognised": self.ects_recognised,
            "decided_at": self.decided_at.isoformat(),
            "evaluation": self.evaluation,
            "credential_id": self.credential_id,
        }
        if with_document:
            data["credential"] = self.credential()
        if self.notified is not None:
            data["notified"] = {
                "wallet_item": self.notified.wallet_item,
                "email": self.notified.email,
                "via": self.notified.via,
                "problem": self.notified.problem,
            }
        return data


def decide(
    instance: Instance,
    application_id: str,
    org_ref: str,
    outcome: str,
    reasons: list[str],
    *,
    accept: list[str] | None = None,
    accept_unchecked: bool = False,
    now: datetime | None = None,
    actor: str = "cli",
    lang: str = "en",
) -> DecisionView:
    """The authority's decision on an application. `recognised` needs the pathway to be
    satisfied by the shared credentials as verified now; `partly` needs the accepted components
    (`accept`: wallet item ids or credential ids), each valid now; `refused` issues nothing.
    A credential that could not be checked now (`unchecked`: authentic, its revocation status
    unknown) counts only when the authority says so (`accept_unchecked`), as it would if valid.
    A positive decision signs a stacked credential with the authority's key; then the learner
    is told (:func:`.outcome.notify`: the credential in the wallet, a mail in ``lang``)."""
    moment = (now or instance.now()).replace(microsecond=0)
    if outcome not in OUTCOMES:
        raise RecognitionInvalid(f"the outcome is one of {', '.join(OUTCOMES)}", "outcome")
    reasons = [r.strip() for r in reasons if r and r.strip()]
    if not reasons:
        raise RecognitionInvalid("give the reasons for the decision", "reason")
    with transaction(instance.sessions) as session:
        row, holder, pathway_row, org = find_application(session, application_id)
        authority = organisations.find(session, org_ref)
        if authority.id != org.id:
            raise RecognitionForbidden(
                f"the application is addressed to {org.slug}; only it can decide", "org"
            )
        if row.status != "submitted":
            raise RecognitionConflict("this application has already been decided", "application")
        component_ids, originals = list(row.component_ids), list(row.credentials)
        pathway = parse_pathway(pathway_row.data)
        holder_name, holder_did = holder.name, holder.did
    # Verification (possibly slow: status lists) runs outside any write transaction; the
    # second transaction below reads the application again and re-checks its status.
    shared = shared_components(instance, component_ids, originals, moment)
    unchecked = [c.ref for c in shared if c.status == "unchecked"]
    if accept_unchecked:
        shared = [
            dataclasses.replace(c, status="valid") if c.status == "unchecked" else c for c in shared
        ]
    evaluation = evaluate(pathway, shared, now=moment)
    accepted: list[Component] = []
    ects: Decimal | None = None
    if outcome == "recognised":
        if not evaluation.satisfied:
            raise RecognitionInvalid(
                "the pathway is not satisfied by the shared credentials as verified now ("
                + "; ".join(evaluation.missing)
                + "); decide 'partly', naming the components accepted, or 'refused'",
                "outcome",
            )
        accepted = [c for c in shared if c.id in evaluation.used]
        target_ects = pathway.target.workload.ects
        ects = (
            Decimal(target_ects)
            if target_ects is not None
            else sum((c.ects for c in accepted if c.ects is not None), Decimal(0))
        )
    elif outcome == "partly":
        if not accept:
            raise RecognitionInvalid(
                "a partial recognition names the components accepted", "accept"
            )
        by_ref = {c.id: c for c in shared} | {c.credential_id: c for c in shared if c.credential_id}
        unknown = [a for a in accept if a not in by_ref]
        if unknown:
            raise RecognitionInvalid(f"not in this application: {', '.join(unknown)}", "accept")
        accepted = list({by_ref[a].id: by_ref[a] for a in accept}.values())
        invalid = [c.name for c in accepted if c.status != "valid"]
        if invalid:
            raise RecognitionInvalid(
                f"cannot accept credentials that do not verify now: {', '.join(invalid)}", "accept"
            )
        ects = sum((c.ects for c in accepted if c.ects is not None), Decimal(0))
    decision_id = str(uuid.uuid4())
    with transaction(instance.sessions) as session:
        row, holder, pathway_row, org = find_application(session, application_id)
        if row.status != "submitted":
            raise RecognitionConflict("this application has already been decided", "application")
        credential_id: str | None = None
        document: str | None = None
        if outcome in ("recognised", "partly"):
            credential_id = f"urn:uuid:{uuid.uuid4()}"
            signed = issue_stacked(
                instance,
                session,
                org,
                pathway,
                pathway_row,
                credential_id=credential_id,
                holder_name=holder_name,
                holder_did=holder_did,
                components=accepted,
                ects=ects,
                decided_at=moment,
                outcome=outcome,
                reasons=reasons,
                actor=actor,
            )
            document = json.dumps(signed, ensure_ascii=False)
        decision = RecognitionDecision(
            id=decision_id,
            application_id=row.id,
            org_id=org.id,
            outcome=outcome,
            reasons=reasons,
            accepted=[c.id for c in accepted],
            ects_recognised=None if ects is None else format(ects, "f"),
            evaluation=evaluation.to_json(),
            decided_at=moment,
            actor=actor,
            credential_id=credential_id,
            document=document,
        )
        session.add(decision)
        row.status = "decided"
        row.decided_at = moment
        record(
            session,
            org.id,
            actor,
            "recognition.decide",
            row.id,
            {
                "outcome": outcome,
                "accepted": [c.ref for c in accepted],
                "ects_recognised": decision.ects_recognised,
                "credential_id": credential_id,
                "accepted_unchecked": unchecked if accept_unchecked else [],
            },
            at=instance.now(),
        )
        view = _decision_view(decision, org.slug)
    return dataclasses.replace(view, notified=notify(instance, view, lang=lang, actor=actor))


def _decision_view(row: RecognitionDecision, org_slug: str) -> DecisionView:
    return DecisionView(
        row.id,
        row.application_id,
        org_slug,
        row.outcome,
        list(row.reasons),
        list(row.accepted),
        row.ects_recognised,
        row.decided_at,
        dict(row.evaluation),
        row.credential_id,
        row.document,
    )


def get_decision(instance: Instance, application_id: str) -> DecisionView | None:
    with transaction(instance.sessions) as session:
        row = session.scalar(
            select(RecognitionDecision).where(RecognitionDecision.application_id == application_id)
        )
        if row is None:
            return None
        org = session.get(Organisation, row.org_id)
        return _decision_view(row, org.slug if org else row.org_id)
