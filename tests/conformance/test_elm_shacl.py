"""Every ELM credential the product emits conforms to the Europass SHACL shapes it declares.

The pipeline: expand the JSON-LD offline with the bundled contexts (the project's loader,
safe mode), load the quads into rdflib, validate with pyshacl against `EDC-generic-full`
together with the `EDC-generic-no-cv` shapes it imports (ELM 3.1 and 3.2, from
../shared/vectors/schemas). The European Commission's own sealed sample passing it with zero
results shows the pipeline is right; removing one mandatory element from that sample shows
it is awake.

A credential is validated as it is secured: without its `proof`, as the Commission's sealed
sample is validated from its JWS payload. The 3.2 shapes ask `sec:proof` to point at an
`elm:Proof`, which no Data Integrity proof can do: the VC context puts the proof in a
named graph of its own (`@container: @graph`), so the value of `sec:proof` is a graph
name that carries no type. The signed exports are checked too: that is the one result
they add (`test_..._signed_export_adds_only_the_proof_graph`).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import pyshacl
import pytest
import rdflib
from hypothesis import HealthCheck, assume, given, settings
from rdflib.namespace import SH

from microcred.formats.elm import award_to_elm, read_elm
from microcred.jsonld.canonical import to_nquads
from microcred.model import parse_award
from microcred.model.files import load_data
from microcred.services import credentials, exporting, organisations, specifications
from microcred.services.bulk_jobs import run_csv
from microcred.services.credentials import IssueRequest
from microcred.services.exporting import elm_status
from tests.services.conftest import EXAMPLES, ROOT, make_instance
from tests.strategies import award_data

SHAPES = ROOT.parent / "shared" / "vectors" / "schemas"
EDC = ROOT.parent / "shared" / "vectors" / "edc"
VERSIONS = ("elm-3.1", "elm-3.2")
SPECS = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
ISSUER = "did:web:issuer.example:orgs:lu"


@cache
def _shapes(version: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(SHAPES / version / "EDC-generic-full.ttl")
    graph.parse(SHAPES / version / "EDC-generic-no-cv.ttl")  # what -full owl:imports
    return graph


def shacl_results(document: dict[str, Any], version: str = "elm-3.2") -> list[tuple[str, ...]]:
    """Every SHACL result for the document: (path, constraint, focus node, message)."""
    dataset = rdflib.Dataset()
    dataset.parse(data=to_nquads(document), format="nquads")
    data = rdflib.Graph()
    for s, p, o, _ in dataset.quads():  # the union of the default graph and named graphs
        data.add((s, p, o))
    _, report, _ = pyshacl.validate(
        data, shacl_graph=_shapes(version), inference="none", allow_warnings=True
    )
    return sorted(
        (
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
    )


def secured(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _sample_payload() -> dict[str, Any]:
    sealed = json.loads((EDC / "elm3-sample-mc-annex1-signed-jades.jsonld").read_text())
    return dict(json.loads(sealed["payload"]))


def _award(name: str = "university-data-analysis.yaml", **extra: Any) -> Any:
    return parse_award(
        {
            "spec": load_data(EXAMPLES / name),
            "learner": {"name": "Anna Bērziņa", "identifier": "anna@example.lv"},
            "issued_on": "2026-06-30",
            **extra,
        }
    )


# --- the pipeline ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_the_commissions_sealed_sample_conforms(version):
    assert shacl_results(_sample_payload(), version) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_the_pipeline_finds_what_is_missing_or_outside_its_scheme(version):
    sample = _sample_payload()
    del sample["displayParameter"]["individualDisplay"]
    assert [r[:2] for r in shacl_results(sample, version)] == [
        ("http://data.europa.eu/snb/model/elm/individualDisplay", "MinCountConstraintComponent")
    ]
    sample = _sample_payload()
    sample["credentialProfiles"]["inScheme"]["id"] = "https://example.org/own-scheme"
    paths = {r[0] for r in shacl_results(sample, version)}
    assert "http://www.w3.org/2004/02/skos/core#inScheme" in paths


# --- award_to_elm ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", SPECS)
@pytest.mark.parametrize("graded", [False, True])
def test_every_example_exports_conforming_elm(name, graded, version):
    extra = {"grade": "9", "narrative": "Did it well."} if graded else {}
    award = _award(name, evidence_url="https://evidence.example.org/work/1", **extra)
    credential = award_to_elm(award, issuer_id=ISSUER)
    assert shacl_results(credential, version) == []
    assert read_elm(credential).award == award


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(award_data())
def test_any_award_exports_conforming_elm(data):
    spec = data["spec"]
    bodies = [spec["awarding_body"], *spec.get("co_awarding_bodies", [])]
    ids = [b["id"] for b in bodies if "id" in b]
    # Two bodies with one id are one RDF node (their names would merge): not a valid input.
    assume(len(ids) == len(set(ids)))
    award = parse_award(data)
    assert shacl_results(award_to_elm(award, issuer_id=ISSUER)) == []


def test_what_has_no_eu_concept_travels_in_notes_not_as_a_made_up_concept():
    award = _award("lv-vocational-welding.yaml")  # NQF "LKI 4": a national code, no EU URI
    spec = award_to_elm(award, issuer_id=ISSUER)["credentialSubject"]["hasClaim"][0]
    qualification = spec["specifiedBy"]
    assert "nqfLevel" not in qualification
    notes = {n["subject"]["id"].rsplit("#", 1)[-1]: n for n in qualification["additionalNote"]}
    assert notes["nqf_level"]["noteLiteral"] == {"lv": "LKI 4"}
    assert all(isinstance(n["subject"], dict) for n in qualification["additionalNote"])
    assert [p["type"] for p in qualification["isPartOf"]] == ["Qualification"]

    internal = award_to_elm(_award("online-cybersecurity-basics.yaml"), issuer_id=ISSUER)
    qualification = internal["credentialSubject"]["hasClaim"][0]["specifiedBy"]
    assert "accreditation" not in qualification  # internal QA has no EU accreditation type
    issuer = internal["issuer"]["eIDASIdentifier"]
    assert issuer["notation"] == ISSUER and "not a registration number" in issuer["schemeName"]
    assert "legal_identifier" not in read_elm(internal).data["spec"]["awarding_body"]


def test_ungraded_award_has_no_assessment_node_but_keeps_its_form_of_assessment():
    credential = award_to_elm(_award("lv-vocational-welding.yaml"), issuer_id=ISSUER)
    claim = credential["credentialSubject"]["hasClaim"][0]
    assert "provenBy" not in claim
    assert claim["specifiedBy"]["provenBy"][0]["type"] == "LearningAssessmentSpecification"
    reading = read_elm(credential)
    assert reading.award is not None
    assert reading.award.spec.assessment.type.value == "practical_demonstration"
    assert reading.award.spec.supervision is not None


def test_the_display_carries_a_png_of_the_credential():
    import base64

    display = award_to_elm(_award(), issuer_id=ISSUER)["displayParameter"]
    image = display["individualDisplay"]["displayDetail"]["image"]
    assert base64.b64decode(image["content"]).startswith(b"\x89PNG\r\n\x1a\n")
    again = award_to_elm(_award(), issuer_id=ISSUER)["displayParameter"]
    assert again == display  # the same award draws the same picture


# --- the status node ------------------------------------------------------------------------


def test_one_status_node_of_class_elm_credential_status():
    pair = [
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": "7",
            "statusListCredential": f"https://issuer.example/status/{purpose}",
        }
        for purpose in ("suspension", "revocation")
    ]
    status = elm_status(pair)
    assert status is not None and status["statusPurpose"] == "revocation"
    assert status["type"] == ["BitstringStatusListEntry", "elm:CredentialStatus"]
    assert status["id"] == "https://issuer.example/status/revocation#7"
    message = {**pair[0], "id": "urn:x", "statusPurpose": "message", "statusSize": 2}
    assert elm_status([*pair, message])["id"] == "urn:x"  # type: ignore[index]
    assert elm_status(None) is None and elm_status([]) is None


# --- what the services export ---------------------------------------------------------------


@pytest.fixture()
def instance(tmp_path, database_url):
    inst = make_instance(tmp_path, database_url)
    yield inst
    inst.close()


def _check_export(instance: Any, credential_id: str) -> dict[str, Any]:
    from microcred.formats.elm_shacl import validate_elm

    exported = exporting.export(instance, credential_id, "elm")
    assert isinstance(exported, dict)
    assert shacl_results(secured(exported)) == []
    assert validate_elm(exported) == []  # what `microcred validate-elm` says of the file
    return exported


def test_single_and_bulk_exports_conform(instance, tmp_path):
    org = organisations.create(instance, name="LU", country="LV", url="https://lu.example.lv")
    exported = []
    for name in SPECS:
        spec = specifications.publish(instance, org.slug, load_data(EXAMPLES / name))
        for extra in ({}, {"grade": "8", "evidence_url": "https://e.example.lv/w"}):
            request = IssueRequest("Anna Bērziņa", f"anna{len(exported)}@example.lv", "2026-05-04")
            view = credentials.issue(
                instance, org.slug, spec.id, IssueRequest(**{**request.__dict__, **extra})
            )
            exported.append(_check_export(instance, view.id))
    rows = (ROOT / "examples" / "learners.csv").read_text(encoding="utf-8").splitlines()[:4]
    csv = tmp_path / "learners.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    summary = run_csv(instance, org.slug, spec.id, csv, tmp_path / "bulk", workers=1)
    assert summary.issued == 3
    bulk = [v for v in credentials.list_for(instance, org.slug) if v.row_key.startswith("demo-")]
    assert len(bulk) == 3
    for view in bulk:
        exported.append(_check_export(instance, view.id))
    assert all(len(e["credentialStatus"]["type"]) == 2 for e in exported)


def test_the_demos_and_stacked_credentials_export_conforming_elm(instance, tmp_path):
    from datetime import UTC, datetime

    from microcred.cli.demo_recognition import run_demo_step

    summary = run_demo_step(instance, tmp_path, "demo-holder", now=datetime.now(UTC))
    stacked = _check_export(instance, summary["stacked_credential"]["id"])
    assert stacked["credentialSubject"]["hasClaim"][0]["specifiedBy"]["type"] == "Qualification"
    for org in organisations.list_all(instance):
        for view in credentials.list_for(instance, org.slug):
            _check_export(instance, view.id)


def test_signed_export_adds_only_the_proof_graph_and_3_1_only_the_status(instance):
    from microcred.services.verifying import verifier_context
    from microcred.verify import verify_credential

    org = organisations.create(instance, name="LU", country="LV")
    spec = specifications.publish(instance, org.slug, load_data(EXAMPLES / SPECS[-1]))
    view = credentials.issue(
        instance, org.slug, spec.id, IssueRequest("Anna", "anna@example.lv", "2026-05-04")
    )
    exported = _check_export(instance, view.id)
    assert [r[:2] for r in shacl_results(exported)] == [
        ("https://w3id.org/security#proof", "ClassConstraintComponent")
    ]
    # ELM 3.1 typed credentialStatus as an xsd:anyURI literal, which no status entry is;
    # 3.2 made it an elm:CredentialStatus node, which ours is.
    assert [r[:2] for r in shacl_results(secured(exported), "elm-3.1")] == [
        ("https://www.w3.org/2018/credentials#credentialStatus", "DatatypeConstraintComponent")
    ]
    ctx = verifier_context(instance, now=instance.now())
    assert verify_credential(copy.deepcopy(exported), ctx).status == "valid"
    credentials.revoke(instance, view.id, reason="test")
    ctx = verifier_context(instance, now=instance.now())
    assert verify_credential(exported, ctx).status == "revoked"


# --- the user-facing check: formats/elm_shacl and `microcred validate-elm` ------------------


def test_the_bundled_shapes_are_the_shared_ones_byte_for_byte():
    bundled = ROOT / "src" / "microcred" / "data" / "shapes" / "elm-3.2"
    for name in ("EDC-generic-full.ttl", "EDC-generic-no-cv.ttl"):
        assert (bundled / name).read_bytes() == (SHAPES / "elm-3.2" / name).read_bytes()


def test_validate_elm_agrees_with_the_pipeline(tmp_path):
    from typer.testing import CliRunner

    from microcred.cli.main import app
    from microcred.formats.elm_shacl import validate_elm

    sealed = json.loads((EDC / "elm3-sample-mc-annex1-signed-jades.jsonld").read_text())
    assert validate_elm(sealed) == []  # read from its JWS payload
    broken = _sample_payload()
    del broken["displayParameter"]["individualDisplay"]
    found = validate_elm(broken)
    assert [(r.path, r.constraint) for r in found] == [
        r[:2] for r in shacl_results(broken, "elm-3.2")
    ]
    ours = award_to_elm(_award(), issuer_id=ISSUER)
    assert validate_elm(ours) == []

    runner = CliRunner()
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(ours), encoding="utf-8")
    bad.write_text(json.dumps(broken), encoding="utf-8")
    assert runner.invoke(app, ["validate-elm", str(good)]).exit_code == 0
    result = runner.invoke(app, ["validate-elm", str(bad), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert report["results"][0]["path"].endswith("/individualDisplay")
    text = runner.invoke(app, ["validate-elm", str(bad)])
    assert text.exit_code == 1 and "individualDisplay" in text.output
