"""Charts as server-rendered SVG: readable without JavaScript, each with a title, a description
and the same numbers in a table next to it for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

INK, MUTED, GRID = "#17202a", "#4d5966", "#d6dbe1"
BLUE, RED, GREEN = "#0b3a8c", "#a3211a", "#176b36"


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[float]


def _nice_max(value: float) -> float:
    if value <= 4:
        return 4
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return float(step * 4) if value > step * 2 else float(step * 2)
    return value * 1.1


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _frame(
    title: str, desc: str, width: int, height: int, body: list[str], ident: str, font: int = 14
) -> Markup:
    # Every text in `body` went through escape(); numbers are formatted by this module.
    # The SVG scales with its box: on a phone a 960-unit chart would shrink its labels to 5 px,
    # so on narrow screens the chart keeps a minimum width (app.css .chart-scroll) and scrolls
    # inside its own focusable region, never the page; the table below it says the same.
    wide = " wide" if width > 700 else ""
    return Markup(  # noqa: S704
        f'<div class="chart-scroll{wide}" tabindex="0" role="region" '
        f'aria-label="{escape(title)}">'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" font-family="system-ui, DejaVu Sans, sans-serif" '
        f'font-size="{font}"><title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(desc)}</desc>' + "".join(body) + "</svg></div>"
    )


def bars(
    labels: Sequence[str], series: Sequence[Series], *, title: str, desc: str, ident: str
) -> Markup:
    """Grouped vertical bars, one group per label (e.g. a month)."""
    width, height, bottom, top = 960, 300, 40, 34
    peak = _nice_max(max((v for s in series for v in s.values), default=0))
    # room for the longest axis label (about 9 units a digit at this font size): "3000" fits
    left = max(40, 14 + 9 * len(_fmt(peak)))
    plot_w, plot_h = width - left - 10, height - bottom - top
    body: list[str] = []
    for i in range(5):
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        body.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_fmt(value)}</text>'
        )
    n = max(len(labels), 1)
    group = plot_w / n
    bar = min(28.0, group * 0.8 / max(len(series), 1))
    for i, label in enumerate(labels):
        x0 = left + group * i + (group - bar * len(series)) / 2
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else 0
            # a count that is not zero stays visible next to a much larger one
            h = max(plot_h * value / peak, 3.0) if value > 0 else 0.0
            x = x0 + bar * j
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar - 2:.1f}" '
                f'height="{h:.1f}" fill="{s.colour}"><title>{escape(s.name)}, {escape(label)}: '
                f"{_fmt(value)}</title></rect>"
            )
        if n <= 12 or i % max(1, n // 12) == 0:
            body.append(
                f'<text x="{left + group * i + group / 2:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" fill="{INK}">{escape(label)}</text>'
            )
    x = left
    for s in series:
        body.append(
            f'<rect x="{x}" y="6" width="14" height="14" fill="{s.colour}"/>'
            f'<text x="{x + 18}" y="18" fill="{INK}">{escape(s.name)}</text>'
        )
        x += 28 + 9 * len(s.name)
    return _frame(title, desc, width, height, body, ident, font=15)


def steps(points: Sequence[tuple[str, float]], *, title: str, desc: str, ident: str) -> Markup:
    """A running total over time (e.g. ECTS credits earned), as a step line with dots."""
    width, height, left, bottom, top = 640, 220, 40, 40, 16
    plot_w, plot_h = width - left - 16, height - bottom - top
    peak = _nice_max(max((v for _, v in points), default=0))
    body: list[str] = []
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        body.append(
            f'<line x1="{left}" x2="{width - 16}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{_fmt(peak * i / 4)}</text>"
        )
    if points:
        n = len(points)
        xs = [left + (plot_w * (i + 0.5) / n) for i in range(n)]
        ys = [top + plot_h - plot_h * v / peak for _, v in points]
        path = [f"M{left},{top + plot_h}"]
        for x, y in zip(xs, ys, strict=True):
            path.append(f"H{x:.1f}V{y:.1f}")
        path.append(f"H{width - 16}")
        body.append(f'<path d="{"".join(path)}" fill="none" stroke="{BLUE}" stroke-width="3"/>')
        for (label, value), x, y in zip(points, xs, ys, strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{BLUE}"><title>{escape(label)}: '
                f"{_fmt(value)}</title></circle>"
            )
        every = max(1, n // 6)
        for i, (label, _) in enumerate(points):
            if i % every == 0 or i == n - 1:
                body.append(
                    f'<text x="{xs[i]:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                    f'fill="{INK}">{escape(label)}</text>'
                )
    return _frame(title, desc, width, height, body, ident)


def hbars(rows: Sequence[tuple[str, float]], *, title: str, desc: str, ident: str) -> Markup:
    """Horizontal bars with their labels above (e.g. skills covered by how many credentials)."""
    width, row_h = 640, 44
    height = max(row_h * len(rows) + 8, 40)
    peak = max((v for _, v in rows), default=1) or 1
    body: list[str] = []
    for i, (label, value) in enumerate(rows):
        y = i * row_h + 4
        w = (width - 60) * value / peak
        short = label if len(label) <= 80 else label[:77] + "…"
        body.append(
            f'<text x="0" y="{y + 13}" fill="{INK}">{escape(short)}</text>'
            f'<rect x="0" y="{y + 19}" width="{max(w, 2):.1f}" height="16" rx="3" fill="{GREEN}"/>'
            f'<text x="{max(w, 2) + 6:.1f}" y="{y + 32}" fill="{INK}">{_fmt(value)}</text>'
        )
    return _frame(title, desc, width, height, body, ident)
