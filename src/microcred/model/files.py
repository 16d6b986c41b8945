"""Reading and writing specification files (YAML or JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from microcred.model.spec import Specification

MAX_SPEC_FILE_BYTES = 1_000_000


class SpecFileError(Exception):
    """The file cannot be read as YAML/JSON at all (a usage error, not a validation problem)."""


def _reject_duplicate_keys(
    loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False
) -> Any:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


class _StrictLoader(yaml.SafeLoader):
    pass


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _reject_duplicate_keys
)


def load_data(path: Path) -> Any:
    """Parse a YAML or JSON file; raise SpecFileError with one clear line when that fails."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SpecFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise SpecFileError(f"{path}: cannot read ({exc.strerror})") from None
    if path.is_dir():
        raise SpecFileError(f"{path}: is a directory, not a specification file")
    if size > MAX_SPEC_FILE_BYTES:
        raise SpecFileError(f"{path}: {size} bytes is too large for a specification (limit 1 MB)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecFileError(f"{path}: not a text file (expected UTF-8 YAML or JSON)") from None
    except OSError as exc:
        raise SpecFileError(f"{path}: cannot read ({exc.strerror})") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecFileError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else "somewhere"
        raise SpecFileError(f"{path}: not valid YAML ({where}: {exc.problem})") from None
    except yaml.YAMLError as exc:
        raise SpecFileError(f"{path}: not valid YAML ({exc})") from None
    except RecursionError:
        raise SpecFileError(f"{path}: nested too deeply to be a specification") from None
    if data is None:
        raise SpecFileError(f"{path}: the file is empty")
    if not isinstance(data, dict):
        raise SpecFileError(
            f"{path}: a specification is a mapping of elements (title:, workload:, ...), "
            f"not a {type(data).__name__}"
        )
    return data


def dump_yaml(spec: Specification) -> str:
    return yaml.safe_dump(spec.to_data(), allow_unicode=True, sort_keys=False)


def dump_json(spec: Specification) -> str:
    return json.dumps(spec.to_data(), ensure_ascii=False, indent=2)
