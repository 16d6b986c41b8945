"""`microcred verify`: check a credential and explain the result."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from microcred import i18n
from microcred.cli.common import MAX_JSON_FILE_BYTES, read_json_file, settings
from microcred.cli.output import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNCHECKED,
    console,
    fail_usage,
    print_json,
)
from microcred.formats.inputs import MAX_INPUT_BYTES
from microcred.i18n import N_
from microcred.jsonld.contexts import (
    ContextFileError,
    parse_context_assignments,
    register_context_files,
)
from microcred.verify import (
    TrustList,
    VerificationReport,
    load_trust_list,
    verify_credential,
)
from microcred.verify import meanings as texts
from microcred.verify.presentation import PresentationReport, is_presentation, verify_presentation
from microcred.verify.summary import EMPTY_SUMMARY
from microcred.verify.token_status import looks_like_token, supplied_token
from microcred.verify.trust import TrustListError

MARKS = {
    "pass": ("green", "✓"),
    "fail": ("red", "✗"),
    "warn": ("yellow", "!"),
    "skip": ("dim", "–"),
}
# The headline of each status: its style, its word and what it means (catalogue message ids).
HEADLINES = {
    "valid": (
        "bold green",
        N_("Valid"),
        N_("the credential is authentic, unaltered and in force."),
    ),
    "unchecked": (
        "bold yellow",
        N_("Could not be checked"),
        N_(
            "the credential is authentic, but whether its issuer has revoked or suspended it "
            "could not be checked: do not rely on it until it can be."
        ),
    ),
    "invalid": ("bold red", N_("Not valid"), N_("see the failed checks below.")),
    "revoked": ("bold red", N_("Revoked"), N_("the issuer has withdrawn this credential.")),
    "suspended": (
        "bold yellow",
        N_("Suspended"),
        N_("the issuer has suspended this credential for now."),
    ),
    "expired": (
        "bold yellow",
        N_("Expired"),
        N_("the credential is authentic but no longer valid."),
    ),
}
VP_HEADLINES = {
    "valid": (
        "bold green",
        N_("Valid"),
        N_("the presentation's signature is genuine, and every credential in it is valid."),
    ),
    "unchecked": (
        "bold yellow",
        N_("Could not be checked"),
        N_(
            "whether a credential in the presentation was revoked or suspended could not be "
            "checked."
        ),
    ),
    "invalid": ("bold red", N_("Not valid"), N_("see the failed checks below.")),
    "revoked": (
        "bold red",
        N_("Revoked"),
        N_("a credential in the presentation has been withdrawn."),
    ),
    "suspended": (
        "bold yellow",
        N_("Suspended"),
        N_("a credential in the presentation is suspended."),
    ),
    "expired": (
        "bold yellow",
        N_("Expired"),
        N_("a credential in the presentation is no longer valid."),
    ),
}


def _headline(table: dict[str, tuple[str, str, str]], status: str, t: i18n.Translator) -> str:
    style, word, sentence = table[status]
    return f"[{style}]{escape(t.gettext(word))}[/]: {escape(t.gettext(sentence))}"


def _checks_table(checks: list[Any], presentation: bool, t: i18n.Translator) -> Table:
    """The checks in plain language, by their codes (the texts the web pages show too)."""
    meanings, by_result = (
        (texts.PRESENTATION_MEANINGS, texts.PRESENTATION_MEANINGS_BY_RESULT)
        if presentation
        else (texts.MEANINGS, texts.MEANINGS_BY_RESULT)
    )
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    table.add_column(t.gettext("Check"))
    table.add_column(t.gettext("Result"))
    table.add_column(t.gettext("What it means"))
    for line in texts.check_lines([c.to_json() for c in checks], meanings, by_result, t):
        colour, mark = MARKS.get(line.status, ("dim", "?"))
        table.add_row(
            escape(line.label),
            f"[{colour}]{mark} {escape(line.word)}[/]",
            escape(line.meaning or line.message),
        )
    return table


def _print_checks(checks: list[Any], presentation: bool, t: i18n.Translator) -> None:
    console.print(_checks_table(checks, presentation, t))
    for check in checks:
        if getattr(check, "document", ""):  # not available offline: the CLI's way to supply it
            # Below the table, never wrapped or cut: the line is meant to be copied.
            console.print(
                f"  --resolve {escape(check.document)}=FILE", soft_wrap=True, highlight=False
            )


def _read_input(file: str) -> bytes:
    try:
        if file == "-":
            return sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        path = Path(file)
        with path.open("rb") as handle:
            return handle.read(MAX_INPUT_BYTES + 1)  # bounded: a 50 MB file is never read whole
    except FileNotFoundError:
        fail_usage(f"{file}: no such file")
    except IsADirectoryError:
        fail_usage(f"{file}: is a directory, not a credential")
    except OSError as exc:
        fail_usage(f"{file}: cannot read ({exc.strerror})")


def _status_list_token(path: Path) -> str | None:
    """The compact JWT in the file, when it holds one (else it is read as JSON)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(MAX_JSON_FILE_BYTES + 1)
    except OSError:
        return None  # read_json_file says what is wrong with it
    text = head.strip().decode("ascii", "replace")
    return text if looks_like_token(text) else None


