"""The audit log's queries on SQLite and PostgreSQL: the learner, the course and the member
joined to each entry, every filter, paging, and a bulk run's chunks read as one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microcred.i18n import translator
from microcred.services import audit_log, credentials, members
from microcred.services.credentials import IssueRequest


def test_filters_and_sentences_on_both_databases(instance, org, spec):
    issued = [
        credentials.issue(
            instance,
            org.slug,
            spec.id,
            IssueRequest(f"Learner {n}", f"l{n}@example.lv", "2026-03-02"),
        )
        for n in range(3)
    ]
    credentials.revoke(
        instance, issued[0].id, reason="annulled", org_ref=org.slug, actor="member:a@example.lv"
    )
    members.invite(instance, org.slug, "new@example.lv", "viewer", actor="member:a@example.lv")
    everything = audit_log.search(instance, org.id, audit_log.AuditFilter())
    assert everything.total == 7  # org, spec, 3 issued, 1 revoked, 1 invited
    en = translator("en")
    said = [line.sentence(en) for line in everything.items]
    assert said[0] == "a@example.lv invited new@example.lv as Viewer."
    assert said[1] == (
        "a@example.lv revoked “Data analysis with Python” of Learner 0. Reason: annulled"
    )
    assert (
        "The command line published version 1 of the specification “Data analysis with Python”."
        in said
    )
    by_text = audit_log.search(instance, org.id, audit_log.AuditFilter(text="learner 0"))
    assert by_text.total == 2  # issued, revoked (case-insensitive, the learner's name)
    by_course = audit_log.search(instance, org.id, audit_log.AuditFilter(text="analysis"))
    assert by_course.total == 5  # the specification and the credentials of its course
    by_details = audit_log.search(instance, org.id, audit_log.AuditFilter(text="annulled"))
    assert by_details.total == 1
    by_action = audit_log.AuditFilter(action="credential.issue", actor="cli")
    assert audit_log.search(instance, org.id, by_action).total == 3
    today = datetime.now(UTC).date()
    dated = audit_log.AuditFilter(since=today - timedelta(days=1), until=today)
    assert audit_log.search(instance, org.id, dated).total == 7
    assert (
        audit_log.search(
            instance, org.id, audit_log.AuditFilter(until=today - timedelta(days=1))
        ).total
        == 0
    )
    paged = audit_log.search(instance, org.id, audit_log.AuditFilter(), page=2, size=5)
    assert (paged.page, paged.pages, len(paged.items)) == (2, 2, 2)
    assert len(audit_log.export(instance, org.id, audit_log.AuditFilter())) == 7
    lv = translator("lv")
    assert (
        audit_log.search(instance, org.id, audit_log.AuditFilter(action="credential.revoke"))
        .items[0]
        .sentence(lv)
        .endswith("Iemesls: annulled")
    )


def test_a_bulk_run_reads_as_one_line(instance, org, spec, tmp_path):
    from microcred.services import bulk_jobs

    lines = ["learner_name,learner_id,issued_on"]
    lines += [f"Row {n},row{n}@example.lv,2026-02-03" for n in range(30)]
    path = tmp_path / "rows.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    job_id, _ = bulk_jobs.submit(
        instance, org.slug, spec.id, path, mode="in-process", chunk_rows=10
    )
    for seq in range(3):  # as workers run the chunks
        assert bulk_jobs.run_chunk(instance, job_id, seq, worker="test:1")
    found = audit_log.search(
        instance, org.id, audit_log.AuditFilter(action="credential.issue_bulk")
    )
    assert found.total == 3 and len(found.items) == 1 and found.items[0].entries == 3
    assert (
        found.items[0]
        .sentence(translator("en"))
        .endswith("issued 30 credentials of “Data analysis with Python” from a CSV file.")
    )
