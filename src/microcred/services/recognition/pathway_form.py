"""The authority's pathway form: pathway data to the form's fields and back, every problem
next to its field, nothing typed lost (the pathway counterpart of ``services/spec_forms``).

Pure mapping, no database. Field names are the data's paths (``title.en``,
``target.workload.ects``, ``rules[0].kind``); a rule's credentials are one per line,
``SPEC-ID-OR-TITLE-WORDS | label in English | label in Latvian``. What the form has no field
for (accepted issuers by name, assessment types, a target's skills, a rule's other
conditions...) is carried in the hidden ``extra`` JSON and put back as it was; a pathway the
form cannot hold at all (a credential matched by issuer or skill, too many rules) raises
:class:`NotForForm`, so the authority edits it as YAML: nothing is dropped silently.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from microcred.model.validation import Problem
from microcred.services.form_fields import FormFields, set_path, typed_number
from microcred.stacking import PathwayError, parse_pathway

LANGS = ("en", "lv")
MAX_RULES = 6
MAX_OUTCOMES = 6
KINDS = ("require", "choose", "total", "cover")
TARGET_KINDS = ("micro_credential", "larger_credential", "qualification")
LANG_FIELDS = (
    "title",
    "description",
    "target.title",
    "target.description",
    "target.assessment.description",
)
TEXT_FIELDS = (
    "id",
    "target.workload.ects",
    "target.workload.hours",
    "target.eqf_level",
    "target.assessment.type",
    "target.participation",
    "target.quality_assurance.type",
    "target.quality_assurance.body",
    "target.field_of_study",
    "target.kind",
    "target.achievement_type",
    "accept.min_eqf_level",
    "accept.issued_within_years",
)
_NUMBERS = {
    "target.workload.ects",
    "target.workload.hours",
    "target.eqf_level",
    "accept.min_eqf_level",
    "accept.issued_within_years",
}
_URI = re.compile(r"^(https?://|urn:)\S+$")


class NotForForm(ValueError):
    """The pathway uses what the form cannot show: edit it as YAML."""


@dataclass
class PathwayForm(FormFields):
    values: dict[str, str] = field(default_factory=dict)
    rules: int = 1
    outcomes: int = 1
    extra: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


def _take(data: dict[str, Any], path: str) -> Any:
    """Remove ``a.b.c`` from nested dicts (and the parents it leaves empty); its value."""
    *parents, last = path.split(".")
    trail = [data]
    for key in parents:
        node = trail[-1].get(key)
        if not isinstance(node, dict):
            return None
        trail.append(node)
    value = trail[-1].pop(last, None)
    for key, node in zip(reversed(parents), reversed(trail[:-1]), strict=True):
        if node.get(key) == {}:
            node.pop(key)
    return value


def _merge(into: dict[str, Any], carried: Mapping[str, Any]) -> None:
    for key, value in carried.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif key not in into:
            into[key] = copy.deepcopy(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _lines(form: PathwayForm, name: str) -> list[str]:
    return [line.strip() for line in form.value(name).splitlines() if line.strip()]


def _matcher_line(matcher: Mapping[str, Any]) -> str:
    if set(matcher) - {"spec", "title", "label"} or ("spec" in matcher) == ("title" in matcher):
        raise NotForForm("a credential named by issuer or skill")
    label = matcher.get("label") or {}
    parts = [str(matcher.get("spec") or matcher.get("title")), *(label.get(t, "") for t in LANGS)]
    if set(label) - set(LANGS):
        raise NotForForm("a label in another language")
    return " | ".join(parts).rstrip(" |")


def _matcher(line: str) -> dict[str, Any]:
    what, *labels = [part.strip() for part in line.split("|")]
    matcher: dict[str, Any] = {"spec" if _URI.match(what) else "title": what}
    label = {t: text for t, text in zip(LANGS, labels, strict=False) if text}
    if label:
        matcher["label"] = label
    return matcher


def _rule_to_form(form: PathwayForm, i: int, rule: dict[str, Any]) -> None:
    name = f"rules[{i}]"
    form.values[f"{name}.id"] = _text(_take(rule, "id"))
    for tag, text in (_take(rule, "title") or {}).items():
        if tag not in LANGS:
            raise NotForForm("a rule title in another language")
        form.values[f"{name}.title.{tag}"] = _text(text)
    kind = next((k for k in KINDS if k in rule), "")
    form.values[f"{name}.kind"] = kind
    if kind == "require":
        matchers = rule.pop("require") or []
    elif kind == "choose":
        form.values[f"{name}.at_least"] = _text(_take(rule, "choose.at_least"))
        matchers = _take(rule, "choose.of") or []
    else:
        matchers = []
    form.values[f"{name}.credentials"] = "\n".join(_matcher_line(m) for m in matchers)
    if kind == "total":
        form.values[f"{name}.ects"] = _text(_take(rule, "total.ects"))
        form.values[f"{name}.hours"] = _text(_take(rule, "total.hours"))
    if kind == "cover":
        form.values[f"{name}.skills"] = "\n".join(_take(rule, "cover.skills") or [])
        form.values[f"{name}.outcomes"] = "\n".join(_take(rule, "cover.outcomes") or [])
    form.values[f"{name}.supervision"] = ",".join(_take(rule, "accept.supervision") or [])


def form_from_data(data: Mapping[str, Any]) -> PathwayForm:
    """The form showing a pathway (a stored version, YAML, or a new one)."""
    rest = copy.deepcopy(dict(data))
    form = PathwayForm()
    for path in LANG_FIELDS:
        text = _take(rest, path)
        if isinstance(text, Mapping):
            if set(text) - set(LANGS):
                raise NotForForm("a text in another language than English and Latvian")
            for tag, value in text.items():
                form.values[f"{path}.{tag}"] = _text(value)
    for path in TEXT_FIELDS:
        value = _take(rest, path)
        if value is not None:
            form.values[path] = _text(value)
    if _take(rest, "accept.trusted_issuers"):
        form.values["accept.trusted_issuers"] = "yes"
    outcomes = _take(rest, "target.learning_outcomes") or []
    rules = list(_take(rest, "rules") or [])
    if len(outcomes) > MAX_OUTCOMES or len(rules) > MAX_RULES:
        raise NotForForm("more rules or learning outcomes than the form holds")
    for i, outcome in enumerate(outcomes):
        outcome = dict(outcome)
        for tag, text in (outcome.pop("text", None) or {}).items():
            form.values[f"target.learning_outcomes[{i}].text.{tag}"] = _text(text)
        form.values[f"target.learning_outcomes[{i}].esco_skill"] = _text(
            outcome.pop("esco_skill", None)
        )
        if outcome:
            raise NotForForm("a learning outcome with more than a text and a skill")
    form.outcomes = max(1, len(outcomes))
    carried_rules = []
    for i, rule in enumerate(rules):
        rule = copy.deepcopy(dict(rule))
        _rule_to_form(form, i, rule)
        carried_rules.append(rule)
    form.rules = max(1, len(rules))
    rest.pop("languages", None)  # the form's languages
    if rest or any(carried_rules):
        form.extra = json.dumps({"pathway": rest, "rules": carried_rules}, ensure_ascii=False)
    return form


def form_from_post(fields: Mapping[str, str]) -> PathwayForm:
    """The form as posted: every value kept, the numbers of rows."""
    form = PathwayForm(extra=fields.get("extra", ""))
    for name, limit in (("rules", MAX_RULES), ("outcomes", MAX_OUTCOMES)):
        try:
            setattr(form, name, max(1, min(int(fields.get(f"{name}_rows", "1")), limit)))
        except ValueError:
            pass
    for key, value in fields.items():
        if key not in {"csrf", "extra", "action", "rules_rows", "outcomes_rows"}:
            form.values[key] = value
    return form


def _rule_from_form(form: PathwayForm, i: int) -> dict[str, Any] | None:
    name = f"rules[{i}]"
    kind = form.value(f"{name}.kind").strip()
    rule: dict[str, Any] = {}
    if form.value(f"{name}.id").strip():
        rule["id"] = form.value(f"{name}.id").strip()
    title = {t: form.value(f"{name}.title.{t}").strip() for t in LANGS}
    if any(title.values()):
        rule["title"] = {t: v for t, v in title.items() if v}
    matchers = [_matcher(line) for line in _lines(form, f"{name}.credentials")]
    if kind == "require":
        rule["require"] = matchers
    elif kind == "choose":
        rule["choose"] = {
            "at_least": typed_number(form.value(f"{name}.at_least").strip()),
            "of": matchers,
        }
    elif kind == "total":
        total = {
            unit: typed_number(form.value(f"{name}.{unit}").strip())
            for unit in ("ects", "hours")
            if form.value(f"{name}.{unit}").strip()
        }
        rule["total"] = total
    elif kind == "cover":
        rule["cover"] = {
            k: _lines(form, f"{name}.{k}")
            for k in ("skills", "outcomes")
            if _lines(form, f"{name}.{k}")
        }
    supervision = [s for s in form.value(f"{name}.supervision").split(",") if s.strip()]
    if supervision:
        rule["accept"] = {"supervision": supervision}
    return rule or None


def data_from_form(form: PathwayForm) -> dict[str, Any]:
    """The pathway data the form describes: the same dict a YAML file gives."""
    data: dict[str, Any] = {}
    for path in LANG_FIELDS:
        text = {t: form.value(f"{path}.{t}").strip() for t in LANGS}
        if any(text.values()):
            set_path(data, path, {t: v for t, v in text.items() if v})
    for path in TEXT_FIELDS:
        value = form.value(path).strip()
        if value:
            set_path(data, path, typed_number(value) if path in _NUMBERS else value)
    if form.value("accept.trusted_issuers") == "yes":
        set_path(data, "accept.trusted_issuers", True)
    outcomes = []
    for i in range(form.outcomes):
        text = {t: form.value(f"target.learning_outcomes[{i}].text.{t}").strip() for t in LANGS}
        skill = form.value(f"target.learning_outcomes[{i}].esco_skill").strip()
        if any(text.values()) or skill:
            outcome: dict[str, Any] = {"text": {t: v for t, v in text.items() if v}}
            if skill:
                outcome["esco_skill"] = skill
            outcomes.append(outcome)
    if outcomes:
        set_path(data, "target.learning_outcomes", outcomes)
    try:
        carried = json.loads(form.extra) if form.extra.strip() else {}
    except ValueError:
        carried = {}
    carried = carried if isinstance(carried, dict) else {}
    found = carried.get("rules")
    carried_rules: list[Any] = found if isinstance(found, list) else []
    rules = []
    for i in range(form.rules):
        rule = _rule_from_form(form, i)
        if rule is None:
            continue
        if i < len(carried_rules) and isinstance(carried_rules[i], dict):
            _merge(rule, carried_rules[i])
        rules.append(rule)
    data["rules"] = rules
    if isinstance(carried.get("pathway"), dict):
        _merge(data, carried["pathway"])
    data["languages"] = [t for t in LANGS if any(form.value(f"{p}.{t}") for p in LANG_FIELDS)]
    return data


_RULE_PART = re.compile(r"^rules\[(\d+)\](?:\.(.*))?$")
_RULE_FIELDS = (
    ("ects", "ects"),  # the form's own number fields
    ("hours", "hours"),
    ("at_least", "at_least"),
    ("require", "credentials"),
    ("choose.of", "credentials"),
    ("choose.at_least", "at_least"),
    ("choose", "at_least"),
    ("total.hours", "hours"),
    ("total", "ects"),
    ("cover.outcomes", "outcomes"),
    ("cover", "skills"),
    ("accept", "supervision"),
    ("title", "title.en"),
    ("id", "id"),
)


def field_for(path: str) -> str:
    """The form field a problem's path belongs to (``(document)`` when none is)."""
    rule = _RULE_PART.match(path)
    if rule:
        index, rest = rule.groups()
        for prefix, name in _RULE_FIELDS:
            if rest and (rest == prefix or rest.startswith((prefix + ".", prefix + "["))):
                return f"rules[{index}].{name}"
        return f"rules[{index}].kind"
    if path == "rules":
        return "rules[0].id"
    outcome = re.match(r"^target\.learning_outcomes(?:\[(\d+)\])?(?:\.(\w+))?", path)
    if outcome:
        index, part = outcome.groups()
        part = "esco_skill" if part == "esco_skill" else "text.en"
        return f"target.learning_outcomes[{index or 0}].{part}"
    if path in TEXT_FIELDS:
        return path
    for lang_path in LANG_FIELDS:
        if path == lang_path or path.startswith(lang_path + "."):
            tag = path[len(lang_path) + 1 :]
            return f"{lang_path}.{tag if tag in LANGS else LANGS[0]}"
    for name in (*TEXT_FIELDS, *(f"{p}.en" for p in LANG_FIELDS)):
        if name.startswith(path + "."):
            return name
    return "(document)"


