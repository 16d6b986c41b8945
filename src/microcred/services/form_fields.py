"""What the two web forms that map to YAML (the spec editor, services/spec_forms; the
authority's pathway form, services/recognition/pathway_form) share: reading a field and its
errors, putting a value at a dotted path, and a number typed as the YAML would give it."""

from __future__ import annotations

from typing import Any


class FormFields:
    """Mixed into a form's dataclass, which has ``values`` and ``errors`` by field name."""

    values: dict[str, str]
    errors: dict[str, list[str]]

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, name: str) -> list[str]:
        return self.errors.get(name, [])


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at ``a.b.c`` in nested dicts, making the parents that are missing."""
    *parents, last = path.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    data[last] = value


def typed_number(value: str) -> Any:
    """A number typed in a form as the YAML would give it; anything else stays text, so the
    model's own rule reports it."""
    try:
        return int(value)
    except ValueError:
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return value
