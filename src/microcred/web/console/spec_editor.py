"""The specification editor: a form with one field per EU element, validate, preview, publish,
versions and their diff, YAML import/export. The rules are the model's plus the console's
own refusals (services/spec_forms.py maps every problem to its form field)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.i18n import N_, language_name
from microcred.model.validation import Problem, SpecificationError
from microcred.model.vocabulary import (
    ASSESSMENT_CONCEPTS,
    PARTICIPATION_CONCEPTS,
    QUALITY_ASSURANCE_CONCEPTS,
    SUPERVISION_CONCEPTS,
)
from microcred.services import spec_checks, spec_forms, spec_preview, specifications
from microcred.services.organisations import NotFound, OrganisationError
from microcred.web.console.members import Member, Posted, actor, member_ctx, posts, requires
from microcred.web.console.specs import flash_published, specs_ctx
from microcred.web.core import Page, instance_of, page, redirect, render, text_field
from microcred.web.verify_pages import verify_raw

router = APIRouter(include_in_schema=False)
MAX_SOURCE = 200_000

# The label of each field (and of each element in the summary and the diff), by its path
# with the row numbers and the language taken out.
LABELS = {
    "title": N_("Title"),
    "awarding_body.name": N_("Name of the awarding body"),
    "awarding_body.country": N_("Country (ISO code, e.g. LV)"),
    "awarding_body.region": N_("Region"),
    "awarding_body.id": N_("Identifier of the organisation (DID or web address)"),
    "awarding_body.url": N_("Web address of the awarding body"),
    "awarding_body.legal_identifier": N_("Registration number"),
    "awarding_body.email": N_("E-mail address of the awarding body"),
    "learning_outcomes": N_("Learning outcomes"),
    "learning_outcomes.text": N_("Learning outcome"),
    "learning_outcomes.esco_skill": N_("ESCO skill URI (optional)"),
    "workload": N_("Notional workload"),
    "workload.ects": N_("ECTS credits"),
    "workload.hours": N_("Hours"),
    "eqf_level": N_("EQF level"),
    "nqf_level": N_("National qualifications framework level"),
    "qf_ehea_cycle": N_("QF-EHEA cycle"),
    "assessment": N_("Type of assessment"),
    "assessment.type": N_("Type of assessment"),
    "assessment.description": N_("How learners are assessed"),
    "participation": N_("Form of participation"),
    "quality_assurance": N_("Type of quality assurance"),
    "quality_assurance.type": N_("Type of quality assurance"),
    "quality_assurance.body": N_("Quality assurance body"),
    "quality_assurance.url": N_("Web address of the quality assurance body"),
    "quality_assurance.description": N_("The quality assurance, described"),
    "id": N_("Identifier of this specification (URI)"),
    "description": N_("Description"),
    "prerequisites": N_("Prerequisites to enrol"),
    "supervision": N_("Supervision and identity verification during assessment"),
    "languages": N_("Languages of instruction (codes, comma separated)"),
    "field_of_study": N_("Field of study (ISCED-F code)"),
    "url": N_("Information page"),
    "validity": N_("Validity"),
    "validity.months": N_("Valid for (months after issue)"),
    "validity.until": N_("Valid until (date, YYYY-MM-DD)"),
    "further_information": N_("Further information"),
    "skills": N_("Skills"),
    "skills.name": N_("Skill"),
    "skills.esco_uri": N_("ESCO skill URI (optional)"),
    "co_awarding_bodies": N_("Co-awarding bodies"),
    "stackability": N_("Integration and stackability"),
    "stackability.standalone": N_("Stand-alone or integrated"),
    "stackability.stackable_towards": N_("Stackable towards"),
    "stackability.stackable_towards.title": N_("Larger credential"),
    "stackability.stackable_towards.url": N_("Its web address or identifier (optional)"),
    "(document)": N_("The specification"),
}
ADD_ROW = {
    "add_outcome": "learning_outcomes",
    "add_skill": "skills",
    "add_target": "stackability.stackable_towards",
}
CYCLES = {
    "short": N_("Short cycle"),
    "first": N_("First cycle (bachelor)"),
    "second": N_("Second cycle (master)"),
    "third": N_("Third cycle (doctorate)"),
}


def fid(name: str) -> str:
    """An HTML id for a field name such as ``learning_outcomes[0].text.en``."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


