"""`microcred issue`: sign one micro-credential for one learner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from microcred.cli.common import read_json_file, secret_key, settings, write_text
from microcred.cli.output import err_console, fail_usage, print_json
from microcred.jsonld.errors import JsonLdError
from microcred.model.files import SpecFileError, load_data
from microcred.model.validation import SpecificationError, parse_award
from microcred.proofs.errors import KeyUsageError
from microcred.proofs.keys import load_key_file
from microcred.services.issuing import IssuingError, issue_award


class OutputFormat(StrEnum):
    OB3 = "ob3"
    JWT = "jwt"


def issue(
    spec: Annotated[Path, typer.Option(help="Specification file (YAML or JSON).")],
    key: Annotated[Path, typer.Option(help="Key file from `microcred keys new`.")],
    learner_name: Annotated[str, typer.Option(help="The learner's full name.")],
    learner_id: Annotated[
        str, typer.Option(help="The learner's DID, e-mail (mailto:) or other URI.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the credential.")],
    grade: Annotated[str | None, typer.Option(help="Grade or result achieved.")] = None,
    issued_on: Annotated[
        str | None, typer.Option(help="Date of issue (YYYY-MM-DD); default: now.")
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", help="ob3: JSON-LD with a Data Integrity proof; jwt: VC-JOSE."),
    ] = OutputFormat.OB3,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the issued credential's id as JSON.")
    ] = False,
) -> None:
    """Issue a signed Open Badges 3.0 micro-credential from a spec file and a key file."""
    try:
        spec_data = load_data(spec)
    except SpecFileError as exc:
        fail_usage(str(exc))
    key_data = read_json_file(key, "a key file")
    config = settings()
    try:
        keypair = load_key_file(
            key_data,
            encryption_key=secret_key(config) if "encryptedPrivateKey" in key_data else None,
        )
    except KeyUsageError as exc:
        fail_usage(f"{key}: {exc}")
    try:
        award = parse_award(
            {
                "spec": spec_data,
                "learner": {"name": learner_name, "identifier": learner_id},
                "issued_on": issued_on or datetime.now(UTC).replace(microsecond=0),
                **({"grade": grade} if grade else {}),
            }
        )
    except SpecificationError as exc:
        lines = "; ".join(f"{p.path}: {p.message}" for p in exc.problems)
        fail_usage(f"cannot issue: {lines}")
    controller = key_data.get("controller") if isinstance(key_data.get("controller"), str) else None
    vm = key_data.get("id") if isinstance(key_data.get("id"), str) else None
    try:
        result = issue_award(
            award, keypair, issuer_id=controller, verification_method=vm, fmt=fmt.value
        )
    except (IssuingError, JsonLdError) as exc:
        fail_usage(f"cannot issue: {exc}")
    text = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False, indent=2)
    write_text(out, text + "\n")
    if as_json:
        print_json({"id": award.id, "file": str(out), "format": fmt.value})
    else:
        err_console.print(f"Issued {award.id} to {award.learner.name}: {out}")
