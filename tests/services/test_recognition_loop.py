"""The stacking loop closed (issue 17, point 5): after the authority decides, the stacked
credential is in the learner's wallet and a mail (read from a real SMTP server on loopback)
gives the outcome, the reasons and a claim link; the application pages show each component
verified now, the same course counted twice and earlier applications; a credential that
could not be checked is shown as such and counts only when the officer says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from microcred.formats.status_list import status_entry
from microcred.model.files import load_data
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services import (
    audit,
    credentials,
    delivery,
    holders,
    organisations,
    recognition,
    specifications,
    wallet,
)
from microcred.services.credentials import IssueRequest
from microcred.services.holders import HolderNotFound
from microcred.services.instance import Instance
from microcred.services.issuing import issue_award
from microcred.services.recognition import RecognitionInvalid
from microcred.settings import Settings
from tests.services.conftest import EXAMPLES, ROOT
from tests.smtp_inbox import smtp_server
from tests.verify.conftest import make_award

PATHWAYS = ROOT / "examples" / "pathways"
SOURCES = [
    ("uni", EXAMPLES / "university-data-analysis.yaml"),
    ("uni", PATHWAYS / "components" / "lu-applied-statistics.yaml"),
    ("centre", PATHWAYS / "components" / "tc-sql-for-analysts.yaml"),
    ("centre", PATHWAYS / "components" / "tc-data-visualisation.yaml"),
]
EMAIL = "anna@example.lv"


def _instance(tmp_path: Path, database_url: str, inbox=None) -> Instance:
    return Instance(
        Settings(
            home=tmp_path / "home",
            database_url=database_url,
            secret_key="loop-secret",
            base_url="https://issuer.example",
            smtp=None if inbox is None else inbox.smtp,
        )
    )


def _give(instance: Instance, document) -> wallet.WalletItem:
    raw = document if isinstance(document, str) else json.dumps(document)
    item, _ = wallet.import_bytes(instance, "anna", raw.encode(), source="test")
    return item


def _world(instance: Instance) -> str:
    for slug, name in (("uni", "Latvijas Universitāte"), ("centre", "Rīgas Datu mācību centrs")):
        organisations.create(instance, name=name, country="LV", slug=slug)
    organisations.create(instance, name="Atzīšanas padome", country="LV", slug="authority")
    holders.create(instance, name="Anna Bērziņa", handle="anna", email=EMAIL)
    specs = []
    for slug, path in SOURCES:
        spec = specifications.publish(instance, slug, load_data(path))
        specs.append((slug, spec.id))
        issued = credentials.issue(
            instance, slug, spec.id, IssueRequest("Anna Bērziņa", EMAIL, "2026-05-04")
        )
        assert _give(instance, issued.credential()).status == "valid"
    # the same course (same specification) a second time, from another session
    again = credentials.issue(
        instance, "uni", specs[0][1], IssueRequest("Anna Bērziņa", EMAIL, "2026-06-01")
    )
    _give(instance, again.credential())
    return recognition.publish_pathway(
        instance, "authority", load_data(PATHWAYS / "data-analysis.yaml")
    ).id


def test_the_decision_reaches_the_learner_in_the_wallet_and_by_mail(tmp_path, database_url):
    with smtp_server() as inbox:
        instance = _instance(tmp_path, database_url, inbox)
        try:
            pathway = _world(instance)
            first = recognition.apply(instance, pathway, "anna")
            second = recognition.apply(instance, pathway, "anna")
            seen = recognition.review(instance, first.id)
            assert seen.holder_name == "Anna Bērziņa" and seen.decision is None
            assert all(c.status == "valid" and c.issued_on and c.issuer for c in seen.components)
            twice = [c for c in seen.components if c.same_by == "spec"]
            assert len(twice) == 2 and twice[0].same_course_as == (twice[1].number,)
            assert recognition.review(instance, second.id).earlier[0].id == first.id
            assert [e.id for e in seen.earlier] == [second.id]
            decided = recognition.decide(
                instance, first.id, "authority", "recognised", ["Visi noteikumi izpildīti."],
                lang="lv",
            )  # fmt: skip
            notified = decided.notified
            assert notified is not None and notified.via == "smtp" and notified.email == EMAIL
            stacked = wallet.get_item(instance, "anna", notified.wallet_item)
            assert stacked.status == "valid" and stacked.credential_id == decided.credential_id
            message = inbox.to(EMAIL)
            assert message["Subject"] == "Jūsu pieteikums (Atzīšanas padome): atzīts"
            body = message.get_content()
            assert "Visi noteikumi izpildīti." in body and "15 ECTS" in body
            assert "/wallet/applications/" + first.id in body
            secret = inbox.link(EMAIL, "/claim/").rsplit("/claim/", 1)[1]
            claim = delivery.open_claim(instance, secret)
            anna = holders.get(instance, "anna")
            assert claim.claimed_by == anna.id  # it is in her wallet already
            assert claim.credential.id == decided.credential_id
            mine = recognition.holder_review(instance, anna.id, first.id)
            assert mine.decision.outcome == "recognised" and mine.stacked_item == stacked.id
            assert recognition.review(instance, first.id).emailed_to == EMAIL
            other = holders.create(instance, name="Jānis Zariņš", handle="janis")
            with pytest.raises(HolderNotFound):
                recognition.holder_review(instance, other.id, first.id)
            # The stacked credential never counts towards its own pathway.
            _, evaluation, _ = recognition.evaluate_holder(instance, pathway, "anna")
            reasons = [
                e.reasons for r in evaluation.rules for e in r.excluded if e.component == stacked.id
            ]
            assert reasons and "the credential this pathway awards" in reasons[0][0]
            # A refusal reaches her too, without a link.
            recognition.decide(instance, second.id, "authority", "refused", ["Already recognised."])
            refusal = inbox.to(EMAIL)
            assert refusal["Subject"] == "Your application to Atzīšanas padome: not recognised"
            assert "/claim/" not in refusal.get_content()
        finally:
            instance.close()


PATHWAY_ONE = {
    **{k: v for k, v in load_data(PATHWAYS / "data-analysis.yaml").items() if k != "rules"},
    "id": "https://recognition.example.lv/pathways/one-course",
    "accept": {},
    "rules": [{"id": "volume", "total": {"ects": 5}}],
}


def test_a_credential_that_could_not_be_checked_is_shown_so_and_the_officer_decides(
    tmp_path, database_url
):
    instance = _instance(tmp_path, database_url)
    try:
        organisations.create(instance, name="Atzīšanas padome", country="LV", slug="authority")
        holders.create(instance, name="Anna Bērziņa", handle="anna")
        entry = status_entry("https://elsewhere.example/status/1", 7, "revocation")
        document = issue_award(make_award(), Ed25519KeyPair.generate(), credential_status=[entry])
        item = _give(instance, document)
        assert item.status == "unchecked"
        pathway = recognition.publish_pathway(instance, "authority", PATHWAY_ONE).id
        _, evaluation, _ = recognition.evaluate_holder(instance, pathway, "anna")
        assert not evaluation.satisfied and evaluation.unchecked == (item.id,)
        (excluded,) = evaluation.rules[0].excluded
        assert excluded.unchecked and "could not be checked" in excluded.reasons[0]
        assert "did not verify" not in excluded.reasons[0]
        application = recognition.apply(instance, pathway, "anna")  # shared: the officer decides
        assert application.component_ids == [item.id]
        seen = recognition.review(instance, application.id)
        assert seen.unchecked == (0,) and seen.satisfied_if_unchecked_count
        assert seen.components[0].status == "unchecked" and not seen.components[0].counted
        with pytest.raises(RecognitionInvalid):
            recognition.decide(instance, application.id, "authority", "recognised", ["Checked."])
        decided = recognition.decide(
            instance, application.id, "authority", "recognised",
            ["The issuer confirmed it by telephone."], accept_unchecked=True,
        )  # fmt: skip
        assert decided.credential_id and decided.notified.wallet_item
        assert decided.notified.email is None  # no address: the wallet only
        entry = next(
            e for e in audit.entries(instance, "authority") if e.action == "recognition.decide"
        )
        assert entry.details["accepted_unchecked"] == [document["id"]]
    finally:
        instance.close()
