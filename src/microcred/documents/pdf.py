"""PDF certificates and portfolios (fpdf2, pure Python).

`certificate_pdf` prints one micro-credential with every element of Annex I
of the Council Recommendation of 16 June 2022, labelled in English and
Latvian, texts in the credential's own languages, and a QR code of the
verification page. `portfolio_pdf` lists chosen credentials on a few pages
for a job application.

Both take plain data (`Award.to_data()`-shaped dicts, the verification
report's JSON), so a credential read from another issuer, with elements
missing or in unexpected shapes, still prints: what is missing reads
"not stated" instead of failing.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

import pycountry
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from microcred.documents.qr import qr_png
from microcred.model.vocabulary import (
    ASSESSMENT_CONCEPTS,
    PARTICIPATION_CONCEPTS,
    QUALITY_ASSURANCE_CONCEPTS,
    SUPERVISION_CONCEPTS,
    Concept,
)

FONT_FAMILY = "DejaVuSans"
NOT_STATED = "not stated / nav norādīts"

LABELS: dict[str, tuple[str, str]] = {
    "kind": ("European micro-credential", "Eiropas mikrokvalifikācija"),
    "title": ("Title", "Nosaukums"),
    "learner": ("Awarded to", "Piešķirta"),
    "awarding_body": ("Awarding body", "Piešķīrējs"),
    "co_awarding_bodies": ("Co-awarding bodies", "Līdzpiešķīrēji"),
    "country": ("Country / region", "Valsts / reģions"),
    "issued_on": ("Date of issue", "Izdošanas datums"),
    "description": ("Description", "Apraksts"),
    "learning_outcomes": ("Learning outcomes", "Mācīšanās rezultāti"),
    "workload": ("Notional workload", "Nominālā slodze"),
    "eqf_level": ("EQF level", "EKI līmenis"),
    "assessment": ("Type of assessment", "Vērtēšanas veids"),
    "participation": ("Form of participation", "Dalības veids"),
    "quality_assurance": ("Type of quality assurance", "Kvalitātes nodrošināšanas veids"),
    "supervision": ("Supervision and identity verification", "Uzraudzība un identitātes pārbaude"),
    "prerequisites": ("Prerequisites", "Priekšnosacījumi"),
    "stackability": ("Integration / stackability", "Integrēšana / apvienošana"),
    "grade": ("Grade achieved", "Iegūtais vērtējums"),
    "validity": ("Validity", "Derīgums"),
    "skills": ("Skills", "Prasmes"),
    "further_information": ("Further information", "Papildu informācija"),
    "verification": ("Verification", "Pārbaude"),
    "credential_id": ("Credential ID", "Apliecības ID"),
    "verify_at": ("Verify at", "Pārbaudīt"),
}
"""Every label printed on a certificate, English and Latvian."""

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

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "valid": ("Valid", "Derīga"),
    "invalid": ("Invalid", "Nederīga"),
    "revoked": ("Revoked", "Atsaukta"),
    "suspended": ("Suspended", "Apturēta"),
    "expired": ("Expired", "Beidzies derīgums"),
}
CHECK_MARKS = {"pass": "✓", "fail": "✗", "warn": "!", "skip": "–"}

# Colours (RGB).
_INK = (25, 28, 36)
_MUTED = (96, 102, 116)
_RULE = (205, 210, 220)
_EU_BLUE = (0, 51, 153)
_STATUS_COLOURS = {
    "valid": ((226, 244, 232), (20, 110, 50)),
    "expired": ((253, 243, 222), (150, 95, 0)),
    "suspended": ((253, 243, 222), (150, 95, 0)),
}
_BAD_COLOURS = ((252, 230, 230), (165, 25, 25))
_NEUTRAL_COLOURS = ((238, 241, 246), _MUTED)

_MARGIN = 16.0
_LABEL_W = 50.0
_GAP = 4.0
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# --- reading tolerant data ---------------------------------------------------------------


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _clean(text: Any) -> str:
    return _CONTROL.sub("", str(text)).strip()


def _lang_map(value: Any) -> dict[str, str]:
    """A language map from a dict, or a plain string as an untagged text."""
    if isinstance(value, str) and value.strip():
        return {"und": _clean(value)}
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items() if isinstance(v, str) and _clean(v)}
    return {}


def _texts(value: Any, languages: list[str]) -> list[tuple[str, str]]:
    """(tag, text) in the chosen languages; the first entry if none of them is present."""
    texts = _lang_map(value)
    if not texts:
        return []
    chosen: list[tuple[str, str]] = []
    for lang in languages:
        for tag, text in texts.items():
            if (tag == lang or tag.split("-")[0] == lang) and (tag, text) not in chosen:
                chosen.append((tag, text))
    return chosen or [next(iter(texts.items()))]


def _first_text(value: Any, languages: list[str]) -> str:
    texts = _texts(value, languages)
    return texts[0][1] if texts else ""


def credential_languages(award_data: Mapping[str, Any]) -> list[str]:
    """The credential's languages: the title's, then the specification's `languages`."""
    langs: list[str] = []
    for tag in _lang_map(_get(award_data, "spec", "title")):
        if tag != "und" and tag not in langs:
            langs.append(tag)
    declared = _get(award_data, "spec", "languages")
    if isinstance(declared, list | tuple):
        langs += [str(t) for t in declared if isinstance(t, str) and t not in langs]
    return langs or ["en"]


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    return None


