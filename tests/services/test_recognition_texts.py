"""The pathway evaluation's sentences in the reader's language (issue 17, point 6): a pathway
of every rule kind, without rule titles, evaluated against credentials that fail each condition,
gives titles, summaries, missing lines and reasons that each read in Latvian, the values kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from microcred.i18n import translations, translator
from microcred.services.recognition.texts import TEMPLATES, text_in
from microcred.stacking import Component, evaluate, parse_pathway

NOW = datetime(2026, 11, 24, tzinfo=UTC)
SKILL = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"
PATHWAY = parse_pathway(
    {
        "id": "https://authority.example/pathways/p",
        "title": {"en": "P", "lv": "P"},
        "target": {
            "title": {"en": "Stack"},
            "learning_outcomes": [{"text": {"en": "Does things."}}],
            "workload": {"ects": 12},
            "assessment": {"type": "portfolio"},
            "participation": "blended",
            "quality_assurance": {"type": "institutional_qa"},
        },
        "accept": {"min_eqf_level": 5, "issued_within_years": 5, "trusted_issuers": True},
        "rules": [
            {"id": "core", "require": [{"spec": "https://a.example/1"}, {"title": "SQL"}]},
            {
                "id": "options",
                "choose": {"at_least": 2, "of": [{"spec": "https://a.example/2"}, {"title": "R"}]},
            },
            {"id": "volume", "total": {"ects": 12, "hours": 300}},
            {"id": "skills", "cover": {"skills": [SKILL], "outcomes": ["SQL"]}},
        ],
    }
)


def _component(n: int, **extra: object) -> Component:
    data: dict[str, object] = {
        "id": f"item-{n}",
        "digest": f"uEi{n:044d}",
        "status": "valid",
        "title": {"en": f"Course {n}"},
        "spec_id": "https://a.example/1",
        "issuer_id": "did:web:uni.example",
        "issuer_name": "Universitāte",
        "trusted": True,
        "issued_on": NOW - timedelta(days=30),
        "ects": Decimal(3),
        "eqf_level": 6,
    }
    data.update(extra)
    return Component(**data)  # type: ignore[arg-type]


def test_every_sentence_of_an_evaluation_reads_in_latvian():
    components = [
        _component(1, status="revoked"),
        _component(2, eqf_level=4),
        _component(3, issued_on=NOW - timedelta(days=365 * 7)),
        _component(4, trusted=False),
        _component(5, eqf_level=None),
        _component(6, status="unchecked"),
        _component(7, stacked_for=PATHWAY.id),  # the stacked credential this pathway awards
    ]
    evaluation = evaluate(PATHWAY, components, now=NOW).to_json()
    sentences: list[str] = []
    for rule in evaluation["rules"]:
        sentences += [rule["title"], rule["summary"], *rule["missing"]]
        for excluded in rule["excluded"]:
            sentences += excluded["reasons"]
    assert len(set(sentences)) >= 15, sentences
    lv, en = translator("lv"), translator("en")
    for sentence in sentences:
        said = text_in(sentence, lv)
        assert said != sentence, f"not translated: {sentence}"
        assert text_in(sentence, en) == sentence
    said = [text_in(s, lv) for s in sentences]
    assert "0 no 12 ECTS, 0 no 300 stundām" in said, said
    assert "tā EKI līmenis ir 4; vajadzīgs 5. līmenis vai augstāks" in said, said
    assert "to izdevis Universitāte, kas nav uzticamo sarakstā" in said, said
    assert "Vismaz 12 ECTS un 300 stundas" in said, said


def test_a_carried_reason_and_an_unknown_sentence():
    lv = translator("lv")
    line = (
        "missing: SQL (Course 1 does not count: it has been revoked by its issuer; it has expired)"
    )
    assert text_in(line, lv) == (
        "trūkst: SQL (Course 1 netiek ieskaitīts: izdevējs to ir atsaucis; "
        "tā derīguma termiņš ir beidzies)"
    )
    assert text_in("Enough ECTS", lv) == "Enough ECTS"  # an authority's own title, as it is


def test_each_latvian_template_keeps_its_values():
    catalogue = translations("lv")
    for template in TEMPLATES:
        said = catalogue.gettext(template)
        assert said != template, template
        assert sorted(re.findall(r"%\(\w+\)s", said)) == sorted(
            re.findall(r"%\(\w+\)s", template)
        ), template


def test_the_pathway_texts_a_sentence_carries_are_in_the_readers_language():
    pathway = parse_pathway(
        {
            "id": "https://authority.example/pathways/labels",
            "title": {"en": "Labels", "lv": "Nosaukumi"},
            "languages": ["en", "lv"],
            "target": PATHWAY.target.model_dump(mode="json", exclude_none=True),
            "rules": [
                {
                    "id": "core",
                    "title": {"en": "Core", "lv": "Pamata"},
                    "require": [
                        {"spec": "https://a.example/1", "label": {"en": "SQL", "lv": "SQL LV"}}
                    ],
                }
            ],
        }
    )
    stored = evaluate(pathway, [], now=NOW).to_json()["rules"][0]  # as kept with an application
    assert (stored["title"], stored["missing"]) == ("Core", ["missing: SQL"])
    shown = evaluate(pathway, [], now=NOW, lang="lv").to_json()["rules"][0]  # for a page
    assert shown["title"] == "Pamata"
    assert [text_in(m, translator("lv")) for m in shown["missing"]] == ["trūkst: SQL LV"]


def test_a_decimal_reads_as_the_reader_writes_it():
    lv, en = translator("lv"), translator("en")
    assert text_in("2.5 of 12 ECTS", lv) == text_in("2.5 of 12 ECTS", lv).replace(".", ",")
    assert "2,5" in text_in("2.5 of 12 ECTS", lv), text_in("2.5 of 12 ECTS", lv)
    assert text_in("2.5 of 12 ECTS", en) == "2.5 of 12 ECTS"