def label_of(name: str, p: Page, langs: list[str] | tuple[str, ...] = ()) -> str:
    """The field's label as a person reads it: "Learning outcome 2 (English)", "Skill 1: ESCO
    skill URI (optional)"."""
    generic = re.sub(r"\[\d+\]", "", name)
    tag = ""
    if langs and "." in generic and generic.rsplit(".", 1)[1] in langs:
        generic, tag = generic.rsplit(".", 1)
    while generic not in LABELS and "." in generic:
        generic = generic.rsplit(".", 1)[0]
    text = p.gettext(LABELS.get(generic, LABELS["(document)"]))
    row = re.match(r"^([\w.]+)\[(\d+)\]", name)
    if row and row.group(1) in spec_forms.ROWS:
        element, number = row.group(1), int(row.group(2)) + 1
        text_part, uri_part = spec_forms.ROWS[element]
        own = p.gettext(LABELS[f"{element}.{text_part}"])
        text = f"{own} {number}: {text}" if generic.endswith(uri_part) else f"{own} {number}"
    return f"{text} ({language_name(tag)})" if tag else text


def _choices(p: Page) -> dict[str, list[tuple[str, str]]]:
    def label(concepts: Any) -> list[tuple[str, str]]:
        return [(c.code, p.gettext(c.label_en)) for c in concepts.values()]

    return {
        "assessment.type": label(ASSESSMENT_CONCEPTS),
        "participation": label(PARTICIPATION_CONCEPTS),
        "quality_assurance.type": label(QUALITY_ASSURANCE_CONCEPTS),
        "supervision": label(SUPERVISION_CONCEPTS),
        "eqf_level": [(str(n), str(n)) for n in range(1, 9)],
        "qf_ehea_cycle": [(code, p.gettext(word)) for code, word in CYCLES.items()],
        "stackability.standalone": [
            ("true", p.gettext("Stand-alone")),
            ("false", p.gettext("Integrated into a larger credential")),
        ],
    }


def _editor(
    request: Request,
    member: Member,
    form: spec_forms.SpecForm,
    *,
    status: int = 200,
    summary: list[tuple[str, Problem]] | None = None,
    checked: bool = False,
    preview: Any = None,
) -> Response:
    p = page(request)
    ctx = member_ctx(
        member,
        "specs",
        form=form,
        fid=fid,
        label=lambda name: label_of(name, p, form.langs),
        language_name=language_name,
        choices=_choices(p),
        summary=[
            (
                "top" if name == "(document)" else fid(name),
                label_of(name, p, form.langs),
                pr.message,
            )
            for name, pr in summary or []
        ],
        checked=checked,
        preview=preview,
    )
    return render(request, "console/spec_editor.html", ctx, status=status)


def _yaml_page(request: Request, member: Member, source: str, error: str = "") -> Response:
    """The specifications page with the text in its YAML box (and why, next to it)."""
    errors = {"source": error} if error else {}
    ctx = specs_ctx(request, member, errors=errors, source=source)
    return render(request, "console/specs.html", ctx, status=422 if error else 200)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _open(request: Request, member: Member, data: dict[str, Any]) -> Response:
    try:
        form = spec_forms.form_from_data(data)
    except spec_forms.TooLargeForForm:
        message = page(request).gettext(
            "This specification has more languages or list entries than the form holds: "
            "edit it here as YAML."
        )
        return _yaml_page(request, member, _dump(data), message)
    return _editor(request, member, form)


