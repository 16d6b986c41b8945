"""A verification report in plain language: what a reader of the page needs to know."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pycountry
from babel import Locale

from microcred.model.multilingual import pick
from microcred.model.vocabulary import (
    ASSESSMENT_CONCEPTS,
    PARTICIPATION_CONCEPTS,
    QUALITY_ASSURANCE_CONCEPTS,
    SUPERVISION_CONCEPTS,
    Concept,
)
from microcred.verify.meanings import (
    MEANINGS,
    MEANINGS_BY_RESULT,
    PRESENTATION_MEANINGS,
    PRESENTATION_MEANINGS_BY_RESULT,
    CheckLine,
    check_lines,
)
from microcred.verify.summary import CredentialSummary, summarize
from microcred.web.core import Page


def _(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


HEADLINES = {
    "valid": _("Valid: this credential is genuine and in force"),
    "unchecked": _("Could not be checked: its issuer may have withdrawn it"),
    "invalid": _("Not valid: do not rely on this credential"),
    "revoked": _("Revoked by its issuer"),
    "suspended": _("Suspended by its issuer"),
    "expired": _("Expired"),
}
# Whether a presented credential is shown to belong to the person who presented it
# (microcred.verify.binding): the verdict, then what it means, by the binding's code.
BINDING_HEADS = {
    "bound": _("Issued to the person who presented it"),
    "not_bound": _("Not shown to belong to the person who presented it"),
}
BINDING_MEANINGS = {
    "holder.bound.subject_id": _(
        "The credential names the digital identity (DID) of the person who presented it, and "
        "they proved it is theirs by signing the presentation."
    ),
    "holder.bound.shared_by_subject": _(
        "It was issued to the digital identity (DID) of the wallet that shared this link."
    ),
    "holder.not_bound.no_subject_id": _(
        "It was issued to a name or an e-mail address, not to a digital identity (DID), so "
        "nothing shows that the person who presented it is the learner named in it. Check their "
        "identity another way before you rely on it."
    ),
    "holder.not_bound.other_subject": _(
        "It was issued to another digital identity (DID) than the one of the person who "
        "presented it."
    ),
    "holder.not_bound.holder_not_proven": _(
        "The presentation's signature does not show who presented it."
    ),
    "holder.not_bound.no_holder": _("The presentation does not say who presented it."),
}
BINDING_OTHERWISE = _("Nothing shows that the person who presented it is the learner named in it.")

STATUS_WORDS = {
    "valid": _("Valid"),
    "unchecked": _("Could not be checked"),
    "invalid": _("Not valid"),
    "revoked": _("Revoked"),
    "suspended": _("Suspended"),
    "expired": _("Expired"),
}


def concept_label(table: dict[Any, Concept], code: Any, p: Page) -> str | None:
    if not code:
        return None
    for key, concept in table.items():
        if str(key) == str(code) or concept.uri == code:
            return p.gettext(concept.label_en)  # the catalogues translate the vocabularies
    return str(code)


def country_name(code: str | None, p: Page) -> str | None:
    if not code:
        return None
    try:
        name = Locale.parse(p.lang).territories.get(code.upper())
    except (ValueError, TypeError):
        name = None
    if name:
        return str(name)
    found = pycountry.countries.get(alpha_2=code.upper())
    return found.name if found else code


def section(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` when it is a mapping, else an empty one (model data is loosely typed)."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def text(value: Any, p: Page) -> str | None:
    """A multilingual text in the reader's language when the credential has it."""
    if isinstance(value, dict) and value:
        localized = value.get(p.lang)
        if isinstance(localized, str):
            return localized
        return pick(value)
    if isinstance(value, str):
        return value
    return None


@dataclass
class CredentialView:
    status: str
    valid: bool
    headline: str
    explanation: str
    status_word: str
    checks: list[CheckLine]
    title: str
    issuer_name: str | None = None
    issuer_id: str | None = None
    issuer_country: str | None = None
    trusted: bool = False
    trust_message: str = ""
    learner_name: str | None = None
    learner_id: str | None = None
    issued_on: str | None = None
    valid_until: str | None = None
    description: str | None = None
    elements: list[tuple[str, str]] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    grade: str | None = None
    # For a presented or shared credential: "bound" / "not_bound" to the presenter, and why.
    binding: str | None = None
    binding_head: str = ""
    binding_meaning: str = ""
    binding_detail: str = ""


