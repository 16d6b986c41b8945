"""Bulk issuance benchmark: N signed credentials from a CSV, on SQLite and PostgreSQL.

Runs `microcred issue-bulk` as a user would, in a fresh instance per run:

- `sqlite`: the embedded default, in-process on every core;
- `postgresql-1`, `postgresql-2`: on the PostgreSQL job queue, processed by 1 or 2
  `microcred worker` processes started for the run (the scaling factor compares them).

It prints credentials per second and the peak memory of the whole process tree
(the command, its children and the workers, sampled from /proc). The last line is
one JSON object.

    .venv/bin/python bench/bulk_issue.py                      # 100,000 rows, every backend
    .venv/bin/python bench/bulk_issue.py --rows 10000 --backend sqlite

PostgreSQL: the URL comes from --postgres-url, MICROCRED_TEST_POSTGRES_URL or
`scripts/postgres-test-server.sh` (which installs and starts a local server).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"
MICROCRED = [sys.executable, "-m", "microcred.cli.main"]


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner_name", "learner_id", "issued_on", "grade"])
        for i in range(rows):
            writer.writerow(
                [f"Learner {i}", f"learner{i}@example.lv", "2026-06-30", str(i % 10 + 1)]
            )


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (OSError, ValueError):
            continue
    return total


def run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)


def bench_backend(
    name: str,
    database_url: str,
    rows: int,
    workers: int | None,
    csv_path: Path,
    queue_workers: int = 0,
) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix=f"microcred-bench-{name}-"))
    env = {
        **os.environ,
        "MICROCRED_HOME": str(home),
        "MICROCRED_DATABASE_URL": database_url,
        "MICROCRED_SECRET_KEY": "bench",
        "MICROCRED_BASE_URL": "https://bench.example",
    }
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    run(
        [
            *MICROCRED,
            "org",
            "create",
            "--name",
            f"Bench {slug}",
            "--country",
            "LV",
            "--slug",
            slug,
            "--json",
        ],
        env,
    )
    spec = json.loads(
        run([*MICROCRED, "spec", "publish", str(SPEC), "--org", slug, "--json"], env).stdout
    )["id"]
    command = [
        *MICROCRED,
        "issue-bulk",
        "--org",
        slug,
        "--spec",
        spec,
        "--csv",
        str(csv_path),
        "--out-dir",
        str(home / "out"),
        "--json",
    ]
    if workers:
        command += ["--workers", str(workers)]
    started_workers = [
        subprocess.Popen(
            [*MICROCRED, "worker", "--queue", "bulk"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(queue_workers)
    ]
    if queue_workers:
        command += ["--queue"]
        time.sleep(3)  # let the workers start and announce themselves
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    while process.poll() is None:
        peak = max(
            peak, tree_rss_kib(process.pid) + sum(tree_rss_kib(w.pid) for w in started_workers)
        )
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    stdout, stderr = process.communicate()
    for worker in started_workers:
        worker.terminate()
    for worker in started_workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    if process.returncode != 0:
        raise SystemExit(f"{name}: issue-bulk failed:\n{stderr[-2000:]}")
    summary = json.loads(stdout)
    files = sum(1 for _ in (home / "out").glob("*.json")) - 1
    result = {
        "backend": name,
        "rows": rows,
        "issued": summary["issued"],
        "files": files,
        "seconds": round(elapsed, 2),
        "credentials_per_s": round(summary["issued"] / elapsed, 1),
        "peak_memory_mb": round(peak / 1024, 1),
    }
    print(json.dumps(result), flush=True)
    return result


def postgres_url(given: str | None) -> str:
    if given:
        return given
    if os.environ.get("MICROCRED_TEST_POSTGRES_URL"):
        return os.environ["MICROCRED_TEST_POSTGRES_URL"]
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "postgres-test-server.sh")],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def fresh_postgres_database(url: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
        autocommit=True,
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql", "both"],
        default="both",
        help="postgresql runs the queue with 1 and then 2 workers",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="signing processes (default: every core)"
    )
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args()
    print(json.dumps({"machine": machine()}), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "learners.csv"
        write_csv(csv_path, args.rows)
        results = []
        if args.backend in ("sqlite", "both"):
            home_db = Path(tempfile.mkdtemp(prefix="microcred-bench-db-")) / "bench.db"
            results.append(
                bench_backend("sqlite", f"sqlite:///{home_db}", args.rows, args.workers, csv_path)
            )
        if args.backend in ("postgresql", "both"):
            base = postgres_url(args.postgres_url)
            for count in (1, 2):
                url = fresh_postgres_database(base)
                results.append(
                    bench_backend(
                        f"postgresql_{count}_worker",
                        url,
                        args.rows,
                        None,
                        csv_path,
                        queue_workers=count,
                    )
                )
    final: dict[str, object] = {"rows": args.rows, "machine": machine()}
    for r in results:
        final[f"{r['backend']}_credentials_per_s"] = r["credentials_per_s"]
        final[f"{r['backend']}_seconds"] = r["seconds"]
        final[f"{r['backend']}_peak_memory_mb"] = r["peak_memory_mb"]
    one, two = (
        final.get("postgresql_1_worker_credentials_per_s"),
        final.get("postgresql_2_worker_credentials_per_s"),
    )
    if isinstance(one, float) and isinstance(two, float) and one:
        final["postgresql_scaling_1_to_2_workers"] = round(two / one, 2)
    print(json.dumps(final))


if __name__ == "__main__":
    main()
