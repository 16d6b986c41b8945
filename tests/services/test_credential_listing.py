"""The console's list of issued credentials at scale: course, filters, paging, counts."""

from __future__ import annotations

from datetime import date

from microcred.services import credentials
from microcred.services.credential_listing import CredentialFilter, list_page
from microcred.services.credentials import IssueRequest


def _issue(instance, org, spec, n, day):
    return credentials.issue(
        instance,
        org.slug,
        spec.spec_key,
        IssueRequest(f"Learner {n}", f"learner{n}@example.lv", f"2026-06-{day:02d}"),
    )


def test_filters_paging_and_counts(instance, org, spec):
    issued = [_issue(instance, org, spec, n, 1 + n % 28) for n in range(7)]
    credentials.revoke(instance, issued[0].id, reason="error", org_ref=org.slug)
    credentials.set_suspended(instance, issued[1].id, True, reason="check", org_ref=org.slug)

    everything = list_page(instance, org.id, CredentialFilter(), page_size=3)
    assert everything.total == 7 and everything.pages == 3 and len(everything.items) == 3
    assert everything.counts == {"active": 5, "revoked": 1, "suspended": 1}
    assert everything.courses == [(spec.spec_key, spec.title)]
    # every item names its course, in the viewer's language when the specification has it
    first = everything.items[0]
    assert first.course_key == spec.spec_key and first.course("en") == spec.title
    assert first.course("lv") and first.course("lv") != ""

    pages = [
        list_page(instance, org.id, CredentialFilter(), page=n, page_size=3) for n in (1, 2, 3)
    ]
    ids = [item.id for p in pages for item in p.items]
    assert sorted(ids) == sorted(i.id for i in issued) and len(set(ids)) == 7
    # a page past the end is the last page, not an error
    assert list_page(instance, org.id, CredentialFilter(), page=99, page_size=3).page == 3

    revoked = list_page(instance, org.id, CredentialFilter(status="revoked"))
    assert [i.id for i in revoked.items] == [issued[0].id] and revoked.counts["revoked"] == 1
    suspended = list_page(instance, org.id, CredentialFilter(status="suspended"))
    assert [i.status for i in suspended.items] == ["suspended"]
    active = list_page(instance, org.id, CredentialFilter(status="active"))
    assert active.total == 5 and {i.status for i in active.items} == {"active"}

    one = list_page(instance, org.id, CredentialFilter(search="learner3@"))
    assert [i.learner_name for i in one.items] == ["Learner 3"]
    by_date = list_page(
        instance,
        org.id,
        CredentialFilter(issued_from=date(2026, 6, 3), issued_to=date(2026, 6, 4)),
    )
    assert sorted(i.learner_name for i in by_date.items) == ["Learner 2", "Learner 3"]
    assert list_page(instance, org.id, CredentialFilter(course="spec:nothing")).total == 0


def test_another_organisations_credentials_are_not_listed(instance, org, spec):
    from microcred.services import organisations

    _issue(instance, org, spec, 1, 1)
    other = organisations.create(instance, name="Other", country="EE", url="https://o.example.ee")
    assert list_page(instance, other.id, CredentialFilter()).total == 0
