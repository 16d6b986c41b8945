"""QR codes of share and verification links (segno), as PNG and SVG."""

from __future__ import annotations

import io

import segno

ERROR_CORRECTION = "m"
"""Level M: about 15 % of the code may be damaged, a good fit for printed pages."""
QUIET_ZONE = 4
"""Modules of white border around the code, the minimum ISO/IEC 18004 asks for."""


def _make(url: str) -> segno.QRCode:
    if not url or not url.strip():
        raise ValueError("a QR code needs a non-empty URL")
    return segno.make_qr(url, error=ERROR_CORRECTION, boost_error=False)


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """A black-on-white PNG of `url` with a 4-module quiet zone; `scale` pixels per module."""
    out = io.BytesIO()
    _make(url).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="black", light="white")
    return out.getvalue()


def qr_svg(url: str, *, scale: int = 4, title: str | None = None) -> str:
    """A standalone SVG document of `url` with a 4-module quiet zone."""
    out = io.BytesIO()
    _make(url).save(
        out,
        kind="svg",
        scale=scale,
        border=QUIET_ZONE,
        dark="black",
        light="white",
        xmldecl=True,
        svgns=True,
        title=title,
        unit=None,
        encoding="utf-8",
    )
    return out.getvalue().decode("utf-8")
