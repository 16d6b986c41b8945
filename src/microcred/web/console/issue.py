"""Issue one credential from a form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.model.validation import SpecificationError
from microcred.services import credentials, validation_texts
from microcred.services.credentials import IssueRequest
from microcred.services.organisations import OrganisationError
from microcred.web.console.members import Member, Posted, actor, member_ctx, posts, requires
from microcred.web.console.specs import latest_specs
from microcred.web.core import flash, instance_of, page, redirect, render, text_field

router = APIRouter(include_in_schema=False)


@router.get("/console/issue")
def issue_page(request: Request, member: Annotated[Member, requires("issue")]) -> Response:
    return render(
        request,
        "console/issue.html",
        member_ctx(
            member,
            "issue",
            specs=latest_specs(request, member),
            values={"issued_on": datetime.now(UTC).date().isoformat()},
        ),
    )


@router.post("/console/issue")
def issue_one(request: Request, posted: Annotated[Posted, posts("issue")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    values = {
        k: text_field(form, k, 2000)
        for k in (
            "spec",
            "learner_name",
            "given_name",
            "family_name",
            "learner_id",
            "issued_on",
            "grade",
        )
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
    for k in ("given_name", "family_name"):
        if len(values[k]) > credentials.NAME_PART_MAX:
            errors[k] = p.gettext("Write at most %(n)s characters.") % {
                "n": credentials.NAME_PART_MAX
            }
    issued = None
    if not errors:
        request_ = IssueRequest(
            learner_name=values["learner_name"],
            learner_id=values["learner_id"],
            issued_on=values["issued_on"],
            grade=values["grade"] or None,
            given_name=values["given_name"] or None,
            family_name=values["family_name"] or None,
        )
        try:
            issued = credentials.issue(
                instance_of(request), member.org.id, values["spec"], request_, actor=actor(member)
            )
        except SpecificationError as exc:
            for problem in exc.problems:
                path = str(problem.path)
                name = (
                    path
                    if path in ("given_name", "family_name")
                    else "learner_name"
                    if "learner.name" in path
                    else "learner_id"
                    if "learner" in path
                    else "issued_on"
                    if "issued_on" in path
                    else "grade"
                    if "grade" in path
                    else "learner_id"
                )
                errors.setdefault(name, validation_texts.message_in(str(problem.message), p))
        except OrganisationError as exc:
            errors["spec" if exc.field == "spec" else "learner_id"] = str(exc)
        except (ValueError, TypeError) as exc:
            errors["issued_on"] = str(exc)
    if issued is not None:
        flash(request, p.gettext("Issued to %(name)s.") % {"name": issued.learner_name})
        if not member.can("read"):  # its page needs read
            return redirect(request, "/console/issue")
        return redirect(request, f"/console/credentials/{issued.id}")
    ctx = member_ctx(member, "issue", specs=latest_specs(request, member), values=values)
    ctx["errors"] = errors
    return render(request, "console/issue.html", ctx, status=422)
