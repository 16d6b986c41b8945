"""The PDF portfolio: chosen micro-credentials on a few pages, for a job application.

Labels in the label languages (:class:`~microcred.documents.layout.Labels`), each credential's
texts in its own languages; plain data in, like the certificate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fpdf.enums import XPos, YPos

from microcred.documents.layout import (
    EU_BLUE,
    INK,
    MARGIN,
    MUTED,
    Document,
    Labels,
    as_date,
    bodies,
    clean,
    country_text,
    credential_languages,
    first_text,
    mapping,
    report_status,
    status_colours,
    texts,
    workload,
    workload_text,
)
from microcred.i18n import N_

PORTFOLIO = N_("Micro-credential portfolio")


def _portfolio_item(item: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None, str | None]:
    """(award data, status, verification URL) from an item.

    An item is either award data itself, or `{"award": ..., "report": ...,
    "status": ..., "verification_url": ...}` (report/status/URL optional).
    """
    if isinstance(item.get("award"), Mapping):
        award = item["award"]
        report = item.get("report") if isinstance(item.get("report"), Mapping) else None
        url = item.get("verification_url")
        status = report_status(report, item.get("status"))
        return award, status, url if isinstance(url, str) else None
    return item, report_status(None, item.get("status")), None


def portfolio_pdf(
    holder_name: str,
    items: list[Mapping[str, Any]],
    *,
    share_url: str | None = None,
    label_languages: Sequence[str] | None = None,
    today: datetime | None = None,
) -> bytes:
    """A portfolio of chosen micro-credentials, ready to attach to a job application."""
    labels = Labels(label_languages)
    holder = clean(holder_name) or labels.not_stated
    entries = [_portfolio_item(i) for i in items if isinstance(i, Mapping)]
    total_ects = sum((e for e, _ in (workload(a) for a, _, _ in entries) if e), Decimal(0))
    total_hours = sum((h for _, h in (workload(a) for a, _, _ in entries) if h), Decimal(0))
    first = labels.translators[0]

    pdf = Document(labels, f"{labels(PORTFOLIO)}: {holder}")
    pdf.set_title(f"{first.gettext(PORTFOLIO)}: {holder}")
    pdf.set_author(holder)
    pdf.set_lang(labels.lang)
    pdf.add_page()
    pdf.band("  ·  ".join(text.upper() for text in labels.each(PORTFOLIO)))

    qr_size = 30.0
    header_w = pdf.content_width - (qr_size + 6 if share_url else 0)
    top = 15.0
    if share_url:
        pdf.qr(share_url, pdf.w - MARGIN - qr_size, top - 1.5, qr_size)
    pdf.set_xy(MARGIN, top)
    pdf.text_block(labels.pgettext("certificate", "Holder"), 7.5, colour=MUTED, width=header_w)
    pdf.text_block(holder, 20, bold=True, width=header_w, line=8.6)
    pdf.ln(2)
    count = len(entries)
    totals = "  ·  ".join(
        (
            labels.ngettext("%(n)s micro-credential", "%(n)s micro-credentials", count),
            workload_text(total_ects, total_hours, labels),
        )
    )
    total = labels.gettext("Total")
    pdf.text_block(f"{total}: {totals}", 11, bold=True, width=header_w, line=5.2)
    prepared = (today or datetime.now(UTC)).date().isoformat()
    pdf.text_block(
        labels.gettext(
            "Prepared on %(date)s. Each credential can be checked online at its verification "
            "address.",
            date=prepared,
        ),
        8,
        colour=MUTED,
        width=header_w,
        line=3.8,
    )
    if share_url:
        online = labels.gettext("Portfolio online")
        pdf.set_x(MARGIN)
        pdf.font(8.5, colour=EU_BLUE)
        pdf.multi_cell(
            header_w,
            4.2,
            f"{online}: {share_url}",
            link=share_url,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            align="L",
        )
        pdf.set_y(max(pdf.get_y(), top + qr_size))
    pdf.rule(3)

    for index, (award, status, url) in enumerate(entries, start=1):
        _portfolio_block(pdf, index, award, status, url)
    if not entries:
        pdf.text_block(labels.gettext("No credentials chosen."), 10)
    return pdf.output_bytes()


def _portfolio_block(
    pdf: Document, index: int, award: Mapping[str, Any], status: str | None, url: str | None
) -> None:
    labels = pdf.labels
    not_stated = labels.not_stated
    spec = mapping(award.get("spec"))
    langs = credential_languages(award)
    titles = texts(spec.get("title"), langs)
    body = bodies(spec.get("awarding_body"))
    issued = as_date(award.get("issued_on"))
    ects, hours = workload(award)
    level = spec.get("eqf_level")

    def draw() -> None:
        top = pdf.get_y()
        pdf.font(10, bold=True, colour=MUTED)
        pdf.cell(9, 5.6, f"{index}.", new_x=XPos.RIGHT, new_y=YPos.TOP)
        x = pdf.l_margin + 9
        width = pdf.content_width - 9 - 42
        pdf.text_block(
            titles[0][1] if titles else not_stated, 11.5, bold=True, width=width, x=x, line=5.6
        )
        for tag, text in titles[1:]:
            pdf.set_x(x)
            pdf.font(6.5, bold=True, colour=MUTED)
            pdf.cell(8, 4.2, tag.upper(), new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.text_block(text, 9, colour=INK, width=width - 8, x=x + 8, line=4.2)
        issuer = first_text(body[0].get("name"), langs) if body else ""
        country = (
            country_text(body[0].get("country"), body[0].get("region"), labels)
            if body
            else not_stated
        )
        facts = [
            (labels.gettext("Issuer"), issuer or not_stated),
            (labels.gettext("Country"), country),
            (
                labels.pgettext("certificate", "Issued"),
                issued.isoformat() if issued else not_stated,
            ),
            (labels.gettext("Workload"), workload_text(ects, hours, labels)),
            (
                labels.gettext("EQF"),
                str(level)
                if isinstance(level, int | str) and not isinstance(level, bool)
                else not_stated,
            ),
        ]
        pdf.ln(0.6)
        for name, value in facts:
            pdf.set_x(x)
            pdf.font(8, colour=MUTED)
            pdf.cell(30, 4.2, name, new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.text_block(value, 8.5, width=width - 30, x=x + 30, line=4.2)
        if url:
            pdf.set_x(x)
            pdf.font(8, colour=MUTED)
            pdf.cell(30, 4.2, labels.gettext("Verify"), new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.font(8, colour=EU_BLUE)
            pdf.multi_cell(
                width - 30, 4.2, url, link=url, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
            )
        bottom = pdf.get_y()
        # Status badge on the right.
        fill, ink = status_colours(status)
        badge_x = pdf.w - pdf.r_margin - 38
        pdf.set_fill_color(*fill)
        pdf.rect(badge_x, top + 0.5, 38, 11, style="F")
        pdf.set_xy(badge_x, top + 1.3)
        pdf.font(6.5, bold=True, colour=MUTED)
        pdf.cell(
            38, 3.2, labels.gettext("Status").upper(), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT
        )
        pdf.font(8.5, bold=True, colour=ink)
        pdf.multi_cell(38, 4, labels.status(status), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(bottom, pdf.get_y()) + 1)
        pdf.rule(2.5)

    pdf.keep_together(draw)


__all__ = ["portfolio_pdf"]
