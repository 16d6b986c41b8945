"""The pure evaluation: properties (hypothesis) and plain-language explanations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.stacking import Component, evaluate, parse_pathway

NOW = datetime(2026, 11, 24, tzinfo=UTC)
SKILL = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"
SPECS = [f"https://example.lv/specs/{n}" for n in "abcdef"]
ISSUERS = ["did:web:uni.example", "did:web:centre.example", "did:web:other.example"]
STATUSES = ["valid", "valid", "valid", "revoked", "suspended", "expired", "invalid"]

TARGET = {
    "title": {"en": "Stack"},
    "learning_outcomes": [{"text": {"en": "Does things."}}],
    "workload": {"ects": 12},
    "assessment": {"type": "portfolio"},
    "participation": "blended",
    "quality_assurance": {"type": "institutional_qa"},
}
PATHWAY = parse_pathway(
    {
        "id": "https://authority.example/pathways/p",
        "title": {"en": "P", "lv": "P"},
        "target": TARGET,
        "accept": {"min_eqf_level": 4, "issued_within_years": 5},
        "rules": [
            {"id": "core", "require": [{"spec": SPECS[0]}, {"spec": SPECS[1]}]},
            {
                "id": "options",
                "choose": {"at_least": 2, "of": [{"spec": s} for s in SPECS[2:5]]},
            },
            {"id": "volume", "total": {"ects": 12}},
            {"id": "skills", "cover": {"skills": [SKILL], "outcomes": ["SQL"]}},
            {
                "id": "uni",
                "require": [{"issuer": ISSUERS[0]}],
                "accept": {"issuers": [ISSUERS[0]], "assessment_types": ["written_examination"]},
            },
        ],
    }
)


def component(n: int, spec: str, **extra: object) -> Component:
    data: dict[str, object] = {
        "id": f"item-{n}",
        "digest": f"uEi{n:044d}",
        "status": "valid",
        "title": {"en": f"Course {n}"},
        "credential_id": f"urn:uuid:{n}",
        "spec_id": spec,
        "issuer_id": ISSUERS[0],
        "issued_on": NOW - timedelta(days=30),
        "ects": Decimal(3),
        "eqf_level": 5,
        "skills": frozenset({SKILL}),
        "outcomes": ("Writes SQL queries.",),
        "assessment_type": "written_examination",
    }
    data.update(extra)
    return Component(**data)  # type: ignore[arg-type]


def satisfying() -> list[Component]:
    return [component(i, SPECS[i]) for i in range(4)]


components = st.builds(
    lambda n, spec, status, issuer, ects, eqf, age, skills, assessment: component(
        n,
        spec,
        status=status,
        issuer_id=issuer,
        ects=ects,
        eqf_level=eqf,
        issued_on=NOW - timedelta(days=age),
        skills=skills,
        assessment_type=assessment,
    ),
    st.integers(0, 30),
    st.sampled_from([*SPECS, "https://example.lv/specs/unrelated"]),
    st.sampled_from(STATUSES),
    st.sampled_from(ISSUERS),
    st.one_of(st.none(), st.decimals(0, 10, places=1)),
    st.one_of(st.none(), st.integers(1, 8)),
    st.integers(0, 3000),
    st.frozensets(st.sampled_from([SKILL, "http://data.europa.eu/esco/skill/x"]), max_size=2),
    st.sampled_from(["written_examination", "project"]),
)


def test_a_satisfying_set_is_explained():
    result = evaluate(PATHWAY, satisfying(), now=NOW)
    assert result.satisfied and result.progress == 100.0
    assert result.rule("volume").summary == "12 of 12 ECTS"
    assert [c.component for c in result.rule("core").counted] == ["item-0", "item-1"]
    assert result.to_json()["rules"][0]["met"] is True


def test_missing_revoked_old_and_low_level_are_named():
    items = satisfying()
    items[1] = component(1, SPECS[1], status="revoked")
    items[2] = component(2, SPECS[2], issued_on=NOW - timedelta(days=6 * 366))
    items[3] = component(3, SPECS[3], eqf_level=3)
    result = evaluate(PATHWAY, items, now=NOW)
    assert not result.satisfied
    core = result.rule("core")
    assert core.missing == (
        f"missing: a credential specification {SPECS[1]} "
        "(Course 1 does not count: it has been revoked by its issuer)",
    )
    options = result.rule("options").missing[0]
    assert options.startswith("2 more needed, from:")
    assert "more than 5 years ago" in options and "EQF level 3; level 4" in options
    assert result.rule("volume").missing[0] == "9 more ECTS needed (has 3 of 12)"


def test_a_credential_counts_once_per_rule():
    one = component(0, SPECS[0], skills=frozenset())
    pathway = parse_pathway(
        {
            **PATHWAY.to_data(),
            "rules": [{"id": "twice", "require": [{"spec": SPECS[0]}, {"title": "course"}]}],
        }
    )
    result = evaluate(pathway, [one, one], now=NOW)
    assert not result.satisfied and len(result.rule("twice").counted) == 1
    assert "already counts for another entry" in result.rule("twice").missing[0]


def test_rule_conditions_override_the_pathways():
    items = [*satisfying()[:3], component(3, SPECS[3], issuer_id=ISSUERS[1])]
    result = evaluate(PATHWAY, items, now=NOW)
    assert result.rule("uni").met
    project = [component(0, SPECS[0], assessment_type="project")]
    uni = evaluate(PATHWAY, project, now=NOW).rule("uni")
    assert not uni.met and "its assessment (project) is not one of" in uni.missing[0]
    assert evaluate(PATHWAY, project, now=NOW).rule("core").counted  # only `uni` overrides


@settings(max_examples=200, deadline=None)
@given(st.lists(components, max_size=8), components)
def test_adding_a_credential_never_lowers_progress(items, extra):
    before = evaluate(PATHWAY, items, now=NOW)
    after = evaluate(PATHWAY, [*items, extra], now=NOW)
    assert after.progress >= before.progress
    assert after.satisfied or not before.satisfied
    for old, new in zip(before.rules, after.rules, strict=True):
        assert new.progress >= old.progress


@settings(max_examples=200, deadline=None)
@given(st.lists(components, max_size=8), st.sampled_from([SPECS[0], SPECS[1]]))
def test_removing_a_required_credential_unsatisfies(items, required):
    full = [*satisfying(), *items]
    result = evaluate(PATHWAY, full, now=NOW)
    assert result.satisfied
    without = [c for c in full if c.spec_id != required]
    after = evaluate(PATHWAY, without, now=NOW)
    assert not after.satisfied and not after.rule("core").met


@settings(max_examples=200, deadline=None)
@given(
    st.lists(components, max_size=6),
    st.sampled_from(["revoked", "suspended", "expired", "invalid"]),
)
def test_a_revoked_or_tampered_component_never_counts(items, status):
    bad = [
        component(100 + i, SPECS[i], status=status, digest=f"uEiBAD{i}", credential_id=None)
        for i in range(4)
    ]
    result = evaluate(PATHWAY, [*items, *bad], now=NOW)
    counted = {c.component for r in result.rules for c in r.counted}
    assert not counted & {c.id for c in bad}
    assert result.progress == evaluate(PATHWAY, items, now=NOW).progress
