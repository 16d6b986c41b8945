"""DCQL matching cases shared by the pure tests and the npm ``dcql`` cross-check: each is a
query (a vector file or inline), a ``vp_token`` opened into presented credentials, and the
verdict OpenID4VP 1.0 §6 gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "openid4vp-1.0"
QUERY_LANG = VECTORS / "query_lang"

PID = "https://credentials.example.com/identity_credential"
MC = "https://microcred.example/vct/eu-micro-credential/1"
EUDI = "urn:eu.europa.ec.eudi:learning:credential:1"


def vector(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((QUERY_LANG / name).read_text(encoding="utf-8"))
    return data


def sd(vct: str, claims: dict[str, Any], bound: bool = True) -> dict[str, Any]:
    return {"format": "dc+sd-jwt", "vct": vct, "claims": {"vct": vct, **claims}, "bound": bound}


def w3c(fmt: str, types: list[str], claims: dict[str, Any]) -> dict[str, Any]:
    return {"format": fmt, "types": types, "claims": {"type": types, **claims}, "bound": True}


JOHN = {
    "given_name": "John",
    "family_name": "Doe",
    "address": {"street_address": "42 Market Street", "locality": "Milliways"},
    "postal_code": "90210",
}

MICRO_QUERY: dict[str, Any] = {
    "credentials": [
        {
            "id": "big",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [MC, EUDI]},
            "claims": [
                {"path": ["achievement_title"]},
                # "at least 10": DCQL matches values exactly, so every whole ECTS from 10 on
                {"path": ["credit_points", "value"], "values": list(range(10, 61))},
            ],
        },
        {
            "id": "small_a",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [MC, EUDI]},
            "claims": [
                {"path": ["achievement_title"]},
                {"path": ["credit_points", "value"], "values": list(range(5, 61))},
            ],
        },
        {
            "id": "small_b",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [MC, EUDI]},
            "claims": [
                {"path": ["achievement_title"]},
                {"path": ["credit_points", "value"], "values": list(range(5, 61))},
            ],
        },
        {
            "id": "badge",
            "format": "ldp_vc",
            "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
            "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
        },
    ],
    "credential_sets": [
        {"options": [["big"], ["small_a", "small_b"]]},
        {"required": False, "options": [["badge"]]},
    ],
}


def _mc(title: str, ects: int, vct: str = MC) -> dict[str, Any]:
    return sd(vct, {"achievement_title": title, "credit_points": {"value": ects}})


def _badge(name: str | None) -> dict[str, Any]:
    subject: dict[str, Any] = {"achievement": {"name": name}} if name else {"id": "did:x"}
    return w3c(
        "ldp_vc", ["VerifiableCredential", "OpenBadgeCredential"], {"credentialSubject": subject}
    )


# (name, query, {query id: [presented]}, satisfied)
CASES: list[tuple[str, dict[str, Any], dict[str, list[dict[str, Any]]], bool]] = [
    ("simple", vector("simple.json"), {"my_credential": [sd(PID, JOHN)]}, True),
    (
        "simple, wrong vct",
        vector("simple.json"),
        {"my_credential": [sd("https://other.example/x", JOHN)]},
        False,
    ),
    (
        "simple, a claim withheld",
        vector("simple.json"),
        {"my_credential": [sd(PID, {k: v for k, v in JOHN.items() if k != "given_name"})]},
        False,
    ),
    (
        "simple, nested claim missing",
        vector("simple.json"),
        {"my_credential": [sd(PID, {**JOHN, "address": {"locality": "Milliways"}})]},
        False,
    ),
    ("simple, nothing presented", vector("simple.json"), {}, False),
    (
        "simple, an unknown query id",
        vector("simple.json"),
        {"my_credential": [sd(PID, JOHN)], "other": [sd(PID, JOHN)]},
        False,
    ),
    (
        "simple, two presentations without multiple",
        vector("simple.json"),
        {"my_credential": [sd(PID, JOHN), sd(PID, JOHN)]},
        False,
    ),
    (
        "value matching",
        vector("value_matching_simple.json"),
        {"my_credential": [sd(PID, JOHN)]},
        True,
    ),
    (
        "value matching, wrong family name",
        vector("value_matching_simple.json"),
        {"my_credential": [sd(PID, {**JOHN, "family_name": "Roe"})]},
        False,
    ),
    (
        "value matching, number is not the string",
        vector("value_matching_simple.json"),
        {"my_credential": [sd(PID, {**JOHN, "postal_code": 90210})]},
        False,
    ),
    (
        "claim sets, second option",
        vector("claims_alternatives.json"),
        {"pid": [sd(PID, {"family_name": "Doe", "postal_code": "1", "date_of_birth": "x"})]},
        True,
    ),
    (
        "claim sets, none whole",
        vector("claims_alternatives.json"),
        {"pid": [sd(PID, {"family_name": "Doe", "locality": "1", "date_of_birth": "x"})]},
        False,
    ),
    (
        "credential sets, first option",
        vector("credentials_alternatives.json"),
        {"pid": [sd(PID, JOHN)]},
        True,
    ),
    (
        "credential sets, the two reduced ones",
        vector("credentials_alternatives.json"),
        {
            "pid_reduced_cred_1": [
                sd("https://credentials.example.com/reduced_identity_credential", JOHN)
            ],
            "pid_reduced_cred_2": [
                sd(
                    "https://cred.example/residence_credential",
                    {"postal_code": "1", "locality": "x", "region": "y"},
                )
            ],
        },
        True,
    ),
    (
        "credential sets, only half an option",
        vector("credentials_alternatives.json"),
        {
            "pid_reduced_cred_1": [
                sd("https://credentials.example.com/reduced_identity_credential", JOHN)
            ]
        },
        False,
    ),
    (
        "credential sets, optional only",
        vector("credentials_alternatives.json"),
        {"nice_to_have": [sd("https://company.example/company_rewards", {"rewards_number": 7})]},
        False,
    ),
    ("micro: one of 10", MICRO_QUERY, {"big": [_mc("Data analysis", 10)]}, True),
    ("micro: one of 5 is not 10", MICRO_QUERY, {"big": [_mc("Data analysis", 5)]}, False),
    (
        "micro: two of 4 are not two of 5",
        MICRO_QUERY,
        {"small_a": [_mc("Data analysis", 4)], "small_b": [_mc("Statistics", 5)]},
        False,
    ),
    (
        "micro: two of 5 by the EUDI type",
        MICRO_QUERY,
        {"small_a": [_mc("Data analysis", 5, EUDI)], "small_b": [_mc("Statistics", 5)]},
        True,
    ),
    (
        "micro: one of 10 and the badge",
        MICRO_QUERY,
        {"big": [_mc("Data analysis", 15)], "badge": [_badge("SQL")]},
        True,
    ),
    (
        "micro: badge without the name asked for",
        MICRO_QUERY,
        {"big": [_mc("Data analysis", 15)], "badge": [_badge(None)]},
        False,
    ),
    (
        "micro: badge of another type",
        MICRO_QUERY,
        {
            "big": [_mc("Data analysis", 10)],
            "badge": [w3c("ldp_vc", ["VerifiableCredential"], {"credentialSubject": {}})],
        },
        False,
    ),
    (
        "micro: a W3C credential given for an SD-JWT VC query",
        MICRO_QUERY,
        {"big": [_badge("SQL")]},
        False,
    ),
    (
        "holder binding asked, none given",
        vector("simple.json"),
        {"my_credential": [sd(PID, JOHN, bound=False)]},
        False,
    ),
]