def _workload(award_data: Mapping[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    return (
        _amount(_get(award_data, "spec", "workload", "ects")),
        _amount(_get(award_data, "spec", "workload", "hours")),
    )


def workload_text(ects: Decimal | None, hours: Decimal | None) -> str:
    parts = []
    if ects is not None:
        parts.append(f"{_number(ects)} ECTS")
    if hours is not None:
        parts.append(f"{_number(hours)} hours")
    return ", ".join(parts) or NOT_STATED


@cache
def _latvian_countries() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["lv"])
    except OSError:
        return gettext.NullTranslations()


def country_text(code: Any, region: Any = None) -> str:
    """'Latvia / Latvija (LV), Rīga' from an ISO 3166-1 code (or whatever text was given)."""
    if not isinstance(code, str) or not code.strip():
        text = NOT_STATED
    else:
        country = pycountry.countries.get(alpha_2=code.strip().upper())
        if country is None:
            text = _clean(code)
        else:
            lv = _latvian_countries().gettext(country.name)
            names = country.name if lv == country.name else f"{country.name} / {lv}"
            text = f"{names} ({country.alpha_2})"
    if isinstance(region, str) and region.strip():
        text = f"{text}, {_clean(region)}"
    return text


def _concept(table: Mapping[Any, Concept], code: Any) -> str | None:
    if not isinstance(code, str) or not code.strip():
        return None
    for key, concept in table.items():
        if key == code or concept.code == code or concept.uri == code:
            return f"{concept.label_en} / {concept.label_lv}"
    return _clean(code)


def _validity(award_data: Mapping[str, Any]) -> str:
    until = _date(award_data.get("valid_until"))
    months = _get(award_data, "spec", "validity", "months")
    fixed = _date(_get(award_data, "spec", "validity", "until"))
    issued = _date(award_data.get("issued_on"))
    if until is None and isinstance(months, int) and not isinstance(months, bool) and issued:
        until = _add_months(issued, months)
        if fixed is not None:
            until = min(until, fixed)
    elif until is None:
        until = fixed
    parts = []
    if isinstance(months, int) and not isinstance(months, bool):
        parts.append(f"{months} months after issue / {months} mēneši pēc izdošanas")
    if until is not None:
        parts.append(f"until / līdz {until.isoformat()}")
    return "; ".join(parts) or NOT_STATED


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    return day  # unreachable: day 28 always exists


def _status(report: Mapping[str, Any] | None, status: Any = None) -> str | None:
    value = status if isinstance(status, str) else _get(report, "status")
    if isinstance(value, str) and value:
        return value
    valid = _get(report, "valid")
    if isinstance(valid, bool):
        return "valid" if valid else "invalid"
    return None


def status_text(status: str | None) -> str:
    if status is None:
        return "not checked / nav pārbaudīta"
    en, lv = STATUS_LABELS.get(status, (status, status))
    return f"{en} / {lv}"


# --- drawing -----------------------------------------------------------------------------


def _font_path(name: str) -> str:
    return str(resources.files("microcred") / "data" / "fonts" / name)


class _Document(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(FONT_FAMILY, "", _font_path("DejaVuSans.ttf"))
        self.add_font(FONT_FAMILY, "B", _font_path("DejaVuSans-Bold.ttf"))
        self.set_margins(_MARGIN, 14, _MARGIN)
        self.set_auto_page_break(True, margin=16)
        self.set_creator("microcred")
        self.set_text_color(*_INK)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(*_RULE)
        self.line(_MARGIN, self.get_y() - 1.5, self.w - _MARGIN, self.get_y() - 1.5)
        self.font(7, colour=_MUTED)
        width = self.w - 2 * _MARGIN
        self.cell(width - 22, 4, self.footer_text, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.cell(22, 4, f"{self.page_no()}/{{nb}}", align="R")

    def font(self, size: float, *, bold: bool = False, colour: tuple[int, int, int] = _INK) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*colour)

    @property
    def content_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def text_block(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: tuple[int, int, int] = _INK,
        width: float = 0,
        x: float | None = None,
        line: float | None = None,
    ) -> None:
        self.font(size, bold=bold, colour=colour)
        if x is not None:
            self.set_x(x)
        self.multi_cell(
            width or (self.w - self.r_margin - self.get_x()),
            line or size * 0.46,
            text,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )

    def tagged_texts(
        self,
        texts: list[tuple[str, str]],
        x: float,
        width: float,
        size: float = 9,
        *,
        bold_first: bool = False,
    ) -> None:
        """One line group per language; a small language tag before each when there are several."""
        show_tags = len(texts) > 1
        for index, (tag, text) in enumerate(texts):
            self.set_x(x)
            if show_tags:
                self.font(6.5, bold=True, colour=_MUTED)
                self.cell(8, size * 0.46, tag.upper(), new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.text_block(
                text,
                size,
                bold=bold_first and index == 0,
                width=width - (8 if show_tags else 0),
                x=x + (8 if show_tags else 0),
            )

    def label(self, key: str, x: float, width: float) -> None:
        en, lv = LABELS[key]
        self.set_x(x)
        self.text_block(en, 7.8, bold=True, colour=_INK, width=width, x=x, line=3.5)
        self.text_block(lv, 7.2, colour=_MUTED, width=width, x=x, line=3.3)

    def rule(self, gap: float = 2.5) -> None:
        self.ln(gap)
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(gap)

    def keep_together(self, draw: Callable[[], None]) -> None:
        """Draw a block on one page: on the next page when it does not fit where it would start.

        The block is drawn once off the record to measure it (fpdf2 restores the
        whole document state afterwards); blocks taller than a page just flow.
        """
        with self.offset_rendering():
            self.set_auto_page_break(False)
            start_y = self.get_y()
            draw()
            height = self.get_y() - start_y
        if self.get_y() + height > self.page_break_trigger and height < self.eph - 10:
            self.add_page()
        draw()

    def row(self, key: str, draw: Callable[[float, float], None]) -> None:
        """A labelled row: `draw(x, width)` fills the value column, then we move below both."""

        def render() -> None:
            top, page = self.get_y(), self.page
            self.label(key, self.l_margin, _LABEL_W)
            label_bottom = self.get_y()
            self.set_y(top)
            value_x = self.l_margin + _LABEL_W + _GAP
            draw(value_x, self.w - self.r_margin - value_x)
            bottom = max(self.get_y(), label_bottom) if self.page == page else self.get_y()
            self.set_y(bottom + 1.4)

        self.keep_together(render)

    def value_row(self, key: str, value: str | list[tuple[str, str]]) -> None:
        def draw(x: float, width: float) -> None:
            if isinstance(value, str):
                muted = value == NOT_STATED
                self.text_block(value, 9, width=width, x=x, colour=_MUTED if muted else _INK)
            elif value:
                self.tagged_texts(value, x, width)
            else:
                self.text_block(NOT_STATED, 9, width=width, x=x, colour=_MUTED)

        self.row(key, draw)

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def _header_status(pdf: _Document, status: str | None, checks: Any) -> None:
    """'Verification / Pārbaude  [Valid / Derīga]  ✓ parse  ✓ schema ...' in one line."""
    fill, ink = (
        _STATUS_COLOURS.get(status, _BAD_COLOURS) if status is not None else _NEUTRAL_COLOURS
    )
    found = [c for c in checks if isinstance(c, Mapping)] if isinstance(checks, list) else []
    passed = sum(1 for c in found if c.get("status") == "pass")
    others = [
        f"{CHECK_MARKS.get(str(c.get('status')), '?')} {_clean(c.get('id', ''))}: "
        f"{_clean(c.get('status', ''))}"
        for c in found
        if c.get("status") not in ("pass", "skip")
    ]
    marks = (
        [f"✓ {passed} of {len(found)} checks passed / pārbaudes izturētas", *others]
        if found
        else []
    )
    pdf.set_x(pdf.l_margin)
    pdf.font(7.5, bold=True, colour=_MUTED)
    pdf.cell(_LABEL_W + _GAP, 5.4, f"{LABELS['verification'][0]} / {LABELS['verification'][1]}")
    text = status_text(status)
    pdf.font(9, bold=True, colour=ink)
    pdf.set_fill_color(*fill)
    pdf.cell(pdf.get_string_width(text) + 4, 5.4, text, fill=True, align="C")
    if marks:
        pdf.set_x(pdf.get_x() + 2)
        pdf.font(7.5, colour=_MUTED)
        pdf.multi_cell(0, 5.4, "  ".join(marks), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    else:
        pdf.ln(5.4)
    pdf.ln(0.6)


def _header_line(pdf: _Document, key: str, value: str, *, link: str | None = None) -> None:
    pdf.set_x(pdf.l_margin)
    pdf.font(7.5, bold=True, colour=_MUTED)
    pdf.cell(_LABEL_W + _GAP, 4.4, f"{LABELS[key][0]} / {LABELS[key][1]}")
    pdf.font(8.5, colour=_EU_BLUE if link else _INK)
    pdf.multi_cell(0, 4.4, value, link=link or "", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")


def _qr(pdf: _Document, url: str, x: float, y: float, size: float) -> None:
    pdf.image(io.BytesIO(qr_png(url, scale=8)), x=x, y=y, w=size, h=size, link=url)


def _bodies(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list | tuple):
        return [b for b in value if isinstance(b, Mapping)]
    return []


# --- certificate -------------------------------------------------------------------------


def certificate_pdf(
    award_data: Mapping[str, Any],
    *,
    verification_url: str,
    report: Mapping[str, Any] | None = None,
    languages: list[str] | None = None,
) -> bytes:
    """One micro-credential as an A4 PDF (two pages when its texts are long).

    `languages` chooses and orders the languages of the credential's own texts
    (default: the title's languages, then the specification's); labels are
    always in English and Latvian.
    """
    award_data = award_data if isinstance(award_data, Mapping) else {}
    spec = _mapping(award_data.get("spec"))
    langs = list(languages) if languages else credential_languages(award_data)
    credential_id = _clean(award_data.get("id") or "") or NOT_STATED
    titles = _texts(spec.get("title"), langs)
    primary_title = titles[0][1] if titles else "Micro-credential"

    pdf = _Document(f"{LABELS['credential_id'][0]} / {LABELS['credential_id'][1]}: {credential_id}")
    pdf.set_title(primary_title)
    pdf.set_subject("European micro-credential (Council Recommendation of 16 June 2022)")
    pdf.set_lang(titles[0][0] if titles and titles[0][0] != "und" else langs[0])
    body = _bodies(spec.get("awarding_body"))
    if body:
        pdf.set_author(_first_text(body[0].get("name"), langs))
    pdf.add_page()

    # Header band.
    pdf.set_fill_color(*_EU_BLUE)
    pdf.rect(0, 0, pdf.w, 9, style="F")
    pdf.set_xy(_MARGIN, 2.2)
    pdf.font(8, bold=True, colour=(255, 255, 255))
    pdf.cell(0, 4.5, f"{LABELS['kind'][0].upper()}  ·  {LABELS['kind'][1].upper()}")

    qr_size = 36.0
    qr_x = pdf.w - _MARGIN - qr_size
    header_w = qr_x - _MARGIN - 6
    top = 15.0
    _qr(pdf, verification_url, qr_x, top - 1.5, qr_size)
    pdf.set_xy(qr_x, top - 1.5 + qr_size)
    pdf.font(7, bold=True, colour=_MUTED)
    pdf.cell(qr_size, 3.5, f"{LABELS['verify_at'][0]} / {LABELS['verify_at'][1]}", align="C")

    pdf.set_xy(_MARGIN, top)
    pdf.text_block(
        f"{LABELS['title'][0]} / {LABELS['title'][1]}", 7.5, colour=_MUTED, width=header_w
    )
    pdf.ln(0.5)
    if titles:
        pdf.text_block(titles[0][1], 17, bold=True, width=header_w, line=7.4)
        for tag, text in titles[1:]:
            pdf.ln(0.6)
            pdf.set_x(_MARGIN)
            pdf.font(7, bold=True, colour=_MUTED)
            pdf.cell(8, 5.2, tag.upper(), new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.text_block(text, 11.5, colour=_INK, width=header_w - 8, x=_MARGIN + 8, line=5.2)
    else:
        pdf.text_block(NOT_STATED, 17, bold=True, colour=_MUTED, width=header_w, line=7.4)

    pdf.ln(3)
    pdf.text_block(
        f"{LABELS['learner'][0]} / {LABELS['learner'][1]}", 7.5, colour=_MUTED, width=header_w
    )
    learner = _clean(_get(award_data, "learner", "name") or "") or NOT_STATED
    pdf.text_block(learner, 15, bold=True, width=header_w, line=6.8)
    pdf.set_y(max(pdf.get_y(), top + qr_size + 3))
    _header_line(pdf, "verify_at", verification_url, link=verification_url)
    _header_line(pdf, "credential_id", credential_id)
    if report is not None:
        _header_status(pdf, _status(report), _get(report, "checks"))
    pdf.rule(2)

    # Issuer and date.
    if body:
        pdf.value_row("awarding_body", _texts(body[0].get("name"), langs))
        pdf.value_row("country", country_text(body[0].get("country"), body[0].get("region")))
    else:
        pdf.value_row("awarding_body", NOT_STATED)
        pdf.value_row("country", NOT_STATED)
    co_bodies = _bodies(spec.get("co_awarding_bodies"))
    if co_bodies:
        pdf.value_row(
            "co_awarding_bodies",
            "; ".join(
                f"{_first_text(b.get('name'), langs) or NOT_STATED}, "
                f"{country_text(b.get('country'), b.get('region'))}"
                for b in co_bodies
            ),
        )
    issued = _date(award_data.get("issued_on"))
    pdf.value_row("issued_on", issued.isoformat() if issued else NOT_STATED)
    if spec.get("description"):
        pdf.value_row("description", _texts(spec.get("description"), langs))
    pdf.rule(1.5)

    for key in CERTIFICATE_ELEMENTS:
        _element_row(pdf, key, award_data, spec, langs)
    if spec.get("skills"):
        _skills_row(pdf, spec.get("skills"), langs)
    if spec.get("further_information"):
        pdf.value_row("further_information", _texts(spec.get("further_information"), langs))
    pdf.rule(1.5)

    pdf.ln(1)
    pdf.keep_together(
        lambda: pdf.text_block(
            "Issued as a micro-credential under the Council Recommendation of 16 June 2022 on a "
            "European approach to micro-credentials. / Izdota kā mikrokvalifikācija saskaņā ar "
            "Padomes 2022. gada 16. jūnija ieteikumu par Eiropas pieeju mikrokvalifikācijām.",
            7,
            colour=_MUTED,
            line=3.4,
        )
    )
    return pdf.output_bytes()


def _element_row(
    pdf: _Document,
    key: str,
    award_data: Mapping[str, Any],
    spec: Mapping[str, Any],
    langs: list[str],
) -> None:
    if key == "learning_outcomes":
        outcomes = spec.get("learning_outcomes")
        items = (
            [o for o in outcomes if isinstance(o, Mapping | str)]
            if isinstance(outcomes, list | tuple)
            else []
        )
        if not items:
            pdf.value_row(key, NOT_STATED)
            return

        def draw(x: float, width: float) -> None:
            for number, outcome in enumerate(items, start=1):
                text = outcome.get("text") if isinstance(outcome, Mapping) else outcome
                pdf.set_x(x)
                pdf.font(9, bold=True, colour=_MUTED)
                pdf.cell(6, 4.6, f"{number}.", new_x=XPos.RIGHT, new_y=YPos.TOP)
                texts = _texts(text, langs)
                if texts:
                    pdf.tagged_texts(texts, x + 6, width - 6)
                else:
                    pdf.text_block(NOT_STATED, 9, colour=_MUTED, width=width - 6, x=x + 6)
                pdf.ln(0.8)

        pdf.row(key, draw)
        return
    if key == "workload":
        pdf.value_row(key, workload_text(*_workload(award_data)))
    elif key == "eqf_level":
        parts = []
        level = spec.get("eqf_level")
        if isinstance(level, int | str) and not isinstance(level, bool) and str(level).strip():
            parts.append(f"EQF {_clean(level)} / EKI {_clean(level)}")
        if spec.get("nqf_level"):
            parts.append(f"NQF / NKI: {_clean(spec['nqf_level'])}")
        if spec.get("qf_ehea_cycle"):
            parts.append(f"QF-EHEA: {_clean(spec['qf_ehea_cycle'])} cycle")
        pdf.value_row(key, "; ".join(parts) or NOT_STATED)
    elif key == "assessment":
        _concept_row(pdf, key, ASSESSMENT_CONCEPTS, spec.get("assessment"), langs)
    elif key == "participation":
        pdf.value_row(
            key, _concept(PARTICIPATION_CONCEPTS, spec.get("participation")) or NOT_STATED
        )
    elif key == "quality_assurance":
        _concept_row(pdf, key, QUALITY_ASSURANCE_CONCEPTS, spec.get("quality_assurance"), langs)
    elif key == "supervision":
        pdf.value_row(key, _concept(SUPERVISION_CONCEPTS, spec.get("supervision")) or NOT_STATED)
    elif key == "prerequisites":
        pdf.value_row(key, _texts(spec.get("prerequisites"), langs))
    elif key == "stackability":
        pdf.value_row(key, _stackability(spec.get("stackability"), langs))
    elif key == "grade":
        grade = _clean(award_data.get("grade") or "")
        pdf.value_row(key, grade or NOT_STATED)
    elif key == "validity":
        pdf.value_row(key, _validity(award_data))


def _concept_row(
    pdf: _Document, key: str, table: Mapping[Any, Concept], value: Any, langs: list[str]
) -> None:
    code = value.get("type") if isinstance(value, Mapping) else value
    label = _concept(table, code)
    extra: list[str] = []
    if isinstance(value, Mapping):
        found = [
            _clean(value[field])
            for field in ("body", "url")
            if isinstance(value.get(field), str) and value[field].strip()
        ]
        if found:
            extra.append(", ".join(found))
    description = _texts(value.get("description"), langs) if isinstance(value, Mapping) else []
    if label is None and not description:
        pdf.value_row(key, NOT_STATED)
        return

    def draw(x: float, width: float) -> None:
        pdf.text_block(label or NOT_STATED, 9, bold=label is not None, width=width, x=x)
        for line in extra:
            pdf.text_block(line, 9, width=width, x=x)
        if description:
            pdf.tagged_texts(description, x, width, size=9)

    pdf.row(key, draw)


def _stackability(value: Any, langs: list[str]) -> str:
    if not isinstance(value, Mapping):
        return NOT_STATED
    parts = []
    standalone = value.get("standalone", True)
    parts.append(
        "Stand-alone / Patstāvīga"
        if standalone is not False
        else "Not stand-alone / Nav patstāvīga"
    )
    targets = value.get("stackable_towards")
    if isinstance(targets, list | tuple):
        titles = [
            _first_text(t.get("title"), langs)
            for t in targets
            if isinstance(t, Mapping) and _first_text(t.get("title"), langs)
        ]
        if titles:
            parts.append("stackable towards / apvienojama ar: " + "; ".join(titles))
    return "; ".join(parts)


def _skills_row(pdf: _Document, skills: Any, langs: list[str]) -> None:
    names = [
        _first_text(s.get("name"), langs)
        for s in (skills if isinstance(skills, list | tuple) else [])
        if isinstance(s, Mapping) and _first_text(s.get("name"), langs)
    ]
    if names:
        pdf.value_row("skills", "; ".join(names))


# --- portfolio ---------------------------------------------------------------------------


def _portfolio_item(item: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None, str | None]:
    """(award data, status, verification URL) from an item.

    An item is either award data itself, or `{"award": ..., "report": ...,
    "status": ..., "verification_url": ...}` (report/status/URL optional).
    """
    if isinstance(item.get("award"), Mapping):
        award = item["award"]
        report = item.get("report") if isinstance(item.get("report"), Mapping) else None
        url = item.get("verification_url")
        return award, _status(report, item.get("status")), url if isinstance(url, str) else None
    return item, _status(None, item.get("status")), None


def portfolio_pdf(
    holder_name: str,
    items: list[Mapping[str, Any]],
    *,
    share_url: str | None = None,
) -> bytes:
    """A portfolio of chosen micro-credentials, ready to attach to a job application."""
    holder = _clean(holder_name) or NOT_STATED
    entries = [_portfolio_item(i) for i in items if isinstance(i, Mapping)]
    total_ects = sum((e for e, _ in (_workload(a) for a, _, _ in entries) if e), Decimal(0))
    total_hours = sum((h for _, h in (_workload(a) for a, _, _ in entries) if h), Decimal(0))

    pdf = _Document(f"Micro-credential portfolio / Mikrokvalifikāciju portfolio: {holder}")
    pdf.set_title(f"Micro-credential portfolio: {holder}")
    pdf.set_author(holder)
    pdf.set_lang("en")
    pdf.add_page()
    pdf.set_fill_color(*_EU_BLUE)
    pdf.rect(0, 0, pdf.w, 9, style="F")
    pdf.set_xy(_MARGIN, 2.2)
    pdf.font(8, bold=True, colour=(255, 255, 255))
    pdf.cell(0, 4.5, "MICRO-CREDENTIAL PORTFOLIO  ·  MIKROKVALIFIKĀCIJU PORTFOLIO")

    qr_size = 30.0
    header_w = pdf.content_width - (qr_size + 6 if share_url else 0)
    top = 15.0
    if share_url:
        _qr(pdf, share_url, pdf.w - _MARGIN - qr_size, top - 1.5, qr_size)
    pdf.set_xy(_MARGIN, top)
    pdf.text_block("Holder / Īpašnieks", 7.5, colour=_MUTED, width=header_w)
    pdf.text_block(holder, 20, bold=True, width=header_w, line=8.6)
    pdf.ln(2)
    count = len(entries)
    totals = (
        f"{count} micro-credential{'s' if count != 1 else ''} / mikrokvalifikācijas"
        f"  ·  {_number(total_ects)} ECTS  ·  {_number(total_hours)} hours / stundas"
    )
    pdf.text_block(
        f"Total / Kopā: {totals}",
        11,
        bold=True,
        width=header_w,
        line=5.2,
    )
    pdf.text_block(
        f"Prepared on / Sagatavots {datetime.now(UTC).date().isoformat()}. Each credential can "
        "be checked online at its verification address. / Katru mikrokvalifikāciju var "
        "pārbaudīt tiešsaistē tās pārbaudes adresē.",
        8,
        colour=_MUTED,
        width=header_w,
        line=3.8,
    )
    if share_url:
        pdf.set_x(_MARGIN)
        pdf.font(8.5, colour=_EU_BLUE)
        pdf.multi_cell(
            header_w,
            4.2,
            f"Portfolio online / Portfolio tiešsaistē: {share_url}",
            link=share_url,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )
        pdf.set_y(max(pdf.get_y(), top + qr_size))
    pdf.rule(3)

    for number, (award, status, url) in enumerate(entries, start=1):
        _portfolio_block(pdf, number, award, status, url)
    if not entries:
        pdf.text_block("No credentials chosen. / Nav izvēlētu mikrokvalifikāciju.", 10)
    return pdf.output_bytes()


def _portfolio_block(
    pdf: _Document, number: int, award: Mapping[str, Any], status: str | None, url: str | None
) -> None:
    spec = _mapping(award.get("spec"))
    langs = credential_languages(award)
    titles = _texts(spec.get("title"), langs)
    body = _bodies(spec.get("awarding_body"))
    issued = _date(award.get("issued_on"))
    ects, hours = _workload(award)
    level = spec.get("eqf_level")
    doc = pdf

    def draw() -> None:
        top = doc.get_y()
        doc.font(10, bold=True, colour=_MUTED)
        doc.cell(9, 5.6, f"{number}.", new_x=XPos.RIGHT, new_y=YPos.TOP)
        x = doc.l_margin + 9
        width = doc.content_width - 9 - 42
        doc.text_block(
            titles[0][1] if titles else NOT_STATED, 11.5, bold=True, width=width, x=x, line=5.6
        )
        for tag, text in titles[1:]:
            doc.set_x(x)
            doc.font(6.5, bold=True, colour=_MUTED)
            doc.cell(8, 4.2, tag.upper(), new_x=XPos.RIGHT, new_y=YPos.TOP)
            doc.text_block(text, 9, colour=_INK, width=width - 8, x=x + 8, line=4.2)
        issuer = _first_text(body[0].get("name"), langs) if body else ""
        country = (
            country_text(body[0].get("country"), body[0].get("region")) if body else NOT_STATED
        )
        facts = [
            ("Issuer / Izdevējs", issuer or NOT_STATED),
            ("Country / Valsts", country),
            ("Issued / Izdota", issued.isoformat() if issued else NOT_STATED),
            ("Workload / Slodze", workload_text(ects, hours)),
            (
                "EQF / EKI",
                str(level)
                if isinstance(level, int | str) and not isinstance(level, bool)
                else NOT_STATED,
            ),
        ]
        doc.ln(0.6)
        for name, value in facts:
            doc.set_x(x)
            doc.font(8, colour=_MUTED)
            doc.cell(30, 4.2, name, new_x=XPos.RIGHT, new_y=YPos.TOP)
            doc.text_block(value, 8.5, width=width - 30, x=x + 30, line=4.2)
        if url:
            doc.set_x(x)
            doc.font(8, colour=_MUTED)
            doc.cell(30, 4.2, "Verify / Pārbaudīt", new_x=XPos.RIGHT, new_y=YPos.TOP)
            doc.font(8, colour=_EU_BLUE)
            doc.multi_cell(
                width - 30, 4.2, url, link=url, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
            )
        bottom = doc.get_y()
        # Status badge on the right.
        fill, ink = (
            _STATUS_COLOURS.get(status, _BAD_COLOURS) if status is not None else _NEUTRAL_COLOURS
        )
        badge_x = doc.w - doc.r_margin - 38
        doc.set_fill_color(*fill)
        doc.rect(badge_x, top + 0.5, 38, 11, style="F")
        doc.set_xy(badge_x, top + 1.3)
        doc.font(6.5, bold=True, colour=_MUTED)
        doc.cell(38, 3.2, "STATUS / STATUSS", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.font(8.5, bold=True, colour=ink)
        doc.multi_cell(38, 4, status_text(status), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.set_y(max(bottom, doc.get_y()) + 1)
        doc.rule(2.5)

    pdf.keep_together(draw)


__all__ = [
    "CERTIFICATE_ELEMENTS",
    "LABELS",
    "NOT_STATED",
    "certificate_pdf",
    "country_text",
    "credential_languages",
    "portfolio_pdf",
    "status_text",
    "workload_text",
]
