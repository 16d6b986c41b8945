"""What the PDF documents share: their label languages, tolerant readers of plain data, text
helpers and the fpdf2 page with its drawing primitives.

Every label comes from the Babel catalogues (:mod:`microcred.i18n`): a document prints its
labels in each of its label languages, by default every language with a catalogue, the
default language first ("Date of issue / Izdošanas datums"). A language is added by adding a
catalogue, never here.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

import pycountry
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from microcred import i18n
from microcred.documents.qr import qr_png
from microcred.i18n import N_
from microcred.model.vocabulary import Concept

FONT_FAMILY = "DejaVuSans"
NOT_STATED = N_("not stated")
"""The message printed where an element is missing (in every label language)."""

LABELS: dict[str, str] = {
    "kind": N_("European micro-credential"),
    "title": N_("Title"),
    "learner": N_("Awarded to"),
    "awarding_body": N_("Awarding body"),
    "co_awarding_bodies": N_("Co-awarding bodies"),
    "country": N_("Country / region"),
    "issued_on": N_("Date of issue"),
    "description": N_("Description"),
    "learning_outcomes": N_("Learning outcomes"),
    "workload": N_("Notional workload"),
    "eqf_level": N_("EQF level"),
    "assessment": N_("Type of assessment"),
    "participation": N_("Form of participation"),
    "quality_assurance": N_("Type of quality assurance"),
    "supervision": N_("Supervision and identity verification"),
    "prerequisites": N_("Prerequisites"),
    "stackability": N_("Integration / stackability"),
    "grade": N_("Grade achieved"),
    "validity": N_("Validity"),
    "skills": N_("Skills"),
    "further_information": N_("Further information"),
    "verification": N_("Verification"),
    "credential_id": N_("Credential ID"),
    "verify_at": N_("Verify at"),
}
"""Every label of a certificate element, by element: the message ids of the catalogues."""

STATUS_LABELS = ("valid", "unchecked", "invalid", "revoked", "suspended", "expired")
"""The report statuses a document names (in the words of :func:`_status_word`)."""
NOT_CHECKED = N_("not checked")
CHECK_MARKS = {"pass": "✓", "fail": "✗", "warn": "!", "skip": "–"}

# Colours (RGB).
INK = (25, 28, 36)
MUTED = (96, 102, 116)
RULE = (205, 210, 220)
EU_BLUE = (0, 51, 153)
WHITE = (255, 255, 255)
STATUS_COLOURS = {
    "valid": ((226, 244, 232), (20, 110, 50)),
    "expired": ((253, 243, 222), (150, 95, 0)),
    "suspended": ((253, 243, 222), (150, 95, 0)),
    "unchecked": ((253, 243, 222), (150, 95, 0)),
}
BAD_COLOURS = ((252, 230, 230), (165, 25, 25))
NEUTRAL_COLOURS = ((238, 241, 246), MUTED)

MARGIN = 16.0
LABEL_W = 50.0
GAP = 4.0
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# --- label languages ---------------------------------------------------------------------


class Labels:
    """The label languages of one document: each message in each of them, joined by " / "."""

    def __init__(self, languages: Sequence[str] | None = None) -> None:
        chosen = [i18n.supported(lang) for lang in (languages or i18n.languages())]
        self.translators = tuple(i18n.translator(lang) for lang in dict.fromkeys(chosen))

    @property
    def lang(self) -> str:
        return self.translators[0].lang

    @property
    def languages(self) -> list[str]:
        return [t.lang for t in self.translators]

    def each(self, message: str, **values: Any) -> list[str]:
        """The message in each label language (`values` fill its placeholders), no repeats."""
        found = [t.gettext(message) for t in self.translators]
        return _unique([text % values if values else text for text in found])

    def gettext(self, message: str, **values: Any) -> str:
        return " / ".join(self.each(message, **values))

    __call__ = gettext

    def pgettext(self, context: str, message: str) -> str:
        """A message of the documents' own context, where the pages' word differs."""
        return " / ".join(_unique([t.pgettext(context, message) for t in self.translators]))

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        found = [t.ngettext(singular, plural, n) % {"n": n, **values} for t in self.translators]
        return " / ".join(_unique(found))

    def status(self, status: str | None) -> str:
        if status is None:
            return self.gettext(NOT_CHECKED)
        if status not in STATUS_LABELS:
            return clean(status)
        return " / ".join(_unique([_status_word(t, status) for t in self.translators]))

    @property
    def not_stated(self) -> str:
        return self(NOT_STATED)


def _status_word(t: i18n.Translator, status: str) -> str:
    """The status words agree with "micro-credential", so they have a context of their own."""
    words = {
        "valid": t.pgettext("certificate", "Valid"),
        "invalid": t.pgettext("certificate", "Invalid"),
        "revoked": t.pgettext("certificate", "Revoked"),
        "suspended": t.pgettext("certificate", "Suspended"),
        "expired": t.pgettext("certificate", "Expired"),
        # no agreement to make: the pages' words
        "unchecked": t.gettext("Could not be checked"),
    }
    return words[status]


def _unique(texts: list[str]) -> list[str]:
    return list(dict.fromkeys(texts))


# --- reading tolerant data ---------------------------------------------------------------


def get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def clean(text: Any) -> str:
    return _CONTROL.sub("", str(text)).strip()


def lang_map(value: Any) -> dict[str, str]:
    """A language map from a dict, or a plain string as an untagged text."""
    if isinstance(value, str) and value.strip():
        return {"und": clean(value)}
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items() if isinstance(v, str) and clean(v)}
    return {}


def texts(value: Any, languages: list[str]) -> list[tuple[str, str]]:
    """(tag, text) in the chosen languages; the first entry if none of them is present."""
    found = lang_map(value)
    if not found:
        return []
    chosen: list[tuple[str, str]] = []
    for lang in languages:
        for tag, text in found.items():
            if (tag == lang or tag.split("-")[0] == lang) and (tag, text) not in chosen:
                chosen.append((tag, text))
    return chosen or [next(iter(found.items()))]


def first_text(value: Any, languages: list[str]) -> str:
    found = texts(value, languages)
    return found[0][1] if found else ""


def credential_languages(award_data: Mapping[str, Any]) -> list[str]:
    """The credential's languages: the title's, then the specification's `languages`."""
    langs: list[str] = []
    for tag in lang_map(get(award_data, "spec", "title")):
        if tag != "und" and tag not in langs:
            langs.append(tag)
    declared = get(award_data, "spec", "languages")
    if isinstance(declared, list | tuple):
        langs += [str(t) for t in declared if isinstance(t, str) and t not in langs]
    return langs or [i18n.DEFAULT_LANGUAGE]


def amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        found = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return found if found.is_finite() and found >= 0 else None


def number(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            pass
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    return None


def workload(award_data: Mapping[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    return (
        amount(get(award_data, "spec", "workload", "ects")),
        amount(get(award_data, "spec", "workload", "hours")),
    )


def workload_text(ects: Decimal | None, hours: Decimal | None, labels: Labels | None = None) -> str:
    """'3 ECTS, 80 hours' in each label language."""
    labels = labels or Labels()
    out = []
    for t in labels.translators:
        parts = []
        if ects is not None:
            parts.append(t.gettext("%(n)s ECTS") % {"n": number(ects)})
        if hours is not None:
            parts.append(t.gettext("%(n)s hours") % {"n": number(hours)})
        out.append(", ".join(parts))
    return " / ".join(_unique(out)) if ects is not None or hours is not None else labels.not_stated


@cache
def _country_names(lang: str) -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        return gettext.NullTranslations()


def country_text(code: Any, region: Any = None, labels: Labels | None = None) -> str:
    """'Latvia / Latvija (LV), Rīga' from an ISO 3166-1 code (or whatever text was given)."""
    labels = labels or Labels()
    if not isinstance(code, str) or not code.strip():
        text = labels.not_stated
    else:
        country = pycountry.countries.get(alpha_2=code.strip().upper())
        if country is None:
            text = clean(code)
        else:
            names = _unique(
                [_country_names(lang).gettext(country.name) for lang in labels.languages]
            )
            text = f"{' / '.join(names)} ({country.alpha_2})"
    if isinstance(region, str) and region.strip():
        text = f"{text}, {clean(region)}"
    return text


def concept_text(table: Mapping[Any, Concept], code: Any, labels: Labels) -> str | None:
    """A vocabulary concept's label in each label language (its English label is the msgid)."""
    if not isinstance(code, str) or not code.strip():
        return None
    for key, concept in table.items():
        if key == code or concept.code == code or concept.uri == code:
            return labels(concept.label_en)
    return clean(code)


def report_status(report: Mapping[str, Any] | None, status: Any = None) -> str | None:
    value = status if isinstance(status, str) else get(report, "status")
    if isinstance(value, str) and value:
        return value
    valid = get(report, "valid")
    if isinstance(valid, bool):
        return "valid" if valid else "invalid"
    return None


def status_text(status: str | None, labels: Labels | None = None) -> str:
    return (labels or Labels()).status(status)


def bodies(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list | tuple):
        return [b for b in value if isinstance(b, Mapping)]
    return []


def status_colours(status: str | None) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    if status is None:
        return NEUTRAL_COLOURS
    return STATUS_COLOURS.get(status, BAD_COLOURS)


# --- drawing -----------------------------------------------------------------------------


def _font_path(name: str) -> str:
    return str(resources.files("microcred") / "data" / "fonts" / name)


class Document(FPDF):
    """An A4 page with the Unicode font, a footer line, and labelled rows."""

    def __init__(self, labels: Labels, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.labels = labels
        self.footer_text = footer_text
        self.add_font(FONT_FAMILY, "", _font_path("DejaVuSans.ttf"))
        self.add_font(FONT_FAMILY, "B", _font_path("DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, 14, MARGIN)
        self.set_auto_page_break(True, margin=16)
        self.set_creator("microcred")
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.get_y() - 1.5, self.w - MARGIN, self.get_y() - 1.5)
        self.font(7, colour=MUTED)
        width = self.w - 2 * MARGIN
        self.cell(width - 22, 4, self.footer_text, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.cell(22, 4, f"{self.page_no()}/{{nb}}", align="R")

    def font(self, size: float, *, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*colour)

    @property
    def content_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def band(self, text: str) -> None:
        """The blue band across the top of the first page."""
        self.set_fill_color(*EU_BLUE)
        self.rect(0, 0, self.w, 9, style="F")
        self.set_xy(MARGIN, 2.2)
        self.font(8, bold=True, colour=WHITE)
        self.cell(0, 4.5, text)

    def text_block(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        colour: tuple[int, int, int] = INK,
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
        found: list[tuple[str, str]],
        x: float,
        width: float,
        size: float = 9,
        *,
        bold_first: bool = False,
    ) -> None:
        """One line group per language; a small language tag before each when there are several."""
        show_tags = len(found) > 1
        for index, (tag, text) in enumerate(found):
            self.set_x(x)
            if show_tags:
                self.font(6.5, bold=True, colour=MUTED)
                self.cell(8, size * 0.46, tag.upper(), new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.text_block(
                text,
                size,
                bold=bold_first and index == 0,
                width=width - (8 if show_tags else 0),
                x=x + (8 if show_tags else 0),
            )

    def label(self, key: str, x: float, width: float) -> None:
        """An element's label, one line per label language (the first in bold)."""
        self.set_x(x)
        for index, text in enumerate(self.labels.each(LABELS[key])):
            if index == 0:
                self.text_block(text, 7.8, bold=True, colour=INK, width=width, x=x, line=3.5)
            else:
                self.text_block(text, 7.2, colour=MUTED, width=width, x=x, line=3.3)

    def rule(self, gap: float = 2.5) -> None:
        self.ln(gap)
        self.set_draw_color(*RULE)
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
            self.label(key, self.l_margin, LABEL_W)
            label_bottom = self.get_y()
            self.set_y(top)
            value_x = self.l_margin + LABEL_W + GAP
            draw(value_x, self.w - self.r_margin - value_x)
            bottom = max(self.get_y(), label_bottom) if self.page == page else self.get_y()
            self.set_y(bottom + 1.4)

        self.keep_together(render)

    def value_row(self, key: str, value: str | list[tuple[str, str]] | None) -> None:
        """A labelled value: a text, texts by language, or None ("not stated")."""
        not_stated = self.labels.not_stated

        def draw(x: float, width: float) -> None:
            if isinstance(value, str) and value:
                muted = value == not_stated
                self.text_block(value, 9, width=width, x=x, colour=MUTED if muted else INK)
            elif isinstance(value, list) and value:
                self.tagged_texts(value, x, width)
            else:
                self.text_block(not_stated, 9, width=width, x=x, colour=MUTED)

        self.row(key, draw)

    def qr(self, url: str, x: float, y: float, size: float) -> None:
        self.image(io.BytesIO(qr_png(url, scale=8)), x=x, y=y, w=size, h=size, link=url)

    def output_bytes(self) -> bytes:
        return bytes(self.output())
