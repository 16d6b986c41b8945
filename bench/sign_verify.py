"""Sign and verify N Open Badges 3.0 micro-credentials: microcred (Python) vs the JS reference.

Both stacks run one after the other in the same invocation, each in one process, on
the same credential shape (``bench/data/ob3_microcredential.json``), the same key
(a fresh did:key made by microcred) and the same cryptosuite. Every signed credential
gets a fresh ``id``, so nothing but the parsed contexts is cached between documents.

    .venv/bin/python bench/sign_verify.py [--n 1000] [--suite eddsa-rdfc-2022]

The last line printed is one JSON object::

    {"n", "ours_sign_per_s", "js_sign_per_s", "sign_ratio",
     "ours_verify_per_s", "js_verify_per_s", "verify_ratio", ...}

with ratio = ours / js (above 1: microcred is faster).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
JS_DIR = REPO / "interop" / "js"
DEFAULT_CREDENTIAL = Path(__file__).resolve().parent / "data" / "ob3_microcredential.json"
SUITES = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")

# --------------------------------------------------------------------------
# Canonicalizer seam. "default" keeps whatever microcred.proofs.dataintegrity
# uses by default (at the time of writing: the compiled fast path
# microcred.jsonld.fast_rdf.canonicalize_fast, which falls back to the general
# path microcred.jsonld.canonical.canonicalize). To benchmark
# another implementation, add an entry mapping a name to a factory returning
# the canonicalize callable ``(document, *, loader=None) -> str`` and it is
# handed to the Python signer/verifier below (see OurStack).
# --------------------------------------------------------------------------
Canonicalize = Callable[..., str]
CANONICALIZERS: dict[str, Callable[[], Canonicalize | None]] = {
    "default": lambda: None,  # None: microcred.proofs.dataintegrity defaults
    # the general JSON-LD path (pyld expansion + pyoxigraph RDFC-1.0), for comparison
    "general": lambda: _general_canonicalize(),
}


def _general_canonicalize() -> Canonicalize:
    from microcred.jsonld.canonical import canonicalize

    return canonicalize


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    node = shutil.which("node")
    node_version = None
    if node:
        node_version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "python_impl": platform.python_implementation(),
        "node": node_version,
    }


DISTINCT = False
"""--distinct: no two credentials share an identified subtree (achievement, issuer)."""


def fresh_copies(template: dict[str, Any], n: int) -> list[dict[str, Any]]:
    docs = []
    for _ in range(n):
        doc = copy.deepcopy(template)
        doc["id"] = f"urn:uuid:{uuid.uuid4()}"
        if DISTINCT:
            # microcred walks a repeated achievement or issuer profile once (a bulk run
            # repeats them); distinct ones measure a credential seen for the first time
            doc["credentialSubject"]["achievement"]["id"] = f"urn:uuid:{uuid.uuid4()}"
            if isinstance(doc.get("issuer"), dict):
                doc["issuer"]["description"] = f"issuer copy {uuid.uuid4()}"
        docs.append(doc)
    return docs


@dataclass
class Timing:
    sign_per_s: float
    verify_per_s: float
    sign_seconds: float
    verify_seconds: float


# ------------------------------------------------------------------ microcred


class OurStack:
    """microcred's Data Integrity signer/verifier (microcred.proofs.dataintegrity).

    Signing: ``add_proof`` with a fresh ``created`` per credential. Verifying:
    ``verify_proof`` with a did:key resolver (the verification method is resolved for
    every credential, as the JS side does).
    """

    def __init__(self, suite: str, canonicalize: Canonicalize | None) -> None:
        from microcred.proofs import dataintegrity
        from microcred.proofs.did import StaticDidResolver, did_key_for, key_resolver
        from microcred.proofs.keys import Ed25519KeyPair, P256KeyPair

        self.di = dataintegrity
        self.suite = suite
        self.key = (Ed25519KeyPair if suite == "eddsa-rdfc-2022" else P256KeyPair).generate()
        self.controller = did_key_for(self.key)
        self.vm = f"{self.controller}#{self.key.public_multibase}"
        self.resolve_key = key_resolver(StaticDidResolver())
        # the seam: no keyword at all means microcred.proofs.dataintegrity's default
        self.kwargs: dict[str, Any] = {} if canonicalize is None else {"canonicalize": canonicalize}

    def keyfile(self) -> dict[str, Any]:
        """The same key in the JS CLI's key-file format."""
        data: dict[str, Any] = self.key.export_private(
            None, allow_unencrypted=True, controller=self.controller, id=self.vm
        )
        return data

    def sign(self, doc: dict[str, Any]) -> dict[str, Any]:
        signed: dict[str, Any] = self.di.add_proof(
            doc,
            self.key,
            verification_method=self.vm,
            created=datetime.now(UTC),
            **self.kwargs,
        )
        return signed

    def verify(self, doc: dict[str, Any]) -> bool:
        from microcred.proofs.errors import ProofError

        try:
            self.di.verify_proof(doc, resolve_key=self.resolve_key, **self.kwargs)
        except ProofError:
            return False
        return True


