"""The organisation's micro-credential specifications: the list and publishing a new version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.model.validation import Problem, SpecificationError
from microcred.services import spec_checks, specifications, validation_texts
from microcred.services.organisations import OrganisationError
from microcred.web.console.members import Member, Posted, actor, member_ctx, posts, requires
from microcred.web.core import flash, instance_of, page, redirect, render, text_field

router = APIRouter(include_in_schema=False)


def latest_specs(request: Request, member: Member) -> list[specifications.SpecView]:
    latest: dict[str, specifications.SpecView] = {}
    for spec in specifications.list_for(instance_of(request), member.org.id):
        latest[spec.spec_key] = spec
    return list(latest.values())


@router.get("/console/specs")
def specs_page(request: Request, member: Annotated[Member, requires("read", "issue")]) -> Response:
    return render(request, "console/specs.html", specs_ctx(request, member))


def flash_published(request: Request, created: specifications.SpecView) -> None:
    """Says what publishing did: a new version, or nothing (the same as the latest)."""
    p = page(request)
    if created.created:
        flash(
            request,
            p.gettext("Published version %(v)s of %(title)s.")
            % {"v": created.version, "title": created.title_in(p.lang)},
        )
    else:
        flash(request, p.gettext("Nothing changed: this is the latest version already."))


def specs_ctx(request: Request, member: Member, **extra: Any) -> dict[str, Any]:
    grouped: dict[str, list[specifications.SpecView]] = {}
    # The list needs read (GET .../specs); the form, issue (POST .../specs).
    for spec in (
        specifications.list_for(instance_of(request), member.org.id) if member.can("read") else []
    ):
        grouped.setdefault(spec.spec_key, []).append(spec)
    template = (Path(__file__).resolve().parents[2] / "data" / "spec-template.yaml").read_text(
        encoding="utf-8"
    )
    return member_ctx(member, "specs", grouped=grouped, template=template, **extra)


@router.post("/console/specs")
def create_spec(request: Request, posted: Annotated[Posted, posts("issue")]) -> Response:
    member, form = posted.member, posted.form
    p = page(request)
    source = text_field(form, "source", 200_000)
    problems: list[tuple[str, str]] = []
    refused: list[Problem] = []
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
            # The editor's refusals too: template placeholders, another awarding body.
            refused = spec_checks.check(data, member.org, p.gettext)
        if refused:
            problems = [
                (str(pr.path), validation_texts.message_in(str(pr.message), p)) for pr in refused
            ]
            errors["source"] = p.gettext("The specification does not meet the standard yet:")
        elif data is not None and not errors:
            try:
                created = specifications.publish(
                    instance_of(request), member.org.id, data, actor=actor(member)
                )
            except SpecificationError as exc:
                problems = [
                    (str(pr.path), validation_texts.message_in(str(pr.message), p))
                    for pr in exc.problems
                ]
                errors["source"] = p.gettext("The specification does not meet the standard yet:")
            except (OrganisationError, ValueError, TypeError) as exc:
                errors["source"] = str(exc)
    if created is not None:
        flash_published(request, created)
        return redirect(request, "/console/specs")
    ctx = specs_ctx(request, member, errors=errors, problems=problems, source=source)
    return render(request, "console/specs.html", ctx, status=422)