def parse_resolve(items: list[str]) -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for item in items:
        url, sep, file = item.partition("=")
        if not sep or not url or not file:
            fail_usage(f"--resolve expects URL=FILE, got '{item}'")
        token = _status_list_token(Path(file))
        if token is not None:  # an IETF Status List Token (statuslist+jwt), not JSON
            documents[url] = supplied_token(token)
            continue
        doc = read_json_file(Path(file), f"the document for {url}")
        if not isinstance(doc, dict):
            fail_usage(f"{file}: the document for {url} must be a JSON object")
        documents[url] = doc
    return documents


def register_contexts(option: list[str], setting: tuple[str, ...]) -> None:
    """The operator's context files, from --context and MICROCRED_EXTRA_CONTEXTS."""
    for items, where in ((setting, "MICROCRED_EXTRA_CONTEXTS"), (option, "--context")):
        try:
            register_context_files(parse_context_assignments(items))
        except ContextFileError as exc:
            fail_usage(f"{where}: {exc}")


def _line(label: str, value: str) -> None:
    console.print(f"  {escape(label)}: {escape(value)}", highlight=False)


def render(report: VerificationReport, t: i18n.Translator | None = None) -> None:
    t = t or i18n.translator()
    console.print(_headline(HEADLINES, report.status, t))
    summary = report.summary
    if summary is not EMPTY_SUMMARY:  # the credential was read as far as its summary
        ident = summary.id or t.gettext("no id")
        where = f", {summary.issuer_country}" if summary.issuer_country else ""
        _line(t.gettext("Credential"), f"{summary.title_in() or '-'}  ({ident})")
        _line(
            t.gettext("Issuer"), f"{summary.issuer_name_in() or '-'}{where}  ({summary.issuer_id})"
        )
    _print_checks(list(report.checks), False, t)


def render_presentation(report: PresentationReport, t: i18n.Translator | None = None) -> None:
    t = t or i18n.translator()
    console.print(_headline(VP_HEADLINES, report.status, t))
    _line(t.gettext("Holder"), str(report.summary.get("holder") or "-"))
    _print_checks(list(report.checks), True, t)
    for item in report.credentials:
        console.print(f"\n[bold]{item.name}[/]", highlight=False)
        if item.binding.bound:
            bound = t.gettext("Issued to the person who presented it")
            console.print(f"  [green]{escape(bound)}[/]", highlight=False)
        else:
            not_bound = t.gettext("Not shown to belong to the person who presented it")
            console.print(
                f"  [yellow]{escape(not_bound)}[/]: " + escape(item.binding.message),
                highlight=False,
            )
        render(item.report, t)


