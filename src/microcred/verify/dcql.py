"""The Digital Credentials Query Language (OpenID4VP 1.0 §6) and claims path pointers (§7).

Pure: a query is parsed into frozen dataclasses (every rule of §6 checked, each refusal
naming the field at fault); :func:`select` applies a claims path pointer to a credential's
claims; :func:`match_credential` says whether one presented credential answers one
Credential Query (format, ``meta``, claims and ``claim_sets``, ``values``); and
:func:`match_response` says whether a whole ``vp_token`` answers the query: every key a
Credential Query, no more presentations than ``multiple`` allows, and every required
credential (``credential_sets``, or all of ``credentials``) present, so that nothing asked
for is silently missing. Written here because no Python library implements DCQL (the only
one, ``pyeudiw.duckle_ql``, comes with pins this project cannot take); the tests cross-check
the verdicts with npm ``dcql`` 3.0.0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from microcred.errors import InvalidInput

__all__ = [
    "SD_JWT_VC",
    "W3C_FORMATS",
    "ClaimQuery",
    "CredentialMatch",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlError",
    "DcqlQuery",
    "PathError",
    "Presented",
    "ResponseMatch",
    "match_credential",
    "match_response",
    "parse_query",
    "select",
]

SD_JWT_VC = "dc+sd-jwt"
W3C_FORMATS = frozenset({"ldp_vc", "jwt_vc_json"})
MDOC = "mso_mdoc"
FORMATS = frozenset({SD_JWT_VC, MDOC, *W3C_FORMATS})
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
# Bounds: a query is small; these keep a hostile one from costing much.
MAX_CREDENTIALS = 50
MAX_CLAIMS = 100
MAX_PATH = 32
MAX_VALUES = 100
MAX_SETS = 50


class DcqlError(InvalidInput):
    """A DCQL query breaks a rule of OpenID4VP 1.0 §6; ``field`` is where (a JSON path)."""


class PathError(ValueError):
    """A claims path pointer selects nothing, or meets a value of the wrong kind (§7.1)."""


@dataclass(frozen=True)
class ClaimQuery:
    path: tuple[str | int | None, ...]
    id: str | None = None
    values: tuple[str | int | bool, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": list(self.path)}
        if self.id is not None:
            out["id"] = self.id
        if self.values is not None:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True)
class CredentialQuery:
    id: str
    format: str
    meta: Mapping[str, Any]
    multiple: bool = False
    require_binding: bool = True
    claims: tuple[ClaimQuery, ...] | None = None
    claim_sets: tuple[tuple[str, ...], ...] | None = None

    @property
    def vct_values(self) -> tuple[str, ...] | None:
        values = self.meta.get("vct_values")
        return tuple(values) if values is not None else None

    @property
    def type_values(self) -> tuple[tuple[str, ...], ...] | None:
        values = self.meta.get("type_values")
        return tuple(tuple(v) for v in values) if values is not None else None


@dataclass(frozen=True)
class CredentialSetQuery:
    options: tuple[tuple[str, ...], ...]
    required: bool = True


@dataclass(frozen=True)
class DcqlQuery:
    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] | None
    source: Mapping[str, Any] = field(compare=False, repr=False, default_factory=dict)

    def credential(self, query_id: str) -> CredentialQuery | None:
        return next((c for c in self.credentials if c.id == query_id), None)

    def to_json(self) -> dict[str, Any]:
        """The query as given (unknown properties kept: §6 says to ignore, not drop them)."""
        return dict(self.source)


def _fail(message: str, where: str) -> DcqlError:
    return DcqlError(f"{where}: {message}", field=where)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail("must be a JSON object", where)
    return value


def _array(value: Any, where: str, limit: int) -> Sequence[Any]:
    if not isinstance(value, list) or not value:
        raise _fail("must be a non-empty array", where)
    if len(value) > limit:
        raise _fail(f"has more than {limit} entries", where)
    return value


def _identifier(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _ID.match(value) or len(value) > 100:
        raise _fail(
            "must be a non-empty string of letters, digits, '_' or '-' (at most 100)", where
        )
    return value


def _boolean(node: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = node.get(key, default)
    if not isinstance(value, bool):
        raise _fail("must be true or false", f"{where}.{key}")
    return value


def _path(value: Any, where: str) -> tuple[str | int | None, ...]:
    items = _array(value, where, MAX_PATH)
    for i, part in enumerate(items):
        ok = part is None or isinstance(part, str)
        ok = ok or (isinstance(part, int) and not isinstance(part, bool) and part >= 0)
        if not ok:
            raise _fail(
                "a path holds only strings, null and non-negative integers", f"{where}[{i}]"
            )
    return tuple(items)


def _claim(value: Any, where: str, fmt: str) -> ClaimQuery:
    node = _object(value, where)
    claim_id = _identifier(node["id"], f"{where}.id") if "id" in node else None
    path = _path(node.get("path"), f"{where}.path")
    if fmt == MDOC and (len(path) != 2 or not all(isinstance(p, str) for p in path)):
        raise _fail("an mdoc path is [namespace, element identifier]", f"{where}.path")
    values = None
    if "values" in node:
        items = _array(node["values"], f"{where}.values", MAX_VALUES)
        for i, item in enumerate(items):
            if not isinstance(item, str | int | bool) or isinstance(item, float):
                raise _fail("values are strings, integers or booleans", f"{where}.values[{i}]")
        values = tuple(items)
    if "intent_to_retain" in node and not isinstance(node["intent_to_retain"], bool):
        raise _fail("must be true or false", f"{where}.intent_to_retain")
    return ClaimQuery(path=path, id=claim_id, values=values)


def _meta(value: Any, fmt: str, where: str) -> Mapping[str, Any]:
    meta = _object(value, where)
    if fmt == SD_JWT_VC:
        values = _array(meta.get("vct_values"), f"{where}.vct_values", MAX_VALUES)
        if not all(isinstance(v, str) and v for v in values):
            raise _fail("must hold non-empty strings (vct values)", f"{where}.vct_values")
    elif fmt in W3C_FORMATS:
        outer = _array(meta.get("type_values"), f"{where}.type_values", MAX_VALUES)
        for i, inner in enumerate(outer):
            items = _array(inner, f"{where}.type_values[{i}]", MAX_VALUES)
            if not all(isinstance(v, str) and v for v in items):
                raise _fail("must hold non-empty strings (types)", f"{where}.type_values[{i}]")
    elif fmt == MDOC and not isinstance(meta.get("doctype_value"), str):
        raise _fail("must be a string (the mdoc doctype)", f"{where}.doctype_value")
    return meta


def _credential(value: Any, where: str) -> CredentialQuery:
    node = _object(value, where)
    query_id = _identifier(node.get("id"), f"{where}.id")
    fmt = node.get("format")
    if fmt not in FORMATS:
        raise _fail(f"must be one of {', '.join(sorted(FORMATS))}", f"{where}.format")
    if "meta" not in node:
        raise _fail("is required (an empty object places no constraint)", f"{where}.meta")
    meta = _meta(node["meta"], fmt, f"{where}.meta")
    claims = None
    if "claims" in node:
        items = _array(node["claims"], f"{where}.claims", MAX_CLAIMS)
        claims = tuple(_claim(c, f"{where}.claims[{i}]", fmt) for i, c in enumerate(items))
        ids = [c.id for c in claims if c.id is not None]
        if len(ids) != len(set(ids)):
            raise _fail("the same claim id is given twice", f"{where}.claims")
        if len({c.path for c in claims}) != len(claims):
            raise _fail("the same claim path is given twice", f"{where}.claims")
    claim_sets = None
    if "claim_sets" in node:
        if claims is None:
            raise _fail("claim_sets needs claims", f"{where}.claim_sets")
        if any(c.id is None for c in claims):
            raise _fail("every claim needs an id when claim_sets is given", f"{where}.claims")
        known = {c.id for c in claims}
        sets = _array(node["claim_sets"], f"{where}.claim_sets", MAX_SETS)
        parsed_sets = []
        for i, claim_set in enumerate(sets):
            ids_in = _array(claim_set, f"{where}.claim_sets[{i}]", MAX_CLAIMS)
            for j, claim_id in enumerate(ids_in):
                if claim_id not in known:
                    raise _fail("names no claim of this query", f"{where}.claim_sets[{i}][{j}]")
            parsed_sets.append(tuple(ids_in))
        claim_sets = tuple(parsed_sets)
    if "trusted_authorities" in node:
        for i, authority in enumerate(
            _array(node["trusted_authorities"], f"{where}.trusted_authorities", MAX_SETS)
        ):
            entry = _object(authority, f"{where}.trusted_authorities[{i}]")
            if not isinstance(entry.get("type"), str):
                raise _fail("must be a string", f"{where}.trusted_authorities[{i}].type")
            _array(entry.get("values"), f"{where}.trusted_authorities[{i}].values", MAX_VALUES)
    return CredentialQuery(
        id=query_id,
        format=fmt,
        meta=meta,
        multiple=_boolean(node, "multiple", False, where),
        require_binding=_boolean(node, "require_cryptographic_holder_binding", True, where),
        claims=claims,
        claim_sets=claim_sets,
    )


def parse_query(value: Any) -> DcqlQuery:
    """Parse and check a DCQL query (a JSON object); raises :class:`DcqlError`."""
    node = _object(value, "dcql_query")
    items = _array(node.get("credentials"), "dcql_query.credentials", MAX_CREDENTIALS)
    credentials = tuple(_credential(c, f"dcql_query.credentials[{i}]") for i, c in enumerate(items))
    ids = [c.id for c in credentials]
    if len(ids) != len(set(ids)):
        raise _fail("the same credential query id is given twice", "dcql_query.credentials")
    sets = None
    if "credential_sets" in node:
        parsed = []
        for i, entry in enumerate(
            _array(node["credential_sets"], "dcql_query.credential_sets", MAX_SETS)
        ):
            where = f"dcql_query.credential_sets[{i}]"
            entry = _object(entry, where)
            options = []
            for j, option in enumerate(_array(entry.get("options"), f"{where}.options", MAX_SETS)):
                names = _array(option, f"{where}.options[{j}]", MAX_CREDENTIALS)
                for k, name in enumerate(names):
                    if name not in ids:
                        raise _fail("names no credential query", f"{where}.options[{j}][{k}]")
                options.append(tuple(names))
            parsed.append(
                CredentialSetQuery(
                    options=tuple(options), required=_boolean(entry, "required", True, where)
                )
            )
        sets = tuple(parsed)
    return DcqlQuery(credentials=credentials, credential_sets=sets, source=dict(node))


# -- claims path pointers (§7) ----------------------------------------------------------


def select(path: Sequence[str | int | None], claims: Any) -> list[Any]:
    """The elements a claims path pointer selects in ``claims`` (OpenID4VP 1.0 §7.1)."""
    selected = [claims]
    for part in path:
        if isinstance(part, str):
            if not all(isinstance(e, Mapping) for e in selected):
                raise PathError(f"{part!r} is looked up in something that is not an object")
            selected = [e[part] for e in selected if part in e]
        elif part is None:
            if not all(isinstance(e, list) for e in selected):
                raise PathError("null selects the elements of something that is not an array")
            selected = [item for e in selected for item in e]
        elif isinstance(part, int) and not isinstance(part, bool) and part >= 0:
            if not all(isinstance(e, list) for e in selected):
                raise PathError(f"index {part} is looked up in something that is not an array")
            selected = [e[part] for e in selected if part < len(e)]
        else:
            raise PathError(f"{part!r} is not a path component")
    if not selected:
        raise PathError("the path selects nothing")
    return selected


def _same(a: Any, b: Any) -> bool:
    # "type and value both match exactly": True is not 1, 1 is not "1".
    return type(a) is type(b) and a == b


# -- matching ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Presented:
    """What the verifier learned from one presentation: its format, its type (``vct`` of an
    SD-JWT VC; the ``type`` values of a W3C credential, compact and expanded), the claims
    it disclosed (an SD-JWT VC's processed payload; a W3C credential's JSON) and whether
    it came with a holder-binding proof that was checked."""

    format: str
    claims: Mapping[str, Any]
    vct: str | None = None
    types: frozenset[str] = frozenset()
    holder_bound: bool = True


@dataclass
class CredentialMatch:
    query_id: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    # the paths of the claims the query asked for and the presentation disclosed
    disclosed: list[list[str | int | None]] = field(default_factory=list)
    claim_set: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query_id,
            "ok": self.ok,
            "problems": list(self.problems),
            "disclosed": [list(p) for p in self.disclosed],
            "claim_set": self.claim_set,
        }


def _claim_problem(claim: ClaimQuery, claims: Mapping[str, Any]) -> str | None:
    shown = "/".join("*" if p is None else str(p) for p in claim.path)
    try:
        found = select(claim.path, claims)
    except PathError as cause:
        return f"claim {shown} is missing ({cause})"
    if claim.values is not None and not any(
        _same(value, wanted) for value in found for wanted in claim.values
    ):
        return f"claim {shown} has none of the values asked for"
    return None


def match_credential(query: CredentialQuery, presented: Presented) -> CredentialMatch:
    """Does ``presented`` answer ``query``? Every problem is named, none is skipped."""
    result = CredentialMatch(query_id=query.id, ok=False)
    if presented.format != query.format:
        result.problems.append(f"format {presented.format} was given, {query.format} asked for")
        return result
    if query.format == SD_JWT_VC and presented.vct not in (query.vct_values or ()):
        result.problems.append(f"type (vct) {presented.vct!r} is not one asked for")
    if query.format in W3C_FORMATS and not any(
        set(alternative) <= presented.types for alternative in query.type_values or ()
    ):
        result.problems.append("the credential's type is not one asked for")
    if query.format == MDOC:
        result.problems.append("mdoc presentations are not supported")
    if query.require_binding and not presented.holder_bound:
        result.problems.append("the presentation has no holder-binding proof, one was asked for")
    if query.claims is not None:
        problems = {id(c): _claim_problem(c, presented.claims) for c in query.claims}
        if query.claim_sets is None:
            result.problems.extend(p for p in problems.values() if p)
            chosen = list(query.claims)
        else:
            by_id = {c.id: c for c in query.claims}
            for index, claim_set in enumerate(query.claim_sets):
                if all(problems[id(by_id[i])] is None for i in claim_set):
                    result.claim_set = index
                    break
            if result.claim_set is None:
                result.problems.append(
                    "no set of claims asked for was disclosed whole: "
                    + "; ".join(p for p in problems.values() if p)
                )
                chosen = []
            else:
                chosen = [by_id[i] for i in query.claim_sets[result.claim_set]]
        result.disclosed = [list(c.path) for c in chosen if problems[id(c)] is None]
    result.ok = not result.problems
    return result


@dataclass
class ResponseMatch:
    satisfied: bool
    problems: list[str]
    # per Credential Query id, one match per presentation given for it
    credentials: dict[str, list[CredentialMatch]]
    # per Credential Set Query (in order), the first option answered whole, or None
    sets: list[list[str] | None] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "satisfied": self.satisfied,
            "problems": list(self.problems),
            "credentials": {k: [m.to_json() for m in v] for k, v in self.credentials.items()},
            "credential_sets": self.sets,
        }


def match_response(query: DcqlQuery, presented: Mapping[str, Sequence[Presented]]) -> ResponseMatch:
    """Does a whole ``vp_token`` (already opened into :class:`Presented` per query id) answer
    ``query``? Satisfied only when every presentation matches its query and every
    credential asked for (each required credential set, else every query) is there."""
    problems: list[str] = []
    matches: dict[str, list[CredentialMatch]] = {}
    for query_id, items in presented.items():
        credential_query = query.credential(query_id)
        if credential_query is None:
            problems.append(f"{query_id}: no credential query has this id")
            continue
        if not items:
            problems.append(f"{query_id}: an empty array of presentations")
            continue
        if len(items) > 1 and not credential_query.multiple:
            problems.append(f"{query_id}: {len(items)} presentations given, one allowed")
        matches[query_id] = [match_credential(credential_query, item) for item in items]
        for match in matches[query_id]:
            problems.extend(f"{query_id}: {p}" for p in match.problems)
    answered = {k for k, v in matches.items() if v and all(m.ok for m in v)}
    sets: list[list[str] | None] | None = None
    if query.credential_sets is None:
        for credential_query in query.credentials:
            if credential_query.id not in presented:
                problems.append(f"{credential_query.id}: asked for and not presented")
    else:
        sets = []
        for index, credential_set in enumerate(query.credential_sets):
            option = next((o for o in credential_set.options if set(o) <= answered), None)
            sets.append(list(option) if option is not None else None)
            if option is None and credential_set.required:
                wanted = " or ".join("+".join(o) for o in credential_set.options)
                problems.append(f"credential set {index + 1} (required): none of {wanted}")
    return ResponseMatch(satisfied=not problems, problems=problems, credentials=matches, sets=sets)
