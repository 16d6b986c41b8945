"""Hypothesis strategies for valid specifications and awards, shared by the round-trip tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from microcred.model import (
    AssessmentType,
    Participation,
    QualityAssuranceType,
    Supervision,
)

LANGS = ["en", "lv", "et", "lt", "de", "fr", "pt-BR"]
COUNTRIES = ["LV", "EE", "LT", "DE", "FR", "PT", "GR", "IE", "FI", "PL"]
ESCO = [
    "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a",
    "http://data.europa.eu/esco/skill/80f308e6-0e09-404a-80cd-ec5f50f6f304",
    "http://data.europa.eu/esco/skill/326809fc-238d-40c2-881e-40042f7f2f0d",
    "http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9",
]

# Printable text with Latvian diacritics and other non-ASCII letters; no
# leading/trailing whitespace (the model strips it) and never empty.
_alphabet = st.characters(
    codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters="\x00"
)
text = st.text(_alphabet, min_size=1, max_size=40).map(str.strip).filter(bool)


def lang_map() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(LANGS), text, min_size=1, max_size=3)


amount = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False)
url = st.from_regex(r"https://[a-z]{3,10}\.example\.(lv|eu|org)/[a-z0-9]{0,8}", fullmatch=True)


def _workload() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.fixed_dictionaries({"ects": amount}),
        st.fixed_dictionaries({"hours": amount}),
        st.fixed_dictionaries({"ects": amount, "hours": amount}),
    ).map(lambda d: {k: float(v) if v != v.to_integral() else int(v) for k, v in d.items()})


def _body() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"name": lang_map(), "country": st.sampled_from(COUNTRIES)},
        optional={
            "region": text,
            "url": url,
            "id": st.just("did:web:issuer.example.lv"),
            "legal_identifier": st.from_regex(r"[0-9]{11}", fullmatch=True),
        },
    )


def _typed(kind: type, other_value: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(list(kind)).flatmap(
        lambda t: st.fixed_dictionaries(
            {
                "type": st.just(t.value),
                **({"description": lang_map()} if t.value == other_value else {}),
            },
            optional={} if t.value == other_value else {"description": lang_map()},
        )
    )


def spec_data() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "title": lang_map(),
            "awarding_body": _body(),
            "learning_outcomes": st.lists(
                st.fixed_dictionaries(
                    {"text": lang_map()}, optional={"esco_skill": st.sampled_from(ESCO)}
                ),
                min_size=1,
                max_size=4,
            ),
            "workload": _workload(),
            "assessment": _typed(AssessmentType, "other"),
            "participation": st.sampled_from([p.value for p in Participation]),
            "quality_assurance": _typed(QualityAssuranceType, "other").flatmap(
                lambda qa: st.fixed_dictionaries(
                    {k: st.just(v) for k, v in qa.items()}, optional={"body": text, "url": url}
                )
            ),
        },
        optional={
            "id": url,
            "description": lang_map(),
            "eqf_level": st.integers(1, 8),
            "nqf_level": text,
            "qf_ehea_cycle": st.sampled_from(["short", "first", "second", "third"]),
            "prerequisites": lang_map(),
            "supervision": st.sampled_from([s.value for s in Supervision]),
            "further_information": lang_map(),
            "languages": st.lists(st.sampled_from(LANGS), max_size=3, unique=True),
            "skills": st.lists(
                st.fixed_dictionaries(
                    {"name": lang_map()}, optional={"esco_uri": st.sampled_from(ESCO)}
                ),
                max_size=3,
            ),
            "field_of_study": st.from_regex(r"0[0-9]{3}", fullmatch=True),
            "url": url,
            "validity": st.one_of(
                st.fixed_dictionaries({"months": st.integers(1, 120)}),
                st.fixed_dictionaries({"until": st.dates(date(2027, 1, 1), date(2040, 1, 1))}),
            ),
            "stackability": st.fixed_dictionaries(
                {"standalone": st.booleans()},
                optional={
                    "stackable_towards": st.lists(
                        st.fixed_dictionaries({"title": lang_map()}, optional={"url": url}),
                        max_size=2,
                    )
                },
            ),
            "co_awarding_bodies": st.lists(_body(), max_size=2),
        },
    )


def award_data() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "spec": spec_data(),
            "learner": st.fixed_dictionaries(
                {
                    "name": text,
                    "identifier": st.one_of(
                        st.from_regex(r"mailto:[a-z]{1,8}@[a-z]{2,8}\.(lv|eu)", fullmatch=True),
                        st.from_regex(r"did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}", fullmatch=True),
                    ),
                },
                optional={"given_name": text, "family_name": text},
            ),
            "issued_on": st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1)).map(
                lambda d: d.replace(microsecond=0, tzinfo=UTC)
            ),
        },
        optional={"grade": text, "narrative": text, "evidence_url": url},
    )


__all__ = ["Decimal", "award_data", "spec_data"]
