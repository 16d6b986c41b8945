"""The gettext catalogues: every message of the pages has a Latvian translation, the compiled
.mo files say what the .po files say, and the template is up to date with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "src" / "microcred" / "web" / "translations"
LANGUAGES = sorted(p.name for p in TRANSLATIONS.iterdir() if p.is_dir())
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def _po(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _key(value):
    return value if isinstance(value, str) else tuple(value)


def _extracted(tmp_path: Path) -> set[str]:
    out = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with out.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_languages_include_english_and_latvian():
    assert {"en", "lv"} <= set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_po_and_mo_agree(lang):
    po = _po(lang)
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        mo = read_mo(handle)
    po_messages = {(m.context, _key(m.id)): _key(m.string) for m in po if m.id and m.string}
    mo_messages = {(m.context, _key(m.id)): _key(m.string) for m in mo if m.id and m.string}
    assert po_messages == mo_messages


def test_every_message_of_the_pages_is_in_the_catalogues(tmp_path):
    extracted = _extracted(tmp_path)
    for lang in LANGUAGES:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _po(lang) if m.id}
        assert extracted - ids == set(), f"{lang}: run pybabel extract/update (see babel.cfg)"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_is_translated_with_the_same_placeholders(lang):
    for message in _po(lang):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ident = message.id if isinstance(message.id, str) else message.id[0]
        assert all(strings), f"{lang}: no translation of {ident!r}"
        assert "fuzzy" not in message.flags, ident
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(ident)), ident


def test_the_vocabularies_labels_are_in_the_catalogues():
    """The model's concept labels are message ids (extracted with -k Concept:2): the pages and
    the PDFs translate them through the catalogues, which agree with the model's Latvian."""
    from microcred.model.vocabulary import (
        ASSESSMENT_CONCEPTS,
        PARTICIPATION_CONCEPTS,
        QUALITY_ASSURANCE_CONCEPTS,
        SUPERVISION_CONCEPTS,
    )

    tables = (ASSESSMENT_CONCEPTS, PARTICIPATION_CONCEPTS, QUALITY_ASSURANCE_CONCEPTS)
    concepts = [c for table in (*tables, SUPERVISION_CONCEPTS) for c in table.values()]
    for lang in LANGUAGES:
        ids = {m.id for m in _po(lang) if m.id}
        assert {c.label_en for c in concepts} <= ids, lang
    latvian = {m.id: m.string for m in _po("lv") if m.id}
    assert {c.label_en: latvian[c.label_en] for c in concepts} == {
        c.label_en: c.label_lv for c in concepts
    }
