"""The specification editor: a form with one field per EU element, validate, publish, versions
and their diff, YAML import/export. The rules are the model's (services/spec_forms.py maps
its problems to the form's fields)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from microcred.model.validation import Problem, SpecificationError, parse_specification
from microcred.model.vocabulary import (
    ASSESSMENT_CONCEPTS,
    PARTICIPATION_CONCEPTS,
    QUALITY_ASSURANCE_CONCEPTS,
    SUPERVISION_CONCEPTS,
)
from microcred.services import spec_forms, specifications
from microcred.services.organisations import NotFound, OrganisationError
from microcred.store.db import transaction
from microcred.store.tables import SpecificationVersion
from microcred.web.console.members import Member, Posted, actor, member_ctx, posts, requires
from microcred.web.core import flash, instance_of, page, redirect, render, text_field

router = APIRouter(include_in_schema=False)
_TEMPLATE = Path(__file__).resolve().parents[2] / "data" / "spec-template.yaml"


def fid(name: str) -> str:
    """An HTML id for a field name such as ``learning_outcomes[0].text.en``."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


def _choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    def label(concepts: Any) -> list[tuple[str, str]]:
        return [(c.code, c.label_lv if lang == "lv" else c.label_en) for c in concepts.values()]

    return {
        "assessment.type": label(ASSESSMENT_CONCEPTS),
        "participation": label(PARTICIPATION_CONCEPTS),
        "quality_assurance.type": label(QUALITY_ASSURANCE_CONCEPTS),
        "supervision": label(SUPERVISION_CONCEPTS),
        "eqf_level": [(str(n), str(n)) for n in range(1, 9)],
        "qf_ehea_cycle": [(c, c) for c in ("short", "first", "second", "third")],
    }


def _versions(request: Request, member: Member, spec_key: str) -> list[SpecificationVersion]:
    with transaction(instance_of(request).sessions) as session:
        rows = list(
            session.scalars(
                select(SpecificationVersion)
                .where(
                    SpecificationVersion.org_id == member.org.id,
                    SpecificationVersion.spec_key == spec_key,
                )
                .order_by(SpecificationVersion.version)
            )
        )
        session.expunge_all()
        return rows


def _editor(
    request: Request,
    member: Member,
    form: spec_forms.SpecForm,
    *,
    status: int = 200,
    summary: list[tuple[str, str, str]] | None = None,
    checked: bool = False,
) -> Response:
    p = page(request)
    ctx = member_ctx(
        member,
        "specs",
        form=form,
        fid=fid,
        choices=_choices(p.lang),
        summary=summary or [],
        checked=checked,
    )
    return render(request, "console/spec_editor.html", ctx, status=status)


def _with_org(data: dict[str, Any], member: Member) -> dict[str, Any]:
    """A new specification starts with the signed-in organisation as its awarding body."""
    body = dict(data.get("awarding_body") or {})
    body.update({"name": {"en": member.org.name}, "country": member.org.country})
    body["id"] = member.org.did
    if member.org.url:
        body["url"] = member.org.url
    body.pop("legal_identifier", None)
    return {**data, "awarding_body": body}


@router.get("/console/specs/editor")
def editor_page(
    request: Request, member: Annotated[Member, requires("read", "issue")], spec: str = ""
) -> Response:
    if spec:
        try:
            with transaction(instance_of(request).sessions) as session:
                row, _ = specifications.load(session, member.org.id, spec[:500])
                data = dict(row.data)
        except NotFound:
            return redirect(request, "/console/specs")
    else:
        data = _with_org(yaml.safe_load(_TEMPLATE.read_text(encoding="utf-8")), member)
    return _editor(request, member, spec_forms.form_from_data(data))


def _check(member: Member, data: dict[str, Any]) -> list[Problem]:
    """Every problem: the model's, template placeholders, an awarding body not ours."""
    problems: list[Problem] = []
    try:
        parse_specification(data)
    except SpecificationError as exc:
        problems += exc.problems
    problems += spec_forms.placeholders(data)
    dids = {member.org.did, member.org.did_key}
    problems += spec_forms.awarding_body_problems(data, member.org.name, dids)
    return problems


