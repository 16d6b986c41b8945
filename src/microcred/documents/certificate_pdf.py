"""The PDF certificate of one micro-credential (fpdf2, pure Python).

It prints every element of Annex I of the Council Recommendation of 16 June 2022, labelled in
the label languages (:class:`~microcred.documents.layout.Labels`: every catalogue's language
by default), the credential's texts in its own languages, and a QR code of the verification
page. It takes plain data (`Award.to_data()`-shaped dicts, the verification report's JSON), so
a credential read from another issuer, with elements missing or in unexpected shapes, still
prints: what is missing reads "not stated" instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from fpdf.enums import XPos, YPos

from microcred.documents.layout import (
    CHECK_MARKS,
    EU_BLUE,
    GAP,
    INK,
    LABEL_W,
    LABELS,
    MARGIN,
    MUTED,
    Document,
    Labels,
    as_date,
    bodies,
    clean,
    concept_text,
    country_text,
    credential_languages,
    first_text,
    get,
    mapping,
    report_status,
    status_colours,
    texts,
    workload,
    workload_text,
)
from microcred.i18n import N_
from microcred.model.vocabulary import (
    ASSESSMENT_CONCEPTS,
    PARTICIPATION_CONCEPTS,
    QUALITY_ASSURANCE_CONCEPTS,
    SUPERVISION_CONCEPTS,
    Concept,
)

CERTIFICATE_ELEMENTS = (
    "learning_outcomes",
    "workload",
    "eqf_level",
    "assessment",
    "participation",
    "quality_assurance",
    "supervision",
    "prerequisites",
    "stackability",
    "grade",
    "validity",
)
"""The rows of the elements table, in print order (the header carries the rest)."""

LEGAL_BASIS = N_(
    "Issued as a micro-credential under the Council Recommendation of 16 June 2022 on a "
    "European approach to micro-credentials."
)


def certificate_pdf(
    award_data: Mapping[str, Any],
    *,
    verification_url: str,
    report: Mapping[str, Any] | None = None,
    languages: list[str] | None = None,
    label_languages: Sequence[str] | None = None,
) -> bytes:
    """One micro-credential as an A4 PDF (two pages when its texts are long).

    `languages` chooses and orders the languages of the credential's own texts
    (default: the title's languages, then the specification's); `label_languages` those of
    the labels (default: every language with a catalogue, the default language first).
    """
    award_data = award_data if isinstance(award_data, Mapping) else {}
    labels = Labels(label_languages)
    not_stated = labels.not_stated
    spec = mapping(award_data.get("spec"))
    langs = list(languages) if languages else credential_languages(award_data)
    credential_id = clean(award_data.get("id") or "") or not_stated
    titles = texts(spec.get("title"), langs)
    primary_title = titles[0][1] if titles else labels.translators[0].gettext("Micro-credential")

    pdf = Document(labels, f"{labels(LABELS['credential_id'])}: {credential_id}")
    pdf.set_title(primary_title)
    pdf.set_subject(
        labels.translators[0].gettext(
            "European micro-credential (Council Recommendation of 16 June 2022)"
        )
    )
    pdf.set_lang(titles[0][0] if titles and titles[0][0] != "und" else langs[0])
    body = bodies(spec.get("awarding_body"))
    if body:
        pdf.set_author(first_text(body[0].get("name"), langs))
    pdf.add_page()
    pdf.band("  ·  ".join(text.upper() for text in labels.each(LABELS["kind"])))

    qr_size = 36.0
    qr_x = pdf.w - MARGIN - qr_size
    header_w = qr_x - MARGIN - 6
    top = 15.0
    pdf.qr(verification_url, qr_x, top - 1.5, qr_size)
    pdf.set_xy(qr_x, top - 1.5 + qr_size)
    pdf.font(7, bold=True, colour=MUTED)
    pdf.cell(qr_size, 3.5, labels(LABELS["verify_at"]), align="C")

    pdf.set_xy(MARGIN, top)
    pdf.text_block(labels(LABELS["title"]), 7.5, colour=MUTED, width=header_w)
    pdf.ln(0.5)
    if titles:
        pdf.text_block(titles[0][1], 17, bold=True, width=header_w, line=7.4)
        for tag, text in titles[1:]:
            pdf.ln(0.6)
            pdf.set_x(MARGIN)
            pdf.font(7, bold=True, colour=MUTED)
            pdf.cell(8, 5.2, tag.upper(), new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.text_block(text, 11.5, colour=INK, width=header_w - 8, x=MARGIN + 8, line=5.2)
    else:
        pdf.text_block(not_stated, 17, bold=True, colour=MUTED, width=header_w, line=7.4)

    pdf.ln(3)
    pdf.text_block(labels(LABELS["learner"]), 7.5, colour=MUTED, width=header_w)
    learner = clean(get(award_data, "learner", "name") or "") or not_stated
    pdf.text_block(learner, 15, bold=True, width=header_w, line=6.8)
    pdf.set_y(max(pdf.get_y(), top + qr_size + 3))
    _header_line(pdf, "verify_at", verification_url, link=verification_url)
    _header_line(pdf, "credential_id", credential_id)
    if report is not None:
        _header_status(pdf, report_status(report), get(report, "checks"))
    pdf.rule(2)

    # Issuer and date.
    if body:
        pdf.value_row("awarding_body", texts(body[0].get("name"), langs))
        pdf.value_row(
            "country", country_text(body[0].get("country"), body[0].get("region"), labels)
        )
    else:
        pdf.value_row("awarding_body", None)
        pdf.value_row("country", None)
    co_bodies = bodies(spec.get("co_awarding_bodies"))
    if co_bodies:
        pdf.value_row(
            "co_awarding_bodies",
            "; ".join(
                f"{first_text(b.get('name'), langs) or not_stated}, "
                f"{country_text(b.get('country'), b.get('region'), labels)}"
                for b in co_bodies
            ),
        )
    issued = as_date(award_data.get("issued_on"))
    pdf.value_row("issued_on", issued.isoformat() if issued else None)
    if spec.get("description"):
        pdf.value_row("description", texts(spec.get("description"), langs))
    pdf.rule(1.5)

    for key in CERTIFICATE_ELEMENTS:
        _element_row(pdf, key, award_data, spec, langs)
    if spec.get("skills"):
        _skills_row(pdf, spec.get("skills"), langs)
    if spec.get("further_information"):
        pdf.value_row("further_information", texts(spec.get("further_information"), langs))
    pdf.rule(1.5)

    pdf.ln(1)
    pdf.keep_together(lambda: pdf.text_block(labels(LEGAL_BASIS), 7, colour=MUTED, line=3.4))
    return pdf.output_bytes()


def _header_status(pdf: Document, status: str | None, checks: Any) -> None:
    """'Verification / Pārbaude  [Valid / Derīga]  ✓ 8 of 8 checks passed ...' in one line."""
    labels = pdf.labels
    fill, ink = status_colours(status)
    found = [c for c in checks if isinstance(c, Mapping)] if isinstance(checks, list) else []
    passed = sum(1 for c in found if c.get("status") == "pass")
    # The checks that did not pass, by their machine id and mark (codes, not prose).
    others = [
        f"{CHECK_MARKS.get(str(c.get('status')), '?')} {clean(c.get('id', ''))}: "
        f"{clean(c.get('status', ''))}"
        for c in found
        if c.get("status") not in ("pass", "skip")
    ]
    summary = labels.gettext(
        "%(passed)s of %(total)s checks passed", passed=passed, total=len(found)
    )
    marks = [f"✓ {summary}", *others] if found else []
    pdf.set_x(pdf.l_margin)
    pdf.font(7.5, bold=True, colour=MUTED)
    pdf.cell(LABEL_W + GAP, 5.4, labels(LABELS["verification"]))
    text = labels.status(status)
    pdf.font(9, bold=True, colour=ink)
    pdf.set_fill_color(*fill)
    pdf.cell(pdf.get_string_width(text) + 4, 5.4, text, fill=True, align="C")
    if marks:
        pdf.set_x(pdf.get_x() + 2)
        pdf.font(7.5, colour=MUTED)
        pdf.multi_cell(0, 5.4, "  ".join(marks), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    else:
        pdf.ln(5.4)
    pdf.ln(0.6)


def _header_line(pdf: Document, key: str, value: str, *, link: str | None = None) -> None:
    pdf.set_x(pdf.l_margin)
    pdf.font(7.5, bold=True, colour=MUTED)
    pdf.cell(LABEL_W + GAP, 4.4, pdf.labels(LABELS[key]))
    pdf.font(8.5, colour=EU_BLUE if link else INK)
    pdf.multi_cell(0, 4.4, value, link=link or "", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")


def _element_row(
    pdf: Document,
    key: str,
    award_data: Mapping[str, Any],
    spec: Mapping[str, Any],
    langs: list[str],
) -> None:
    labels = pdf.labels
    if key == "learning_outcomes":
        _outcomes_row(pdf, spec.get("learning_outcomes"), langs)
    elif key == "workload":
        pdf.value_row(key, workload_text(*workload(award_data), labels))
    elif key == "eqf_level":
        parts = []
        level = spec.get("eqf_level")
        if isinstance(level, int | str) and not isinstance(level, bool) and str(level).strip():
            parts.append(labels.gettext("EQF %(level)s", level=clean(level)))
        if spec.get("nqf_level"):
            nqf = labels.gettext("NQF")
            parts.append(f"{nqf}: {clean(spec['nqf_level'])}")
        if spec.get("qf_ehea_cycle"):
            parts.append(
                labels.gettext("QF-EHEA: %(cycle)s cycle", cycle=clean(spec["qf_ehea_cycle"]))
            )
        pdf.value_row(key, "; ".join(parts) or None)
    elif key == "assessment":
        _concept_row(pdf, key, ASSESSMENT_CONCEPTS, spec.get("assessment"), langs)
    elif key == "participation":
        pdf.value_row(key, concept_text(PARTICIPATION_CONCEPTS, spec.get("participation"), labels))
    elif key == "quality_assurance":
        _concept_row(pdf, key, QUALITY_ASSURANCE_CONCEPTS, spec.get("quality_assurance"), langs)
    elif key == "supervision":
        pdf.value_row(key, concept_text(SUPERVISION_CONCEPTS, spec.get("supervision"), labels))
    elif key == "prerequisites":
        pdf.value_row(key, texts(spec.get("prerequisites"), langs))
    elif key == "stackability":
        pdf.value_row(key, _stackability(spec.get("stackability"), langs, labels))
    elif key == "grade":
        pdf.value_row(key, clean(award_data.get("grade") or "") or None)
    elif key == "validity":
        pdf.value_row(key, _validity(award_data, labels))


def _outcomes_row(pdf: Document, outcomes: Any, langs: list[str]) -> None:
    items = (
        [o for o in outcomes if isinstance(o, Mapping | str)]
        if isinstance(outcomes, list | tuple)
        else []
    )
    if not items:
        pdf.value_row("learning_outcomes", None)
        return

    def draw(x: float, width: float) -> None:
        for index, outcome in enumerate(items, start=1):
            text = outcome.get("text") if isinstance(outcome, Mapping) else outcome
            pdf.set_x(x)
            pdf.font(9, bold=True, colour=MUTED)
            pdf.cell(6, 4.6, f"{index}.", new_x=XPos.RIGHT, new_y=YPos.TOP)
            found = texts(text, langs)
            if found:
                pdf.tagged_texts(found, x + 6, width - 6)
            else:
                pdf.text_block(pdf.labels.not_stated, 9, colour=MUTED, width=width - 6, x=x + 6)
            pdf.ln(0.8)

    pdf.row("learning_outcomes", draw)


def _concept_row(
    pdf: Document, key: str, table: Mapping[Any, Concept], value: Any, langs: list[str]
) -> None:
    code = value.get("type") if isinstance(value, Mapping) else value
    label = concept_text(table, code, pdf.labels)
    extra: list[str] = []
    if isinstance(value, Mapping):
        found = [
            clean(value[field])
            for field in ("body", "url")
            if isinstance(value.get(field), str) and value[field].strip()
        ]
        if found:
            extra.append(", ".join(found))
    description = texts(value.get("description"), langs) if isinstance(value, Mapping) else []
    if label is None and not description:
        pdf.value_row(key, None)
        return

    def draw(x: float, width: float) -> None:
        pdf.text_block(label or pdf.labels.not_stated, 9, bold=label is not None, width=width, x=x)
        for line in extra:
            pdf.text_block(line, 9, width=width, x=x)
        if description:
            pdf.tagged_texts(description, x, width, size=9)

    pdf.row(key, draw)


def _stackability(value: Any, langs: list[str], labels: Labels) -> str:
    if not isinstance(value, Mapping):
        return labels.not_stated
    standalone = value.get("standalone", True)
    parts = [
        labels.gettext("Stand-alone")
        if standalone is not False
        else labels.gettext("Not stand-alone")
    ]
    targets = value.get("stackable_towards")
    if isinstance(targets, list | tuple):
        titles = [
            first_text(t.get("title"), langs)
            for t in targets
            if isinstance(t, Mapping) and first_text(t.get("title"), langs)
        ]
        if titles:
            towards = labels.gettext("stackable towards")
            parts.append(f"{towards}: " + "; ".join(titles))
    return "; ".join(parts)


def _skills_row(pdf: Document, skills: Any, langs: list[str]) -> None:
    names = [
        first_text(s.get("name"), langs)
        for s in (skills if isinstance(skills, list | tuple) else [])
        if isinstance(s, Mapping) and first_text(s.get("name"), langs)
    ]
    if names:
        pdf.value_row("skills", "; ".join(names))


def _validity(award_data: Mapping[str, Any], labels: Labels) -> str | None:
    until = as_date(award_data.get("valid_until"))
    months = get(award_data, "spec", "validity", "months")
    fixed = as_date(get(award_data, "spec", "validity", "until"))
    issued = as_date(award_data.get("issued_on"))
    has_months = isinstance(months, int) and not isinstance(months, bool)
    if until is None and has_months and issued:
        until = _add_months(issued, months)
        if fixed is not None:
            until = min(until, fixed)
    elif until is None:
        until = fixed
    parts = []
    if has_months:
        parts.append(labels.ngettext("%(n)s month after issue", "%(n)s months after issue", months))
    if until is not None:
        word = labels.gettext("until")
        parts.append(f"{word} {until.isoformat()}")
    return "; ".join(parts) or None


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    return day  # unreachable: day 28 always exists


__all__ = ["CERTIFICATE_ELEMENTS", "certificate_pdf"]
