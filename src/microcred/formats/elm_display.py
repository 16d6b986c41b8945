"""The ELM `DisplayParameter`: how a wallet shows the credential, with an image of it.

The Europass shapes (`edc-generic-no-cv`) make `individualDisplay` mandatory: one per
language, each with a `displayDetail` holding a `MediaObject` image of a page and its
number. EDC puts a rendering of the credential there; this module draws a plain one
(title, learner, awarding body, date) with the bundled DejaVu font, so every export
has its picture without any network or PDF step. The encoding and file-type concepts
are the ones the European Commission's own sealed sample uses.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from microcred.formats.elm_vocab import concept, language_concept
from microcred.model.award import Award

BASE64_ENCODING = "http://data.europa.eu/snb/encoding/6146cde7dd"
ENCODING_SCHEME = "http://data.europa.eu/snb/encoding/25831c2"
FILE_TYPE_SCHEME = "http://publications.europa.eu/resource/authority/file-type"
PNG_FILE_TYPE = f"{FILE_TYPE_SCHEME}/PNG"

_WIDTH, _HEIGHT, _MARGIN = 1000, 700, 60


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    with resources.as_file(resources.files("microcred") / "data" / "fonts" / name) as path:
        return ImageFont.truetype(str(path), size)


def _wrapped(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > _WIDTH - 2 * _MARGIN:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def render_png(award: Award, lang: str) -> bytes:
    """A one-page PNG of the credential in `lang` (falling back to the first text given)."""
    spec = award.spec

    def text(value: dict[str, str]) -> str:
        return value.get(lang) or next(iter(value.values()))

    image = Image.new("L", (_WIDTH, _HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, _WIDTH - 20, _HEIGHT - 20), outline=90, width=4)
    y = _MARGIN + 20
    rows: list[tuple[str, bool, int]] = [
        (text(spec.awarding_body.name), True, 30),
        (text(spec.title), True, 44),
        (award.learner.name, False, 36),
        (award.issued_on.strftime("%Y-%m-%d"), False, 26),
    ]
    for value, bold, size in rows:
        font = _font(bold, size)
        for line in _wrapped(draw, value, font)[:3]:
            draw.text((_MARGIN, y), line, font=font, fill=0)
            y += int(size * 1.35)
        y += 30
    out = io.BytesIO()
    # PNG with fixed settings and no metadata: the same award always draws the same bytes.
    image.save(out, format="PNG", compress_level=9)
    return out.getvalue()


def display_parameter(award: Award, lang: str, ids: Callable[[str], str]) -> dict[str, Any]:
    """The `DisplayParameter` node, with the individual display in the primary language."""
    spec = award.spec
    display: dict[str, Any] = {
        "id": ids("displayParameter"),
        "type": "DisplayParameter",
        "title": dict(spec.title),
    }
    if spec.description:
        display["description"] = dict(spec.description)
    primary = language_concept(lang)
    if primary:
        display["primaryLanguage"] = primary
    languages = [n for n in (language_concept(t) for t in (lang, *spec.title)) if n]
    if languages:
        display["language"] = [n for i, n in enumerate(languages) if n not in languages[:i]]
    if primary:
        content = base64.b64encode(render_png(award, lang)).decode("ascii")
        display["individualDisplay"] = {
            "id": ids("individualDisplay"),
            "type": "IndividualDisplay",
            "language": primary,
            "displayDetail": {
                "id": ids("displayDetail"),
                "type": "DisplayDetail",
                "image": {
                    "id": ids("mediaObject"),
                    "type": "MediaObject",
                    "content": content,
                    "contentEncoding": concept(BASE64_ENCODING, ENCODING_SCHEME, {"en": "base64"}),
                    "contentType": concept(PNG_FILE_TYPE, FILE_TYPE_SCHEME, {"en": "PNG"}),
                },
                "page": 1,
            },
        }
    return display
