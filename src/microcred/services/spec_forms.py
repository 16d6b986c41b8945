"""The specification editor's form <-> the specification data (the same dict the YAML gives).

The form has one flat field per element, named by the element's path in the model
(``title.en``, ``awarding_body.country``, ``learning_outcomes[0].esco_skill``), so a model
validation problem's path names the form field it belongs to: there is one set of rules
(model/validation.py), never a second validator here. Elements the form has no fields for
(co-awarding bodies, stackability) travel in a hidden JSON field, so switching between the
form and YAML loses nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from microcred.model.validation import Problem

DEFAULT_LANGS = ("en", "lv")
MAX_ROWS = 50
MAX_LANGS = 12

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
    "validity.months",
    "validity.until",
    "field_of_study",
    "languages",
)
# Elements kept as they are (no form fields): carried in the hidden `extra` JSON.
CARRIED = ("co_awarding_bodies", "stackability")
# Repeated rows: list element -> (its multilingual part, its URI part).
ROWS = {"learning_outcomes": ("text", "esco_skill"), "skills": ("name", "esco_uri")}

_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# What data/spec-template.yaml and hand-written drafts leave behind.
_PLACEHOLDERS = re.compile(
    r"<[^<>\s]{0,40}>|\bTODO\b|\bTBD\b|\.\.\.|example\.(org|com)|"
    r"Title of the micro-credential|Mikrokvalifikācijas nosaukums|Example Training Centre|"
    r"Piemēra mācību centrs|Name of the quality assurance agency|name of the skill|"
    r"A larger credential this counts towards",
    re.IGNORECASE,
)


@dataclass
class SpecForm:
    """What the form shows: values by field name, the languages, the rows, the errors."""

    values: dict[str, str] = field(default_factory=dict)
    langs: list[str] = field(default_factory=lambda: list(DEFAULT_LANGS))
    rows: dict[str, int] = field(default_factory=lambda: {"learning_outcomes": 1, "skills": 1})
    extra: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, name: str) -> list[str]:
        return self.errors.get(name, [])


def _get(data: Mapping[str, Any], path: str) -> Any:
    current: Any = data
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    current = data
    for part in parts[:-1]:
        current = current.setdefault(part, {})
    current[parts[-1]] = value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def form_from_data(data: Mapping[str, Any]) -> SpecForm:
    """The form showing a specification's data (from YAML, a stored version or the template)."""
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
    for path in TEXT_FIELDS:
        value = _get(data, path)
        if value is not None:
            form.values[path] = _text(value)
    for name, (text_part, uri_part) in ROWS.items():
        items = data.get(name) or []
        items = items if isinstance(items, list | tuple) else []
        form.rows[name] = max(1, min(len(items), MAX_ROWS))
        for i, item in enumerate(items[:MAX_ROWS]):
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
    form.langs = langs[:MAX_LANGS]
    carried = {k: data[k] for k in CARRIED if data.get(k)}
    form.extra = json.dumps(carried, ensure_ascii=False) if carried else ""
    return form


def _number(value: str) -> Any:
    """A number typed in the form as the YAML would give it; anything else stays text, so the
    model's own rule reports it."""
    try:
        return int(value)
    except ValueError:
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return value


_NUMBERS = {"workload.ects", "workload.hours", "eqf_level", "validity.months"}


def form_from_post(fields: Mapping[str, str]) -> SpecForm:
    """The form as posted (nothing typed is dropped), with its languages and row counts."""
    form = SpecForm()
    langs = [t.strip() for t in fields.get("langs", "").split(",") if t.strip()]
    form.langs = [t for t in langs if _LANG_TAG.match(t)][:MAX_LANGS] or list(DEFAULT_LANGS)
    for name in ROWS:
        try:
            form.rows[name] = max(1, min(int(fields.get(f"{name}_rows", "1")), MAX_ROWS))
        except ValueError:
            form.rows[name] = 1
    form.extra = fields.get("extra", "")
    for key, value in fields.items():
        if key in {"csrf", "langs", "extra", "action", "add_lang"} or key.endswith("_rows"):
            continue
        form.values[key] = value
    return form


