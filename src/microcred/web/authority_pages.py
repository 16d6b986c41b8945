"""The recognition authority's desk (signed in like the issuer console, with an API token of the
authority's organisation): pathways, applications with their evaluation, and decisions.
The wallet's side: progress towards every pathway, and applying."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.errors import MicrocredError
from microcred.formats.reading import read_model
from microcred.http_status import status_for
from microcred.model.multilingual import pick
from microcred.model.validation import SpecificationError
from microcred.model.vocabulary import (
    ASSESSMENT_CONCEPTS,
    PARTICIPATION_CONCEPTS,
    QUALITY_ASSURANCE_CONCEPTS,
    SUPERVISION_CONCEPTS,
    Concept,
)
from microcred.services import recognition, sharing, verifying, wallet
from microcred.services.holders import HolderError
from microcred.services.organisations import OrganisationError
from microcred.services.recognition import pathway_form
from microcred.verify import verify_credential
from microcred.web.console import Member, Posted, posts, requires
from microcred.web.core import finish, flash, instance_of, page, redirect, render, text_field
from microcred.web.verify_pages import verify_raw
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
    decisions = {a.id: recognition.get_decision(instance, a.id) for a in applications}
    per_pathway: dict[tuple[str, str], int] = {}
    for a in applications:
        per_pathway[(a.holder, a.pathway_key)] = per_pathway.get((a.holder, a.pathway_key), 0) + 1
    repeated = {a.id for a in applications if per_pathway[(a.holder, a.pathway_key)] > 1}
    lang = page(request).lang
    titles = {}
    for pathway_id in {v.id for v in pathways} | {a.pathway_id for a in applications}:
        try:
            titles[pathway_id] = pick(
                recognition.get_pathway(instance, pathway_id)[1].title, (lang, "en")
            )
        except (OrganisationError, ValueError):
            continue
    return _ctx(
        member,
        "desk",
        pathways=pathways,
        applications=list(reversed(applications)),
        decisions=decisions,
        repeated=repeated,
        titles=titles,
        **extra,
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
                    % {"v": view.version, "title": _title(data, p.lang, view.title)},
                )
                return redirect(request, "/authority")
    ctx = _desk(request, member, source=source, problems=problems)
    ctx["errors"] = errors
    return render(request, "authority/desk.html", ctx, status=422)


# ---------------------------------------------------------------- the pathway form


def _form_page(
    request: Request, member: Member, form: Any, *, summary: Any = (), checked: bool = False,
    status: int = 200,
) -> Response:  # fmt: skip
    p = page(request)
    concepts: dict[str, Mapping[Any, Concept]] = {
        "target.assessment.type": ASSESSMENT_CONCEPTS,
        "target.participation": PARTICIPATION_CONCEPTS,
        "target.quality_assurance.type": QUALITY_ASSURANCE_CONCEPTS,
        "supervision": SUPERVISION_CONCEPTS,
    }
    choices = {
        name: [(str(code), p.gettext(c.label_en)) for code, c in table.items()]
        for name, table in concepts.items()
    }
    choices["eqf"] = [(str(n), str(n)) for n in range(1, 9)]
    ctx = _ctx(
        member,
        "pathway-form",
        form=form,
        summary=[(name, pathway_form.where(name, p.gettext), pr) for name, pr in summary],
        checked=checked,
        choices=choices,
        langs=pathway_form.LANGS,
        max_rules=pathway_form.MAX_RULES,
        max_outcomes=pathway_form.MAX_OUTCOMES,
    )
    return render(request, "authority/pathway_form.html", ctx, status=status)


@router.get("/authority/pathways/form")
def pathway_form_page(request: Request, member: Annotated[Member, requires()]) -> Response:
    """A new pathway, or (``?from=ID``) a published version of this authority's to change."""
    p = page(request)
    form = pathway_form.blank()
    ref = request.query_params.get("from", "")[:100]
    if ref:
        try:
            view, pathway = recognition.get_pathway(instance_of(request), ref)
        except OrganisationError:
            return _refuse(request, p.gettext("No such pathway."), 404)
        if view.org not in (member.org.slug, member.org.id):
            return _refuse(request, p.gettext("No such pathway."), 404)
        try:
            form = pathway_form.form_from_data(pathway.to_data())
        except pathway_form.NotForForm:
            flash(
                request,
                p.gettext(
                    "This pathway uses settings the form cannot show: edit it as YAML below."
                ),
            )
            return redirect(request, "/authority")
    return _form_page(request, member, form)


