"""A finished bulk run's files as one zip: one credential file per learner, ``summary.json``
and ``errors.csv``, exactly what ``bulk_jobs.write_output`` writes (the console's download).
The zip is built in a temporary directory (bounded memory however many rows) with the
standard library's zipfile; the caller removes it after sending."""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from microcred import errors
from microcred.services import bulk_jobs
from microcred.services.instance import Instance


class ArchiveNotReady(errors.Conflict):
    """The run is still issuing: its files are not complete yet."""


def job_zip(instance: Instance, org_id: str, job_id: str) -> Path:
    """The zip of the run ``job_id`` of organisation ``org_id``, in a fresh temporary
    directory (remove ``path.parent`` when done); ``JobNotFound`` for another organisation's
    or an unknown run, ``ArchiveNotReady`` while it runs."""
    view = bulk_jobs.get(instance, job_id, org_id=org_id, recover=True)
    if view.state not in (bulk_jobs.DONE, bulk_jobs.INTERRUPTED):
        raise ArchiveNotReady(f"the bulk run '{job_id[:40]}' is still issuing", "job")
    work = Path(tempfile.mkdtemp(prefix="microcred-zip-"))
    try:
        files = work / "files"
        bulk_jobs.write_output(instance, job_id, files)
        summary = files / "summary.json"
        if summary.is_file():  # paths inside the zip, not the server's temporary directory
            data = json.loads(summary.read_text(encoding="utf-8"))
            data["out_dir"] = "."
            if data.get("error_report"):
                data["error_report"] = Path(data["error_report"]).name
            summary.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        archive = work / f"bulk-{job_id[:8]}.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for path in sorted(files.rglob("*")):
                if path.is_file():
                    out.write(path, path.relative_to(files).as_posix())
        shutil.rmtree(files)
        return archive
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