@dataclass
class PresentationView:
    """The presentation itself: who presented it, its own checks, how many are theirs."""

    holder: str | None
    valid: bool
    status_word: str
    checks: list[CheckLine]
    bound: int
    total: int
    summary: str


def _workload(spec: dict[str, Any], p: Page) -> str | None:
    workload = section(spec, "workload")
    parts = []
    if workload.get("ects") not in (None, ""):
        parts.append(p.gettext("%(n)s ECTS credits") % {"n": p.number(workload["ects"])})
    if workload.get("hours") not in (None, ""):
        parts.append(p.gettext("%(n)s hours") % {"n": p.number(workload["hours"])})
    return " · ".join(parts) or None


def element_rows(data: dict[str, Any], p: Page) -> list[tuple[str, str]]:
    """The EU elements of an award (model data) as label / value rows."""
    spec = section(data, "spec")
    rows: list[tuple[str, str | None]] = [
        (p.gettext("Workload"), _workload(spec, p)),
        (
            p.gettext("EQF level"),
            str(spec["eqf_level"]) if spec.get("eqf_level") not in (None, "") else None,
        ),
        (p.gettext("National qualification level"), spec.get("nqf_level")),
    ]
    assessment = section(spec, "assessment")
    label = concept_label(ASSESSMENT_CONCEPTS, assessment.get("type"), p)
    more = text(assessment.get("description"), p)
    rows.append((p.gettext("Assessment"), f"{label} ({more})" if label and more else label))
    rows.append(
        (
            p.gettext("Participation"),
            concept_label(PARTICIPATION_CONCEPTS, spec.get("participation"), p),
        )
    )
    rows.append(
        (
            p.gettext("Supervision and identity check"),
            concept_label(SUPERVISION_CONCEPTS, spec.get("supervision"), p),
        )
    )
    qa = section(spec, "quality_assurance")
    qa_label = concept_label(QUALITY_ASSURANCE_CONCEPTS, qa.get("type"), p)
    if qa_label and qa.get("body"):
        qa_label = f"{qa_label}: {qa['body']}"
    rows.append((p.gettext("Quality assurance"), qa_label))
    rows.append((p.gettext("Prerequisites"), text(spec.get("prerequisites"), p)))
    languages = spec.get("languages")
    if isinstance(languages, list) and languages:
        names = []
        for code in languages:
            try:
                names.append(Locale.parse(str(code).replace("-", "_")).get_display_name(p.lang))
            except (ValueError, TypeError):
                names.append(str(code))
        rows.append((p.gettext("Languages"), ", ".join(n for n in names if n)))
    stack = section(spec, "stackability")
    towards = [
        text(t.get("title"), p)
        for t in stack.get("stackable_towards", []) or []
        if isinstance(t, dict)
    ]
    if towards:
        rows.append((p.gettext("Stackable towards"), "; ".join(t for t in towards if t)))
    return [(k, str(v)) for k, v in rows if v not in (None, "")]


def outcome_lines(data: dict[str, Any], p: Page) -> list[str]:
    spec = section(data, "spec")
    out = []
    for item in spec.get("learning_outcomes", []) or []:
        if isinstance(item, dict):
            line = text(item.get("text"), p)
            if line:
                out.append(line)
    return out


def _explanation(status: str, checks: list[CheckLine], revoked_at: datetime | None, p: Page) -> str:
    if status == "valid":
        return p.gettext(
            "The signature is intact, the issuer has not withdrawn it, and it is within its "
            "period of validity."
        )
    if status == "unchecked":
        return p.gettext(
            "The signature is genuine, but whether the issuer has revoked or suspended this "
            "credential could not be checked. Do not rely on it until it can be: try again "
            "later, or ask the issuer."
        )
    if status == "revoked":
        if revoked_at is not None:
            return p.gettext("This credential was revoked by its issuer on %(date)s.") % {
                "date": p.date(revoked_at)
            }
        return p.gettext("This credential was revoked by its issuer. It is no longer in force.")
    if status == "suspended":
        return p.gettext(
            "The issuer has suspended this credential for now. Ask the issuer or check again later."
        )
    if status == "expired":
        return p.gettext("This credential's period of validity has ended.")
    failed = [c for c in checks if c.status == "fail"]
    if any(c.id == "proof" for c in failed):
        return p.gettext(
            "The credential was changed after it was signed, or the signature is not genuine."
        )
    if failed:
        return failed[0].meaning or failed[0].message
    return p.gettext("The credential could not be verified.")


