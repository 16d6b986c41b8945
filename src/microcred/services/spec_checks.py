"""What the console refuses in a specification beyond the standard's own rules (which stay
in model/validation.py): template placeholders left in, an ESCO skill URI that names no skill,
and an awarding body that is not the signed-in organisation (microcred records no mandates)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from microcred.model.validation import Problem, SpecificationError, parse_specification
from microcred.model.vocabulary import ESCO_SKILL_PREFIX
from microcred.services.organisations import OrgView
from microcred.services.spec_forms import ROWS

Gettext = Callable[[str], str]

# An ESCO skill's own part: a UUID, or a code of the skills hierarchy (S1.2.3, T2, L1).
_ESCO_ID = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Z]\d+(\.\d+)*)$"
)
# What data/spec-template.yaml and hand-written drafts leave behind.
_PLACEHOLDERS = re.compile(
    r"<[^<>\s]{0,40}>|\{\{[^{}]*\}\}|\bTODO\b|\bTBD\b|\.\.\.|…|\bexample\.(org|com)\b|"
    r"Title of the micro-credential|Mikrokvalifikācijas nosaukums|Example Training Centre|"
    r"Piemēra mācību centrs|Name of the quality assurance agency|name of the skill|"
    r"A larger credential this counts towards|in two or three sentences|"
    r"divos vai trīs teikumos|Anything else a learner or an employer should know",
    re.IGNORECASE,
)


def placeholders(data: Any, gettext: Gettext, path: str = "") -> list[Problem]:
    """Template text left in: ``<uuid>``, ``{{…}}``, ``TODO``, ``...``, example.org and the
    sample texts of data/spec-template.yaml are refused before anything is published."""
    found: list[Problem] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            found += placeholders(value, gettext, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            found += placeholders(value, gettext, f"{path}[{i}]")
    elif isinstance(data, str):
        match = _PLACEHOLDERS.search(data)
        if match:
            found.append(
                Problem(
                    path or "(document)",
                    gettext(
                        "still has the template's placeholder “%(text)s”: write the real "
                        "value, or remove the element"
                    )
                    % {"text": match.group(0)},
                )
            )
    return found


def org_identifiers(org: OrgView) -> set[str]:
    """What identifies the signed-in organisation as an awarding body: its DIDs, its web
    address and the did:web of that address."""
    found = {org.did, org.did_key}
    if org.url:
        found.add(org.url.rstrip("/"))
        host = urlsplit(org.url).hostname
        if host:
            found.add(f"did:web:{host}")
    return {f for f in found if f}


def awarding_body_problems(
    data: Mapping[str, Any], org: OrgView, gettext: Gettext
) -> list[Problem]:
    """The awarding body must be the signed-in organisation: microcred records no mandates (an
    organisation awarding on behalf of another), so any other awarding body is refused."""
    body = data.get("awarding_body")
    if not isinstance(body, Mapping):
        return []
    ident = body.get("id")
    if isinstance(ident, str) and ident.strip():
        if ident.strip().rstrip("/") in org_identifiers(org):
            return []
        message = gettext(
            "“%(id)s” is not your organisation (%(org)s, %(did)s): without a mandate you can "
            "award micro-credentials only in your own organisation's name"
        ) % {"id": ident, "org": org.name, "did": org.did}
        return [Problem("awarding_body.id", message)]
    names = body.get("name")
    if isinstance(names, Mapping) and names:
        wanted = org.name.strip().casefold()
        if all(str(v).strip().casefold() != wanted for v in names.values()):
            message = gettext(
                "The awarding body must be your organisation, “%(org)s” (its name in at least "
                "one language): without a mandate you cannot award in another body's name"
            ) % {"org": org.name}
            return [Problem("awarding_body.name", message)]
    return []


def check(data: Any, org: OrgView, gettext: Gettext) -> list[Problem]:
    """Every problem the console refuses: the model's (the standard), template placeholders,
    and an awarding body that is not the signed-in organisation."""
    problems: list[Problem] = []
    try:
        parse_specification(data)
    except SpecificationError as exc:
        problems += exc.problems
    if isinstance(data, Mapping):
        problems += _esco_problems(data, gettext)
        problems += placeholders(data, gettext)
        problems += awarding_body_problems(data, org, gettext)
    return problems


def _esco_problems(data: Mapping[str, Any], gettext: Gettext) -> list[Problem]:
    """An ESCO skill URI the model accepts (its prefix) must also name a skill: a UUID or a
    code of the hierarchy after the prefix, as ESCO publishes them."""
    found = []
    for name, (_, uri_part) in ROWS.items():
        items = data.get(name)
        for i, item in enumerate(items if isinstance(items, list | tuple) else []):
            uri = item.get(uri_part) if isinstance(item, Mapping) else None
            if isinstance(uri, str) and uri.startswith(ESCO_SKILL_PREFIX):
                if not _ESCO_ID.match(uri.removeprefix(ESCO_SKILL_PREFIX)):
                    message = gettext(
                        "“%(uri)s” names no ESCO skill: after %(prefix)s comes the skill's "
                        "UUID (copy the address from esco.ec.europa.eu)"
                    ) % {"uri": uri, "prefix": ESCO_SKILL_PREFIX}
                    found.append(Problem(f"{name}[{i}].{uri_part}", message))
    return found