def bench_ours(stack: OurStack, template: dict[str, Any], n: int) -> Timing:
    # untimed warm-up: imports, context parsing, key objects
    warm = stack.sign(fresh_copies(template, 1)[0])
    if not stack.verify(warm):
        raise SystemExit("microcred: warm-up credential does not verify")

    docs = fresh_copies(template, n)
    t0 = time.perf_counter()
    signed = [stack.sign(doc) for doc in docs]
    sign_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    failures = sum(1 for doc in signed if not stack.verify(doc))
    verify_s = time.perf_counter() - t0
    if failures:
        raise SystemExit(f"microcred: {failures}/{n} credentials failed to verify")
    return Timing(n / sign_s, n / verify_s, sign_s, verify_s)


# ------------------------------------------------------------- JS reference


def _node(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    if not (JS_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        raise SystemExit("interop/js/node_modules missing: run `make interop-deps`")
    return subprocess.run(
        [shutil.which("node") or "node", str(JS_DIR / "cli.mjs"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=JS_DIR,
        check=False,
    )


def cross_check(stack: OurStack, template: dict[str, Any], contexts: Path) -> None:
    """Refuse to report figures for a Python signer the JS stack does not accept."""
    signed = stack.sign(fresh_copies(template, 1)[0])
    proc = _node("verify", "--contexts", str(contexts), stdin=json.dumps(signed))
    if proc.returncode != 0:
        raise SystemExit(f"JS does not verify microcred's credential: {proc.stdout}")


def bench_js(
    template: dict[str, Any], keyfile: dict[str, Any], suite: str, n: int, workdir: Path
) -> Timing:
    contexts = workdir / "contexts"
    cred_file = workdir / "credential.json"
    cred_file.write_text(json.dumps(template), encoding="utf-8")
    key_file = workdir / "key.json"
    key_file.write_text(json.dumps(keyfile), encoding="utf-8")
    proc = _node(
        "bench",
        "--contexts",
        str(contexts),
        "--n",
        str(n),
        "--credential",
        str(cred_file),
        "--key",
        str(key_file),
        "--suite",
        suite,
    )
    if proc.returncode != 0:
        raise SystemExit(f"JS bench failed ({proc.returncode}): {proc.stdout} {proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return Timing(
        out["sign_per_s"], out["verify_per_s"], out["sign_seconds"], out["verify_seconds"]
    )


# ----------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="credentials to sign and verify")
    parser.add_argument("--suite", choices=SUITES, default="eddsa-rdfc-2022")
    parser.add_argument("--credential", type=Path, default=DEFAULT_CREDENTIAL)
    parser.add_argument(
        "--canonicalizer",
        choices=sorted(CANONICALIZERS),
        default="default",
        help="Python RDFC-1.0 implementation (default: microcred.proofs.dataintegrity's)",
    )
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="no achievement or issuer repeats between credentials (nothing memoised helps)",
    )
    args = parser.parse_args(argv)
    global DISTINCT
    DISTINCT = args.distinct
    if args.n < 1:
        parser.error("--n must be positive")

    info = machine_info()
    print(f"machine: {info['cpu']}, {info['cores']} cores ({info['os']})")
    print(f"python {info['python']} ({info['python_impl']}), node {info['node']}")
    print(f"n={args.n} suite={args.suite} canonicalizer={args.canonicalizer}")
    print(f"credential: {args.credential}")

    template = json.loads(args.credential.read_text(encoding="utf-8"))
    stack = OurStack(args.suite, CANONICALIZERS[args.canonicalizer]())
    # the issuer must be the key's controller (issuer / verification method check)
    if isinstance(template.get("issuer"), dict):
        template["issuer"]["id"] = stack.controller
    else:
        template["issuer"] = stack.controller
    template.pop("proof", None)

    ours = bench_ours(stack, template, args.n)
    print(
        f"microcred: sign {ours.sign_per_s:9.1f}/s ({ours.sign_seconds:.2f} s), "
        f"verify {ours.verify_per_s:9.1f}/s ({ours.verify_seconds:.2f} s)",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="microcred-bench-") as tmp:
        from microcred.jsonld.contexts import export_contexts

        export_contexts(Path(tmp) / "contexts")
        cross_check(stack, template, Path(tmp) / "contexts")
        js = bench_js(template, stack.keyfile(), args.suite, args.n, Path(tmp))
    print(
        f"js (@digitalbazaar/vc): sign {js.sign_per_s:9.1f}/s ({js.sign_seconds:.2f} s), "
        f"verify {js.verify_per_s:9.1f}/s ({js.verify_seconds:.2f} s)",
        flush=True,
    )

    result = {
        "n": args.n,
        "ours_sign_per_s": round(ours.sign_per_s, 1),
        "js_sign_per_s": round(js.sign_per_s, 1),
        "sign_ratio": round(ours.sign_per_s / js.sign_per_s, 3),
        "ours_verify_per_s": round(ours.verify_per_s, 1),
        "js_verify_per_s": round(js.verify_per_s, 1),
        "verify_ratio": round(ours.verify_per_s / js.verify_per_s, 3),
        "suite": args.suite,
        "canonicalizer": args.canonicalizer,
        "distinct": args.distinct,
        "machine": info,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
