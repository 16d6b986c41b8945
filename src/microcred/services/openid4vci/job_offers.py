"""Credential offers for every row of a bulk job: one OpenID4VCI offer per issued row (its
line in the CSV, the learner, the credential, the offer link, the PIN when asked, the
expiry), and the rows that get none named with the reason (a bad row, a revoked
credential, a row the run has not reached).

Running it again makes fresh offers; the earlier ones that were not used stay valid until
they expire (each works once, so a learner who already took the credential cannot take it
twice; ``offers.revoke`` voids one). Each offer is in the audit log, and so is the run.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from microcred.services import csv_output
from microcred.services.audit import record
from microcred.services.bulk_jobs import DONE, JobNotFound
from microcred.services.credentials import to_view
from microcred.services.delivery import learner_email
from microcred.services.instance import Instance
from microcred.services.openid4vci import offers
from microcred.services.openid4vci.offers import OfferView
from microcred.services.organisations import find
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import (
    BulkChunk,
    BulkJob,
    IssuedCredential,
    Oid4vciGrant,
    Organisation,
)

BATCH = 200  # offers made per transaction
CSV_COLUMNS = (
    "line",
    "learner_name",
    "learner_email",
    "credential_id",
    "offer_link",
    "offer",
    "offer_uri",
    "tx_code",
    "expires_at",
    "problem",
)


@dataclass(frozen=True)
class RowOffer:
    """One row of the job: its offer, or why it has none."""

    line: int
    learner_name: str
    learner_email: str | None
    credential_id: str | None
    offer: OfferView | None
    problem: str | None

    def to_json(self) -> dict[str, Any]:
        made = self.offer
        return {
            "line": self.line,
            "learner_name": self.learner_name,
            "learner_email": self.learner_email,
            "credential_id": self.credential_id,
            "offer_link": made.by_reference if made else None,
            "offer": made.offer if made else None,
            "offer_uri": made.offer_uri if made else None,
            "tx_code": made.tx_code if made else None,
            "expires_at": made.expires_at.isoformat() if made else None,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class JobOffers:
    job_id: str
    expires_at: datetime
    rows: list[RowOffer]

    @property
    def made(self) -> int:
        return sum(1 for r in self.rows if r.offer is not None)

    @property
    def failed(self) -> list[RowOffer]:
        return [r for r in self.rows if r.offer is None]

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "offers": self.made,
            "without_offer": len(self.failed),
            "expires_at": self.expires_at.isoformat(),
            "rows": [r.to_json() for r in self.rows],
        }

    def to_csv(self) -> str:
        """The rows as CSV (spreadsheet-safe cells, ``csv_output``)."""
        out = io.StringIO()
        writer = csv_output.writer(out)
        writer.writerow(CSV_COLUMNS)
        for row in self.rows:
            data = row.to_json()
            writer.writerow([data[c] for c in CSV_COLUMNS])
        return out.getvalue()


@dataclass(frozen=True)
class _Row:
    line: int
    name: str
    key: str | None  # the row key of an issued row
    problem: str | None


def _rows(session: Any, job: BulkJob) -> list[_Row]:
    """Every row of the job in file order: issued ones with their row key, the others with
    the reason they have no credential."""
    found: list[_Row] = []
    for chunk in session.scalars(
        select(BulkChunk).where(BulkChunk.job_id == job.id).order_by(BulkChunk.seq)
    ):
        lines = [(int(line), values) for line, values in json.loads(chunk.rows)]
        if chunk.state != DONE:
            found += [
                _Row(line, str(v.get("learner_name", "")), None, "not issued yet: the run has "
                     "not reached this row")
                for line, v in lines
            ]  # fmt: skip
            continue
        bad = {int(str(e[0])): str(e[2]) for e in chunk.errors}
        keys = iter(chunk.row_keys)  # the good rows' keys, in file order
        for line, values in lines:
            name = str(values.get("learner_name", ""))
            if line in bad:
                found.append(_Row(line, name, None, f"not issued: {bad[line]}"))
            else:
                found.append(_Row(line, name, next(keys, None), None))
    return found


def create_for_job(
    instance: Instance,
    org_ref: str,
    job_id: str,
    *,
    pre_authorized: bool = True,
    tx_code: bool = False,
    configuration_ids: list[str] | None = None,
    expires_in_minutes: int | None = None,
    actor: str = "cli",
    with_learners: bool = True,
) -> JobOffers:
    """An offer for every issued row of ``job_id`` (a bulk job of ``org_ref``). Without
    ``with_learners`` (a caller who may not read the credentials) the rows name no learner:
    their line in the CSV ties each to its person."""
    made = offers.terms(
        instance,
        pre_authorized=pre_authorized,
        tx_code=tx_code,
        configuration_ids=configuration_ids,
        expires_in_minutes=expires_in_minutes,
        actor=actor,
    )
    with read_transaction(instance.sessions) as session:
        org = find(session, org_ref)
        job = session.get(BulkJob, job_id) if len(job_id) <= 36 else None
        if job is None or job.org_id != org.id:
            raise JobNotFound(f"no bulk job '{job_id[:40]}' of this organisation", "job")
        rows, org_id, job_id = _rows(session, job), org.id, job.id
    result: list[RowOffer] = []
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        with transaction(instance.sessions) as session:
            owner = session.get(Organisation, org_id)
            assert owner is not None
            keys = [r.key for r in batch if r.key is not None]
            issued = {
                c.row_key: c
                for c in session.scalars(
                    select(IssuedCredential).where(
                        IssuedCredential.org_id == org_id, IssuedCredential.row_key.in_(keys)
                    )
                )
            }
            grants: list[Oid4vciGrant] = []
            for row in batch:
                credential = issued.get(row.key) if row.key is not None else None
                if credential is None:
                    problem = row.problem or "not issued: no credential for this row"
                    result.append(RowOffer(row.line, row.name, None, None, None, problem))
                    continue
                email = learner_email(to_view(credential, owner.slug))
                reason = offers.offerable(credential)
                view = (
                    None
                    if reason
                    else offers.insert(
                        session, instance, credential, owner, made,
                        audit={"job": job_id, "line": row.line}, later=grants,
                    )
                )  # fmt: skip
                result.append(
                    RowOffer(row.line, credential.learner_name, email, credential.id, view, reason)
                )
            session.flush()  # the offers first: their grants refer to them
            session.add_all(grants)
    if not with_learners:
        result = [replace(r, learner_name="", learner_email=None) for r in result]
    with transaction(instance.sessions) as session:
        outcome = JobOffers(job_id, made.expires_at, result)
        record(
            session, org_id, actor, "oid4vci.job_offers", job_id,
            {"count": outcome.made, "without_offer": len(outcome.failed),
             "expires_at": made.expires_at.isoformat()},
            at=made.now,
        )  # fmt: skip
    return outcome