def where(name: str, gettext: Any) -> str:
    """The part of the form a field is in, in words (the summary's links)."""
    rule = _RULE_PART.match(name)
    if rule:
        return str(gettext("Rule %(n)s") % {"n": int(rule.group(1)) + 1})
    if name.startswith("target."):
        return str(gettext("What the authority awards (the target)"))
    if name.startswith("accept."):
        return str(gettext("Which credentials may count"))
    return str(gettext("The pathway"))


def attach(form: PathwayForm, problems: list[Problem]) -> list[tuple[str, Problem]]:
    """Each problem next to its field; the pairs are the summary at the top."""
    placed = [(field_for(problem.path), problem) for problem in problems]
    for name, problem in placed:
        form.errors.setdefault(name, []).append(problem.message)
    return placed


def _numbers(form: PathwayForm) -> list[str]:
    """The form's number fields, by name."""
    rules = [
        f"rules[{i}].{part}" for i in range(form.rules) for part in ("at_least", "ects", "hours")
    ]
    return [*sorted(_NUMBERS), *rules]


def validate(form: PathwayForm, gettext: Any) -> tuple[dict[str, Any], list[tuple[str, Problem]]]:
    """The pathway data and, when it is not valid, every problem next to its field (a number
    field that holds no number says so itself, in the page's language)."""
    data = data_from_form(form)
    own = [
        Problem(name, gettext("“%(value)s” is not a number.") % {"value": form.value(name)})
        for name in _numbers(form)
        if form.value(name).strip() and isinstance(typed_number(form.value(name).strip()), str)
    ]
    try:
        parse_pathway(data)
    except PathwayError as exc:
        named = {p.path for p in own}
        others = [p for p in exc.problems if field_for(p.path) not in named]
        return data, attach(form, own + others)
    return data, attach(form, own)


def blank() -> PathwayForm:
    """A new pathway: one rule of each common kind to start from."""
    form = PathwayForm(rules=1, outcomes=1)
    form.values.update(
        {
            "target.kind": "larger_credential",
            "target.achievement_type": "MicroCredential",
            "accept.trusted_issuers": "yes",
            "rules[0].kind": "total",
        }
    )
    return form
