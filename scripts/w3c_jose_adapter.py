"""microcred as an implementation of w3c/vc-jose-cose-test-suite (scripts/w3c-suites.sh).

That suite does not call an HTTP API: it runs each implementation as a command,

    <impl> issue|verify --input FILE --key VM.json --feature FEATURE [--sd PATHS] --output OUT

and reads ``{"result": "success" | "failure"}`` from OUT. This adapter is that command:

- ``issue``: sign the input with microcred's VC-JOSE signer (``proofs/jose.py``) and the
  suite's key, then report success only if microcred's own verifier (``microcred verify``)
  accepts the token (exit 0, or 3: authentic but its status list could not be checked
  offline), so a credential the product would not accept is never counted issued;
- ``verify``: ``microcred verify --json`` on the input, with the key's controller document
  (built from the suite's verification-method file) supplied by ``--resolve``: nothing is
  fetched. Success is the verifier's verdict.

SD-JWT (``vc+sd-jwt``) and COSE features are reported as failures: microcred does not
implement those VC-JOSE-COSE forms. Each call appends one JSON line (what was run and what
microcred said) to $JOSE_LOG when it is set.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from microcred.proofs.jose import sign_vc_jwt, sign_vp_jwt
from microcred.proofs.keys import (
    Ed25519KeyPair,
    KeyPair,
    P256KeyPair,
    P384KeyPair,
    P521KeyPair,
)


def _b64u(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def private_keypair(jwk: dict[str, Any]) -> KeyPair:
    """The signing pair for a suite's ``secretKeyJwk`` (Ed25519, P-256, P-384, P-521)."""
    curve = jwk.get("crv")
    if curve == "Ed25519":
        okp = ed25519.Ed25519PrivateKey.from_private_bytes(_b64u(jwk["d"]))
        return Ed25519KeyPair(okp.public_key(), okp)
    curves: dict[str, tuple[type[P256KeyPair | P384KeyPair | P521KeyPair], ec.EllipticCurve]] = {
        "P-256": (P256KeyPair, ec.SECP256R1()),
        "P-384": (P384KeyPair, ec.SECP384R1()),
        "P-521": (P521KeyPair, ec.SECP521R1()),
    }
    if curve not in curves:
        raise ValueError(f"microcred has no signer for the curve {curve}")
    cls, ec_curve = curves[curve]
    private = ec.derive_private_key(int.from_bytes(_b64u(jwk["d"]), "big"), ec_curve)
    return cls(private.public_key(), private)


def controller_document(method: dict[str, Any], key_file: Path) -> dict[str, Any]:
    """The controller document the verification method belongs to: every method of the
    same controller among the suite's key files (a presentation's credentials may be signed
    with its other keys), public keys only."""
    methods = [method]
    for other in sorted(key_file.parent.glob("vm-*.json")):
        candidate = json.loads(other.read_text(encoding="utf-8"))
        same = candidate.get("controller") == method["controller"]
        if same and candidate.get("id") not in {m["id"] for m in methods}:
            methods.append(candidate)
    public = [{k: v for k, v in m.items() if k != "secretKeyJwk"} for m in methods]
    ids = [m["id"] for m in methods]
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": method["controller"],
        "verificationMethod": public,
        "assertionMethod": ids,
        "authentication": ids,
    }


def microcred_verify(
    token_file: str,
    method: dict[str, Any],
    key_file: Path,
    log: dict[str, Any],
    *,
    accept: tuple[int, ...] = (0,),
) -> bool:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as out:
        json.dump(controller_document(method, key_file), out)
    controller = method["controller"]
    # Every address a verifier may look the key up under: the controller, the method's
    # document, and for an https controller its did:web-style well-known paths.
    addresses = {controller, method["id"].split("#")[0]}
    if controller.startswith("https://"):
        host = controller.split("/")[2]
        addresses |= {f"https://{host}/.well-known/did.json", f"{controller}/did.json"}
    command = [sys.executable, "-m", "microcred.cli.main", "verify", token_file, "--json"]
    for address in sorted(addresses):
        command += ["--resolve", f"{address}={out.name}"]
    # our own CLI, with the suite's file names as arguments (no shell)
    answer = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    os.unlink(out.name)
    log["verify_exit"] = answer.returncode
    log["verify_out"] = (answer.stdout or answer.stderr)[:20000]
    return answer.returncode in accept


def run(args: argparse.Namespace, log: dict[str, Any]) -> bool:
    method = json.loads(Path(args.key).read_text(encoding="utf-8"))
    if not args.feature.endswith("_jose"):
        log["note"] = "microcred implements VC-JOSE (JWS) only, not SD-JWT or COSE"
        return False
    if args.fn == "verify":
        return microcred_verify(args.input, method, Path(args.key), log)
    document = json.loads(Path(args.input).read_text(encoding="utf-8"))
    key = private_keypair(method["secretKeyJwk"])
    sign = sign_vp_jwt if args.feature.startswith("presentation") else sign_vc_jwt
    token = sign(document, key, kid=method["id"])
    log["token"] = token
    with tempfile.NamedTemporaryFile("w", suffix=".jwt", delete=False) as out:
        out.write(token)
    try:
        # exit 3 is "authentic, revocation unchecked": the suite's credential-full names a
        # status list nobody serves offline; the signature is what issuing is judged on
        return microcred_verify(out.name, method, Path(args.key), log, accept=(0, 3))
    finally:
        os.unlink(out.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fn", choices=["issue", "verify"])
    parser.add_argument("--input", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--feature", required=True)
    parser.add_argument("--sd", default=None, help="SD-JWT disclosure paths (not used)")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    log: dict[str, Any] = {"kind": "adapter", "fn": args.fn, "feature": args.feature}
    log["input"] = args.input
    try:
        ok = run(args, log)
    except Exception as exc:  # noqa: BLE001 (any error is the suite's "failure"; the log says why)
        log["error"] = f"{type(exc).__name__}: {exc}"
        ok = False
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps({"result": "success" if ok else "failure"}))
    if os.environ.get("JOSE_LOG"):
        with open(os.environ["JOSE_LOG"], "a", encoding="utf-8") as out:
            out.write(json.dumps({**log, "result": ok}) + "\n")


if __name__ == "__main__":
    main()
