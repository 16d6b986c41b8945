"""The learner's given and family names, optional, through issuing: the SD-JWT VC's
given_name / family_name (the full name stands in for family_name without them), the
record's OB3 and its reading back, the bulk CSV columns, and the checks that name the field."""

from __future__ import annotations

import csv

import pytest

from microcred.formats.ob3_read import read_ob3
from microcred.model.validation import SpecificationError
from microcred.proofs.sd_jwt import disclose, parse_sd_jwt, unverified_payload
from microcred.services import credentials
from microcred.services.bulk_jobs import run_csv
from microcred.services.credentials import IssueRequest
from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc


def _claims(instance, org, issued_id: str) -> dict:
    sd_jwt = parse_sd_jwt(issue_sd_jwt_vc(instance, org.slug, issued_id, holder_jwk=None))
    return disclose(unverified_payload(sd_jwt), sd_jwt.disclosures)


def test_given_and_family_names_reach_the_sd_jwt_vc_and_read_back(instance, org, spec):
    request = IssueRequest(
        "Anna Bērziņa", "anna@example.lv", "2026-06-30", given_name="Anna", family_name="Bērziņa"
    )
    issued = credentials.issue(instance, org.slug, spec.id, request)
    claims = _claims(instance, org, issued.id)
    assert (claims["given_name"], claims["family_name"]) == ("Anna", "Bērziņa")
    assert claims["learner_name"] == "Anna Bērziņa"
    learner = read_ob3(issued.credential()).data["learner"]  # type: ignore[arg-type]
    assert (learner["given_name"], learner["family_name"]) == ("Anna", "Bērziņa")


def test_without_them_the_full_name_stands_in_for_family_name(instance, org, spec):
    request = IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30")
    issued = credentials.issue(instance, org.slug, spec.id, request)
    claims = _claims(instance, org, issued.id)
    assert claims["family_name"] == "Anna Bērziņa" and "given_name" not in claims
    subject = issued.credential()["credentialSubject"]  # type: ignore[index]
    assert "learnerGivenName" not in subject and "learnerFamilyName" not in subject


@pytest.mark.parametrize(
    ("given", "family", "field", "said"),
    [
        ("   ", None, "given_name", "blank"),
        (None, "B" * 201, "family_name", "at most 200 characters (this has 201)"),
    ],
)
def test_a_blank_or_too_long_name_names_its_field(instance, org, spec, given, family, field, said):
    request = IssueRequest(
        "Anna Bērziņa", "anna@example.lv", "2026-06-30", given_name=given, family_name=family
    )
    with pytest.raises(SpecificationError) as caught:
        credentials.issue(instance, org.slug, spec.id, request)
    assert caught.value.field == field and said in str(caught.value)
    assert credentials.list_for(instance, org.slug) == []


def test_bulk_csv_given_name_and_family_name_columns(instance, org, spec, tmp_path):
    path = tmp_path / "names.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner_name", "given_name", "family_name", "learner_id", "issued_on"])
        writer.writerow(["Anna Bērziņa", "Anna", "Bērziņa", "anna@example.lv", "2026-06-30"])
        writer.writerow(["Jānis Ozols", "", "", "janis@example.lv", "2026-06-30"])
        writer.writerow(["Ilze Kalna", "Ilze", "K" * 201, "ilze@example.lv", "2026-06-30"])
    summary = run_csv(instance, org.slug, spec.id, path, tmp_path / "out", workers=1)
    assert (summary.issued, summary.errors) == (2, 1)
    with (tmp_path / "out" / "errors.csv").open() as handle:
        [error] = list(csv.DictReader(handle))
    assert error["reason"] == "family_name: at most 200 characters (this has 201)"
    by_name = {c.learner_name: c for c in credentials.list_for(instance, org.slug)}
    anna = _claims(instance, org, by_name["Anna Bērziņa"].id)
    assert (anna["given_name"], anna["family_name"]) == ("Anna", "Bērziņa")
    janis = _claims(instance, org, by_name["Jānis Ozols"].id)
    assert janis["family_name"] == "Jānis Ozols" and "given_name" not in janis