@router.get("/console/specs/editor")
def editor_page(
    request: Request, member: Annotated[Member, requires("issue")], spec: str = ""
) -> Response:
    instance = instance_of(request)
    if spec:
        try:
            data = specifications.get_version(instance, member.org.id, spec[:500]).data
        except NotFound:
            return redirect(request, "/console/specs")
    else:
        data = spec_forms.new_spec_data(member.org, f"urn:uuid:{uuid.uuid4()}")
    return _open(request, member, data)


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
        spec_forms.add_language(form, fields.get("add_lang", ""), p.gettext)
        return _editor(request, member, form, status=422 if form.errors else 200)
    if action in ADD_ROW:
        spec_forms.add_row(form, ADD_ROW[action])
        return _editor(request, member, form)
    data = spec_forms.data_from_form(form)
    if action == "to_yaml":
        return _yaml_page(request, member, _dump(data))
    problems = spec_checks.check(data, member.org, p.gettext)
    if problems:
        summary = spec_forms.attach(form, problems, p.gettext)
        return _editor(request, member, form, status=422, summary=summary)
    if action == "preview":
        learner = p.gettext("Sample Learner")
        raw_credential = spec_preview.preview_credential(
            instance_of(request), data, member.org, learner_name=learner
        )
        views = verify_raw(instance_of(request), raw_credential, p)
        return _editor(request, member, form, checked=True, preview=views[0])
    if action != "publish":
        return _editor(request, member, form, checked=True)
    try:
        created = specifications.publish(
            instance_of(request), member.org.id, data, actor=actor(member)
        )
    except (SpecificationError, OrganisationError, ValueError) as exc:
        problems = getattr(exc, "problems", None) or [Problem("(document)", str(exc))]
        summary = spec_forms.attach(form, problems, p.gettext)
        return _editor(request, member, form, status=422, summary=summary)
    flash_published(request, created)
    return redirect(request, f"/console/specs/versions?key={quote(created.spec_key, safe='')}")


def _from_yaml(request: Request, member: Member, raw: Any) -> Response:
    """A YAML (or JSON) file or text, opened in the form; any reason it cannot be, next to
    the YAML box with the text kept."""
    p = page(request)
    upload = raw.get("file")
    source = text_field(raw, "source", MAX_SOURCE)
    if upload is not None and not isinstance(upload, str) and upload.filename:
        content = upload.file.read(MAX_SOURCE + 1)
        if len(content) > MAX_SOURCE:
            return _yaml_page(request, member, "", p.gettext("The file is too large."))
        source = content.decode("utf-8", errors="replace")
    try:
        data = yaml.safe_load(source) if source else None
    except yaml.YAMLError as exc:
        message = p.gettext("This is not valid YAML or JSON: %(reason)s") % {
            "reason": str(exc).splitlines()[0]
        }
        return _yaml_page(request, member, source, message)
    if not isinstance(data, dict):
        return _yaml_page(
            request, member, source, p.gettext("Write the specification in YAML or JSON.")
        )
    return _open(request, member, data)


@router.get("/console/specs/versions")
def versions_page(
    request: Request,
    member: Annotated[Member, requires("read")],
    key: str = "",
    a: int = 0,
    b: int = 0,
) -> Response:
    p = page(request)
    rows = specifications.versions_of(instance_of(request), member.org.id, key[:500])
    if not rows:
        return redirect(request, "/console/specs")
    by_number = {r.view.version: r for r in rows}
    new = by_number.get(b) or rows[-1]
    old = by_number.get(a) or (rows[-2] if len(rows) > 1 else None)
    if old is not None and old.view.version == new.view.version:
        old = None
    changes = [
        (label_of(path, p, _tags(path)), what, before, after)
        for path, what, before, after in (spec_forms.diff(old.data, new.data) if old else [])
    ]
    ctx = member_ctx(member, "specs", key=key, rows=rows, old=old, new=new, changes=changes)
    return render(request, "console/spec_versions.html", ctx)


def _tags(path: str) -> tuple[str, ...]:
    """The language tag at the end of a diff path (``title.lv``), if it is one."""
    element, _, last = re.sub(r"\[\d+\]", "", path).rpartition(".")
    multilingual = set(spec_forms.LANG_FIELDS) | {f"{n}.{p[0]}" for n, p in spec_forms.ROWS.items()}
    return (last,) if element in multilingual else ()


@router.get("/console/specs/export")
def export_yaml(
    request: Request, member: Annotated[Member, requires("read")], spec: str = ""
) -> Response:
    try:
        found = specifications.get_version(instance_of(request), member.org.id, spec[:500])
    except NotFound:
        return redirect(request, "/console/specs")
    name = f"{found.view.spec_key}-v{found.view.version}"
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[-120:] or "specification"
    return Response(
        _dump(found.data),
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{safe}.yaml"'},
    )
