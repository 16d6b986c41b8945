"""Drive the JavaScript reference stack (``interop/js/cli.mjs``) from Python tests.

The CLI wraps Digital Bazaar's ``@digitalbazaar/vc`` with the ``eddsa-rdfc-2022`` and
``ecdsa-rdfc-2019`` Data Integrity cryptosuites. Its document loader is strictly
offline: it serves the contexts exported by :func:`microcred.jsonld.contexts.export_contexts`
(the very bytes microcred itself uses), the documents passed in ``docs`` (controller
documents, extra contexts) and ``did:key`` documents; anything else fails with
``not found offline: URL``.

Reusable from any test::

    from tests.interop.jsref import js_sign, js_verify

    signed = js_sign(credential, keyfile, "ecdsa-rdfc-2019")
    result = js_verify(signed)            # JsResult(verified=True, ...)
    assert result.verified, result.error

``keyfile`` is a path to, or a dict of, ``{"publicKeyMultibase", "privateKeyMultibase",
"id", "controller"}`` (``id``/``controller`` default to the key's ``did:key``).
``docs`` maps a URL to a JSON document (dict) or a path to one.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
JS_DIR = REPO_ROOT / "interop" / "js"
CLI = JS_DIR / "cli.mjs"
NODE_MODULES = JS_DIR / "node_modules"
VECTORS = Path(os.environ.get("MICROCRED_VECTORS", REPO_ROOT.parent / "shared" / "vectors"))

EXAMPLES_V2_URL = "https://www.w3.org/ns/credentials/examples/v2"
EXAMPLES_V2_CONTEXT: dict[str, Any] = {
    "@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}
}
MULTIKEY_V1_URL = "https://w3id.org/security/multikey/v1"
DID_V1_URL = "https://www.w3.org/ns/did/v1"

SUITES = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")
DEFAULT_TIMEOUT = 120.0

Doc = Mapping[str, Any]
DocSource = Doc | str | os.PathLike[str]
KeySource = Doc | str | os.PathLike[str]


class JsStackMissing(RuntimeError):
    """Node or the npm packages of ``interop/js`` are not installed."""


class JsCliError(RuntimeError):
    """The CLI failed for another reason than a failed verification."""


@dataclass
class JsResult:
    """Outcome of :func:`js_verify`."""

    verified: bool
    error: str | None = None
    errors: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    returncode: int = 0

    def __bool__(self) -> bool:
        return self.verified


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        raise JsStackMissing("node is not on PATH: install Node.js >= 20, then `make interop-deps`")
    return node


def check_js_stack() -> Path:
    """Return ``interop/js/node_modules`` or raise :class:`JsStackMissing`."""
    node_binary()
    if not (NODE_MODULES / "@digitalbazaar" / "vc").is_dir():
        raise JsStackMissing(
            f"{NODE_MODULES} is missing or incomplete: run `make interop-deps` "
            "(cd interop/js && npm ci) before the interop tests"
        )
    return NODE_MODULES


_workdir: Path | None = None


def _scratch() -> Path:
    """A private temporary directory for this process, removed at exit."""
    global _workdir
    if _workdir is None:
        _workdir = Path(tempfile.mkdtemp(prefix="microcred-jsref-"))
        atexit.register(shutil.rmtree, _workdir, True)
    return _workdir


@cache
def contexts_dir() -> Path:
    """Directory with every bundled microcred context plus ``index.json`` (URL -> file)."""
    from microcred.jsonld.contexts import export_contexts

    return export_contexts(_scratch() / "contexts")


def _write_json(obj: Any, prefix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".json", dir=_scratch())
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(obj, fh)
    return Path(name)


def _as_file(source: DocSource | KeySource, prefix: str) -> Path:
    if isinstance(source, Mapping):
        return _write_json(dict(source), prefix)
    return Path(source)


def _doc_args(docs: Mapping[str, DocSource] | None) -> list[str]:
    args: list[str] = []
    for url, source in (docs or {}).items():
        args += ["--doc", f"{url}={_as_file(source, 'doc-')}"]
    return args


def run_cli(
    args: Sequence[str],
    stdin: Any = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``node cli.mjs ARGS`` with ``stdin`` (a JSON-able object) on standard input."""
    check_js_stack()
    return subprocess.run(
        [node_binary(), str(CLI), *args],
        input=None if stdin is None else json.dumps(stdin),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=JS_DIR,
        check=False,
    )


