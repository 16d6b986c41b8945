"""Verification under load: `POST /api/v1/verify` against `microcred serve` on loopback.

Makes a fresh SQLite instance (one organisation, one issued credential) in a
temporary folder, starts `microcred serve` on 127.0.0.1 in a subprocess, then
drives it from a second process (httpx, a bounded number of requests in
flight) for a fixed time, at most 60 s, and stops by itself. Every request
must come back 200 with status "valid"; anything else counts as an error.
Traffic goes to 127.0.0.1 only. The last line is one JSON object.

    .venv/bin/python bench/verify_load.py                    # 20 s, 8 in flight, 2 API workers
    .venv/bin/python bench/verify_load.py --seconds 10 --concurrency 16 --server-workers 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"
MAX_SECONDS = 60.0
HOST = "127.0.0.1"


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def prepare(home: Path, base_url: str) -> dict[str, object]:
    """One organisation, one specification, one credential; returns the credential."""
    from microcred.model.files import load_data
    from microcred.services import credentials, organisations, specifications
    from microcred.services.credentials import IssueRequest
    from microcred.services.instance import Instance
    from microcred.settings import Settings

    instance = Instance(
        Settings(
            home=home,
            database_url=f"sqlite:///{home / 'microcred.db'}",
            base_url=base_url,
            secret_key="bench",
        )
    )
    try:
        org = organisations.create(instance, name="Bench College", country="LV")
        spec = specifications.publish(instance, org.slug, load_data(SPEC))
        issued = credentials.issue(
            instance,
            org.slug,
            spec.id,
            IssueRequest("Bench Learner", "learner@example.lv", "2026-06-30"),
        )
        return dict(json.loads(issued.document))
    finally:
        instance.close()


# --- the load process --------------------------------------------------------------------------


async def drive(url: str, body: bytes, seconds: float, concurrency: int) -> dict[str, object]:
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=30.0, trust_env=False) as warm:  # untimed warm-up
        await asyncio.gather(
            *(
                warm.post(url, content=body, headers={"content-type": "application/json"})
                for _ in range(2 * concurrency)
            )
        )
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0, trust_env=False) as client:

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    response = await client.post(
                        url, content=body, headers={"content-type": "application/json"}
                    )
                    ok = response.status_code == 200 and response.json().get("status") == "valid"
                    key = "ok" if ok else f"http {response.status_code}: {response.text[:120]}"
                except httpx.HTTPError as exc:
                    key = f"{type(exc).__name__}"
                if key == "ok":
                    latencies.append(time.perf_counter() - start)
                else:
                    errors[key] = errors.get(key, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return (
            round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)
            if latencies
            else 0.0
        )

    return {
        "requests": len(latencies) + sum(errors.values()),
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else 0.0,
    }


def load_main(args: argparse.Namespace) -> None:
    body = Path(args.body).read_bytes()
    result = asyncio.run(drive(args.url, body, min(args.seconds, MAX_SECONDS), args.concurrency))
    print(json.dumps(result))


# --- the orchestrating process -----------------------------------------------------------------


def wait_healthy(port: int, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"microcred serve exited with {server.returncode}")
        try:
            if (
                httpx.get(f"http://{HOST}:{port}/healthz", timeout=2.0, trust_env=False).status_code
                == 200
            ):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("microcred serve did not become healthy in time")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="load duration (at most 60)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--server-workers", type=int, default=2, help="`microcred serve --workers`")
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--body", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_main(args)
        return
    seconds = min(max(args.seconds, 1.0), MAX_SECONDS)
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="microcred-verify-load-") as tmp:
        home = Path(tmp) / "home"
        credential = prepare(home, base_url)
        body_path = Path(tmp) / "credential.json"
        body_path.write_text(json.dumps(credential), encoding="utf-8")
        env = {
            **os.environ,
            "MICROCRED_HOME": str(home),
            "MICROCRED_DATABASE_URL": f"sqlite:///{home / 'microcred.db'}",
            "MICROCRED_SECRET_KEY": "bench",
            "MICROCRED_BASE_URL": base_url,
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "microcred.cli.main",
                "serve",
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                str(args.server_workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_healthy(port, server)
            print(
                f"microcred serve --workers {args.server_workers} on {base_url}; "
                f"{args.concurrency} in flight for {seconds:.0f} s",
                file=sys.stderr,
            )
            load = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--load",
                    "--url",
                    f"{base_url}/api/v1/verify",
                    "--body",
                    str(body_path),
                    "--seconds",
                    str(seconds),
                    "--concurrency",
                    str(args.concurrency),
                ],
                capture_output=True,
                text=True,
                timeout=MAX_SECONDS + 60,
                check=False,
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if load.returncode != 0:
            raise SystemExit(f"load process failed:\n{load.stderr[-2000:]}")
        result = json.loads(load.stdout.strip().splitlines()[-1])
    result.update(
        server_workers=args.server_workers, concurrency=args.concurrency, machine=machine()
    )
    print(
        f"POST /api/v1/verify: {result['rps']} requests/s, p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms, {result['errors']} error(s) of {result['requests']}"
    )
    print(json.dumps(result))
    if result["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
