"""Recognition: pathways published by an authority, holders' applications, the authority's
decisions and the stacked credentials they issue. Never issued automatically: a decision
is always an explicit act of the authority (`decide`).

Flow: `publish_pathway` (authority) -> `evaluate_holder` (anyone with the wallet) ->
`apply` (the holder shares the credentials that count with the authority) -> `decide`
(the authority re-verifies what was shared, records the outcome and reasons and, when
positive, signs a stacked credential) -> `verify_stacked_document` (any verifier, with the
component credentials in a bundle or presentation).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.model.multilingual import pick
from microcred.model.spec import AwardingBody
from microcred.services import organisations, status_lists
from microcred.services.audit import record
from microcred.services.holders import HolderError
from microcred.services.holders import find as find_holder
from microcred.services.instance import Instance
from microcred.services.issuing import sign_credential
from microcred.services.organisations import NotFound, OrganisationError
from microcred.services.verifying import verifier_context
from microcred.services.versions import same_or_next_version
from microcred.stacking import (
    Component,
    Evaluation,
    Pathway,
    StackedReport,
    build_stacked_credential,
    component_from_credential,
    components_in,
    evaluate,
    parse_pathway,
    verify_stacked,
)
from microcred.store.db import transaction
from microcred.store.tables import (
    Holder,
    IssuedCredential,
    Organisation,
    PathwayVersion,
    RecognitionApplication,
    RecognitionDecision,
    SpecificationVersion,
    WalletCredential,
)
from microcred.verify import verify_credential

Outcome = Literal["recognised", "partly", "refused"]
OUTCOMES: tuple[str, ...] = ("recognised", "partly", "refused")


class RecognitionError(OrganisationError):
    pass


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
        return data


# --------------------------------------------------------------------------- pathways


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
            now=datetime.now(UTC),
        )
        if created:
            record(
                session,
                org.id,
                actor,
                "pathway.publish",
                row.id,
                {"pathway_key": pathway.id, "version": row.version},
            )
        return _pathway_view(row, org.slug, created)


def _find_pathway(session: Session, ref: str) -> tuple[PathwayVersion, Organisation]:
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
        raise NotFound(f"no pathway '{ref}'; see `microcred pathway list`", "pathway")
    org = session.get(Organisation, row.org_id)
    assert org is not None
    return row, org


def get_pathway(instance: Instance, ref: str) -> tuple[PathwayView, Pathway]:
    with transaction(instance.sessions) as session:
        row, org = _find_pathway(session, ref)
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


# --------------------------------------------------------------------------- evaluation


def _document(original: str) -> dict[str, Any] | str:
    try:
        value = json.loads(original)
    except ValueError:
        return original.strip()
    return value if isinstance(value, dict) else original


def _verify_now(
    instance: Instance, document: dict[str, Any] | str, now: datetime
) -> dict[str, Any]:
    return verify_credential(document, verifier_context(instance, now=now)).to_json()


def wallet_components(
    instance: Instance, holder_ref: str, *, item_ids: list[str] | None = None, now: datetime
) -> list[Component]:
    """The holder's credentials as components, each verified again now (revocation may have
    happened since it was imported). Open Badges 2.0 imports are not verifiable as VCs and
    never count."""
    with transaction(instance.sessions) as session:
        holder = find_holder(session, holder_ref)
        query = select(WalletCredential).where(WalletCredential.holder_id == holder.id)
        if item_ids is not None:
            query = query.where(WalletCredential.id.in_(item_ids))
        rows = [(r.id, r.kind, r.original) for r in session.scalars(query)]
    if item_ids is not None:
        unknown = set(item_ids) - {r[0] for r in rows}
        if unknown:
            raise HolderError(f"not in this wallet: {', '.join(sorted(unknown))}", "credential_ids")
    out = []
    for item_id, kind, original in rows:
        document = _document(original)
        report = (
            {"status": "invalid", "checks": []}
            if kind.startswith("ob2")
            else _verify_now(instance, document, now)
        )
        out.append(component_from_credential(document, report, component_id=item_id))
    return out


def evaluate_holder(
    instance: Instance, pathway_ref: str, holder_ref: str, *, now: datetime | None = None
) -> tuple[PathwayView, Evaluation, list[Component]]:
    """Evaluate a holder's whole wallet against a pathway, re-verifying every credential."""
    moment = now or datetime.now(UTC)
    view, pathway = get_pathway(instance, pathway_ref)
    components = wallet_components(instance, holder_ref, now=moment)
    return view, evaluate(pathway, components, now=moment), components


# --------------------------------------------------------------------------- applications


