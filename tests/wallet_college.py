"""The issuer the wallet tests (OpenID4VCI receive, OpenID4VP respond, in Python, Chromium and
against the npm verifier) set up in their own instance, written once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from microcred.model.files import load_data
from microcred.services import certificates, credentials, holders, organisations, specifications
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance


@dataclass
class College:
    org: str
    spec_id: str
    issued: credentials.IssuedView


def college_issues_to_anna(
    instance: Instance, spec_file: Path, password: str, *, grade: str | None = None
) -> College:
    """The issuer the wallet tests receive from: Rīgas Tehniskā koledža with the test CA's
    chain, one published specification, a credential issued to Anna Bērziņa, and her wallet
    account ``anna``."""
    org = organisations.create(instance, name="Rīgas Tehniskā koledža", country="LV")
    spec = specifications.publish(instance, org.slug, load_data(spec_file))
    certificates.make_test_chain(instance, org.slug)
    issued = credentials.issue(
        instance,
        org.slug,
        spec.id,
        IssueRequest("Anna Bērziņa", "anna@example.lv", "2026-06-30", grade=grade),
    )
    holders.create(instance, name="Anna Bērziņa", handle="anna", password=password)
    return College(org.slug, spec.id, issued)
