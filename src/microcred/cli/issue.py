"""`microcred issue`: sign one micro-credential for one learner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from microcred.cli.common import handles_errors, read_json_file, secret_key, settings, write_text
from microcred.cli.output import err_console, fail_usage, print_json
from microcred.formats.registry import FormatName, IssuableFormat
from microcred.jsonld.errors import JsonLdError
from microcred.model.files import SpecFileError, load_data
from microcred.model.validation import parse_award
from microcred.proofs.errors import KeyUsageError
from microcred.proofs.keys import load_key_file
from microcred.services.issuing import issue_award


@handles_errors("cannot issue")
def issue(
    spec: Annotated[
        str,
        typer.Option(
            help="With --org: a specification version id (or spec key). With --key: a spec file."
        ),
    ],
    learner_name: Annotated[str, typer.Option(help="The learner's full name.")],
    learner_id: Annotated[
        str, typer.Option(help="The learner's DID, e-mail (mailto:) or other URI.")
    ],
    learner_given_name: Annotated[
        str | None, typer.Option(help="The learner's given name (optional; SD-JWT VC given_name).")
    ] = None,
    learner_family_name: Annotated[
        str | None,
        typer.Option(help="The learner's family name (optional; SD-JWT VC family_name)."),
    ] = None,
    org: Annotated[
        str | None,
        typer.Option(
            help="Issue as this organisation of the instance (database, status list, audit)."
        ),
    ] = None,
    key: Annotated[
        Path | None, typer.Option(help="Key file from `microcred keys new` (file-based issuing).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write the credential.")
    ] = None,
    grade: Annotated[str | None, typer.Option(help="Grade or result achieved.")] = None,
    narrative: Annotated[str | None, typer.Option(help="What the learner did (optional).")] = None,
    evidence_url: Annotated[str | None, typer.Option(help="Link to evidence (optional).")] = None,
    row_key: Annotated[
        str | None, typer.Option(help="Idempotency key (default: learner + spec version + date).")
    ] = None,
    issued_on: Annotated[
        str | None, typer.Option(help="Date of issue (YYYY-MM-DD); default: now.")
    ] = None,
    fmt: Annotated[
        IssuableFormat,
        typer.Option(
            "--format",
            help="ob3: JSON-LD with a Data Integrity proof; jwt: VC-JOSE; sd-jwt: an SD-JWT VC "
            "(dc+sd-jwt; with --org the record is kept as OB3 and this is a form of it).",
        ),
    ] = FormatName.OB3,
    holder_jwk: Annotated[
        Path | None,
        typer.Option(
            "--holder-jwk",
            help="With --format sd-jwt: a JSON file with the holder's public JWK (cnf.jwk).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the issued credential as JSON (with its id).")
    ] = False,
) -> None:
    """Issue a signed Open Badges 3.0 micro-credential to one learner.

    Either as an organisation of this instance (--org, --spec SPEC_ID) or from
    files alone (--spec FILE --key KEYFILE --out FILE).
    """
    holder = _holder_jwk(holder_jwk, fmt)
    from microcred.services.credentials import name_parts

    names = name_parts(learner_given_name, learner_family_name)
    if org is not None:
        _issue_as_org(
            org,
            spec,
            learner_name,
            learner_id,
            names,
            grade,
            narrative,
            evidence_url,
            row_key,
            issued_on,
            fmt,
            out,
            as_json,
            holder,
        )
        return
    if key is None or out is None:
        fail_usage(
            "give --org ORG (issue from this instance), or --key KEYFILE and --out FILE (file-based)"
        )
    try:
        spec_data = load_data(Path(spec))
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
    award = parse_award(
        {
            "spec": spec_data,
            "learner": {"name": learner_name, "identifier": learner_id, **names},
            "issued_on": issued_on or datetime.now(UTC).replace(microsecond=0),
            **({"grade": grade} if grade else {}),
            **({"narrative": narrative} if narrative else {}),
            **({"evidence_url": evidence_url} if evidence_url else {}),
        }
    )
    controller = key_data.get("controller") if isinstance(key_data.get("controller"), str) else None
    vm = key_data.get("id") if isinstance(key_data.get("id"), str) else None
    try:
        result = issue_award(
            award,
            keypair,
            issuer_id=controller,
            verification_method=vm,
            fmt=fmt,
            base_url=config.base_url,
            holder_jwk=holder,
        )
    except JsonLdError as exc:
        fail_usage(f"cannot issue: {exc}")
    text = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False, indent=2)
    write_text(out, text + "\n")
    if as_json:
        print_json({"id": award.id, "file": str(out), "format": fmt.value})
    else:
        err_console.print(f"Issued {award.id} to {award.learner.name}: {out}")


def _holder_jwk(path: Path | None, fmt: str) -> dict[str, Any] | None:
    if path is None:
        return None
    if fmt != FormatName.SD_JWT:
        fail_usage(
            "--holder-jwk binds an SD-JWT VC to the holder's key: use it with --format sd-jwt"
        )
    jwk = read_json_file(path, "a JWK file")
    if isinstance(jwk.get("keys"), list) and len(jwk["keys"]) == 1:
        jwk = jwk["keys"][0]  # a JWK Set of one key
    return dict(jwk)


def _issue_as_org(
    org: str,
    spec: str,
    learner_name: str,
    learner_id: str,
    names: dict[str, str],
    grade: str | None,
    narrative: str | None,
    evidence_url: str | None,
    row_key: str | None,
    issued_on: str | None,
    fmt: IssuableFormat,
    out: Path | None,
    as_json: bool,
    holder: dict[str, Any] | None,
) -> None:
    from microcred.cli.instance import open_instance
    from microcred.services import credentials

    request = credentials.IssueRequest(
        learner_name=learner_name,
        learner_id=learner_id,
        issued_on=issued_on or datetime.now(UTC).replace(microsecond=0),
        grade=grade,
        narrative=narrative,
        evidence_url=evidence_url,
        row_key=row_key,
        given_name=names.get("given_name"),
        family_name=names.get("family_name"),
    )
    instance = open_instance()
    try:
        result = credentials.issue(instance, org, spec, request, fmt=fmt)
    except JsonLdError as exc:
        fail_usage(f"cannot issue: {exc}")
    sd_jwt: str | None = None
    if fmt == FormatName.SD_JWT:  # a form of the record just issued: fresh salts, its status
        from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc

        sd_jwt = issue_sd_jwt_vc(instance, result.org, result.id, holder_jwk=holder)
    if out is not None:
        document = sd_jwt if sd_jwt is not None else result.credential()
        write_text(
            out,
            (
                document
                if isinstance(document, str)
                else json.dumps(document, ensure_ascii=False, indent=2)
            )
            + "\n",
        )
    if as_json:
        shown = result.to_json()
        if sd_jwt is not None:
            shown.update(format=FormatName.SD_JWT.value, credential=sd_jwt)
        print_json(shown)
    else:
        state = "issued" if result.created else "already issued earlier (same row key)"
        err_console.print(
            f"{result.id} {state} to {result.learner_name}" + (f": {out}" if out else "")
        )
