"""The stacking step of `microcred demo`: two organisations issue four micro-credentials,
a holder imports them, an authority publishes the example pathway, evaluates, decides and
issues a stacked credential that is verified against a presentation of its components."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from microcred.model.files import load_data
from microcred.services import (
    credentials,
    holders,
    organisations,
    recognition,
    sharing,
    specifications,
    wallet,
)
from microcred.services.credentials import IssueRequest
from microcred.services.instance import Instance

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def run_demo_step(
    instance: Instance,
    home: Path,
    holder_handle: str,
    *,
    now: datetime | None = None,
    say: Any = None,
) -> dict[str, Any]:
    """The stacking part of `microcred demo`: a university and a training centre issue four
        micro-credentials to the holder, who imports them; an authority publishes the example
        "Data analysis" pathway; the wallet is evaluated (satisfied); the holder applies; the
        authority recognises; the stacked credential is written to `home/credentials/` and verified
        against a presentation of its components; the stacked credential lands in the holder's
    wallet and a mail (the outbox without SMTP) brings the outcome, the reasons and a claim link.
    Creates the holder when it does not exist.
        Returns a JSON-able summary (evaluation, decision, stacked credential verification)."""
    speak = say or (lambda _message: None)
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    existing = {o.slug: o for o in organisations.list_all(instance)}

    def org(slug: str, name: str, url: str) -> str:
        if slug not in existing:
            organisations.create(instance, name=name, country="LV", url=url, slug=slug)
        return slug

    university = org("demo-university", "Latvijas Universitāte (demo)", "https://www.lu.example.lv")
    centre = org(
        "demo-training-centre", "Rīgas Datu mācību centrs (demo)", "https://datacentre.example.lv"
    )
    authority = org(
        "demo-recognition-authority",
        "Datu prasmju atzīšanas padome (demo authority)",
        "https://recognition.example.lv",
    )
    try:
        holder = holders.get(instance, holder_handle)
        learner_email = holder.email or f"{holder.handle}@example.lv"
        learner_name = holder.name
    except holders.HolderNotFound:
        created = holders.create(
            instance, name="Anna Bērziņa", handle=holder_handle, email="anna.berzina@example.lv"
        )
        learner_email, learner_name = created.email or "anna.berzina@example.lv", created.name
    pathways_dir = EXAMPLES / "pathways"
    sources = [
        (university, EXAMPLES / "specs" / "university-data-analysis.yaml"),
        (university, pathways_dir / "components" / "lu-applied-statistics.yaml"),
        (centre, pathways_dir / "components" / "tc-sql-for-analysts.yaml"),
        (centre, pathways_dir / "components" / "tc-data-visualisation.yaml"),
    ]
    issued = []
    for slug, path in sources:
        spec = specifications.publish(instance, slug, load_data(path))
        view = credentials.issue(
            instance,
            slug,
            spec.id,
            IssueRequest(learner_name, learner_email, (moment.date().replace(day=1)).isoformat()),
        )
        document = view.credential()
        raw = (document if isinstance(document, str) else json.dumps(document)).encode()
        item, _ = wallet.import_bytes(instance, holder_handle, raw, source="demo")
        issued.append(item.id)
        speak(f"  {slug} issued “{item.title}” ({item.ects} ECTS), imported: {item.status}")
    pathway_view = recognition.publish_pathway(
        instance, authority, load_data(pathways_dir / "data-analysis.yaml")
    )
    speak(f"  {authority} published the pathway {pathway_view.pathway_key} v{pathway_view.version}")
    _, evaluation, _ = recognition.evaluate_holder(
        instance, pathway_view.id, holder_handle, now=moment
    )
    speak(
        f"  evaluation: {'satisfied' if evaluation.satisfied else 'not satisfied'} "
        f"({evaluation.progress}%)"
    )
    application = recognition.apply(instance, pathway_view.id, holder_handle, now=moment)
    decision = recognition.decide(
        instance,
        application.id,
        authority,
        "recognised",
        ["All rules of the pathway are met by four verified component credentials."],
        now=moment,
    )
    stacked = decision.credential()
    assert stacked is not None
    out = home / "credentials"
    out.mkdir(parents=True, exist_ok=True)
    stacked_path = out / "stacked-data-analysis.json"
    stacked_path.write_text(json.dumps(stacked, ensure_ascii=False, indent=2), encoding="utf-8")
    vp = sharing.present(
        instance,
        holder_handle,
        application.component_ids,
        challenge="demo-challenge",
        domain=instance.base_url,
    )
    (out / "stacked-components-vp.json").write_text(
        json.dumps(vp, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    report = recognition.verify_stacked_document(instance, stacked, vp)
    speak(
        f"  {authority} recognised it: {decision.ects_recognised} ECTS, stacked credential "
        f"{decision.credential_id} → {report.status}"
    )
    notified = decision.notified
    if notified is not None and notified.wallet_item:
        speak(f"  the stacked credential is in {holder_handle}'s wallet now")
    if notified is not None and notified.email:
        where = "written to the outbox" if notified.via == "outbox" else "sent"
        speak(
            f"  a mail with the outcome, the reasons and a claim link to {notified.email}: "
            f"{notified.problem or where}"
        )
    speak(
        f"  the learner's page: {instance.base_url}/wallet/applications/{application.id}; "
        f"the authority's: {instance.base_url}/authority/applications/{application.id}"
    )
    return {
        "pathway": pathway_view.to_json(),
        "components": issued,
        "evaluation": evaluation.to_json(),
        "application": application.id,
        "decision": decision.to_json(with_document=False),
        "stacked_credential": {
            "id": decision.credential_id,
            "file": str(stacked_path),
            "verification": report.to_json(),
        },
    }
