"""microcred's DCQL engine and npm ``dcql`` 3.0.0 give the same verdicts on the same queries
and presentations (``interop/js/oid4vp-dcql.mjs``): every vector query parses in both, the
rule-breaking ones are refused by both, and each matching case is satisfied in both or in
neither."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from microcred.verify import dcql
from tests.verify.dcql_cases import CASES, MICRO_QUERY, QUERY_LANG
from tests.verify.test_dcql import presented

from .jsref import JS_DIR, node_binary


def _js(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [node_binary(), str(JS_DIR / "oid4vp-dcql.mjs")],
        input=json.dumps(cases).encode(),
        capture_output=True,
        timeout=60,
        cwd=JS_DIR,
        check=True,
    )
    out: list[dict[str, Any]] = json.loads(done.stdout)
    return out


def _for_js(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "credential_format": item["format"],
        "claims": item["claims"],
        "cryptographic_holder_binding": item["bound"],
    }
    if item["format"] == "dc+sd-jwt":
        out["vct"] = item["vct"]
    else:
        out["type"] = item["types"]
    return out


def test_every_vector_query_parses_in_both():
    queries = [json.loads(p.read_text("utf-8")) for p in sorted(QUERY_LANG.glob("*.json"))]
    assert len(queries) >= 7
    verdicts = _js([{"query": q, "presentations": None} for q in queries])
    assert all(v["parsed"] for v in verdicts), verdicts
    for query in queries:
        dcql.parse_query(query)


BAD_QUERIES = [
    {"credentials": []},
    {"credentials": [{"id": "a b", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}}]},
    {
        "credentials": [
            {"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}},
            {"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}},
        ]
    },
    {
        "credentials": [
            {
                "id": "a",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": ["x"]},
                "claims": [{"path": []}],
            }
        ]
    },
    {
        "credentials": [
            {
                "id": "a",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": ["x"]},
                "claims": [{"id": "n", "path": ["n"]}],
                "claim_sets": [["m"]],
            }
        ]
    },
    {
        "credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": []}}],
    },
    {
        "credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}}],
        "credential_sets": [{"options": [["b"]]}],
    },
]


def test_rule_breaking_queries_are_refused_by_both():
    verdicts = _js([{"query": q, "presentations": None} for q in BAD_QUERIES])
    for query, verdict in zip(BAD_QUERIES, verdicts, strict=True):
        assert not verdict["parsed"], query
        with pytest.raises(dcql.DcqlError):
            dcql.parse_query(query)


# Where the two differ on purpose (none today); each entry says why.
KNOWN_DIFFERENCES: dict[str, str] = {}


def test_matching_verdicts_agree():
    cases = [c for c in CASES if c[0] not in KNOWN_DIFFERENCES]
    payload = [
        {"query": q, "presentations": {k: [_for_js(i) for i in v] for k, v in token.items()}}
        for _, q, token, _ in cases
    ]
    verdicts = _js(payload)
    disagree = []
    for (name, query, token, expected), verdict in zip(cases, verdicts, strict=True):
        ours = dcql.match_response(
            dcql.parse_query(query), {k: [presented(i) for i in v] for k, v in token.items()}
        ).satisfied
        if not (ours is expected is verdict.get("satisfied")):
            disagree.append((name, expected, ours, verdict))
    assert not disagree, disagree


def test_the_micro_credential_query_is_valid_for_dcql_js():
    assert _js([{"query": MICRO_QUERY, "presentations": None}])[0]["parsed"]
