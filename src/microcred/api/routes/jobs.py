"""``/api/v1/orgs/{org}/jobs``: an organisation's bulk jobs and their progress (token scope
``read``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from microcred.api.deps import CanRead, InstanceDep
from microcred.api.errors import ORG_ROUTE_ERRORS, ApiError
from microcred.services import bulk_jobs

router = APIRouter(prefix="/api/v1/orgs/{org}/jobs", tags=["jobs"], responses=ORG_ROUTE_ERRORS)


class JobPublic(BaseModel):
    id: str
    org: str
    kind: str
    spec_version_id: str
    source: str
    mode: str
    state: str
    total_rows: int
    rows_done: int
    issued: int
    already_issued: int
    errors: int
    chunks: int
    chunks_done: int
    chunks_running: int
    retried_chunks: int
    created_at: str
    started_at: str | None
    finished_at: str | None
    reason: str | None = None  # why an `interrupted` job stopped (it can be resumed)


class JobList(BaseModel):
    jobs: list[JobPublic]


def _public(view: bulk_jobs.JobView) -> JobPublic:
    return JobPublic(**view.to_json())


@router.get("", response_model=JobList, summary="The organisation's bulk jobs, newest first")
def list_jobs(
    instance: InstanceDep,
    principal: CanRead,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JobList:
    views = bulk_jobs.list_jobs(instance, org_ref=principal.org_id, limit=limit)
    return JobList(jobs=[_public(v) for v in views])


@router.get("/{job_id}", response_model=JobPublic, summary="One bulk job's progress")
def get_job(
    instance: InstanceDep,
    principal: CanRead,
    job_id: Annotated[str, Path(max_length=100)],
) -> JobPublic:
    try:
        view = bulk_jobs.get(instance, job_id, org_id=principal.org_id)
    except bulk_jobs.JobNotFound:
        raise ApiError(404, "not_found", f"no job '{job_id[:100]}'", "job_id") from None
    return _public(view)
