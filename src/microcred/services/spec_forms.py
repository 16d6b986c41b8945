"""The specification editor's form <-> the specification data (the same dict the YAML gives).

The form has one flat field per element, named by the element's path in the model
(``title.en``, ``awarding_body.country``, ``learning_outcomes[0].esco_skill``), so a model
validation problem's path names the form field it belongs to: there is one set of rules
(model/validation.py) plus what the console refuses on top (services/spec_checks.py), never a
validator of the form's own. Elements the form has no fields for (co-awarding bodies, stackability) travel
in a hidden JSON field, so switching between the form and YAML loses nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from microcred.model.validation import Problem
from microcred.services import validation_texts
from microcred.services.form_fields import FormFields, set_path, typed_number
from microcred.services.organisations import OrgView

Gettext = Callable[[str], str]

DEFAULT_LANGS = ("en", "lv")
# The console's form post takes at most 200 fields (web.core.checked_form): 4 languages,
# 12 learning outcomes, 12 skills and 3 larger credentials keep the largest form under it.
MAX_LANGS = 4

# Multilingual elements (a map of language tag to text), by path.
LANG_FIELDS = (
    "title",
    "description",
    "awarding_body.name",
    "assessment.description",
    "quality_assurance.description",
    "prerequisites",
    "further_information",
)
# Plain elements, by path.
TEXT_FIELDS = (
    "id",
    "url",
    "awarding_body.country",
    "awarding_body.region",
    "awarding_body.id",
    "awarding_body.url",
    "awarding_body.legal_identifier",
    "awarding_body.email",
    "workload.ects",
    "workload.hours",
    "eqf_level",
    "nqf_level",
    "qf_ehea_cycle",
    "assessment.type",
    "participation",
    "quality_assurance.type",
    "quality_assurance.body",
    "quality_assurance.url",
    "supervision",
    "stackability.standalone",
    "validity.months",
    "validity.until",
    "field_of_study",
    "languages",
)
# The order of the elements on the form (Annex I's numbering, then the optional ones): a
# problem of a whole element goes to its first field, and the diff lists changes in it.
FORM_ORDER = (
    "title",
    "awarding_body.name",
    "awarding_body.country",
    "awarding_body.region",
    "awarding_body.id",
    "awarding_body.url",
    "awarding_body.legal_identifier",
    "awarding_body.email",
    "learning_outcomes",
    "workload.ects",
    "workload.hours",
    "eqf_level",
    "nqf_level",
    "qf_ehea_cycle",
    "assessment.type",
    "assessment.description",
    "participation",
    "quality_assurance.type",
    "quality_assurance.body",
    "quality_assurance.url",
    "quality_assurance.description",
    "id",
    "description",
    "prerequisites",
    "supervision",
    "stackability.standalone",
    "stackability.stackable_towards",
    "languages",
    "field_of_study",
    "url",
    "validity.months",
    "validity.until",
    "further_information",
    "skills",
)
# Elements kept as they are (no form fields): carried in the hidden `extra` JSON.
CARRIED = ("co_awarding_bodies",)
# Repeated rows: list element (by path) -> (its multilingual part, its URI part).
ROWS = {
    "learning_outcomes": ("text", "esco_skill"),
    "skills": ("name", "esco_uri"),
    "stackability.stackable_towards": ("title", "url"),
}
MAX_ROWS = {"learning_outcomes": 12, "skills": 12, "stackability.stackable_towards": 3}
_BOOLEANS = {"stackability.standalone": {"true": True, "false": False}}
_NUMBERS = {"workload.ects", "workload.hours", "eqf_level", "validity.months"}

LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass
class SpecForm(FormFields):
    """What the form shows: values by field name, the languages, the rows, the errors."""

    values: dict[str, str] = field(default_factory=dict)
    langs: list[str] = field(default_factory=lambda: list(DEFAULT_LANGS))
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROWS, 1))
    extra: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


class TooLargeForForm(ValueError):
    """A specification with more languages or list rows than the form holds: edit it as YAML."""


def _get(data: Mapping[str, Any], path: str) -> Any:
    current: Any = data
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def form_from_data(data: Mapping[str, Any]) -> SpecForm:
    """The form showing a specification's data (from YAML, a stored version or a new one).

    Raises TooLargeForForm when the form cannot hold all of it (nothing is dropped silently)."""
    form = SpecForm()
    langs: list[str] = []

    def note_langs(text: Any) -> None:
        if isinstance(text, Mapping):
            langs.extend(t for t in text if isinstance(t, str) and t not in langs)

    for path in LANG_FIELDS:
        text = _get(data, path)
        note_langs(text)
        if isinstance(text, Mapping):
            for tag, value in text.items():
                form.values[f"{path}.{tag}"] = _text(value)
        elif text is not None:
            form.values[f"{path}.{DEFAULT_LANGS[0]}"] = _text(text)
    for path in TEXT_FIELDS:
        value = _get(data, path)
        if value is not None:
            form.values[path] = _text(value)
    for name, (text_part, uri_part) in ROWS.items():
        items = _get(data, name) or []
        items = items if isinstance(items, list | tuple) else [items]
        if len(items) > MAX_ROWS[name]:
            raise TooLargeForForm(name)
        form.rows[name] = max(1, len(items))
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            text = item.get(text_part)
            note_langs(text)
            if isinstance(text, Mapping):
                for tag, value in text.items():
                    form.values[f"{name}[{i}].{text_part}.{tag}"] = _text(value)
            if item.get(uri_part):
                form.values[f"{name}[{i}].{uri_part}"] = _text(item[uri_part])
    for tag in DEFAULT_LANGS:
        if tag not in langs:
            langs.append(tag)
    if len(langs) > MAX_LANGS:
        raise TooLargeForForm("languages")
    form.langs = langs
    carried = {k: data[k] for k in CARRIED if data.get(k)}
    form.extra = json.dumps(carried, ensure_ascii=False) if carried else ""
    return form


def form_from_post(fields: Mapping[str, str]) -> SpecForm:
    """The form as posted (nothing typed is dropped), with its languages and row counts."""
    form = SpecForm()
    langs = [t.strip() for t in fields.get("langs", "").split(",") if t.strip()]
    form.langs = [t for t in dict.fromkeys(langs) if LANG_TAG.match(t)][:MAX_LANGS]
    form.langs = form.langs or list(DEFAULT_LANGS)
    for name in ROWS:
        try:
            form.rows[name] = max(1, min(int(fields.get(f"{name}_rows", "1")), MAX_ROWS[name]))
        except ValueError:
            form.rows[name] = 1
    form.extra = fields.get("extra", "")
    for key, value in fields.items():
        if key in {"csrf", "langs", "extra", "action", "add_lang"} or key.endswith("_rows"):
            continue
        form.values[key] = value
    return form


def add_language(form: SpecForm, tag: str, gettext: Gettext) -> None:
    """One more language column (its texts empty), or the reason next to the field."""
    tag = tag.strip()
    if not LANG_TAG.match(tag):
        form.errors["add_lang"] = [gettext("Write a language code such as de, et or lt.")]
    elif len(form.langs) >= MAX_LANGS and tag not in form.langs:
        form.errors["add_lang"] = [
            gettext("The form holds up to %(n)s languages; edit the specification as YAML.")
            % {"n": MAX_LANGS}
        ]
    elif tag not in form.langs:
        form.langs.append(tag)


def add_row(form: SpecForm, name: str) -> None:
    form.rows[name] = min(form.rows[name] + 1, MAX_ROWS[name])


def data_from_form(form: SpecForm) -> dict[str, Any]:
    """The specification data the form describes: the same dict a YAML file gives."""
    data: dict[str, Any] = {}
    for path in LANG_FIELDS:
        text = {t: form.value(f"{path}.{t}").strip() for t in form.langs}
        text = {t: v for t, v in text.items() if v}
        if text:
            set_path(data, path, text)
    for path in TEXT_FIELDS:
        value = form.value(path).strip()
        if not value:
            continue
        if path == "languages":
            set_path(data, path, [v.strip() for v in value.split(",") if v.strip()])
        elif path in _NUMBERS:
            set_path(data, path, typed_number(value))
        elif path in _BOOLEANS:
            set_path(data, path, _BOOLEANS[path].get(value, value))
        else:
            set_path(data, path, value)
    for name, (text_part, uri_part) in ROWS.items():
        items = []
        for i in range(form.rows.get(name, 1)):
            text = {t: form.value(f"{name}[{i}].{text_part}.{t}").strip() for t in form.langs}
            text = {t: v for t, v in text.items() if v}
            uri = form.value(f"{name}[{i}].{uri_part}").strip()
            if text or uri:
                item: dict[str, Any] = {text_part: text} if text else {}
                if uri:
                    item[uri_part] = uri
                items.append(item)
        if items:
            set_path(data, name, items)
    if form.extra.strip():
        try:
            carried = json.loads(form.extra)
        except ValueError:
            carried = {}
        if isinstance(carried, dict):
            data.update({k: v for k, v in carried.items() if k in CARRIED})
    return data


def field_for(path: str, form: SpecForm) -> str:
    """The form field a problem's path belongs to: the path itself when the form has it, a
    multilingual element's first language column (``title`` -> ``title.en``), a whole
    element's first field (``workload`` -> ``workload.ects``), else ``(document)``."""
    first = form.langs[0] if form.langs else DEFAULT_LANGS[0]
    if path in TEXT_FIELDS:
        return path
    row = re.match(
        r"^(learning_outcomes|skills|stackability\.stackable_towards)(?:\[(\d+)\])?"
        r"(?:\.(\w+))?(?:\.(.+))?$",
        path,
    )
    if row:
        name, index, part, tag = row.groups()
        text_part, uri_part = ROWS[name]
        if part == uri_part:
            return f"{name}[{index or 0}].{uri_part}"
        return f"{name}[{index or 0}].{text_part}.{tag if tag in form.langs else first}"
    for lang_path in LANG_FIELDS:
        if path == lang_path or path.startswith(lang_path + "."):
            tag = path[len(lang_path) + 1 :]
            return f"{lang_path}.{tag if tag in form.langs else first}"
    base = re.sub(r"\[\d+\]$", "", path)
    if base in TEXT_FIELDS:
        return base
    for element in FORM_ORDER:
        if element.startswith(path + "."):
            return f"{element}.{first}" if element in LANG_FIELDS else element
    return "(document)"


