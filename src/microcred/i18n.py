"""One way to translate: the Babel catalogues, for every surface (web pages, share page, PDFs,
CLI report, the verifier's check texts).

The catalogues are gettext ``messages.po``/``.mo`` files, one directory per language under
:data:`TRANSLATIONS_DIR` (``<lang>/LC_MESSAGES/messages.mo``). The languages are whatever
catalogues are present: adding a language is adding a catalogue (``pybabel init -l xx``, then
translate and compile), never a code change. The message ids are the English texts, so the
default language needs no translation.

Code marks a message for extraction with :func:`N_` (or calls a translator's ``gettext``);
``babel.cfg`` lists the sources ``pybabel extract`` reads. :func:`translator` gives the
gettext functions and Babel's date and number formatting of one language, and
:func:`jinja_environment` is the one Jinja environment factory (autoescape and the i18n
extension) that every HTML surface uses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "web" / "translations"
"""The catalogues of the package (``pybabel`` reads and writes them; see ``babel.cfg``)."""
DEFAULT_LANGUAGE = "en"
"""The language of the message ids: used when no catalogue answers."""
DOMAIN = "messages"

_catalogues: list[Path] = [TRANSLATIONS_DIR]


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


def catalogue_dir() -> Path:
    return _catalogues[-1]


@contextlib.contextmanager
def use_catalogues(directory: Path) -> Iterator[None]:
    """Read the catalogues from another directory for a while (tests: a pseudo-locale)."""
    _catalogues.append(Path(directory))
    _clear()
    try:
        yield
    finally:
        _catalogues.pop()
        _clear()


def _clear() -> None:
    _languages.cache_clear()
    _translations.cache_clear()
    _translator.cache_clear()


def languages() -> tuple[str, ...]:
    """Every language with a compiled catalogue, the default language first."""
    return _languages(catalogue_dir())


@cache
def _languages(directory: Path) -> tuple[str, ...]:
    found = sorted(
        p.name
        for p in directory.iterdir()
        if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file() and p.name != DEFAULT_LANGUAGE
    )
    return (DEFAULT_LANGUAGE, *found)


def supported(lang: Any) -> str:
    """`lang` if it has a catalogue, else the default language."""
    return lang if isinstance(lang, str) and lang in languages() else DEFAULT_LANGUAGE


def negotiate(preferred: Iterable[str]) -> str | None:
    """The best of the known languages for a list of preferred tags (``lv-LV``, ``en``...)."""
    known = list(languages())
    wanted = [p.strip().replace("-", "_") for p in preferred if p and p.strip()][:20]
    found = negotiate_locale(wanted, known, sep="_")
    if found is None:
        found = negotiate_locale([p.split("_")[0] for p in wanted], known)
    return found


def translations(lang: str) -> NullTranslations:
    return _translations(catalogue_dir(), lang)


@lru_cache(maxsize=32)
def _translations(directory: Path, lang: str) -> NullTranslations:
    if not (directory / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
        return NullTranslations()
    return Translations.load(str(directory), [lang], domain=DOMAIN)


def language_name(lang: str) -> str:
    """The language's name in itself ("Latviešu"), capitalised."""
    try:
        name = Locale.parse(lang).get_display_name(lang) or lang
    except (ValueError, TypeError, UnknownLocaleError):
        return lang
    return name[:1].upper() + name[1:]


@dataclass(frozen=True)
class Translator:
    """The texts, dates and numbers of one language."""

    lang: str
    tr: NullTranslations

    def gettext(self, message: str) -> str:
        return self.tr.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.tr.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return str(self.tr.pgettext(context, message))

    def date(self, value: date | datetime | str | None, format: str = "long") -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return str(value)
        if isinstance(value, datetime):
            value = value.date()
        return format_date(value, format=format, locale=self._locale)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(value, format="medium", locale=self._locale)

    def number(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        try:
            return format_decimal(value, locale=self._locale, format="#,##0.##")
        except (TypeError, ValueError, ArithmeticError):
            return str(value)

    @property
    def _locale(self) -> str:
        return _babel_locale(self.lang)


@cache
def _babel_locale(lang: str) -> str:
    """A locale Babel knows for formatting (a catalogue-only pseudo-locale formats as default)."""
    try:
        Locale.parse(lang)
    except (ValueError, TypeError, UnknownLocaleError):
        return DEFAULT_LANGUAGE
    return lang


def translator(lang: str | None = None) -> Translator:
    """The translator of `lang` (the default language when it has no catalogue)."""
    return _translator(catalogue_dir(), supported(lang))


@lru_cache(maxsize=32)
def _translator(directory: Path, lang: str) -> Translator:
    return Translator(lang, _translations(directory, lang))


@lru_cache(maxsize=8)
def jinja_environment(templates: Path) -> Environment:
    """The one Jinja environment factory: autoescaped HTML/SVG and the i18n extension.

    The per-request texts come in the render context (``_``, ``gettext``, ``ngettext``,
    ``pgettext`` of a :class:`Translator`); the installed null translations only make
    ``{% trans %}`` compile.
    """
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_null_translations()  # type: ignore[attr-defined]
    return env


def template_context(t: Translator) -> dict[str, Any]:
    """What a template needs to translate: the gettext functions and the language."""
    return {
        "lang": t.lang,
        "_": t.gettext,
        "gettext": t.gettext,
        "ngettext": t.ngettext,
        "pgettext": t.pgettext,
    }


__all__ = [
    "DEFAULT_LANGUAGE",
    "N_",
    "TRANSLATIONS_DIR",
    "Translator",
    "catalogue_dir",
    "jinja_environment",
    "language_name",
    "languages",
    "negotiate",
    "supported",
    "template_context",
    "translations",
    "translator",
    "use_catalogues",
]
