"""`microcred pathway ...` and `microcred recognition ...`: stacking and recognition."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from microcred.cli.common import handles_errors, read_json_file
from microcred.cli.instance import open_instance
from microcred.cli.output import EXIT_INVALID, console, fail_usage, print_json
from microcred.model.files import SpecFileError, load_data
from microcred.services import recognition
from microcred.stacking import Evaluation, PathwayError, StackedReport

pathway_app = typer.Typer(help="Stacking pathways an authority defines, and evaluating wallets.")
recognition_app = typer.Typer(
    help="Recognition: holders apply, the authority decides, stacked credentials are verified."
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
HolderOpt = Annotated[str, typer.Option("--holder", help="Holder handle or id.")]
OrgOpt = Annotated[str, typer.Option("--org", help="The authority (organisation slug or id).")]

_MARK = {"pass": "[green]✓[/]", "warn": "[yellow]![/]", "fail": "[red]✗[/]", "skip": "-"}


def render_evaluation(evaluation: Evaluation) -> None:
    verdict = "[green]satisfied[/]" if evaluation.satisfied else "[yellow]not satisfied yet[/]"
    console.print(
        f"[bold]{evaluation.title}[/]: {verdict} ({evaluation.progress}%)", highlight=False
    )
    table = Table("rule", "", "what counts", "what is missing", box=None, show_lines=True)
    for rule in evaluation.rules:
        counted = "\n".join(f"{c.title} → {c.towards}" for c in rule.counted) or "nothing yet"
        missing = "\n".join(rule.missing) or "—"
        table.add_row(
            f"{rule.title}\n[dim]{rule.summary}[/]",
            "[green]met[/]" if rule.met else "[red]not met[/]",
            counted,
            missing,
        )
    console.print(table)
    excluded = {e.component: e for rule in evaluation.rules for e in rule.excluded}
    for e in excluded.values():  # each credential that does not count, once
        mark = "[yellow]?[/]" if e.unchecked else "[dim]–[/]"
        console.print(f"  {mark} {e.sentence()}", highlight=False)


def render_stacked(report: StackedReport) -> None:
    verdict = "[green]valid[/]" if report.valid else f"[red]{report.status}[/]"
    console.print(f"Stacked credential: {verdict}", highlight=False)
    for check in report.checks:
        console.print(f"  {_MARK[check.status]} {check.id}: {check.message}", highlight=False)
    for component in report.components:
        console.print(f"    {_MARK[component.status]} {component.message}", highlight=False)


@pathway_app.command("publish")
@handles_errors()
def publish(
    file: Annotated[Path, typer.Argument(help="The pathway (YAML or JSON).")],
    org: OrgOpt,
    as_json: JsonOpt = False,
) -> None:
    """Publish a pathway as a new version (the same content again changes nothing)."""
    try:
        view = recognition.publish_pathway(open_instance(), org, load_data(file))
    except SpecFileError as exc:
        fail_usage(str(exc))
    except PathwayError as exc:
        if as_json:
            print_json({"valid": False, "errors": [p.to_dict() for p in exc.problems]})
            raise typer.Exit(EXIT_INVALID) from None
        for problem in exc.problems:
            console.print(f"[red]✗[/] {file}: {problem.path}: {problem.message}", highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    if as_json:
        print_json(view.to_json())
    else:
        state = "published" if view.created else "unchanged"
        console.print(
            f"{state}: {view.pathway_key} version {view.version} ({view.id}) by {view.org}",
            highlight=False,
        )


@pathway_app.command("list")
@handles_errors()
def list_(
    org: Annotated[str | None, typer.Option("--org", help="Only this authority's.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The pathways published on this instance."""
    views = recognition.list_pathways(open_instance(), org)
    if as_json:
        print_json([v.to_json() for v in views])
        return
    table = Table("id", "pathway", "version", "title", "authority", box=None)
    for v in views:
        table.add_row(v.id, v.pathway_key, str(v.version), v.title, v.org)
    console.print(table)