def attach(
    form: SpecForm, problems: list[Problem], gettext: Gettext | None = None
) -> list[tuple[str, Problem]]:
    """Put each problem next to its field; the (field, problem) pairs, in the form's order,
    are the summary at the top. With ``gettext``, a missing element says so in the form's
    words (the model's hint is written for YAML)."""
    placed = []
    for problem in problems:
        if gettext is not None and problem.message.startswith("is required"):
            problem = Problem(problem.path, gettext("Required by the standard: fill this in."))
        elif gettext is not None:  # the model's message in the form's language
            problem = Problem(problem.path, validation_texts.message_with(problem.message, gettext))
        placed.append((field_for(problem.path, form), problem))
    for name, problem in placed:
        form.errors.setdefault(name, []).append(problem.message)
    return sorted(placed, key=lambda pair: _order(pair[0]))


def new_spec_data(org: OrgView, spec_id: str) -> dict[str, Any]:
    """What a new specification starts from: its identifier, the signed-in organisation as
    its awarding body, and nothing the issuer has not written."""
    body: dict[str, Any] = {"name": {"en": org.name}, "country": org.country, "id": org.did}
    if org.url:
        body["url"] = org.url
    return {"id": spec_id, "awarding_body": body}


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """Element by element, per language: (path, what happened, old value, new value)."""
    changes: list[tuple[str, str, str, str]] = []
    a, b = _flatten(old), _flatten(new)
    for path in sorted(set(a) | set(b), key=_order):
        if path not in a:
            changes.append((path, "added", "", b[path]))
        elif path not in b:
            changes.append((path, "removed", a[path], ""))
        elif a[path] != b[path]:
            changes.append((path, "changed", a[path], b[path]))
    return changes


def _order(path: str) -> tuple[int, str]:
    generic = re.sub(r"\[\d+\]", "", path)
    for i, element in enumerate(FORM_ORDER):
        if generic == element or generic.startswith(element + "."):
            index = re.search(r"\[(\d+)\]", path)
            return (i, f"{int(index.group(1)):04d}{path}" if index else path)
    return (len(FORM_ORDER), path)


def _flatten(data: Any, path: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(data, Mapping):
        for key, value in data.items():
            out.update(_flatten(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(data, list | tuple) and not all(isinstance(v, str) for v in data):
        for i, value in enumerate(data):
            out.update(_flatten(value, f"{path}[{i}]"))
    else:
        out[path] = _text(data)
    return out
