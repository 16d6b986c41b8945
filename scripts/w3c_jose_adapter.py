"""microcred as an implementation of w3c/vc-jose-cose-test-suite (scripts/w3c-suites.sh).

That suite does not call an HTTP API: it runs each implementation as a command,

    <impl> issue|verify --input FILE --key VM.json --feature FEATURE [--sd PATHS] --output OUT

and reads ``{"result": "success" | "failure"}`` from OUT. This adapter is that command:

- ``issue``: secure the input with microcred's signer for the feature (``vc+jwt`` /
  ``vp+jwt``: ``proofs/jose.py``; ``vc+sd-jwt`` / ``vp+sd-jwt`` with the suite's disclosure
  paths: ``proofs/vc_sd_jwt.py``; ``vc+cose`` / ``vp+cose``, written as base64:
  ``proofs/cose.py``) and the suite's key, then report success only if microcred's own
  verifier (``microcred verify``) accepts it: a credential when its verdict is valid (exit
  0, or 3: authentic but its status list could not be checked offline), so a credential the
  product would not accept is never counted issued; a presentation when its own ``schema``
  and ``proof`` checks pass (the holder secures the presentation; the credentials it
  carries are their issuers', and the suite's inputs carry placeholder ones);
- ``verify``: ``microcred verify --json`` on the input, with the key's controller document
  (built from the suite's verification-method file) supplied by ``--resolve``: nothing is
  fetched. Success is the verifier's verdict.

Each call appends one JSON line (what was run and what microcred said) to $JOSE_LOG when it
is set.
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

from microcred.proofs.cose import encode_cose_text, sign_vc_cose, sign_vp_cose
from microcred.proofs.jose import sign_vc_jwt, sign_vp_jwt
from microcred.proofs.keys import (
    Ed25519KeyPair,
    KeyPair,
    P256KeyPair,
    P384KeyPair,
    P521KeyPair,
)
from microcred.proofs.vc_sd_jwt import sign_vc_sd_jwt, sign_vp_sd_jwt


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
    own_checks: bool = False,
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
    return answer.returncode in accept or (own_checks and _own_checks_pass(answer.stdout))


def _own_checks_pass(report_json: str) -> bool:
    """Whether a presentation report's own schema and proof checks passed (whatever the
    credentials it carries)."""
    try:
        checks = {c["id"]: c for c in json.loads(report_json)["checks"]}
    except (ValueError, KeyError, TypeError):
        return False
    schema, proof = checks.get("schema", {}), checks.get("proof", {})
    return schema.get("status") == "pass" and proof.get("code") in (
        "proof.ok",
        "proof.no_challenge",
    )


def run(args: argparse.Namespace, log: dict[str, Any]) -> bool:
    method = json.loads(Path(args.key).read_text(encoding="utf-8"))
    if args.fn == "verify":
        return microcred_verify(args.input, method, Path(args.key), log)
    document = json.loads(Path(args.input).read_text(encoding="utf-8"))
    key = private_keypair(method["secretKeyJwk"])
    presentation = args.feature.startswith("presentation")
    kid = method["id"]
    if args.feature.endswith("_sdjwt"):
        paths = json.loads(args.sd) if args.sd else []
        sign_sd = sign_vp_sd_jwt if presentation else sign_vc_sd_jwt
        token = sign_sd(document, key, kid=kid, paths=paths)
    elif args.feature.endswith("_cose"):
        sign_cose = sign_vp_cose if presentation else sign_vc_cose
        token = encode_cose_text(sign_cose(document, key, kid=kid))
    else:
        sign = sign_vp_jwt if presentation else sign_vc_jwt
        token = sign(document, key, kid=kid)
    log["token"] = token
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as out:
        out.write(token)
    try:
        # exit 3 is "authentic, revocation unchecked": the suite's credential-full names a
        # status list nobody serves offline; the signature is what issuing is judged on
        return microcred_verify(
            out.name, method, Path(args.key), log, accept=(0, 3), own_checks=presentation
        )
    finally:
        os.unlink(out.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fn", choices=["issue", "verify"])
    parser.add_argument("--input", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--feature", required=True)
    parser.add_argument("--sd", default=None, help="SD-JWT disclosure paths (a JSON array)")
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