def data_from_form(form: SpecForm) -> dict[str, Any]:
    """The specification data the form describes: the same dict a YAML file gives."""
    data: dict[str, Any] = {}
    for path in LANG_FIELDS:
        text = {t: form.value(f"{path}.{t}").strip() for t in form.langs}
        text = {t: v for t, v in text.items() if v}
        if text:
            _set(data, path, text)
    for path in TEXT_FIELDS:
        value = form.value(path).strip()
        if not value:
            continue
        if path == "languages":
            _set(data, path, [v.strip() for v in value.split(",") if v.strip()])
        elif path in _NUMBERS:
            _set(data, path, _number(value))
        else:
            _set(data, path, value)
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
            data[name] = items
    if form.extra.strip():
        try:
            carried = json.loads(form.extra)
        except ValueError:
            carried = {}
        if isinstance(carried, dict):
            data.update({k: v for k, v in carried.items() if k in CARRIED})
    return data


def field_for(path: str, form: SpecForm) -> str:
    """The form field a model problem's path belongs to: the path itself when the form has it,
    else its first language column (``title`` -> ``title.en``), else the nearest element."""
    if path in form.values or path in TEXT_FIELDS:
        return path
    for candidate in (path, re.sub(r"\.[^.]+$", "", path)):
        lang_path = f"{candidate}.{form.langs[0]}" if form.langs else candidate
        base = re.sub(r"\[\d+\]", "", candidate)
        if base in LANG_FIELDS or base in {f"{r}.{p[0]}" for r, p in ROWS.items()}:
            return lang_path
    match = re.match(r"^(learning_outcomes|skills)(\[\d+\])?$", path)
    if match:
        text_part = ROWS[match.group(1)][0]
        return f"{match.group(1)}{match.group(2) or '[0]'}.{text_part}.{form.langs[0]}"
    for prefix in TEXT_FIELDS:
        if prefix.startswith(path + "."):
            return prefix
    return "(document)"


def attach(form: SpecForm, problems: list[Problem]) -> None:
    """Put each problem next to its field (the summary at the top lists them all)."""
    for problem in problems:
        form.errors.setdefault(field_for(problem.path, form), []).append(problem.message)


def placeholders(data: Any, path: str = "") -> list[Problem]:
    """Template text left in: `<uuid>`, `TODO`, `...`, example.org and the template's own
    sample texts (data/spec-template.yaml) are refused before anything is published."""
    found: list[Problem] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            found += placeholders(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            found += placeholders(value, f"{path}[{i}]")
    elif isinstance(data, str):
        match = _PLACEHOLDERS.search(data)
        if match:
            found.append(
                Problem(
                    path or "(document)",
                    f"still has the template's placeholder '{match.group(0)}': "
                    "write the real value or remove the element",
                )
            )
    return found


def awarding_body_problems(
    data: Mapping[str, Any], org_name: str, org_dids: set[str]
) -> list[Problem]:
    """The awarding body must be the signed-in organisation: microcred has no mandate (an
    organisation awarding on behalf of another), so any other awarding body is refused."""
    body = data.get("awarding_body")
    if not isinstance(body, Mapping):
        return []
    problems = []
    ident = body.get("id")
    if ident and ident not in org_dids:
        problems.append(
            Problem(
                "awarding_body.id",
                f"'{ident}' is not your organisation ({sorted(org_dids)[0]}); microcred has no "
                "mandates, so you can only award in your own organisation's name",
            )
        )
    names = body.get("name")
    if isinstance(names, Mapping) and names and not ident:
        wanted = org_name.strip().casefold()
        if all(str(v).strip().casefold() != wanted for v in names.values()):
            problems.append(
                Problem(
                    "awarding_body.name",
                    f"the awarding body must be your organisation, '{org_name}' (in at least one "
                    "language); microcred has no mandates to award in another body's name",
                )
            )
    return problems


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
    top = re.split(r"[.\[]", path, maxsplit=1)[0]
    keys = [p.split(".")[0] for p in LANG_FIELDS + TEXT_FIELDS] + list(ROWS) + list(CARRIED)
    return (keys.index(top) if top in keys else len(keys), path)


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