@router.post("/authority/pathways/form")
def pathway_form_post(request: Request, posted: Annotated[Posted, posts("issue")]) -> Response:
    member, posted_form = posted.member, posted.form
    p = page(request)
    fields: dict[str, str] = {}
    for key in set(posted_form.keys()):
        values = [v for v in posted_form.getlist(key) if isinstance(v, str)]
        fields[key[:80]] = ",".join(v.replace("\x00", "")[:20_000] for v in values)
    form = pathway_form.form_from_post(fields)
    action = fields.get("action", "validate")
    if action == "add_rule":
        form.rules = min(form.rules + 1, pathway_form.MAX_RULES)
        return _form_page(request, member, form)
    if action == "add_outcome":
        form.outcomes = min(form.outcomes + 1, pathway_form.MAX_OUTCOMES)
        return _form_page(request, member, form)
    data, summary = pathway_form.validate(form, p.gettext)
    if summary:
        return _form_page(request, member, form, summary=summary, status=422)
    if action != "publish":
        return _form_page(request, member, form, checked=True)
    view = recognition.publish_pathway(
        instance_of(request), member.org.id, data, actor=f"web:{member.token_name}"
    )
    if view.created:
        message = p.gettext("Published version %(v)s of %(title)s.")
    else:
        message = p.gettext("Nothing changed: version %(v)s of %(title)s stays the latest.")
    flash(request, message % {"v": view.version, "title": _title(data, p.lang, view.title)})
    return redirect(request, "/authority")


def _title(data: Any, lang: str, fallback: str) -> str:
    """The published pathway's title in the reader's language, when it has one."""
    title = data.get("title") if isinstance(data, dict) else None
    return pick(title, (lang, "en")) if isinstance(title, dict) and title else fallback


def _application(request: Request, member: Member, app_id: str) -> Any:
    try:
        found = recognition.get_application(instance_of(request), app_id[:100])
    except (OrganisationError, HolderError):
        return None
    return found if found.org in (member.org.slug, member.org.id) else None


def _application_ctx(request: Request, member: Member, app_id: str, **extra: Any) -> Any:
    """The application page's context: its review (each component verified again now)."""
    try:
        found = recognition.review(instance_of(request), app_id)
    except (OrganisationError, HolderError):
        return None
    lang = page(request).lang
    return _ctx(
        member,
        "desk",
        app=found.application,
        review=found,
        decision=found.decision,
        outcomes=recognition.OUTCOMES,
        title=lambda text: pick(text, (lang, "en")) if text else "",
        **extra,
    )


@router.get("/authority/applications/{app_id}")
def application_page(
    request: Request, app_id: str, member: Annotated[Member, requires()]
) -> Response:
    found = _application(request, member, app_id)
    ctx = _application_ctx(request, member, found.id) if found is not None else None
    if ctx is None:
        return _refuse(request, page(request).gettext("No such application."), 404)
    return render(request, "authority/application.html", ctx)


@router.get("/authority/applications/{app_id}/components/{index}")
def component_report(
    request: Request, app_id: str, index: int, member: Annotated[Member, requires()]
) -> Response:
    """One shared credential's verification report, as the verify page shows it, now."""
    p = page(request)
    found = _application(request, member, app_id)
    try:
        raw = recognition.shared_document(instance_of(request), found.id, index) if found else None
    except HolderError:
        raw = None
    if found is None or raw is None:
        return _refuse(request, p.gettext("No such application."), 404)
    results = verify_raw(instance_of(request), raw, p)
    return render(
        request,
        "authority/component.html",
        _ctx(member, "desk", app=found, index=index, results=results, presentation=None),
    )


def _stacked(request: Request, member: Member, app_id: str) -> Any:
    found = _application(request, member, app_id)
    decision = recognition.get_decision(instance_of(request), found.id) if found else None
    return decision if decision is not None and decision.document else None


@router.get("/authority/applications/{app_id}/credential.json")
def stacked_file(request: Request, app_id: str, member: Annotated[Member, requires()]) -> Response:
    decision = _stacked(request, member, app_id)
    if decision is None:
        return _refuse(request, page(request).gettext("No such application."), 404)
    body = json.dumps(decision.credential(), indent=2, ensure_ascii=False)
    headers = {"Content-Disposition": 'attachment; filename="stacked-credential.json"'}
    return finish(request, Response(body, media_type="application/json", headers=headers))


