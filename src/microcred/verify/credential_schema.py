"""The credential's own ``credentialSchema`` (W3C VC Data Model 2.0 §4.11), checked offline.

A credential may name JSON Schemas it claims to follow (``credentialSchema`` entries of type
``JsonSchema``, or the Open Badges 3.0 ``1EdTechJsonSchemaValidator2019``). The verifier
checks each one it holds locally; schemas are bundled in ``microcred/data/schemas/`` (byte
copies of the 1EdTech Open Badges 3.0 schemas, see ``../shared/vectors/README.md``) and are
never fetched. A schema the verifier does not have is reported as not checked, which is not
a failure: the data model lets a verifier decide which schemas it checks.

The schema is applied to the credential without its ``proof``: the embedded proof is the
securing mechanism (Data Integrity §2.1 adds it to the unsecured document) and is checked
by the proof check; the 1EdTech schema's ``proof`` shape (an array) would otherwise reject
1EdTech's own signed vectors, whose ``proof`` is one object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

__all__ = ["SCHEMA_TYPES", "SchemaFindings", "credential_schema_findings", "known_schema"]

# The credentialSchema types whose id is a JSON Schema (VC JSON Schema; OB 3.0 §B.2.3)
SCHEMA_TYPES = frozenset({"JsonSchema", "1EdTechJsonSchemaValidator2019"})

# URL a credential names -> bundled file. 1EdTech publishes each schema at the URL the OB 3.0
# specification gives (``..._schema.json``); the files' own ``$id`` is a second name for it.
_BUNDLED = {
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json": (
        "ob_v3p0_achievementcredential_schema.json"
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential-jsonschema1.json": (
        "ob_v3p0_achievementcredential_schema.json"
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json": (
        "ob_v3p0_endorsementcredential_schema.json"
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential-jsonschema1.json": (
        "ob_v3p0_endorsementcredential_schema.json"
    ),
}


@dataclass(frozen=True)
class SchemaFindings:
    """What the named schemas said: failures, schemas passed, schemas not checked."""

    errors: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)


@cache
def known_schema(url: str) -> dict[str, Any] | None:
    """The bundled JSON Schema published at ``url``, or None when the verifier has none."""
    name = _BUNDLED.get(url)
    if name is None:
        return None
    text = (resources.files("microcred") / "data" / "schemas" / name).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _entries(credential: dict[str, Any]) -> list[Any]:
    value = credential.get("credentialSchema")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _where(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(part) for part in error.absolute_path)
    return path or "the credential"


def credential_schema_findings(credential: dict[str, Any]) -> SchemaFindings:
    """Check the credential against each ``credentialSchema`` it names that is held locally."""
    found = SchemaFindings()
    document = {k: v for k, v in credential.items() if k != "proof"}
    for entry in _entries(credential):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            found.errors.append(
                "credentialSchema entries must be objects with an id (the schema's URL) and a type"
            )
            continue
        url, kind = entry["id"], entry.get("type")
        if kind not in SCHEMA_TYPES:
            found.unchecked.append(f"{url} (type {kind!r} is not a JSON Schema type)")
            continue
        schema = known_schema(url)
        if schema is None:
            found.unchecked.append(f"{url} (not available offline)")
            continue
        validator_class = jsonschema.validators.validator_for(schema)
        errors = sorted(
            validator_class(schema).iter_errors(document), key=lambda e: list(e.absolute_path)
        )
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            found.errors.append(
                f"the credential does not follow its credentialSchema {url}: at {_where(first)}, "
                f"{first.message[:200]}{more}"
            )
        else:
            found.passed.append(url)
    return found
