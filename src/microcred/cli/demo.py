"""`microcred demo`: the whole system end to end in a fresh home, on the embedded default."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from microcred.cli import (
    demo_accounts,
    demo_certificates,
    demo_offer,
    demo_presentation,
    demo_public_page,
    demo_receive,
    demo_sd_jwt,
    demo_token_status,
)
from microcred.cli.output import console, print_json
from microcred.model.files import load_data
from microcred.model.validation import validate_specification


def example_spec_paths() -> list[Path]:
    folder = resources.files("microcred").joinpath("data/examples/specs")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".yaml", ".json")))


def _step_validate_examples(say: Any) -> dict[str, Any]:
    results = []
    for path in example_spec_paths():
        problems = validate_specification(load_data(path))
        results.append({"file": path.name, "valid": not problems, "errors": len(problems)})
        say(f"  {'✓' if not problems else '✗'} {path.name}")
    return {"specs": results, "specs_valid": sum(r["valid"] for r in results)}


def _step_issue_and_verify(home: Path, say: Any, as_json: bool) -> dict[str, Any]:
    import copy
    import json
    from datetime import UTC, datetime

    from microcred.model.validation import parse_award
    from microcred.proofs.did import did_key_for
    from microcred.proofs.keys import Ed25519KeyPair
    from microcred.services.issuing import issue_award
    from microcred.services.verifying import verifier_context
    from microcred.verify import TrustedIssuer, TrustList, verify_credential

    spec_path = next(p for p in example_spec_paths() if p.name == "university-data-analysis.yaml")
    key = Ed25519KeyPair.generate()
    award = parse_award(
        {
            "spec": load_data(spec_path),
            "learner": {"name": "Anna Bērziņa", "identifier": "mailto:anna.berzina@example.lv"},
            "issued_on": datetime.now(UTC).replace(microsecond=0),
            "grade": "9 (excellent)",
        }
    )
    credential = issue_award(award, key)
    assert isinstance(credential, dict)
    out = home / "credentials"
    out.mkdir(parents=True, exist_ok=True)
    (out / "anna-berzina.json").write_text(json.dumps(credential, ensure_ascii=False, indent=2))
    say(f"  issued {award.id} to {award.learner.name}, signed by {did_key_for(key)}")
    say(f"  written to {out / 'anna-berzina.json'}")
    # The demo instance trusts its own issuer, as an instance trusts its own organisations.
    trust = TrustList.of([TrustedIssuer(did_key_for(key), "University of Latvia (demo)", "LV")])
    context = verifier_context(None, now=datetime.now(UTC), trust=trust)
    report = verify_credential(credential, context)
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 30
    (out / "anna-berzina-tampered.json").write_text(
        json.dumps(tampered, ensure_ascii=False, indent=2)
    )
    tampered_report = verify_credential(tampered, context)
    if not as_json:
        from microcred.cli.verify import render

        say("\n[bold]   The credential as issued:[/]")
        render(report)
        say("\n[bold]   The same credential with its ECTS changed from 5 to 30:[/]")
        render(tampered_report)
    return {
        "issued": {
            "id": award.id,
            "issuer": did_key_for(key),
            "file": str(out / "anna-berzina.json"),
        },
        "verification": {"issued": report.status, "tampered": tampered_report.status},
    }


def _step_issuer(home: Path, say: Any, as_json: bool) -> dict[str, Any]:
    import json
    from datetime import UTC, datetime

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from microcred.services import credentials, organisations, specifications
    from microcred.services.bulk import count_rows
    from microcred.services.bulk_jobs import run_csv
    from microcred.services.instance import Instance
    from microcred.services.verifying import verifier_context
    from microcred.settings import Settings
    from microcred.verify import verify_credential

    instance = Instance(Settings(home=home, database_url=f"sqlite:///{home / 'microcred.db'}"))
    org = organisations.create(
        instance,
        name="Latvijas Universitāte",
        country="LV",
        url="https://www.lu.example.lv",
        slug="lu",
        actor="demo",
    )
    say(f"  organisation {org.name}: {org.did}")
    published = {}
    for path in example_spec_paths():
        stored = specifications.publish(instance, org.slug, load_data(path), actor="demo")
        published[path.name] = stored.id
        say(f"  published {stored.title} (version {stored.version})")
    learners = Path(str(resources.files("microcred").joinpath("data/examples/learners.csv")))
    out_dir = home / "issued"
    with Progress(
        TextColumn("  bulk issuance"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=as_json,
    ) as progress:
        task = progress.add_task("bulk", total=count_rows(learners))
        summary = run_csv(  # the bulk job path, in this process
            instance,
            org.slug,
            published["university-data-analysis.yaml"],
            learners,
            out_dir,
            progress=lambda n: progress.advance(task, n),
            actor="demo",
        )
    say(f"  {summary.issued} credentials issued into {out_dir}, {summary.errors} row errors")
    issued = credentials.list_for(instance, org.slug, search="anna.berzina0@example.lv")
    revoked = credentials.revoke(
        instance,
        credentials.list_for(instance, org.slug, search="janis.zarins1@example.lv")[0].id,
        reason="Demo: issued in error",
        actor="demo",
    )
    say(f"  revoked {revoked.id} ({revoked.learner_name})")
    context = verifier_context(instance, now=datetime.now(UTC))
    valid_report = verify_credential(issued[0].credential(), context)
    revoked_report = verify_credential(json.loads(revoked.document), context)
    say(
        f"  verify {issued[0].learner_name}: [bold]{valid_report.status}[/]; "
        f"verify {revoked.learner_name}: [bold]{revoked_report.status}[/] ({revoked_report.check('status').message})"
    )
    instance.close()
    return {
        "_issued_ids": [i.id for i in issued],
        "issuer": {
            "organisation": org.slug,
            "did": org.did,
            "specs_published": len(published),
            "bulk_rows": summary.total_rows,
            "issued": summary.issued,
            "errors": summary.errors,
            "revoked": 1,
            "verification": {"valid": valid_report.status, "revoked": revoked_report.status},
        },
    }


def _step_wallet(home: Path, say: Any) -> dict[str, Any]:
    from microcred.services import holders, sharing, wallet
    from microcred.services.instance import Instance
    from microcred.settings import Settings

    instance = Instance(Settings(home=home, database_url=f"sqlite:///{home / 'microcred.db'}"))
    anna = holders.create(
        instance,
        name="Anna Bērziņa",
        handle="anna",
        email="anna@example.lv",
        password="demo-password-anna",  # noqa: S106 - the demo's published sign-in
    )
    imported = []
    sources = [
        *sorted((home / "issued").glob("anna-berzina-*.json")),
        home / "credentials" / "anna-berzina.json",
        home / "credentials" / "anna-berzina-tampered.json",
    ]
    for path in sources:
        item, _ = wallet.import_bytes(instance, anna.handle, path.read_bytes(), filename=path.name)
        imported.append(item)
        note = "" if item.status == "valid" else " (kept, and marked as such)"
        say(f"  imported {item.title} from {path.name}: {item.status}{note}")
    totals = wallet.totals(wallet.list_items(instance, anna.handle))
    valid = [i.id for i in imported if i.status == "valid"]
    share = sharing.create_share(instance, anna.handle, valid, expires_in_days=30)
    say(
        f"  portfolio: {totals['count']} credentials, {totals['valid']} valid, {totals['ects']:g} ECTS"
    )
    say(f"  share link for {len(valid)} credential(s): {share.url}")
    instance.close()
    return {
        "wallet": {
            "holder": anna.handle,
            "imported": len(imported),
            "statuses": [i.status for i in imported],
            "ects": totals["ects"],
            "share_url": share.url,
        }
    }


def _step_stacking(home: Path, say: Any) -> dict[str, Any]:
    from microcred.cli.demo_recognition import run_demo_step
    from microcred.services.instance import Instance
    from microcred.settings import Settings

    instance = Instance(Settings(home=home, database_url=f"sqlite:///{home / 'microcred.db'}"))
    try:
        result = run_demo_step(instance, home, "anna", say=lambda text: say(f"  {text}"))
    finally:
        instance.close()
    stacked = result.get("stacked_credential") or {}
    return {
        "stacking": {
            "pathway": result.get("pathway"),
            "evaluation": result.get("evaluation"),
            "decision": result.get("decision"),
            "stacked_credential": {
                "id": stacked.get("id"),
                "file": stacked.get("file"),
                "verification_status": (stacked.get("verification") or {}).get("status"),
            },
        }
    }


def _fresh_home(home: Path) -> None:
    """The demo builds its instance from scratch; it only ever deletes a demo home of its own."""
    import shutil

    from microcred.services.instance import private_directory

    marker = home / ".microcred-demo"
    if home.exists() and any(home.iterdir()):
        if not marker.exists():
            from microcred.cli.output import fail_usage

            fail_usage(f"{home} exists and is not a demo home; choose another --home")
        shutil.rmtree(home)
    private_directory(home)  # 0700: the demo's database and key are its owner's alone
    marker.write_text("created by `microcred demo`; deleted and rebuilt by the next run\n")


def demo(
    home: Annotated[
        Path, typer.Option(help="Where the demo instance lives (created fresh).")
    ] = Path(".microcred-demo"),
    serve: Annotated[bool, typer.Option(help="Serve the web app at the end.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary instead.")] = False,
) -> None:
    """Build a demo instance and run the main job end to end, showing each step."""

    def say(text: str) -> None:
        if not as_json:
            console.print(text, highlight=False)

    _fresh_home(home)
    summary: dict[str, Any] = {"home": str(home.resolve())}
    say("[bold]1. The EU standard:[/] validating the example specifications")
    summary.update(_step_validate_examples(say))
    say(
        "\n[bold]2. Signed credentials:[/] issuing an Open Badges 3.0 micro-credential and verifying it"
    )
    summary.update(_step_issue_and_verify(home, say, as_json))
    say(
        "\n[bold]3. The issuer service:[/] an organisation, its specifications, a bulk issuance and a revocation"
    )
    summary.update(_step_issuer(home, say, as_json))
    summary.update(demo_certificates.run_demo_step(home, say))
    summary.update(demo_token_status.run_demo_step(home, say))  # revoked, in the statuslist+jwt
    summary.update(demo_sd_jwt.run_demo_step(home, say))  # an SD-JWT VC and a presentation
    summary.pop("_issued_ids", None)
    say(
        "\n[bold]4. The learner's wallet:[/] importing credentials from several issuers and sharing them"
    )
    summary.update(_step_wallet(home, say))
    summary.update(demo_public_page.run_demo_step(home, say))  # her public page, switched on
    summary.update(demo_receive.run_demo_step(home, say))  # the wallet receives over OpenID4VCI
    summary.update(demo_offer.run_demo_step(home, say))  # an offer for another wallet, with a QR
    summary.update(demo_presentation.run_demo_step(home, say))  # an employer asks, OpenID4VP
    say("\n[bold]5. Stacking and recognition:[/] a pathway, an evaluation, an authority's decision")
    summary.update(_step_stacking(home, say))
    summary.update(demo_accounts.run_demo_step(home, say))  # members' and the wallet's sign-ins
    if as_json:
        print_json(summary)
    else:
        console.print(f"\n[bold green]Demo complete.[/] Instance in {home}")
    if serve and not as_json:
        _serve(home)


def _serve(home: Path) -> None:
    import uvicorn

    from microcred.api.app import create_app

    settings = demo_certificates.demo_settings(home)  # the demo trusts its TEST CA
    console.print(
        f"\nServing the demo instance on {settings.base_url} (API docs at {settings.base_url}/docs); "
        "press Ctrl+C to stop.",
        highlight=False,
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=8000, log_level="warning")
