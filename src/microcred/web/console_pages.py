"""The issuer console: an organisation's member signs in with one of its API tokens (the token
itself stays out of the cookie: the session keeps the token's id, checked on every request)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import yaml
from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from microcred.jobs import queue as job_queue
from microcred.model.validation import SpecificationError
from microcred.services import (
    audit,
    bulk,
    bulk_jobs,
    credentials,
    csv_output,
    organisations,
    specifications,
    tokens,
)
from microcred.services.credentials import IssueRequest
from microcred.services.organisations import OrganisationError
from microcred.services.throttle import Throttled
from microcred.store.db import transaction
from microcred.store.tables import IssuedCredential
from microcred.web import charts
from microcred.web.core import (
    CsrfError,
    checked_form,
    client_host,
    finish,
    flash,
    instance_of,
    page,
    redirect,
    render,
    retry_message,
    session_of,
    sign_in,
    sign_out,
    text_field,
)

router = APIRouter(include_in_schema=False)
MAX_CSV = 5 * 1024 * 1024


@dataclass(frozen=True)
class Member:
    org: organisations.OrgView
    token_id: str
    token_name: str
    scopes: tuple[str, ...]

    def can(self, scope: str | None) -> bool:
        """The API's scope rule (``tokens.allows``, as ``api.deps.org_access`` applies it)."""
        return tokens.allows(self.scopes, scope)


def current_member(request: Request) -> Member | None:
    session = session_of(request)
    if not session.org or not session.token:
        return None
    instance = instance_of(request)
    try:
        org = organisations.get(instance, session.org)
        found = next((t for t in tokens.list_for(instance, org.id) if t.id == session.token), None)
    except OrganisationError:
        return None
    if found is None or found.revoked_at is not None:
        return None
    return Member(org, found.id, found.name, tuple(found.scopes))


def _login_redirect(request: Request) -> Response:
    return redirect(request, "/console/login")


def _refuse(request: Request, message: str, status: int = 403) -> Response:
    return render(
        request,
        "error.html",
        {"message": message, "active": "console", "back": "/console"},
        status=status,
    )


def _scope_refusal(p: Any, scope: str) -> str:
    # Whole sentences, so that each one is extracted and translated as it is.
    return {
        "read": p.gettext("Your token does not have the 'read' scope."),
        "issue": p.gettext("Your token does not have the 'issue' scope."),
        "revoke": p.gettext("Your token does not have the 'revoke' scope."),
        "admin": p.gettext("Your token does not have the 'admin' scope."),
    }[scope]


def forbidden(request: Request, member: Member, scopes: tuple[str, ...]) -> Response:
    """403: the page needs one of ``scopes``, which the member's token does not have."""
    p = page(request)
    return render(
        request,
        "console/forbidden.html",
        _ctx(member, "", refusals=[_scope_refusal(p, s) for s in scopes]),
        status=403,
    )


class TurnedAway(Exception):
    """A console page does not serve this visitor: the answer is the sign-in page or a 403."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def turned_away(request: Request, exc: Exception) -> Response:
    """The exception handler for :class:`TurnedAway` (installed by ``microcred.web.mount``)."""
    assert isinstance(exc, TurnedAway)
    return exc.response


def admit(request: Request, *scopes: str) -> Member:
    """The signed-in member, with (any one of) ``scopes``, the scopes of the API route that
    does what the page does; or :class:`TurnedAway` (sign-in page, or 403)."""
    member = current_member(request)
    if member is None:
        raise TurnedAway(_login_redirect(request))
    if scopes and not any(member.can(s) for s in scopes):
        raise TurnedAway(forbidden(request, member, scopes))
    return member


def requires(*scopes: str) -> Any:
    """A console page's dependency: ``member: Annotated[Member, requires("read")]``."""

    def dependency(request: Request) -> Member:
        return admit(request, *scopes)

    return Depends(dependency)