def _parse(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise JsCliError(
            f"cli.mjs exit {proc.returncode}, no JSON on stdout: {proc.stdout!r} {proc.stderr!r}"
        ) from exc
    if not isinstance(out, dict):
        raise JsCliError(f"cli.mjs printed {out!r}")
    return out


def js_sign(
    credential: Doc,
    keyfile: KeySource,
    suite: str | None = None,
    *,
    created: str | None = None,
    docs: Mapping[str, DocSource] | None = None,
) -> dict[str, Any]:
    """Sign ``credential`` with ``vc.issue`` and return the signed credential.

    ``suite`` defaults to the one matching the key (Ed25519 -> eddsa-rdfc-2022,
    P-256/P-384 -> ecdsa-rdfc-2019).
    """
    args = ["sign", "--contexts", str(contexts_dir()), "--key", str(_as_file(keyfile, "key-"))]
    if suite:
        args += ["--suite", suite]
    if created:
        args += ["--created", created]
    args += _doc_args(docs)
    proc = run_cli(args, dict(credential))
    out = _parse(proc)
    if proc.returncode != 0:
        raise JsCliError(f"js sign failed ({proc.returncode}): {out.get('error')}")
    return out


def js_sign_presentation(
    presentation: Doc,
    keyfile: KeySource,
    *,
    challenge: str,
    domain: str | None = None,
    suite: str | None = None,
    created: str | None = None,
    docs: Mapping[str, DocSource] | None = None,
) -> dict[str, Any]:
    """Sign a presentation with ``vc.signPresentation`` (proof purpose authentication)."""
    args = [
        "sign-presentation",
        "--contexts",
        str(contexts_dir()),
        "--key",
        str(_as_file(keyfile, "key-")),
        "--challenge",
        challenge,
    ]
    if domain is not None:
        args += ["--domain", domain]
    if suite:
        args += ["--suite", suite]
    if created:
        args += ["--created", created]
    args += _doc_args(docs)
    proc = run_cli(args, dict(presentation))
    out = _parse(proc)
    if proc.returncode != 0:
        raise JsCliError(f"js sign-presentation failed ({proc.returncode}): {out.get('error')}")
    return out


def js_verify(
    doc: Doc,
    docs: Mapping[str, DocSource] | None = None,
    *,
    presentation: bool = False,
    challenge: str | None = None,
    domain: str | None = None,
    unsigned_presentation: bool = False,
    now: str | None = None,
    ignore_status: bool = False,
) -> JsResult:
    """Verify a credential (or, with ``presentation=True``, a presentation) in JS.

    Returns a :class:`JsResult`; a verification failure is not an exception. ``now``
    (ISO date) fixes the clock for the validity-period checks; ``ignore_status`` skips
    the ``credentialStatus`` check (proof-only verification).
    """
    args = ["verify", "--contexts", str(contexts_dir()), *_doc_args(docs)]
    if presentation:
        args.append("--presentation")
        if challenge is not None:
            args += ["--challenge", challenge]
        if domain is not None:
            args += ["--domain", domain]
        if unsigned_presentation:
            args.append("--unsigned")
    if now:
        args += ["--now", now]
    if ignore_status:
        args.append("--ignore-status")
    proc = run_cli(args, dict(doc))
    out = _parse(proc)
    if proc.returncode not in (0, 1):
        raise JsCliError(f"js verify error ({proc.returncode}): {out.get('error')}")
    return JsResult(
        verified=bool(out.get("verified")) and proc.returncode == 0,
        error=out.get("error"),
        errors=list(out.get("errors") or []),
        raw=out,
        returncode=proc.returncode,
    )


def js_keygen(suite: str = "eddsa-rdfc-2022", controller: str | None = None) -> dict[str, Any]:
    """A fresh key pair made by the JS multikey libraries (key-file format)."""
    args = ["keygen", "--suite", suite]
    if controller:
        args += ["--controller", controller]
    proc = run_cli(args)
    out = _parse(proc)
    if proc.returncode != 0:
        raise JsCliError(f"js keygen failed: {out.get('error')}")
    return out


def js_bench(
    credential_file: str | os.PathLike[str],
    keyfile: KeySource,
    n: int,
    *,
    suite: str | None = None,
    docs: Mapping[str, DocSource] | None = None,
    timeout: float = 3600.0,
) -> dict[str, Any]:
    """Run ``cli.mjs bench`` and return its JSON line (n, sign_per_s, verify_per_s, ...)."""
    args = [
        "bench",
        "--contexts",
        str(contexts_dir()),
        "--n",
        str(n),
        "--credential",
        str(credential_file),
        "--key",
        str(_as_file(keyfile, "key-")),
        *_doc_args(docs),
    ]
    if suite:
        args += ["--suite", suite]
    proc = run_cli(args, timeout=timeout)
    out = _parse(proc)
    if proc.returncode != 0:
        raise JsCliError(f"js bench failed ({proc.returncode}): {out}")
    return out


def controller_document(
    controller: str,
    public_key_multibase: str,
    *,
    vm_id: str | None = None,
    relations: Sequence[str] = ("assertionMethod", "authentication"),
) -> dict[str, Any]:
    """A minimal controller document (DID-v1 shaped) with one Multikey method.

    Serve it with ``docs={controller: controller_document(...)}``.
    """
    vm_id = vm_id or f"{controller}#{public_key_multibase}"
    doc: dict[str, Any] = {
        "@context": [DID_V1_URL, MULTIKEY_V1_URL],
        "id": controller,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": public_key_multibase,
            }
        ],
    }
    for rel in relations:
        doc[rel] = [vm_id]
    return doc


def js_canonize(datasets: Sequence[str]) -> list[dict[str, str]]:
    """RDFC-1.0 of each N-Quads string by rdf-canonize: ``{"nquads"}`` or ``{"error"}``."""
    proc = run_cli(["canonize"], list(datasets))
    if proc.returncode != 0:
        raise JsCliError(f"js canonize failed: {proc.stderr}")
    out: list[dict[str, str]] = json.loads(proc.stdout)
    return out