def _certificate(instance: Any, credential: dict[str, Any]) -> bytes:
    """The PDF certificate of the stacked credential, with its verification now (as the claim
    page makes one)."""
    from microcred.documents import certificate_pdf

    report = verify_credential(credential, verifying.verifier_context(instance, now=instance.now()))
    reading = read_model(credential)
    award = reading.award.to_data() if reading.award is not None else reading.data
    model = json.loads(json.dumps(award, default=str)) if isinstance(award, dict) else {}
    return certificate_pdf(
        model, verification_url=sharing.verify_page_url(instance), report=report.to_json()
    )


@router.get("/authority/applications/{app_id}/credential.pdf")
def stacked_pdf(request: Request, app_id: str, member: Annotated[Member, requires()]) -> Response:
    decision = _stacked(request, member, app_id)
    if decision is None:
        return _refuse(request, page(request).gettext("No such application."), 404)
    pdf = _certificate(instance_of(request), decision.credential() or {})
    headers = {"Content-Disposition": 'attachment; filename="stacked-credential.pdf"'}
    return finish(request, Response(pdf, media_type="application/pdf", headers=headers))


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
    accept_unchecked = text_field(form, "accept_unchecked", 5) == "yes"
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
                accept_unchecked=accept_unchecked,
                actor=f"web:{member.token_name}",
                lang=p.lang,
            )
        except (OrganisationError, HolderError, ValueError) as exc:
            field = getattr(exc, "field", None)
            errors["reason" if field == "reason" else "outcome"] = str(exc)
        else:
            flash(request, p.gettext("The decision was recorded."))
            return redirect(request, f"/authority/applications/{found.id}")
    ctx = _application_ctx(
        request, member, found.id, reason=reason, chosen=outcome, unchecked_ticked=accept_unchecked
    )
    if ctx is None:
        return _refuse(request, p.gettext("No such application."), 404)
    ctx["errors"] = errors
    return render(request, "authority/application.html", ctx, status=422)


# ---------------------------------------------------------------- the holder's side


@router.get("/wallet/pathways")
def wallet_pathways(request: Request, holder: SignedIn) -> Response:
    instance = instance_of(request)
    latest: dict[str, recognition.PathwayView] = {}
    for view in recognition.list_pathways(instance):
        latest[f"{view.org}/{view.pathway_key}"] = view
    lang = page(request).lang
    progress = []
    for view in latest.values():
        try:
            _, evaluation, _ = recognition.evaluate_holder(instance, view.id, holder.id, lang=lang)
        except (OrganisationError, HolderError, ValueError):
            continue
        progress.append((view, evaluation.to_json()))
    applications = recognition.list_applications(instance, holder_ref=holder.id)
    decisions = {a.id: recognition.get_decision(instance, a.id) for a in applications}
    applied = {a.pathway_key: a for a in applications}  # the latest for each pathway
    titles: dict[str, str] = {}
    rule_names: dict[str, dict[str, str]] = {}  # the rules' titles in the page's language
    for pathway_id in {v.id for v, _ in progress} | {a.pathway_id for a in applications}:
        try:
            pathway = recognition.get_pathway(instance, pathway_id)[1]
        except (OrganisationError, ValueError):
            continue
        titles[pathway_id] = pick(pathway.title, (lang, "en"))
        rule_names[pathway_id] = {
            r.id: pick(r.title, (lang, "en")) for r in pathway.rules if r.title
        }
    return render(
        request,
        "wallet/pathways.html",
        {
            "active": "wallet",
            "section": "pathways",
            "holder": holder,
            "progress": progress,
            "applications": list(reversed(applications)),
            "decisions": decisions,
            "applied": applied,
            "titles": titles,
            "rule_names": rule_names,
            "component_names": {  # the credentials counted, by their titles in this language
                i.id: i.title_in(lang) for i in wallet.list_items(instance, holder.id)
            },
        },
    )


@router.get("/wallet/applications/{app_id}")
def wallet_application(request: Request, app_id: str, holder: SignedIn) -> Response:
    """The learner's application: its state, the authority's outcome and reasons in plain
    words, and the stacked credential in the wallet."""
    p = page(request)
    try:
        found = recognition.holder_review(instance_of(request), holder.id, app_id)
    except (OrganisationError, HolderError):
        return _refuse(request, p.gettext("No such application."), 404, back="/wallet/pathways")
    return render(
        request,
        "wallet/application.html",
        {
            "active": "wallet",
            "section": "pathways",
            "holder": holder,
            "review": found,
            "app": found.application,
            "decision": found.decision,
            "title": lambda text: pick(text, (p.lang, "en")) if text else "",
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