def _local_instance(config: Any) -> Any:
    """This instance's store, when there is one: its organisations' DID documents and
    status lists are then checked locally, and its organisations are trusted."""
    from microcred.services.instance import Instance

    url = config.database_url
    if url.startswith("sqlite") and not Path(url.split("///", 1)[-1]).is_file():
        return None
    try:
        instance = Instance(config)
        _ = instance.engine
        return instance
    except Exception:  # noqa: BLE001 - verification works without a store
        return None


def verify(
    file: Annotated[
        str,
        typer.Argument(
            help="Credential or presentation (JSON-LD, JWT, OB 2.0, or a baked PNG/SVG "
            "badge), or - for stdin."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    resolve: Annotated[
        list[str] | None,
        typer.Option(
            "--resolve", help="Use a local file for a remote document: URL=FILE (repeatable)."
        ),
    ] = None,
    trust_list: Annotated[Path | None, typer.Option(help="Trust list file (JSON).")] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host", help="Allow fetching documents over HTTPS from this host (repeatable)."
        ),
    ] = None,
    challenge: Annotated[
        str | None,
        typer.Option(help="Presentations: the challenge (nonce) this verifier asked for."),
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="Presentations: the domain (aud) this verifier asked for.")
    ] = None,
    require_binding: Annotated[
        bool,
        typer.Option(
            "--require-binding",
            help="Presentations: accept only credentials issued to the holder who signed it.",
        ),
    ] = False,
    lang: Annotated[
        str,
        typer.Option(help="Language of the report (any language with a catalogue)."),
    ] = i18n.DEFAULT_LANGUAGE,
    extra_contexts: Annotated[
        list[str] | None,
        typer.Option(
            "--context",
            help="Use a JSON-LD context from a file: URL=FILE (repeatable; never fetched).",
        ),
    ] = None,
) -> None:
    """Verify a credential or presentation offline and explain each check.

    Exit 0 if valid; 1 if not (invalid, revoked, suspended, expired); 2 on usage errors; 3 if
    it is authentic but its revocation or suspension could not be checked (unchecked).
    Open Badges 2.0 assertions (JSON or signed) and baked PNG or SVG badges are read too."""
    if lang not in i18n.languages():
        fail_usage(f"--lang: one of {', '.join(i18n.languages())}")
    t = i18n.translator(lang)
    documents = parse_resolve(resolve or [])
    config = settings()
    register_contexts(extra_contexts or [], config.extra_contexts)
    trust = TrustList.empty()
    path = trust_list or config.trust_list
    if path is not None:
        try:
            trust = load_trust_list(path)
        except TrustListError as exc:
            fail_usage(str(exc))
    raw = _read_input(file)
    from microcred.services.verifying import verifier_context

    context = verifier_context(
        _local_instance(config),
        now=datetime.now(UTC),
        allow_hosts=allow_host or (),
        documents=documents,
        trust=trust,
        settings=config,
    )
    if is_presentation(raw):
        presented = verify_presentation(
            raw, context, challenge=challenge, domain=domain, require_binding=require_binding
        )
        if as_json:
            print_json(presented.to_json())
        else:
            render_presentation(presented, t)
        raise typer.Exit(exit_code(presented.status))
    if challenge is not None or domain is not None or require_binding:
        fail_usage(
            "--challenge, --domain and --require-binding apply to presentations; FILE is not "
            "a presentation"
        )
    report = verify_credential(raw, context)
    if as_json:
        print_json(report.to_json())
    else:
        render(report, t)
    raise typer.Exit(exit_code(report.status))


def exit_code(status: str) -> int:
    """0 valid, 3 unchecked (authentic, its status unknown), 1 any other verdict."""
    if status == "valid":
        return EXIT_OK
    return EXIT_UNCHECKED if status == "unchecked" else EXIT_INVALID
