"""Bulk issuance from CSV, row by row and chunk by chunk: read and check the CSV, issue one
chunk of rows (idempotent), write the credential files, errors.csv and summary.json.

Each row has a key (the `row_key` column, or a hash of learner id + spec
version + date). The database holds at most one credential per key (unique
constraint), so running a chunk again, or after a crash at any point, issues
exactly the rows still missing; a file is written only for a committed credential.
The job around the chunks (state, progress, where it runs, resuming) is
`microcred.services.bulk_jobs`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from microcred.errors import InvalidInput
from microcred.model.spec import Specification
from microcred.model.validation import SpecificationError
from microcred.services import csv_output, status_lists
from microcred.services.audit import record
from microcred.services.credentials import IssueRequest, build_award, default_row_key
from microcred.services.instance import Instance
from microcred.services.organisations import find, issuer_profile, signing_key
from microcred.services.specifications import load
from microcred.store.db import transaction
from microcred.store.tables import IssuedCredential

REQUIRED_COLUMNS = ("learner_name", "learner_id", "issued_on")
OPTIONAL_COLUMNS = (
    "grade",
    "narrative",
    "evidence_url",
    "row_key",
    "given_name",
    "family_name",
)
MAX_FIELD_BYTES = 64 * 1024


class BulkError(InvalidInput):
    """The run cannot start (bad header, unreadable file); nothing was issued."""


@dataclass
class BulkSummary:
    total_rows: int = 0
    issued: int = 0
    already_issued: int = 0
    errors: int = 0
    files_written: int = 0
    out_dir: str = ""
    error_report: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "issued": self.issued,
            "already_issued": self.already_issued,
            "errors": self.errors,
            "files_written": self.files_written,
            "out_dir": self.out_dir,
            "error_report": self.error_report,
        }


@dataclass(frozen=True)
class _Row:
    line: int
    row_key: str
    learner_name: str
    learner_id: str
    award_data: dict[str, Any]


BadRow = tuple[int, str, str, str]
"""A row that was not issued: (line, row key, reason, learner name as the row gives it)."""


def count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def _read(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    csv.field_size_limit(MAX_FIELD_BYTES)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise BulkError(f"{path}: no such file") from None
    except OSError as exc:
        raise BulkError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames
        except (UnicodeDecodeError, csv.Error) as exc:
            raise BulkError(f"{path}: not a UTF-8 CSV file ({exc})") from None
        if not header:
            raise BulkError(
                f"{path}: the file is empty; it needs a header row with {', '.join(REQUIRED_COLUMNS)}"
            )
        columns = [c.strip() for c in header]
        unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        if unknown:
            raise BulkError(
                f"{path}: unknown column(s) {', '.join(repr(c) for c in unknown)}; allowed: "
                f"{', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}. Nothing was issued."
            )
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise BulkError(
                f"{path}: missing required column(s) {', '.join(missing)}. Nothing was issued."
            )
        reader.fieldnames = columns
        try:
            for row in reader:
                if None in row:
                    yield reader.line_num, {"__error__": "the row has more fields than the header"}
                    continue
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
        except (UnicodeDecodeError, csv.Error) as exc:
            yield reader.line_num, {"__error__": f"unreadable row ({exc})"}


def _prepare(
    spec: Specification, spec_version_id: str, line: int, values: dict[str, str]
) -> _Row | str:
    if "__error__" in values:
        return values["__error__"]
    if not values.get("learner_name"):
        return "learner_name is empty"
    if not values.get("learner_id"):
        return "learner_id is empty: give an e-mail (mailto:) address, a DID or another URI"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[0-9:.+\-Z]+)?", values.get("issued_on", "")):
        return f"issued_on '{values.get('issued_on', '')}' is not an ISO date such as 2026-06-30"
    request = IssueRequest(
        learner_name=values["learner_name"],
        learner_id=values["learner_id"],
        issued_on=values["issued_on"],
        grade=values.get("grade") or None,
        narrative=values.get("narrative") or None,
        evidence_url=values.get("evidence_url") or None,
        row_key=values.get("row_key") or None,
        given_name=values.get("given_name") or None,
        family_name=values.get("family_name") or None,
    )
    try:
        award = build_award(spec, request)
    except SpecificationError as exc:
        return "; ".join(
            f"{p.path.replace('learner.identifier', 'learner_id').replace('learner.name', 'learner_name')}: {p.message}"
            for p in exc.problems
        )
    row_key = request.row_key or default_row_key(
        award.learner.identifier, spec_version_id, award.issued_on
    )
    data = award.model_dump(mode="json", exclude={"spec"})
    return _Row(line, row_key, award.learner.name, award.learner.identifier, data)


def _prepare_batch(
    spec: Specification,
    spec_version_id: str,
    rows: list[tuple[int, dict[str, str]]],
    errors: list[BadRow],
) -> list[_Row]:
    """The rows that can be issued; the others go to `errors` with their line and reason.
    A row key seen earlier in the same batch is an error (a duplicate row)."""
    prepared: list[_Row] = []
    seen: set[str] = set()
    for line, values in rows:
        result = _prepare(spec, spec_version_id, line, values)
        if isinstance(result, str):
            errors.append((line, values.get("row_key", ""), result, values.get("learner_name", "")))
        elif result.row_key in seen:
            errors.append(
                (
                    line,
                    result.row_key,
                    "duplicate row: the same row key appears earlier in the file",
                    result.learner_name,
                )
            )
        else:
            seen.add(result.row_key)
            prepared.append(result)
    return prepared


def _credential_rows(
    rows: list[_Row],
    documents: list[str],
    slots: list[tuple[int, int]],
    org_id: str,
    spec_version_id: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """The `credentials` table rows for signed documents, ready for one executemany."""
    return [
        {
            "id": r.award_data["id"],
            "org_id": org_id,
            "spec_version_id": spec_version_id,
            "row_key": r.row_key,
            "learner_name": r.learner_name,
            "learner_id": r.learner_id,
            "issued_on": datetime.fromisoformat(r.award_data["issued_on"]),
            "format": "ob3",
            "document": doc,
            "status_list_id": list_id,
            "status_index": index,
            "revoked_at": None,
            "revocation_reason": None,
            "suspended": False,
            "created_at": now,
        }
        for r, doc, (list_id, index) in zip(rows, documents, slots, strict=True)
    ]


def file_name(row_key: str, learner_name: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", learner_name.lower()).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:40]
    return f"{ascii_name or 'learner'}-{hashlib.sha256(row_key.encode()).hexdigest()[:12]}.json"


def remove_stale_temp_files(out_dir: Path) -> None:
    """A run killed mid-write leaves `NAME.PID.tmp`; remove those whose process is gone."""
    for tmp in out_dir.glob("*.tmp"):
        pid_text = tmp.suffixes[-2].lstrip(".") if len(tmp.suffixes) >= 2 else ""
        if not pid_text.isdigit():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except PermissionError:
            continue


def _write_atomic(path: Path, text: str) -> None:
    # Plain os calls: half the cost of Path.write_text's buffered text layer, per file.
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        data = text.encode("utf-8")
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)
    os.replace(tmp, path)


# --- chunk-level entry points (services.bulk_jobs: queued and in-process bulk jobs) -------


@dataclass
class ChunkOutcome:
    """What one chunk of rows gave: counts, bad rows (:data:`BadRow`), good row keys."""

    issued: int
    already_issued: int
    errors: list[BadRow]
    row_keys: list[str]


def read_rows(csv_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """The CSV's rows with their line numbers; the header is checked at the first `next()`
    (BulkError), and an unreadable row comes back as `{"__error__": reason}`."""
    return _read(csv_path)


def issue_rows(
    instance: Instance,
    org_id: str,
    spec_version_id: str,
    rows: list[tuple[int, dict[str, str]]],
    *,
    actor: str = "jobs",
    job_id: str | None = None,
    out_dir: Path | None = None,
) -> ChunkOutcome:
    """Issue one chunk of CSV rows in this process, without writing any file.

    Idempotent: rows whose key is already in the database are
    counted as already issued, so running a chunk again after a crash at any
    point issues exactly the rows still missing. Safe to run concurrently with
    another process running the same chunk (the unique constraint decides).
    """
    from microcred.model.award import Award
    from microcred.services.issuing import issue_award

    with transaction(instance.sessions) as session:
        org = find(session, org_id)
        spec_row, spec = load(session, org.id, spec_version_id)
        key, vm = signing_key(instance, session, org)
        profile = issuer_profile(org)
    errors: list[BadRow] = []
    prepared = _prepare_batch(spec, spec_row.id, rows, errors)
    outcome = ChunkOutcome(0, 0, errors, [r.row_key for r in prepared])
    if not prepared:
        return outcome
    with transaction(instance.sessions) as session:
        done = set(
            session.scalars(
                select(IssuedCredential.row_key).where(
                    IssuedCredential.org_id == org.id,
                    IssuedCredential.row_key.in_([r.row_key for r in prepared]),
                )
            )
        )
    outcome.already_issued = len(done)
    todo = [r for r in prepared if r.row_key not in done]
    if not todo:
        return outcome
    with transaction(instance.sessions) as session:
        slots = status_lists.allocate(session, org.id, len(todo), now=instance.now())
    created = instance.now().replace(microsecond=0)
    documents = [
        json.dumps(
            issue_award(
                Award.model_validate({**r.award_data, "spec": spec}),
                key,
                issuer_id=org.did_web,
                verification_method=vm,
                credential_status=status_lists.entry(instance, org, list_id, index),
                created=created,
                issuer_profile=profile,
            ),
            ensure_ascii=False,
        )
        for r, (list_id, index) in zip(todo, slots, strict=True)
    ]
    new_rows = _credential_rows(todo, documents, slots, org.id, spec_row.id, instance.now())
    details: dict[str, Any] = {"count": len(new_rows)}
    if job_id:
        details["job"] = job_id
    inserted: list[dict[str, Any]] = []
    try:
        with transaction(instance.sessions) as session:
            session.execute(insert(IssuedCredential), new_rows)
            record(
                session,
                org.id,
                actor,
                "credential.issue_bulk",
                spec_row.id,
                details,
                at=instance.now(),
            )
        outcome.issued = len(new_rows)
        inserted = new_rows
    except IntegrityError:
        # Another process issued some of these rows meanwhile: one by one, keep theirs.
        for row in new_rows:
            try:
                with transaction(instance.sessions) as session:
                    session.execute(insert(IssuedCredential), [row])
                    record(
                        session,
                        org.id,
                        actor,
                        "credential.issue",
                        row["id"],
                        {"row_key": row["row_key"], **({"job": job_id} if job_id else {})},
                        at=instance.now(),
                    )
                outcome.issued += 1
                inserted.append(row)
            except IntegrityError:
                outcome.already_issued += 1
    if out_dir is not None and inserted:
        # After the commit: a file never exists for a credential the database does not have.
        write_files(out_dir, [(r["row_key"], r["learner_name"], r["document"]) for r in inserted])
    return outcome


def write_files(out_dir: Path, rows: list[tuple[str, str, str]]) -> int:
    """Write `(row_key, learner_name, document)` files atomically unless already there.
    (Leftovers of a killed run are removed once per run: `remove_stale_temp_files`.)"""
    out_dir.mkdir(parents=True, exist_ok=True)

    def one(row: tuple[str, str, str]) -> int:
        target = out_dir / file_name(row[0], row[1])
        if target.exists():
            return 0
        _write_atomic(target, row[2])
        return 1

    return sum(one(row) for row in rows)


def write_report(out_dir: Path, summary: BulkSummary, errors: list[BadRow]) -> None:
    """errors.csv (or its removal when there are none), in file order, and summary.json."""
    error_path = out_dir / "errors.csv"
    summary.errors = len(errors)
    if errors:
        with error_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv_output.writer(handle)
            writer.writerow(["line", "row_key", "learner_name", "reason"])
            writer.writerows(
                (line, key, name, reason) for line, key, reason, name in sorted(errors)
            )
        summary.error_report = str(error_path)
    else:
        summary.error_report = None
        if error_path.exists():
            error_path.unlink()
    _write_atomic(out_dir / "summary.json", json.dumps(summary.to_json(), indent=2))
