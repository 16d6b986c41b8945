"""SD-JWT VC issue and verify per second on one core, side by side with @sd-jwt/sd-jwt-vc
0.19.0 (interop/js/sdjwt.mjs, op "bench") in the same run, on the same claims and SD plan.

microcred: `sign_sd_jwt_vc` (claims of the demo award, 14 selectively disclosable claims,
ES256) and `proofs.sd_jwt.verify_sd_jwt` (signature, every disclosure). @sd-jwt: `issue`
and `verify` of the same claims (its did:jwk key), verify of microcred's SD-JWT VC. The ratio
is microcred / @sd-jwt (above 1: microcred is faster). The last line is one JSON object.

The two sides run in alternating rounds (``--rounds``, default 3) and each side's best round
counts (as ``timeit`` takes the minimum): a busy machine slows a round of either side, and
the ratio of the best rounds is what the code can do, not how loaded the machine was. Each
side also reports its rate per second of its own CPU time (Node: every thread of the
process), which other processes do not inflate.

    .venv/bin/python bench/sd_jwt_vc.py [--n 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from microcred.formats.sd_jwt_vc import ALWAYS_SD, Signer, claims_of  # noqa: E402
from microcred.model.files import load_data  # noqa: E402
from microcred.model.validation import parse_award  # noqa: E402
from microcred.proofs.keys import P256KeyPair  # noqa: E402
from microcred.proofs.sd_jwt import parse_sd_jwt, verify_sd_jwt  # noqa: E402
from microcred.services.sd_jwt_issuing import sign_sd_jwt_vc  # noqa: E402

SPEC = ROOT / "examples" / "specs" / "university-data-analysis.yaml"
SCRIPT = ROOT / "interop" / "js" / "sdjwt.mjs"


def _rates(n: int, action) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Per second of wall time, and per second of this process's CPU time."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        action()
    return n / (time.perf_counter() - started), n / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    award = parse_award(
        {
            "spec": load_data(SPEC),
            "learner": {"name": "Anna Bērziņa", "identifier": "anna@example.lv"},
            "issued_on": "2026-06-30",
            "grade": "9",
        }
    )
    key = P256KeyPair.generate()
    signer = Signer("https://issuer.example/orgs/lu", "University of Latvia", "LV")
    now = datetime.now(UTC)
    iat = int(now.timestamp())

    def issue() -> str:
        return sign_sd_jwt_vc(
            award, key, signer=signer, base_url="https://issuer.example", iat=iat, kid="k"
        )

    token = issue()
    parsed = parse_sd_jwt(token)

    def ours_round() -> dict[str, float]:
        issue_wall, issue_cpu = _rates(args.n, issue)
        verify_wall, verify_cpu = _rates(
            args.n,
            lambda: verify_sd_jwt(parsed, resolve_key=lambda _: key, typs=("dc+sd-jwt",), now=now),
        )
        return {
            "issue_per_s": issue_wall,
            "verify_per_s": verify_wall,
            "issue_per_cpu_s": issue_cpu,
            "verify_per_cpu_s": verify_cpu,
        }

    claims = claims_of(award, issuer_id=signer.iss, base_url="https://issuer.example", iat=iat)
    request = {
        "op": "bench",
        "n": args.n,
        "claims": {k: v for k, v in claims.items() if k != "iss"},
        "sd": sorted(k for k in claims if k in ALWAYS_SD),
        "sd_jwt": token,
        "issuer_jwk": key.to_public_jwk(),
        "now": iat,
    }
    node = os.environ.get("NODE", "node")
    taskset = ["taskset", "-c", "0"] if sys.platform == "linux" else []

    def theirs_round() -> dict[str, float]:
        done = subprocess.run(
            [*taskset, node, str(SCRIPT)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=True,
            cwd=SCRIPT.parent,
        )
        found: dict[str, float] = json.loads(done.stdout)
        return found

    rounds = [(ours_round(), theirs_round()) for _ in range(max(1, args.rounds))]

    def best(side: int, what: str) -> float:
        return max(r[side][what] for r in rounds)

    measures = ("issue_per_s", "verify_per_s", "issue_per_cpu_s", "verify_per_cpu_s")
    ours = {what: best(0, what) for what in measures}
    theirs = {what: best(1, what) for what in measures}
    result = {
        "n": args.n,
        "rounds": len(rounds),
        "disclosures": len(parsed.disclosures),
        "microcred": ours,
        "sd_jwt_js": theirs,
        "ratio": {
            "issue": ours["issue_per_s"] / theirs["issue_per_s"],
            "verify": ours["verify_per_s"] / theirs["verify_per_s"],
            "issue_cpu": ours["issue_per_cpu_s"] / theirs["issue_per_cpu_s"],
            "verify_cpu": ours["verify_per_cpu_s"] / theirs["verify_per_cpu_s"],
        },
    }
    for what in ("issue", "verify"):
        print(
            f"{what:6}  microcred {ours[f'{what}_per_s']:8.0f}/s   @sd-jwt "
            f"{theirs[f'{what}_per_s']:8.0f}/s   ratio {result['ratio'][what]:.2f}x   "
            f"(per CPU second: {ours[f'{what}_per_cpu_s']:.0f} vs "
            f"{theirs[f'{what}_per_cpu_s']:.0f}, {result['ratio'][f'{what}_cpu']:.2f}x)"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