async def member_form(
    request: Request, scope: str, refuse: Callable[[Request, str], Response] | None = None
) -> tuple[Member, Any] | Response:
    """A signed-in member's form post, its CSRF token checked and the scope required;
    or the response that turns it away (sign-in page, or the refusal page)."""
    turn_away = refuse or _refuse
    member = current_member(request)
    if member is None:
        return _login_redirect(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return turn_away(request, str(exc))
    if not member.can(scope):
        if refuse is None:
            return forbidden(request, member, (scope,))
        return turn_away(request, _scope_refusal(page(request), scope))
    return member, form


def _ctx(member: Member, section: str, **extra: Any) -> dict[str, Any]:
    return {"active": "console", "section": section, "member": member, "errors": {}, **extra}


def _actor(member: Member) -> str:
    return f"web:{member.token_name}"


# ---------------------------------------------------------------- sign in / out


@router.get("/console/login")
def login_page(request: Request) -> Response:
    return render(request, "console/login.html", {"active": "console", "errors": {}})


@router.post("/console/login")
async def login(request: Request) -> Response:
    p = page(request)
    try:
        form = await checked_form(request)
    except CsrfError as exc:
        return _refuse(request, str(exc))
    secret = text_field(form, "token", 300)
    errors = {}
    principal = None
    if not secret:
        errors["token"] = p.gettext("Paste your organisation's API token.")
    else:
        try:  # throttled per client address: unknown tokens are counted
            principal = await run_in_threadpool(
                tokens.identify, instance_of(request), secret, address=client_host(request)
            )
        except Throttled as exc:
            return render(
                request,
                "console/login.html",
                {"active": "console", "errors": {}, "notice": retry_message(p, exc)},
                status=429,
                headers={"Retry-After": str(exc.retry_after)},
            )
        if principal is None:
            errors["token"] = p.gettext("This token is not valid: it is unknown or was revoked.")
    if principal is None:
        return render(
            request, "console/login.html", {"active": "console", "errors": errors}, status=422
        )
    await sign_in(request, org=principal.org_id, token=principal.token_id)
    return redirect(request, "/console")


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    try:
        await checked_form(request)
    except CsrfError as exc:
        return _refuse(request, str(exc))
    await sign_out(request)
    return redirect(request, "/console/login")


# ---------------------------------------------------------------- overview and chart


def monthly(request: Request, member: Member) -> tuple[list[str], list[int], list[int]]:
    with transaction(instance_of(request).sessions) as session:
        rows = session.execute(
            select(IssuedCredential.created_at, IssuedCredential.revoked_at).where(
                IssuedCredential.org_id == member.org.id
            )
        ).all()
    issued: dict[str, int] = {}
    revoked: dict[str, int] = {}
    for created, revoked_at in rows:
        issued[created.strftime("%Y-%m")] = issued.get(created.strftime("%Y-%m"), 0) + 1
        if revoked_at is not None:
            key = revoked_at.strftime("%Y-%m")
            revoked[key] = revoked.get(key, 0) + 1
    now = datetime.now(UTC)
    months = []
    year, month = now.year, now.month
    for _ in range(12):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    return months, [issued.get(m, 0) for m in months], [revoked.get(m, 0) for m in months]


@router.get("/console")
def overview(request: Request, member: Annotated[Member, requires()]) -> Response:
    p = page(request)
    if not member.can("read"):  # the figures come from the credentials and specifications
        return render(request, "console/overview.html", _ctx(member, "overview", chart=None))
    months, issued, revoked = monthly(request, member)
    labels = [
        format_date(date(int(m[:4]), int(m[5:]), 1), format="MMM yy", locale=p.lang) for m in months
    ]
    chart = charts.bars(
        labels,
        [
            charts.Series(p.gettext("Issued"), charts.BLUE, issued),
            charts.Series(p.gettext("Revoked"), charts.RED, revoked),
        ],
        title=p.gettext("Credentials issued and revoked per month"),
        desc=p.gettext("The last twelve months; the table below has the same numbers."),
        ident="monthly",
    )
    specs = specifications.list_for(instance_of(request), member.org.id)
    return render(
        request,
        "console/overview.html",
        _ctx(
            member,
            "overview",
            chart=chart,
            rows=list(zip(labels, issued, revoked, strict=True)),
            total_issued=sum(issued),
            total_revoked=sum(revoked),
            spec_count=len({s.spec_key for s in specs}),
        ),
    )


# ---------------------------------------------------------------- specifications


def _latest_specs(request: Request, member: Member) -> list[specifications.SpecView]:
    latest: dict[str, specifications.SpecView] = {}
    for spec in specifications.list_for(instance_of(request), member.org.id):
        latest[spec.spec_key] = spec
    return list(latest.values())


@router.get("/console/specs")
def specs_page(request: Request, member: Annotated[Member, requires("read", "issue")]) -> Response:
    return render(request, "console/specs.html", _specs_ctx(request, member))


def _specs_ctx(request: Request, member: Member, **extra: Any) -> dict[str, Any]:
    grouped: dict[str, list[specifications.SpecView]] = {}
    # The list needs read (GET .../specs); the form, issue (POST .../specs).
    for spec in (
        specifications.list_for(instance_of(request), member.org.id) if member.can("read") else []
    ):
        grouped.setdefault(spec.spec_key, []).append(spec)
    template = (Path(__file__).resolve().parents[1] / "data" / "spec-template.yaml").read_text(
        encoding="utf-8"
    )
    return _ctx(member, "specs", grouped=grouped, template=template, **extra)


@router.post("/console/specs")
async def create_spec(request: Request) -> Response:
    posted = await member_form(request, "issue")
    if isinstance(posted, Response):
        return posted
    member, form = posted
    p = page(request)
    source = text_field(form, "source", 200_000)
    problems: list[tuple[str, str]] = []
    errors: dict[str, str] = {}
    created = None
    if not source:
        errors["source"] = p.gettext("Write the specification in YAML or JSON.")
    else:
        try:
            data = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            errors["source"] = p.gettext("This is not valid YAML or JSON: %(reason)s") % {
                "reason": str(exc).splitlines()[0]
            }
            data = None
        if data is not None and not errors:
            try:
                created = await run_in_threadpool(
                    lambda: specifications.publish(
                        instance_of(request), member.org.id, data, actor=_actor(member)
                    )
                )
            except SpecificationError as exc:
                problems = [(str(pr.path), str(pr.message)) for pr in exc.problems]
                errors["source"] = p.gettext("The specification does not meet the standard yet:")
            except (OrganisationError, ValueError, TypeError) as exc:
                errors["source"] = str(exc)
    if created is not None:
        if created.created:
            flash(
                request,
                p.gettext("Published version %(v)s of %(title)s.")
                % {"v": created.version, "title": created.title},
            )
        else:
            flash(request, p.gettext("Nothing changed: this is the latest version already."))
        return redirect(request, "/console/specs")
    ctx = _specs_ctx(request, member, errors=errors, problems=problems, source=source)
    return render(request, "console/specs.html", ctx, status=422)


# ---------------------------------------------------------------- issue one


@router.get("/console/issue")
def issue_page(request: Request, member: Annotated[Member, requires("issue")]) -> Response:
    return render(
        request,
        "console/issue.html",
        _ctx(
            member,
            "issue",
            specs=_latest_specs(request, member),
            values={"issued_on": datetime.now(UTC).date().isoformat()},
        ),
    )


@router.post("/console/issue")
async def issue_one(request: Request) -> Response:
    posted = await member_form(request, "issue")
    if isinstance(posted, Response):
        return posted
    member, form = posted
    p = page(request)
    values = {
        k: text_field(form, k, 2000)
        for k in ("spec", "learner_name", "learner_id", "issued_on", "grade")
    }
    errors: dict[str, str] = {}
    if not values["spec"]:
        errors["spec"] = p.gettext("Choose a specification.")
    if not values["learner_name"]:
        errors["learner_name"] = p.gettext("Enter the learner's full name.")
    if not values["learner_id"]:
        errors["learner_id"] = p.gettext("Enter the learner's e-mail address, DID or URI.")
    if not values["issued_on"]:
        errors["issued_on"] = p.gettext("Enter the date of issue.")
    issued = None
    if not errors:
        request_ = IssueRequest(
            learner_name=values["learner_name"],
            learner_id=values["learner_id"],
            issued_on=values["issued_on"],
            grade=values["grade"] or None,
        )
        try:
            issued = await run_in_threadpool(
                lambda: credentials.issue(
                    instance_of(request),
                    member.org.id,
                    values["spec"],
                    request_,
                    actor=_actor(member),
                )
            )
        except SpecificationError as exc:
            for problem in exc.problems:
                path = str(problem.path)
                name = (
                    "learner_name"
                    if "learner.name" in path
                    else "learner_id"
                    if "learner" in path
                    else "issued_on"
                    if "issued_on" in path
                    else "grade"
                    if "grade" in path
                    else "learner_id"
                )
                errors.setdefault(name, str(problem.message))
        except OrganisationError as exc:
            errors["spec" if exc.field == "spec" else "learner_id"] = str(exc)
        except (ValueError, TypeError) as exc:
            errors["issued_on"] = str(exc)
    if issued is not None:
        flash(request, p.gettext("Issued to %(name)s.") % {"name": issued.learner_name})
        if not member.can("read"):  # its page needs read
            return redirect(request, "/console/issue")
        return redirect(request, f"/console/credentials/{issued.id}")
    ctx = _ctx(member, "issue", specs=_latest_specs(request, member), values=values)
    ctx["errors"] = errors
    return render(request, "console/issue.html", ctx, status=422)


# ---------------------------------------------------------------- bulk issuance


@router.get("/console/bulk")
def bulk_page(request: Request, member: Annotated[Member, requires("issue")]) -> Response:
    return render(
        request, "console/bulk.html", _ctx(member, "bulk", specs=_latest_specs(request, member))
    )


@router.post("/console/bulk")
async def bulk_start(request: Request) -> Response:
    posted = await member_form(request, "issue")
    if isinstance(posted, Response):
        return posted
    member, form = posted
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
        data = await upload.read(MAX_CSV + 1)
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
            specifications.list_for(instance_of(request), member.org.id)
            if spec not in {
                s.id for s in specifications.list_for(instance_of(request), member.org.id)
            }:
                errors["spec"] = p.gettext("Choose a specification.")
        except OrganisationError:
            errors["spec"] = p.gettext("Choose a specification.")
    if errors:
        ctx = _ctx(member, "bulk", specs=_latest_specs(request, member))
        ctx["errors"] = errors
        return render(request, "console/bulk.html", ctx, status=422)
    instance = instance_of(request)
    with tempfile.TemporaryDirectory() as folder:
        upload_path = Path(folder) / (Path(upload.filename or "upload.csv").name or "upload.csv")
        upload_path.write_bytes(data)
        try:  # on the queue if a worker is alive, else in a thread of this process
            started = await run_in_threadpool(
                bulk_jobs.start, instance, member.org.id, spec, upload_path,
                enqueue=job_queue.enqueue, actor=_actor(member), background=True, workers=1,
            )  # fmt: skip
        except (bulk.BulkError, OrganisationError) as exc:
            ctx = _ctx(member, "bulk", specs=_latest_specs(request, member))
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
        return _refuse(request, page(request).gettext("No such bulk run."), 404)
    template = (
        "console/_bulk_progress.html"
        if request.headers.get("hx-request")
        else "console/bulk_job.html"
    )
    return render(request, template, _ctx(member, "bulk", job_id=job_id, state=state))


@router.post("/console/bulk/{job_id}/resume")
async def bulk_resume(request: Request, job_id: str) -> Response:
    """An interrupted run (its process stopped) continues from its committed chunks."""
    posted = await member_form(request, "issue")
    if isinstance(posted, Response):
        return posted
    member, _form = posted
    p, instance = page(request), instance_of(request)
    try:  # in a thread of this process, as an upload is
        await run_in_threadpool(
            bulk_jobs.resume, instance, job_id, org_id=member.org.id, workers=1, background=True
        )
    except bulk_jobs.JobNotFound:
        return _refuse(request, p.gettext("No such bulk run."), 404)
    except bulk_jobs.JobNotResumable:
        flash(request, p.gettext("This run is not interrupted: there is nothing to resume."))
    return redirect(request, f"/console/bulk/{job_id}")


@router.get("/console/bulk/{job_id}/errors.csv")
def bulk_errors(
    request: Request, job_id: str, member: Annotated[Member, requires("read")]
) -> Response:
    state = _job(request, member, job_id)
    if state is None:
        return _refuse(request, page(request).gettext("No such bulk run."), 404)
    report = io.StringIO()
    writer = csv_output.writer(report)
    writer.writerow(["line", "row_key", "reason"])
    writer.writerows(bulk_jobs.error_rows(instance_of(request), job_id))
    response = Response(
        report.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="errors.csv"'},
    )
    return finish(request, response)


# ---------------------------------------------------------------- issued credentials


@router.get("/console/credentials")
def credentials_page(request: Request, member: Annotated[Member, requires("read")]) -> Response:
    q = (request.query_params.get("q") or "").replace("\x00", "").strip()[:200]
    found = credentials.list_for(instance_of(request), member.org.id, search=q or None, limit=200)
    return render(
        request, "console/credentials.html", _ctx(member, "credentials", items=found, q=q)
    )


def _credential(request: Request, member: Member, cid: str) -> Any:
    try:
        return credentials.get(instance_of(request), cid[:200], org_ref=member.org.id)
    except OrganisationError:
        return None


def _reason(request: Request, member: Member, cid: str) -> tuple[Any, str | None]:
    with transaction(instance_of(request).sessions) as session:
        row = session.get(IssuedCredential, cid[:200])
        if row is None or row.org_id != member.org.id:
            return None, None
        return row.revoked_at, row.revocation_reason


@router.get("/console/credentials/{cid}")
def credential_page(
    request: Request, cid: str, member: Annotated[Member, requires("read")]
) -> Response:
    item = _credential(request, member, cid)
    if item is None:
        return _refuse(request, page(request).gettext("No such credential."), 404)
    revoked_at, reason = _reason(request, member, cid)
    return render(
        request,
        "console/credential.html",
        _ctx(member, "credentials", item=item, revoked_at=revoked_at, reason=reason,
             document=json.dumps(item.credential(), indent=2, ensure_ascii=False)
             if item.format != "jwt" else item.document),
    )  # fmt: skip


@router.post("/console/credentials/{cid}/status")
async def change_status(request: Request, cid: str) -> Response:
    posted = await member_form(request, "revoke")
    if isinstance(posted, Response):
        return posted
    member, form = posted
    p = page(request)
    item = _credential(request, member, cid)
    if item is None:
        return _refuse(request, p.gettext("No such credential."), 404)
    action = text_field(form, "action", 20)
    reason = text_field(form, "reason", 500)
    errors: dict[str, str] = {}
    if action not in ("revoke", "suspend", "unsuspend"):
        errors["action"] = p.gettext("Choose what to do.")
    elif action != "unsuspend" and not reason:
        errors["reason"] = p.gettext("Give a reason: the audit log keeps it.")
    if not errors:
        try:
            if action == "revoke":
                credentials.revoke(
                    instance_of(request), item.id, reason=reason, org_ref=member.org.id,
                    actor=_actor(member),
                )  # fmt: skip
                flash(request, p.gettext("The credential was revoked."))
            else:
                credentials.set_suspended(
                    instance_of(request), item.id, action == "suspend", reason=reason or None,
                    org_ref=member.org.id, actor=_actor(member),
                )  # fmt: skip
                flash(
                    request,
                    p.gettext("The credential was suspended.")
                    if action == "suspend"
                    else p.gettext("The suspension was lifted."),
                )
            if not member.can("read"):  # the credential's page needs read
                return redirect(request, "/console")
            return redirect(request, f"/console/credentials/{item.id}")
        except OrganisationError as exc:
            errors["action"] = str(exc)
    if not member.can("read"):
        return _refuse(request, " ".join(errors.values()), 422)
    revoked_at, old_reason = _reason(request, member, cid)
    ctx = _ctx(member, "credentials", item=item, revoked_at=revoked_at, reason=old_reason,
               document=item.document, form_reason=reason)  # fmt: skip
    ctx["errors"] = errors
    return render(request, "console/credential.html", ctx, status=422)


# ---------------------------------------------------------------- tokens and audit


@router.get("/console/tokens")
def tokens_page(request: Request, member: Annotated[Member, requires("admin")]) -> Response:
    return render(request, "console/tokens.html", _tokens_ctx(request, member))


def _tokens_ctx(request: Request, member: Member, **extra: Any) -> dict[str, Any]:
    listed = tokens.list_for(instance_of(request), member.org.id) if member.can("admin") else []
    return _ctx(member, "tokens", tokens=listed, all_scopes=tokens.SCOPES, **extra)


@router.post("/console/tokens")
async def create_token(request: Request) -> Response:
    posted = await member_form(request, "admin")
    if isinstance(posted, Response):
        return posted
    member, form = posted
    p = page(request)
    name = text_field(form, "name", 300)
    scopes = [s for s in form.getlist("scope") if isinstance(s, str)][:10]
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = p.gettext("Give the token a name, e.g. the system that will use it.")
    if not scopes:
        errors["scope"] = p.gettext("Choose at least one scope.")
    secret = None
    if not errors:
        try:
            _, secret = tokens.create(
                instance_of(request), member.org.id, name, scopes, actor=_actor(member)
            )
        except OrganisationError as exc:
            errors["scope" if exc.field == "scopes" else "name"] = str(exc)
    ctx = _tokens_ctx(request, member, secret=secret, name=name if errors else "")
    ctx["errors"] = errors
    return render(request, "console/tokens.html", ctx, status=422 if errors else 200)


@router.post("/console/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: str) -> Response:
    posted = await member_form(request, "admin")
    if isinstance(posted, Response):
        return posted
    member, _ = posted
    p = page(request)
    try:
        tokens.revoke(instance_of(request), member.org.id, token_id[:40], actor=_actor(member))
    except OrganisationError:
        return _refuse(request, p.gettext("No such token."), 404)
    flash(request, p.gettext("The token was revoked."))
    return redirect(request, "/console/tokens")


@router.get("/console/audit")
def audit_page(request: Request, member: Annotated[Member, requires("read")]) -> Response:
    with transaction(instance_of(request).sessions) as session:
        entries = audit.entries(session, member.org.id, limit=300)
    return render(request, "console/audit.html", _ctx(member, "audit", entries=entries))
