"""Bulk issuance from a CSV file: start a run, follow it, resume it, download its errors."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from microcred.jobs import queue as job_queue
from microcred.services import bulk, bulk_jobs, bulk_reasons, csv_output, specifications
from microcred.services.organisations import OrganisationError
from microcred.web.console.members import (
    Member,
    Posted,
    actor,
    member_ctx,
    posts,
    refusal,
    requires,
)
from microcred.web.console.offers import job_offers_ctx
from microcred.web.console.specs import latest_specs
from microcred.web.core import finish, flash, instance_of, page, redirect, render, text_field

router = APIRouter(include_in_schema=False)
MAX_CSV = 5 * 1024 * 1024


@router.get("/console/bulk")
def bulk_page(request: Request, member: Annotated[Member, requires("issue")]) -> Response:
    return render(
        request,
        "console/bulk.html",
        member_ctx(member, "bulk", specs=latest_specs(request, member)),
    )


@router.post("/console/bulk")
def bulk_start(request: Request, posted: Annotated[Posted, posts("issue")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    spec = text_field(form, "spec", 100)
    upload = form.get("file")
    errors: dict[str, str] = {}
    data = b""
    if not spec:
        errors["spec"] = p.gettext("Choose a specification.")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = p.gettext("Choose a CSV file.")
    else:
        data = upload.file.read(MAX_CSV + 1)  # a plain def: FastAPI runs it off the loop
        if len(data) > MAX_CSV:
            errors["file"] = p.gettext("The file is larger than 5 MB.")
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                errors["file"] = p.gettext("The file is not UTF-8 text.")
            else:
                first = text.splitlines()[0] if text.strip() else ""
                columns = {c.strip() for c in next(csv.reader([first]), [])}
                needed = [c for c in bulk.REQUIRED_COLUMNS if c not in columns]
                if needed:
                    errors["file"] = p.gettext(
                        "The first line must name the columns; missing: %(columns)s"
                    ) % {"columns": ", ".join(needed)}
    if not errors:
        try:
            if spec not in {
                s.id for s in specifications.list_for(instance_of(request), member.org.id)
            }:
                errors["spec"] = p.gettext("Choose a specification.")
        except OrganisationError:
            errors["spec"] = p.gettext("Choose a specification.")
    if errors:
        ctx = member_ctx(member, "bulk", specs=latest_specs(request, member))
        ctx["errors"] = errors
        return render(request, "console/bulk.html", ctx, status=422)
    instance = instance_of(request)
    assert isinstance(upload, UploadFile)  # no errors: the file was there
    with tempfile.TemporaryDirectory() as folder:
        upload_path = Path(folder) / (Path(upload.filename or "upload.csv").name or "upload.csv")
        upload_path.write_bytes(data)
        try:  # on the queue if a worker is alive, else in a thread of this process
            started = bulk_jobs.start(
                instance,
                member.org.id,
                spec,
                upload_path,
                enqueue=job_queue.enqueue,
                actor=actor(member),
                background=True,
                workers=1,
            )
        except (bulk.BulkError, OrganisationError) as exc:
            ctx = member_ctx(member, "bulk", specs=latest_specs(request, member))
            ctx["errors"] = {"file": str(exc)}
            return render(request, "console/bulk.html", ctx, status=422)
    job_id = started.job_id
    if not member.can("read"):  # following a job needs read, as GET .../jobs/{job_id}
        flash(
            request,
            p.gettext("The bulk run has started. Following its progress needs the 'read' scope."),
        )
        return redirect(request, "/console/bulk")
    return redirect(request, f"/console/bulk/{job_id}")


def _job(request: Request, member: Member, job_id: str) -> dict[str, Any] | None:
    """The job's progress, from the database, for the template."""
    try:
        view = bulk_jobs.get(instance_of(request), job_id, org_id=member.org.id, recover=True)
    except bulk_jobs.JobNotFound:
        return None
    interrupted = view.state == bulk_jobs.INTERRUPTED
    return {
        "org": view.org,
        "total": view.total_rows,
        "done": view.rows_done,
        "issued": view.issued,
        "already": view.already_issued,
        "errors": view.errors,
        "finished": view.state == bulk_jobs.DONE or interrupted,
        "failed": page(request).gettext(
            "The process running it stopped at row %(done)s of %(total)s. Resume to issue "
            "the rest: rows already issued are not issued again."
        )
        % {"done": view.rows_done, "total": view.total_rows}
        if interrupted
        else None,
        "resumable": interrupted,
    }


@router.get("/console/bulk/{job_id}")
def bulk_job(
    request: Request, job_id: str, member: Annotated[Member, requires("read")]
) -> Response:
    state = _job(request, member, job_id)
    if state is None:
        return refusal(request, page(request).gettext("No such bulk run."), 404)
    template = (
        "console/_bulk_progress.html"
        if request.headers.get("hx-request")
        else "console/bulk_job.html"
    )
    ctx = member_ctx(member, "bulk", job_id=job_id, state=state, **job_offers_ctx(request))
    if state["finished"] and state["errors"]:
        ctx["bad_rows"] = _bad_rows(request, job_id)[:BAD_ROWS_SHOWN]
    return render(request, template, ctx)


BAD_ROWS_SHOWN = 100  # on the page; the CSV has every one


def _bad_rows(request: Request, job_id: str) -> list[tuple[int, str, str, str]]:
    """(line, row key, learner name, what to fix in the reader's language), in file order."""
    t = page(request).t
    return [
        (line, key, name, bulk_reasons.reason_in(reason, t))
        for line, key, reason, name in bulk_jobs.error_rows(instance_of(request), job_id)
    ]


@router.post("/console/bulk/{job_id}/resume")
def bulk_resume(
    request: Request, job_id: str, posted: Annotated[Posted, posts("issue")]
) -> Response:
    """An interrupted run (its process stopped) continues from its committed chunks."""
    member = posted.member
    p, instance = page(request), instance_of(request)
    try:  # in a thread of this process, as an upload is
        bulk_jobs.resume(instance, job_id, org_id=member.org.id, workers=1, background=True)
    except bulk_jobs.JobNotFound:
        return refusal(request, p.gettext("No such bulk run."), 404)
    except bulk_jobs.JobNotResumable:
        flash(request, p.gettext("This run is not interrupted: there is nothing to resume."))
    return redirect(request, f"/console/bulk/{job_id}")


@router.get("/console/bulk/{job_id}/errors.csv")
def bulk_errors(
    request: Request, job_id: str, member: Annotated[Member, requires("read")]
) -> Response:
    state = _job(request, member, job_id)
    if state is None:
        return refusal(request, page(request).gettext("No such bulk run."), 404)
    report = io.StringIO()
    writer = csv_output.writer(report)
    t = page(request).t  # the headings and the reasons in the member's language
    writer.writerow([t.gettext("Line"), t.gettext("Row key"), t.gettext("Learner"),
                     t.gettext("What to fix")])  # fmt: skip
    writer.writerows(_bad_rows(request, job_id))
    response = Response(
        report.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="errors.csv"'},
    )
    return finish(request, response)
