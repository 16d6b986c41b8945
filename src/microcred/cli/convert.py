"""`microcred export` and `microcred convert`: credentials between OB3, VC-JWT, ELM and the model."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from microcred.cli.common import handles_errors, write_text
from microcred.cli.output import EXIT_INVALID, err_console, fail_usage, print_json
from microcred.formats.inputs import InputError, parse_input
from microcred.formats.registry import ExportableFormat, Format, FormatName, detect


class ConvertTarget(StrEnum):
    """What `convert` writes: a format of the registry (unsigned), or the model itself."""

    ELM = FormatName.ELM.value
    OB3 = FormatName.OB3.value
    MODEL = "model"


def _dump(value: dict[str, Any] | str) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)


@handles_errors("cannot export")
def export(
    credential_id: Annotated[str, typer.Argument(help="An issued credential's id (urn:uuid:...).")],
    fmt: Annotated[
        ExportableFormat,
        typer.Option(
            "--format", help="elm (Europass / ELM v3), ob3, jwt, or sd-jwt (a fresh SD-JWT VC)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    org: Annotated[str | None, typer.Option(help="Only if issued by this organisation.")] = None,
) -> None:
    """Export a credential issued by this instance, signed with its organisation's key."""
    from microcred.cli.instance import open_instance
    from microcred.jsonld.errors import JsonLdError
    from microcred.services.exporting import export as export_credential

    try:
        result = export_credential(open_instance(), credential_id, fmt, org_ref=org)
    except JsonLdError as exc:
        fail_usage(f"cannot export: {exc}")
    write_text(out, _dump(result) + "\n")
    err_console.print(f"Wrote {out} ({fmt.value})")


def _emit(out: Path | None, text: str, note: str) -> None:
    """Write `text` to `out`, or to standard output when no --out is given (the names to keep
    of issue 15 read `convert FILE --to model` without one)."""
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_text(out, text)
    err_console.print(f"Wrote {out}{note}")


def _read_credential(file: Path) -> dict[str, Any]:
    """The credential a file carries, whatever its format (the registry recognises it)."""
    return _read(file)[1]


def _read(file: Path) -> tuple[Format, dict[str, Any]]:
    """The format of a file and the credential it carries."""
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        fail_usage(f"{file}: no such file")
    except OSError as exc:
        fail_usage(f"{file}: cannot read ({exc.strerror})")
    try:
        parsed = parse_input(raw)
    except InputError as exc:
        fail_usage(f"{file}: {exc}")
    found = detect(parsed)
    credential = found.credential(parsed)
    if credential is None:
        fail_usage(f"{file}: {found.title}, but the credential in it cannot be read")
    return found, credential


def convert(
    file: Annotated[
        Path,
        typer.Argument(
            help="Any credential file: OB3, VC-JWT, SD-JWT VC, ELM (also JAdES-sealed)."
        ),
    ],
    to: Annotated[
        ConvertTarget, typer.Option("--to", help="elm, ob3, or model (our model as JSON).")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")
    ] = None,
    issuer: Annotated[
        str | None,
        typer.Option(help="Issuer id for the converted credential (default: the original's)."),
    ] = None,
) -> None:
    """Convert a credential between formats. The result is unsigned (convert never signs):
    use `microcred verify` on the original to check it."""
    from microcred.formats.elm import award_to_elm
    from microcred.formats.ob3 import MANDATORY_ELEMENTS, award_to_ob3

    found, credential = _read(file)
    reading = found.read(credential)  # an SD-JWT VC's claims too (its disclosures in place)
    if to is ConvertTarget.MODEL:
        data = reading.award.to_data() if reading.award is not None else reading.data
        text = json.dumps(
            {
                "format": reading.kind,
                "model": data,
                "missing": reading.missing,
                "problems": reading.problems,
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        )
        _emit(out, text + "\n", "")
        if reading.missing:
            err_console.print(f"missing EU elements: {', '.join(reading.missing)}")
        return
    if reading.award is None:
        gaps = ", ".join(
            f"{MANDATORY_ELEMENTS.get(m, m)} ({m})" for m in reading.missing
        ) or "; ".join(reading.problems)
        err_console.print(
            f"[red]cannot convert {file} to {to.value}:[/] the credential lacks {gaps}. "
            "Use --to model to see what it carries.",
            highlight=False,
        )
        raise typer.Exit(EXIT_INVALID)
    original_issuer = credential.get("issuer")
    issuer_id = issuer or (
        original_issuer.get("id") if isinstance(original_issuer, dict) else original_issuer
    )
    if issuer_id is None and found.name is FormatName.SD_JWT:
        issuer_id = credential.get("iss")
    if not isinstance(issuer_id, str):
        fail_usage("the credential names no issuer; pass --issuer")
    if to is ConvertTarget.ELM:
        result = award_to_elm(
            reading.award, issuer_id=issuer_id, credential_id=credential.get("id")
        )
    else:
        result = award_to_ob3(reading.award, issuer_id=issuer_id)
    _emit(out, _dump(result) + "\n", f" ({to.value}, unsigned)")


def validate_elm(
    file: Annotated[Path, typer.Argument(help="An ELM credential (also JAdES-sealed).")],
    as_json: Annotated[bool, typer.Option("--json", help="The results as JSON.")] = False,
) -> None:
    """Check an ELM credential against the Europass SHACL shapes (edc-generic-full, ELM 3.2),
    offline. Exit 0 when it conforms, 1 when the shapes find something."""
    from microcred.formats.elm_shacl import SHAPES_VERSION
    from microcred.formats.elm_shacl import validate_elm as check
    from microcred.jsonld.errors import JsonLdError

    credential = _read_credential(file)
    try:
        results = check(credential)
    except JsonLdError as exc:
        fail_usage(f"{file}: not ELM JSON-LD the bundled contexts can read: {exc}")
    if as_json:
        print_json(
            {
                "shapes": SHAPES_VERSION,
                "conforms": not results,
                "results": [r.to_json() for r in results],
            }
        )
    elif not results:
        err_console.print(f"{file} conforms to the Europass shapes ({SHAPES_VERSION})")
    else:
        err_console.print(
            f"[red]{file}: {len(results)} result(s) of the Europass shapes ({SHAPES_VERSION}):[/]",
            highlight=False,
        )
        for r in results:
            err_console.print(
                f"  {r.path} ({r.constraint}) on {r.focus}: {r.message}", markup=False
            )
    if results:
        raise typer.Exit(EXIT_INVALID)


__all__ = ["convert", "export", "print_json", "validate_elm"]
