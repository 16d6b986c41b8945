"""The recognition authority's desk (signed in like the issuer console, with an API token of the
authority's organisation): pathways, applications with their evaluation, and decisions.
The wallet's side: progress towards every pathway, and applying."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.errors import MicrocredError
from microcred.http_status import status_for
from microcred.model.validation import SpecificationError
from microcred.services import recognition
from microcred.services.holders import HolderError
from microcred.services.organisations import OrganisationError
from microcred.web.console import Member, Posted, posts, requires
from microcred.web.core import flash, instance_of, page, redirect, render, text_field
from microcred.web.wallet_pages import CheckedForm, SignedIn

router = APIRouter(include_in_schema=False)


def _refuse(
    request: Request, message: str, status: int = 403, back: str = "/authority"
) -> Response:
    return render(
        request,
        "error.html",
        {"message": message, "active": "authority", "back": back},
        status=status,
    )


def _ctx(member: Member, section: str, **extra: Any) -> dict[str, Any]:
    return {"active": "authority", "section": section, "member": member, "errors": {}, **extra}


def _desk(request: Request, member: Member, **extra: Any) -> dict[str, Any]:
    instance = instance_of(request)
    pathways = recognition.list_pathways(instance, member.org.id)
    applications = recognition.list_applications(instance, org_ref=member.org.id)
    return _ctx(
        member, "desk", pathways=pathways, applications=list(reversed(applications)), **extra
    )


# The desk signs in like the console and takes its member the same way: ``requires()`` for a
# page (any member of the organisation, as before), ``posts("issue")`` for a form post (its
# CSRF token checked); plain def handlers, so no database or crypto work runs on the loop.


@router.get("/authority")
def desk(request: Request, member: Annotated[Member, requires()]) -> Response:
    return render(request, "authority/desk.html", _desk(request, member, source=""))


@router.post("/authority/pathways")
def publish_pathway(request: Request, posted: Annotated[Posted, posts("issue")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    source = text_field(form, "source", 200_000)
    errors: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    if not source:
        errors["source"] = p.gettext("Write the pathway in YAML or JSON.")
    else:
        try:
            data = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            errors["source"] = p.gettext("This is not valid YAML or JSON: %(reason)s") % {
                "reason": str(exc).splitlines()[0]
            }
        else:
            try:
                view = recognition.publish_pathway(
                    instance_of(request), member.org.id, data, actor=f"web:{member.token_name}"
                )
            except SpecificationError as exc:
                problems = [(str(pr.path), str(pr.message)) for pr in exc.problems]
                errors["source"] = p.gettext("The pathway is not valid yet:")
            except (OrganisationError, ValueError, TypeError) as exc:
                errors["source"] = str(exc)
            else:
                flash(
                    request,
                    p.gettext("Published version %(v)s of %(title)s.")
                    % {"v": view.version, "title": view.title},
                )
                return redirect(request, "/authority")
    ctx = _desk(request, member, source=source, problems=problems)
    ctx["errors"] = errors
    return render(request, "authority/desk.html", ctx, status=422)


def _application(request: Request, member: Member, app_id: str) -> Any:
    try:
        found = recognition.get_application(instance_of(request), app_id[:100])
    except (OrganisationError, HolderError):
        return None
    return found if found.org in (member.org.slug, member.org.id) else None


@router.get("/authority/applications/{app_id}")
def application_page(
    request: Request, app_id: str, member: Annotated[Member, requires()]
) -> Response:
    found = _application(request, member, app_id)
    if found is None:
        return _refuse(request, page(request).gettext("No such application."), 404)
    decision = recognition.get_decision(instance_of(request), found.id)
    return render(
        request,
        "authority/application.html",
        _ctx(member, "desk", app=found, decision=decision, outcomes=recognition.OUTCOMES),
    )


@router.post("/authority/applications/{app_id}/decide")
def decide(request: Request, app_id: str, posted: Annotated[Posted, posts("issue")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    found = _application(request, member, app_id)
    if found is None:
        return _refuse(request, p.gettext("No such application."), 404)
    outcome = text_field(form, "outcome", 20)
    reason = text_field(form, "reason", 2000)
    accept = [v for v in form.getlist("accept") if isinstance(v, str)][:100]
    errors: dict[str, str] = {}
    if outcome not in recognition.OUTCOMES:
        errors["outcome"] = p.gettext("Choose the outcome.")
    if not reason:
        errors["reason"] = p.gettext("Give the reasons for the decision.")
    if not errors:
        try:
            recognition.decide(
                instance_of(request),
                found.id,
                member.org.id,
                outcome,
                [reason],
                accept=accept or None,
                actor=f"web:{member.token_name}",
            )
        except (OrganisationError, HolderError, ValueError) as exc:
            field = getattr(exc, "field", None)
            errors["reason" if field == "reason" else "outcome"] = str(exc)
        else:
            flash(request, p.gettext("The decision was recorded."))
            return redirect(request, f"/authority/applications/{found.id}")
    ctx = _ctx(
        member, "desk", app=found, decision=None, outcomes=recognition.OUTCOMES, reason=reason
    )
    ctx["errors"] = errors
    return render(request, "authority/application.html", ctx, status=422)


# ---------------------------------------------------------------- the holder's side


@router.get("/wallet/pathways")
def wallet_pathways(request: Request, holder: SignedIn) -> Response:
    instance = instance_of(request)
    latest: dict[str, recognition.PathwayView] = {}
    for view in recognition.list_pathways(instance):
        latest[f"{view.org}/{view.pathway_key}"] = view
    progress = []
    for view in latest.values():
        try:
            _, evaluation, _ = recognition.evaluate_holder(instance, view.id, holder.id)
        except (OrganisationError, HolderError, ValueError):
            continue
        progress.append((view, evaluation.to_json()))
    applications = recognition.list_applications(instance, holder_ref=holder.id)
    return render(
        request,
        "wallet/pathways.html",
        {
            "active": "wallet",
            "section": "pathways",
            "holder": holder,
            "progress": progress,
            "applications": applications,
        },
    )


@router.post("/wallet/pathways/{pathway_id}/apply")
def wallet_apply(
    request: Request, pathway_id: str, holder: SignedIn, form: CheckedForm
) -> Response:
    p = page(request)
    try:
        recognition.apply(instance_of(request), pathway_id[:100], holder.id)
    except MicrocredError as exc:  # the status the API gives the same error
        return _refuse(request, str(exc), status_for(exc)[0], back="/wallet/pathways")
    except ValueError as exc:
        return _refuse(request, str(exc), 422, back="/wallet/pathways")
    flash(request, p.gettext("Your application was sent to the authority."))
    return redirect(request, "/wallet/pathways")
