"""Canonicalizations per second: general path (pyld) vs compiled fast path, one core.

Usage: python bench/profile_canonicalize.py [--seconds S] [--profile]

Measures an OB 3.0 micro-credential as signing and verifying see it: the document without
its proof (the 1EdTech eddsa-rdfc-2022 test vector) and its proof options. The last line
printed is one JSON object {"general_per_s", "fast_per_s", "speedup"} for the document.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import json
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from microcred.jsonld.canonical import canonicalize
from microcred.jsonld.fast_rdf import canonicalize_fast, to_nquads

REPO = Path(__file__).resolve().parents[1]
VECTOR = (
    REPO
    / ".."
    / "shared"
    / "vectors"
    / "ob3"
    / "1edtech-ob3-signed-eddsa-rdfc-2022-testvector.json"
)

FALLBACK_DOC: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "https://example.edu/issuers/565049",
        "type": ["Profile"],
        "url": "https://www.imsglobal.org",
        "name": "Example Corp",
    },
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {"narrative": "Team members are nominated for this badge by their peers."},
            "description": "This badge recognizes the capacity to collaborate within a group.",
            "name": "Teamwork",
        },
    },
    "proof": {
        "type": "DataIntegrityProof",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
    },
}


def _inputs() -> tuple[dict[str, Any], dict[str, Any]]:
    doc = json.loads(VECTOR.read_text()) if VECTOR.exists() else copy.deepcopy(FALLBACK_DOC)
    proof = doc.pop("proof")
    proof.pop("proofValue", None)
    proof["@context"] = doc["@context"]
    return doc, proof


def rate(fn: Callable[[], object], seconds: float) -> float:
    fn()  # warm caches (compiled contexts, pyld resolved contexts)
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(10):
            fn()
        count += 10
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--profile", action="store_true", help="cProfile the fast path")
    args = parser.parse_args()

    doc, proof = _inputs()
    assert canonicalize_fast(doc) == canonicalize(doc), "fast path disagrees (document)"
    assert canonicalize_fast(proof) == canonicalize(proof), "fast path disagrees (proof)"
    assert to_nquads(doc) is not None, "the document does not take the fast path"

    general = rate(lambda: canonicalize(doc), args.seconds)
    fast = rate(lambda: canonicalize_fast(doc), args.seconds)
    general_proof = rate(lambda: canonicalize(proof), args.seconds)
    fast_proof = rate(lambda: canonicalize_fast(proof), args.seconds)
    rdf_only = rate(lambda: to_nquads(doc), args.seconds)

    print(f"OB3 credential (no proof), general path: {general:9.0f} docs/s")
    print(f"OB3 credential (no proof), fast path:    {fast:9.0f} docs/s")
    print(f"  of which to_nquads alone:              {rdf_only:9.0f} docs/s")
    print(f"proof options, general path:             {general_proof:9.0f} docs/s")
    print(f"proof options, fast path:                {fast_proof:9.0f} docs/s")
    sign_general = 1 / (1 / general + 1 / general_proof)
    sign_fast = 1 / (1 / fast + 1 / fast_proof)
    print(
        f"canonicalization budget of one signature: general {sign_general:.0f}/s, "
        f"fast {sign_fast:.0f}/s"
    )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(2000):
            canonicalize_fast(doc)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)

    print(
        json.dumps(
            {
                "general_per_s": round(general, 1),
                "fast_per_s": round(fast, 1),
                "speedup": round(fast / general, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
