"""A bulk run from the console (issue 17, point 2): e-mail every learner a claim link (read
from the real SMTP server on loopback) and download every file of the run as one zip; another
organisation's run is not found, an unknown one neither."""

from __future__ import annotations

import io
import json
import zipfile

from fastapi.testclient import TestClient

from microcred.services import bulk_jobs, organisations, tokens
from tests.security.test_claims import _csrf, app, inbox, issued  # noqa: F401 - fixtures


def _console(app, org_slug: str) -> TestClient:  # noqa: F811 - the fixture's name
    _, secret = tokens.create(app.state.instance, org_slug, "console", ["issue", "read"])
    client = TestClient(app, follow_redirects=False)
    client.post("/console/login", data={"csrf": _csrf(client, "/console/login"), "token": secret})
    return client


def test_bulk_run_mailed_to_every_row_and_its_files_as_a_zip(app, issued, inbox, tmp_path):  # noqa: F811
    org, view = issued
    instance = app.state.instance
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "learner_name,learner_id,issued_on\n"
        "Jānis Zariņš,janis@example.lv,2026-03-03\n"
        "Līga Ozola,liga@example.lv,2026-03-03\n"
        "Bad Row,liga@example.lv,not-a-date\n",
        encoding="utf-8",
    )
    job_id, _ = bulk_jobs.submit(
        instance, org.slug, view.spec_version_id, rows, mode=bulk_jobs.MODE_IN_PROCESS
    )
    bulk_jobs.run_in_process(instance, job_id, workers=1)
    console = _console(app, org.slug)
    page = console.get(f"/console/bulk/{job_id}").text
    assert "E-mail every learner a claim link" in page and "credentials.zip" in page
    sent = console.post(
        f"/console/bulk/{job_id}/deliver", data={"csrf": _csrf(console, "/console"), "lang": "en"}
    )
    assert sent.status_code == 303
    assert "/claim/" in inbox.link("janis@example.lv", "/claim/")
    assert "/claim/" in inbox.link("liga@example.lv", "/claim/")

    answer = console.get(f"/console/bulk/{job_id}/credentials.zip")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = set(archive.namelist())
        assert {"summary.json", "errors.csv"} <= names
        credentials = [n for n in names if n not in ("summary.json", "errors.csv")]
        assert len(credentials) == 2
        summary = json.loads(archive.read("summary.json"))
        assert summary["issued"] == 2, summary
        for name in credentials:  # each file is a signed credential of the run
            document = json.loads(archive.read(name))
            assert document["proof"] and document["issuer"]["id"].startswith("did:")
        assert summary["out_dir"] == "." and summary["error_report"] == "errors.csv"
        errors = archive.read("errors.csv").decode("utf-8").splitlines()
        assert len(errors) == 2 and errors[1].startswith("4,") and "Bad Row" in errors[1]

    other = organisations.create(instance, name="Cita iestāde", country="LV")
    stranger = _console(app, other.slug)
    assert stranger.get(f"/console/bulk/{job_id}/credentials.zip").status_code == 404
    assert console.get("/console/bulk/no-such-run/credentials.zip").status_code == 404