@router.post("/console/specs/editor")
def editor_post(request: Request, posted: Annotated[Posted, posts("issue")]) -> Response:
    member, raw = posted.member, posted.form
    p = page(request)
    fields = {k: text_field(raw, k, 20_000) for k in raw if isinstance(raw.get(k), str)}
    action = fields.get("action", "validate")
    if action == "from_yaml":
        return _from_yaml(request, member, raw)
    form = spec_forms.form_from_post(fields)
    if action == "add_lang":
        tag = fields.get("add_lang", "").strip()
        if tag and re.match(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", tag):
            if tag not in form.langs and len(form.langs) < spec_forms.MAX_LANGS:
                form.langs.append(tag)
        else:
            form.errors["add_lang"] = [
                p.gettext("Write a language code such as de, et or lt, then add it.")
            ]
        return _editor(request, member, form)
    if action in {"add_outcome", "add_skill"}:
        name = "learning_outcomes" if action == "add_outcome" else "skills"
        form.rows[name] = min(form.rows[name] + 1, spec_forms.MAX_ROWS)
        return _editor(request, member, form)
    data = spec_forms.data_from_form(form)
    if action == "to_yaml":
        source = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        ctx = member_ctx(member, "specs", grouped={}, template="", errors={}, source=source)
        return render(request, "console/specs.html", ctx)
    problems = _check(member, data)
    if problems:
        spec_forms.attach(form, problems)
        summary = [
            (fid(spec_forms.field_for(pr.path, form)), pr.path, pr.message) for pr in problems
        ]
        return _editor(request, member, form, status=422, summary=summary)
    if action != "publish":
        return _editor(request, member, form, checked=True)
    try:
        created = specifications.publish(
            instance_of(request), member.org.id, data, actor=actor(member)
        )
    except (SpecificationError, OrganisationError, ValueError) as exc:
        form.errors["(document)"] = [str(exc)]
        return _editor(request, member, form, status=422, summary=[("top", "", str(exc))])
    if created.created:
        flash(
            request,
            p.gettext("Published version %(v)s of %(title)s.")
            % {"v": created.version, "title": created.title},
        )
    else:
        flash(request, p.gettext("Nothing changed: this is the latest version already."))
    return redirect(request, f"/console/specs/versions?key={created.spec_key}")


def _from_yaml(request: Request, member: Member, raw: Any) -> Response:
    p = page(request)
    upload = raw.get("file")
    source = text_field(raw, "source", 200_000)
    if upload is not None and not isinstance(upload, str):
        content = upload.file.read(200_001)
        if len(content) > 200_000:
            source = ""
        else:
            source = content.decode("utf-8", errors="replace")
    try:
        data = yaml.safe_load(source) if source else None
    except yaml.YAMLError as exc:
        data = None
        message = p.gettext("This is not valid YAML or JSON: %(reason)s") % {
            "reason": str(exc).splitlines()[0]
        }
    else:
        message = p.gettext("Write the specification in YAML or JSON.")
    if not isinstance(data, dict):
        ctx = member_ctx(
            member, "specs", grouped={}, template="", errors={"source": message}, source=source
        )
        return render(request, "console/specs.html", ctx, status=422)
    return _editor(request, member, spec_forms.form_from_data(data))


@router.get("/console/specs/versions")
def versions_page(
    request: Request,
    member: Annotated[Member, requires("read")],
    key: str = "",
    a: int = 0,
    b: int = 0,
) -> Response:
    rows = _versions(request, member, key[:500])
    if not rows:
        return redirect(request, "/console/specs")
    by_number = {r.version: r for r in rows}
    new = by_number.get(b) or rows[-1]
    old = by_number.get(a) or (rows[-2] if len(rows) > 1 else None)
    changes = spec_forms.diff(old.data if old else {}, new.data) if old is not None else []
    ctx = member_ctx(member, "specs", key=key, rows=rows, old=old, new=new, changes=changes)
    return render(request, "console/spec_versions.html", ctx)


@router.get("/console/specs/export")
def export_yaml(
    request: Request, member: Annotated[Member, requires("read")], spec: str = ""
) -> Response:
    try:
        with transaction(instance_of(request).sessions) as session:
            row, _ = specifications.load(session, member.org.id, spec[:500])
            data, name = dict(row.data), f"{row.spec_key}-v{row.version}"
    except NotFound:
        return redirect(request, "/console/specs")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:120] or "specification"
    return Response(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{safe}.yaml"'},
    )