def _application_view(
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
    moment = now or datetime.now(UTC)
    view, pathway = get_pathway(instance, pathway_ref)
    everything = wallet_components(instance, holder_ref, item_ids=item_ids, now=moment)
    evaluation = evaluate(pathway, everything, now=moment)
    chosen = item_ids if item_ids is not None else list(evaluation.used)
    if not chosen:
        raise HolderError(
            "none of the credentials in this wallet counts towards this pathway; "
            "see `microcred pathway evaluate`",
            "credential_ids",
        )
    shared = [c for c in everything if c.id in chosen]
    evaluation = evaluate(pathway, shared, now=moment)
    with transaction(instance.sessions) as session:
        holder = find_holder(session, holder_ref)
        row_p, org = _find_pathway(session, view.id)
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
        )
        return _application_view(row, holder, row_p, org)


def _application(
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
        return _application_view(*_application(session, application_id))


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
        return [_application_view(*_application(session, r.id)) for r in ids]


def _shared_components(
    instance: Instance, row_ids: list[str], originals: list[str], now: datetime
) -> list[Component]:
    """What the authority received, verified again at the decision."""
    out = []
    for item_id, original in zip(row_ids, originals, strict=True):
        document = _document(original)
        report = _verify_now(instance, document, now)
        out.append(component_from_credential(document, report, component_id=item_id))
    return out


def decide(
    instance: Instance,
    application_id: str,
    org_ref: str,
    outcome: str,
    reasons: list[str],
    *,
    accept: list[str] | None = None,
    now: datetime | None = None,
    actor: str = "cli",
) -> DecisionView:
    """The authority's decision on an application. `recognised` needs the pathway to be
    satisfied by the shared credentials as verified now; `partly` needs the accepted components
    (`accept`: wallet item ids or credential ids), each valid now; `refused` issues nothing.
    A positive decision signs a stacked credential with the authority's key."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    if outcome not in OUTCOMES:
        raise RecognitionError(f"the outcome is one of {', '.join(OUTCOMES)}", "outcome")
    reasons = [r.strip() for r in reasons if r and r.strip()]
    if not reasons:
        raise RecognitionError("give the reasons for the decision (--reason)", "reason")
    with transaction(instance.sessions) as session:
        row, holder, pathway_row, org = _application(session, application_id)
        authority = organisations.find(session, org_ref)
        if authority.id != org.id:
            raise RecognitionError(
                f"the application is addressed to {org.slug}; only it can decide", "org"
            )
        if row.status != "submitted":
            raise RecognitionError("this application has already been decided", "application")
        component_ids, originals = list(row.component_ids), list(row.credentials)
        pathway = parse_pathway(pathway_row.data)
        holder_name, holder_did = holder.name, holder.did
    shared = _shared_components(instance, component_ids, originals, moment)
    evaluation = evaluate(pathway, shared, now=moment)
    accepted: list[Component] = []
    ects: Decimal | None = None
    if outcome == "recognised":
        if not evaluation.satisfied:
            raise RecognitionError(
                "the pathway is not satisfied by the shared credentials as verified now ("
                + "; ".join(evaluation.missing)
                + "); decide `partly` with --accept, or `refused`",
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
            raise RecognitionError(
                "a partial recognition names the components accepted (--accept ID)", "accept"
            )
        by_ref = {c.id: c for c in shared} | {c.credential_id: c for c in shared if c.credential_id}
        unknown = [a for a in accept if a not in by_ref]
        if unknown:
            raise RecognitionError(f"not in this application: {', '.join(unknown)}", "accept")
        accepted = list({by_ref[a].id: by_ref[a] for a in accept}.values())
        invalid = [c.name for c in accepted if c.status != "valid"]
        if invalid:
            raise RecognitionError(
                f"cannot accept credentials that do not verify now: {', '.join(invalid)}", "accept"
            )
        ects = sum((c.ects for c in accepted if c.ects is not None), Decimal(0))
    decision_id = str(uuid.uuid4())
    with transaction(instance.sessions) as session:
        row, holder, pathway_row, org = _application(session, application_id)
        if row.status != "submitted":
            raise RecognitionError("this application has already been decided", "application")
        credential_id: str | None = None
        document: str | None = None
        if outcome in ("recognised", "partly"):
            credential_id = f"urn:uuid:{uuid.uuid4()}"
            signed = _issue_stacked(
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
            },
        )
        return _decision_view(decision, org.slug)


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


def _issue_stacked(
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
    spec_row = _target_spec_row(session, org, spec_key, spec.to_data())
    ((list_id, index),) = status_lists.allocate(session, org.id, 1)
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
        credential_status=status_lists.entries(instance, org, list_id, index),
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
            created_at=datetime.now(UTC),
        )
    )
    record(
        session,
        org.id,
        actor,
        "credential.issue",
        credential_id,
        {"spec_version_id": spec_row, "pathway_id": pathway_row.id, "stacked": True},
    )
    return signed


def _target_spec_row(
    session: Session, org: Organisation, spec_key: str, data: dict[str, Any]
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
        now=datetime.now(UTC),
    )
    if created:
        session.flush()
    return row.id


# --------------------------------------------------------------------------- verification


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
    ctx = verifier_context(instance, now=now or datetime.now(UTC))
    return verify_stacked(
        credential, components_in(bundle), ctx, revoked_at=revocation_dates(instance)
    )