@pathway_app.command("evaluate")
@handles_errors()
def evaluate_(
    pathway: Annotated[str, typer.Argument(help="Pathway id, key, or KEY@VERSION.")],
    holder: HolderOpt,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate a holder's wallet against a pathway (every credential is verified again)."""
    view, evaluation, _ = recognition.evaluate_holder(open_instance(), pathway, holder)
    if as_json:
        print_json({"pathway": view.to_json(), "evaluation": evaluation.to_json()})
    else:
        render_evaluation(evaluation)


@recognition_app.command("apply")
@handles_errors()
def apply_(
    pathway: Annotated[str, typer.Argument(help="Pathway id, key, or KEY@VERSION.")],
    holder: HolderOpt,
    credential: Annotated[
        list[str] | None,
        typer.Option("--credential", help="Share these wallet items (default: those that count)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Apply for recognition: share the credentials that count with the pathway's authority."""
    view = recognition.apply(open_instance(), pathway, holder, item_ids=credential or None)
    if as_json:
        print_json(view.to_json())
    else:
        console.print(
            f"Application {view.id} sent to {view.org} with {len(view.component_ids)} "
            f"credential(s); evaluation: "
            + ("satisfied" if view.evaluation.get("satisfied") else "not satisfied"),
            highlight=False,
        )


@recognition_app.command("list")
@handles_errors()
def list_applications(
    org: Annotated[str | None, typer.Option("--org", help="Addressed to this authority.")] = None,
    holder: Annotated[str | None, typer.Option("--holder", help="From this holder.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Applications on this instance."""
    views = recognition.list_applications(open_instance(), org_ref=org, holder_ref=holder)
    if as_json:
        print_json([v.to_json() for v in views])
        return
    table = Table("id", "holder", "pathway", "authority", "evaluation", "status", box=None)
    for v in views:
        table.add_row(
            v.id,
            v.holder,
            f"{v.pathway_key}@{v.version}",
            v.org,
            f"{v.evaluation.get('progress')}%",
            v.status,
        )
    console.print(table)


@recognition_app.command("decide")
@handles_errors()
def decide(
    application: Annotated[str, typer.Argument(help="The application id.")],
    org: OrgOpt,
    outcome: Annotated[str, typer.Option("--outcome", help="recognised, partly or refused.")],
    reason: Annotated[list[str], typer.Option("--reason", help="A reason (repeatable).")],
    accept: Annotated[
        list[str] | None,
        typer.Option("--accept", help="For `partly`: a component accepted (repeatable)."),
    ] = None,
    accept_unchecked: Annotated[
        bool,
        typer.Option(
            "--accept-unchecked",
            help="Count the components that could not be checked now (you checked them).",
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the stacked credential here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the authority's decision; a positive one issues the stacked credential."""
    view = recognition.decide(
        open_instance(),
        application,
        org,
        outcome,
        reason,
        accept=accept or None,
        accept_unchecked=accept_unchecked,
    )
    credential = view.credential()
    if out is not None and credential is not None:
        out.write_text(json.dumps(credential, ensure_ascii=False, indent=2) + "\n", "utf-8")
    if as_json:
        print_json(view.to_json())
        return
    console.print(f"Decision: {view.outcome}; " + " ".join(view.reasons), highlight=False)
    if view.credential_id:
        console.print(
            f"Stacked credential {view.credential_id} ({view.ects_recognised} ECTS)"
            + (f", written to {out}" if out else ""),
            highlight=False,
        )
    notified = view.notified
    if notified is not None and notified.wallet_item:
        console.print("It is in the learner's wallet now.", highlight=False)
    if notified is not None and notified.email:
        where = notified.problem or (
            "written to the outbox" if notified.via == "outbox" else "sent"
        )
        console.print(f"The learner was mailed at {notified.email}: {where}.", highlight=False)


def _read_any(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return read_json_file(path, what)
    if text.startswith(("{", "[")):
        return read_json_file(path, what)
    return text


@recognition_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="The stacked credential.")],
    bundle: Annotated[
        Path,
        typer.Option("--bundle", help="The components: a presentation, a wallet bundle or a list."),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Verify a stacked credential and each component credential it names."""
    credential = _read_any(file, "a stacked credential")
    components = _read_any(bundle, "a bundle or presentation")
    report = recognition.verify_stacked_document(open_instance(), credential, components)
    if as_json:
        print_json(report.to_json())
    else:
        render_stacked(report)
    if not report.valid:
        raise typer.Exit(EXIT_INVALID)
