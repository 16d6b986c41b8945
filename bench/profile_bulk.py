"""Where one bulk row's time goes: `issue_rows` (the chunk function of `issue-bulk`) on one core.

Usage: python bench/profile_bulk.py [--rows N] [--profile]

A fresh SQLite instance, one organisation, the example university specification; one
warm-up chunk, then N rows in chunks of 250 (credential files written, as `issue-bulk
--out-dir` does). Prints milliseconds per row; with --profile, where the time goes
(pyinstrument's call tree, 0.5 ms sampling; a dev dependency). The last line is one JSON
object {"rows", "ms_per_row", "rows_per_s_one_core"}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from microcred.model.files import load_data
from microcred.services import organisations, specifications
from microcred.services.bulk import issue_rows
from microcred.services.instance import Instance
from microcred.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"
CHUNK = 250


def rows(first: int, count: int) -> list[tuple[int, dict[str, str]]]:
    return [
        (
            i + 2,
            {
                "learner_name": f"Learner {i}",
                "learner_id": f"learner{i}@example.lv",
                "issued_on": "2026-06-30",
                "grade": str(i % 10 + 1),
            },
        )
        for i in range(first, first + count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="microcred-profile-"))
    instance = Instance(
        Settings(
            home=home,
            database_url=f"sqlite:///{home / 'db.sqlite'}",
            secret_key="profile",
            base_url="https://issuer.example",
        )
    )
    org = organisations.create(instance, name="Profile College", country="LV")
    spec = specifications.publish(instance, org.slug, load_data(SPEC))
    out = home / "out"
    issue_rows(instance, org.id, spec.id, rows(0, CHUNK), out_dir=out)  # warm-up

    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    started = time.perf_counter()
    for first in range(CHUNK, CHUNK + args.rows, CHUNK):
        issue_rows(instance, org.id, spec.id, rows(first, CHUNK), out_dir=out)
    elapsed = time.perf_counter() - started
    done = (args.rows + CHUNK - 1) // CHUNK * CHUNK
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    ms = 1000 * elapsed / done
    print(f"{done} rows in {elapsed:.2f} s: {ms:.3f} ms per row on one core")
    print(
        json.dumps(
            {"rows": done, "ms_per_row": round(ms, 3), "rows_per_s_one_core": round(1000 / ms)}
        )
    )
    instance.close()


if __name__ == "__main__":
    main()
