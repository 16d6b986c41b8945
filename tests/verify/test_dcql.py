"""DCQL (OpenID4VP 1.0 §6, §7): parsing every vector and the rules, claims path pointers,
and matching presented credentials against a query."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from microcred.verify import dcql
from tests.verify.dcql_cases import CASES, MICRO_QUERY, PID, QUERY_LANG, vector


def presented(item: dict[str, Any]) -> dcql.Presented:
    return dcql.Presented(
        format=item["format"],
        claims=item["claims"],
        vct=item.get("vct"),
        types=frozenset(item.get("types", ())),
        holder_bound=item["bound"],
    )


@pytest.mark.parametrize("path", sorted(QUERY_LANG.glob("*.json")), ids=lambda p: p.name)
def test_every_vector_query_parses(path):
    import json

    source = json.loads(path.read_text(encoding="utf-8"))
    query = dcql.parse_query(source)
    assert [c.id for c in query.credentials] == [c["id"] for c in source["credentials"]]
    assert query.to_json() == source


def test_vector_query_fields_are_read():
    query = dcql.parse_query(vector("claims_alternatives.json"))
    pid = query.credentials[0]
    assert pid.vct_values == (PID,)
    assert pid.claim_sets == (("a", "c", "d", "e"), ("a", "b", "e"))
    assert pid.multiple is False and pid.require_binding is True
    sets = dcql.parse_query(vector("credentials_alternatives.json")).credential_sets
    assert sets is not None and [s.required for s in sets] == [True, False]


def _bad(mutate, field: str) -> None:
    query = copy.deepcopy(MICRO_QUERY)
    mutate(query)
    with pytest.raises(dcql.DcqlError) as caught:
        dcql.parse_query(query)
    assert caught.value.field == field, caught.value


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda q: q.update(credentials=[]), "dcql_query.credentials"),
        (lambda q: q["credentials"][0].update(id="a b"), "dcql_query.credentials[0].id"),
        (lambda q: q["credentials"][1].update(id="big"), "dcql_query.credentials"),
        (
            lambda q: q["credentials"][0].update(format="vc+sd-jwt"),
            "dcql_query.credentials[0].format",
        ),
        (lambda q: q["credentials"][0].pop("meta"), "dcql_query.credentials[0].meta"),
        (
            lambda q: q["credentials"][0]["meta"].update(vct_values=[]),
            "dcql_query.credentials[0].meta.vct_values",
        ),
        (
            lambda q: q["credentials"][3]["meta"].update(type_values=[[]]),
            "dcql_query.credentials[3].meta.type_values[0]",
        ),
        (
            lambda q: q["credentials"][0]["claims"][0].update(path=[]),
            "dcql_query.credentials[0].claims[0].path",
        ),
        (
            lambda q: q["credentials"][0]["claims"][0].update(path=["a", -1]),
            "dcql_query.credentials[0].claims[0].path[1]",
        ),
        (
            lambda q: q["credentials"][0]["claims"][0].update(path=["a", True]),
            "dcql_query.credentials[0].claims[0].path[1]",
        ),
        (
            lambda q: q["credentials"][0]["claims"][1].update(values=[1.5]),
            "dcql_query.credentials[0].claims[1].values[0]",
        ),
        (
            lambda q: q["credentials"][0]["claims"][1].update(path=["achievement_title"]),
            "dcql_query.credentials[0].claims",
        ),
        (
            lambda q: q["credentials"][0].update(claim_sets=[["x"]]),
            "dcql_query.credentials[0].claims",
        ),
        (
            lambda q: q["credentials"][0].update(multiple="yes"),
            "dcql_query.credentials[0].multiple",
        ),
        (
            lambda q: q["credential_sets"][0]["options"][0].append("nobody"),
            "dcql_query.credential_sets[0].options[0][1]",
        ),
        (
            lambda q: q["credential_sets"][1].update(required="no"),
            "dcql_query.credential_sets[1].required",
        ),
        (lambda q: q["credentials"].extend([q["credentials"][0]] * 60), "dcql_query.credentials"),
    ],
)
def test_rule_breaking_queries_are_refused_naming_the_field(mutate, field):
    _bad(mutate, field)


def test_claim_sets_need_claims_and_known_ids():
    query = vector("claims_alternatives.json")
    query["credentials"][0]["claim_sets"].append(["a", "zz"])
    with pytest.raises(dcql.DcqlError, match="names no claim"):
        dcql.parse_query(query)
    query = vector("claims_alternatives.json")
    del query["credentials"][0]["claims"]
    with pytest.raises(dcql.DcqlError, match="claim_sets needs claims"):
        dcql.parse_query(query)


def test_unknown_properties_are_ignored():
    query = copy.deepcopy(MICRO_QUERY)
    query["future"] = {"x": 1}
    query["credentials"][0]["extension"] = True
    assert dcql.parse_query(query).credentials[0].id == "big"


ARTHUR = {
    "name": "Arthur Dent",
    "address": {
        "street_address": "42 Market Street",
        "locality": "Milliways",
        "postal_code": "12345",
    },
    "degrees": [
        {"type": "Bachelor of Science", "university": "University of Betelgeuse"},
        {"type": "Master of Science", "university": "University of Betelgeuse"},
    ],
    "nationalities": ["British", "Betelgeusian"],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["name"], ["Arthur Dent"]),
        (["address"], [ARTHUR["address"]]),
        (["address", "street_address"], ["42 Market Street"]),
        (["degrees", None, "type"], ["Bachelor of Science", "Master of Science"]),
        (["nationalities", 1], ["Betelgeusian"]),
    ],
)
def test_claims_path_pointer_examples_of_section_7(path, expected):
    assert dcql.select(path, ARTHUR) == expected


@pytest.mark.parametrize(
    "path",
    [
        ["nobody"],
        ["nationalities", 5],
        ["name", "x"],
        ["address", None],
        ["address", 0],
        ["degrees", "type"],
    ],
)
def test_claims_path_pointer_errors(path):
    with pytest.raises(dcql.PathError):
        dcql.select(path, ARTHUR)


def test_null_over_an_array_keeps_only_the_elements_with_the_key():
    claims = {"a": [{"x": 1}, {"y": 2}, {"x": 3}]}
    assert dcql.select(["a", None, "x"], claims) == [1, 3]


@pytest.mark.parametrize(("name", "query", "token", "satisfied"), CASES, ids=[c[0] for c in CASES])
def test_matching(name, query, token, satisfied):
    parsed = dcql.parse_query(query)
    result = dcql.match_response(parsed, {k: [presented(i) for i in v] for k, v in token.items()})
    assert result.satisfied is satisfied, result.problems
    assert bool(result.problems) is (not satisfied)


def test_the_report_names_what_is_missing_and_what_was_disclosed():
    parsed = dcql.parse_query(vector("claims_alternatives.json"))
    claims = {"vct": PID, "family_name": "Doe", "postal_code": "1", "date_of_birth": "x"}
    result = dcql.match_response(
        parsed, {"pid": [dcql.Presented(format="dc+sd-jwt", claims=claims, vct=PID)]}
    )
    match = result.credentials["pid"][0]
    assert match.claim_set == 1
    assert match.disclosed == [["family_name"], ["postal_code"], ["date_of_birth"]]

    result = dcql.match_response(parsed, {})
    assert result.problems == ["pid: asked for and not presented"]

    simple = dcql.parse_query(vector("simple.json"))
    result = dcql.match_response(
        simple,
        {"my_credential": [dcql.Presented(format="dc+sd-jwt", claims={"vct": PID}, vct=PID)]},
    )
    assert any("claim given_name is missing" in p for p in result.problems)
    assert any("claim address/street_address is missing" in p for p in result.problems)