def build(
    report: dict[str, Any],
    data: dict[str, Any] | None,
    credential: dict[str, Any] | None,
    p: Page,
    *,
    revoked_at: datetime | None = None,
    binding: dict[str, Any] | None = None,
    summary: CredentialSummary | None = None,
) -> CredentialView:
    """``report``: the verifier's JSON; ``data``: the award's model data (may be partial);
    ``binding``: for a presented or shared credential, its ``holder_binding``; ``summary``:
    what the credential is about (the verifier's, or else read from ``credential`` and
    ``data``)."""
    status = str(report.get("status") or "invalid")
    if status not in HEADLINES:
        status = "invalid"
    lines = check_lines(report.get("checks"), MEANINGS, MEANINGS_BY_RESULT, p)
    if status == "revoked":
        for line in lines:
            if line.id == "status":
                line.meaning = _explanation(status, lines, revoked_at, p)
    data = data if isinstance(data, dict) else {}
    spec = section(data, "spec")
    if summary is None:
        summary = summarize(credential, data)
    trust = next((c for c in lines if c.id == "trust"), None)
    learner_id = summary.learner_id
    if learner_id is not None and learner_id.startswith("mailto:"):
        learner_id = learner_id[len("mailto:") :]
    view = CredentialView(
        status=status,
        valid=status == "valid",
        headline=p.gettext(HEADLINES[status]),
        explanation=_explanation(status, lines, revoked_at, p),
        status_word=p.gettext(STATUS_WORDS[status]),
        checks=lines,
        title=summary.title_in(p.lang) or p.gettext("Untitled credential"),
        issuer_name=summary.issuer_name_in(p.lang),
        issuer_id=summary.issuer_id,
        issuer_country=country_name(summary.issuer_country, p),
        trusted=trust is not None and trust.status == "pass",
        trust_message=trust.meaning if trust else "",
        learner_name=summary.learner_name,
        learner_id=learner_id,
        issued_on=p.date(summary.issued_on) or None,
        valid_until=p.date(summary.valid_until) or None,
        description=text(spec.get("description"), p),
        elements=element_rows(data, p),
        outcomes=outcome_lines(data, p),
        grade=str(data["grade"]) if data.get("grade") not in (None, "") else None,
    )
    if isinstance(binding, dict):
        bound = "bound" if binding.get("status") == "bound" else "not_bound"
        meaning = BINDING_MEANINGS.get(str(binding.get("code")))
        view.binding = bound
        view.binding_head = p.gettext(BINDING_HEADS[bound])
        view.binding_meaning = p.gettext(meaning or BINDING_OTHERWISE)
        view.binding_detail = str(binding.get("message") or "")
    return view


def presentation_view(report: dict[str, Any], holder: str | None, p: Page) -> PresentationView:
    """``report``: the presentation report's JSON (``PresentationReport.to_json``);
    ``holder``: the holder it names."""
    lines = check_lines(
        report.get("checks"), PRESENTATION_MEANINGS, PRESENTATION_MEANINGS_BY_RESULT, p
    )
    credentials = [c for c in report.get("credentials", []) or [] if isinstance(c, dict)]
    bound = sum(
        1
        for c in credentials
        if isinstance(c.get("holder_binding"), dict)
        and c["holder_binding"].get("status") == "bound"
    )
    status = str(report.get("status") or "invalid")
    return PresentationView(
        holder=holder,
        valid=bool(report.get("valid")),
        status_word=p.gettext(STATUS_WORDS.get(status, STATUS_WORDS["invalid"])),
        checks=lines,
        bound=bound,
        total=len(credentials),
        summary=p.gettext(
            "%(bound)s of %(total)s credentials are shown to belong to the person who presented "
            "them."
        )
        % {"bound": p.number(bound), "total": p.number(len(credentials))},
    )
