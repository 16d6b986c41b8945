"""The stacked credential: the authority's recognition decision as an Open Badges 3.0 credential.

It is an ordinary `OpenBadgeCredential` for the pathway's target (with the EU
elements of the target as its achievement), issued to the holder by the
authority, with:

- `evidence[]`: one `Evidence` entry per component credential, whose `id` is the
  component credential's id and whose `digestMultibase` (the VC 2.0 term for the
  integrity of a related resource) is the sha2-256 multihash of the component's
  canonical bytes (`component.canonical_bytes`);
- `credentialSubject.creditsEarned`: the ECTS the authority recognised;
- `awardedDate` (and `validFrom`): the date of the decision.

`verify_stacked` verifies the stacked credential itself and then, for every
component it names, that the component is present in the bundle or presentation
given, unaltered (digest match) and was not revoked at the decision date.

A Bitstring Status List says only what a credential's status is *now*, not when
it changed. A component that verifies as revoked (or suspended) now is therefore
reported as a **warning** (revoked after the decision: the authority re-verified
every component when it decided) unless the caller knows the revocation date
(`revoked_at`, e.g. from the instance's own issuing records) and that date is on
or before the decision date, which is a **failure**.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from microcred.formats.dates import parse_timestamp
from microcred.formats.ob3 import award_to_ob3
from microcred.model.award import Award, Learner
from microcred.model.multilingual import pick
from microcred.model.spec import AwardingBody
from microcred.stacking.component import (
    Component,
    credential_id,
    credential_of,
    digest_multibase,
)
from microcred.stacking.pathway import Pathway
from microcred.verify.credential import VerifierContext, verify_credential
from microcred.verify.report import Check, CheckStatus, VerificationReport

STACKED_MARK = "urn:microcred:recognition"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_stacked_credential(
    pathway: Pathway,
    *,
    credential_id: str,
    authority: AwardingBody,
    issuer_id: str,
    issuer_profile: dict[str, Any] | None,
    holder_name: str,
    holder_id: str,
    components: Sequence[Component],
    ects_recognised: Decimal | None,
    decided_at: datetime,
    outcome: str,
    reasons: Sequence[str],
    credential_status: dict[str, Any] | list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The unsigned stacked credential (the service signs it with the authority's key)."""
    if outcome not in ("recognised", "partly"):
        raise ValueError("only a positive decision (recognised, partly) yields a credential")
    if not components:
        raise ValueError("a stacked credential names at least one component credential")
    spec = pathway.target.specification(authority)
    award = Award(
        id=credential_id,
        spec=spec,
        learner=Learner(name=holder_name, identifier=holder_id),
        issued_on=decided_at,
    )
    credential = award_to_ob3(
        award,
        issuer_id=issuer_id,
        credential_status=credential_status,
        issuer_profile=issuer_profile,
    )
    ach = credential["credentialSubject"]["achievement"]
    ach["achievementType"] = pathway.target.achievement_type
    subject = credential["credentialSubject"]
    title = pick(spec.title, tuple(pathway.languages) or ("en",))
    if outcome == "partly":
        credential["name"] = f"{title} (partial recognition)"
    subject.pop("creditsEarned", None)
    if ects_recognised is not None:
        subject["creditsEarned"] = _number(ects_recognised)
    stated = (
        f"{_number(ects_recognised)} ECTS recognised"
        if ects_recognised is not None
        else "recognised"
    )
    kind = "Recognised" if outcome == "recognised" else "Partly recognised"
    subject["narrative"] = (
        f"{kind} on {decided_at.date().isoformat()} under the pathway {pathway.id} "
        f"from {len(components)} component credential(s); {stated}."
        + (" Reasons: " + " ".join(reasons) if reasons else "")
    )
    basis: list[dict[str, Any]] = []
    if pathway.id.startswith(("https://", "http://")):
        # The pathway the decision applied, first: Open Badges readers take the first
        # evidence entry as the credential's evidence URL.
        basis.append(
            {
                "id": pathway.id,
                "type": ["Evidence"],
                "name": f"Recognition pathway: {pick(pathway.title)}",
                "genre": "recognition pathway",
            }
        )
    credential["evidence"] = basis + [
        {
            "id": c.ref,
            "type": ["Evidence"],
            "name": c.name,
            "description": (
                f"component credential issued by {c.issuer_name or c.issuer_id or 'unknown'}"
                + (f", {_number(c.ects)} ECTS" if c.ects is not None else "")
            ),
            "genre": "component credential",
            "digestMultibase": c.digest,
        }
        for c in components
    ]
    return credential


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class ComponentCheck:
    """The checks of one component named by the stacked credential."""

    id: str
    name: str
    status: str  # pass / warn / fail
    message: str
    present: bool
    digest_matches: bool | None
    component_status: str | None
    report: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "message": self.message,
            "present": self.present,
            "digest_matches": self.digest_matches,
            "component_status": self.component_status,
        }


@dataclass(frozen=True)
class StackedReport:
    valid: bool
    status: str
    credential: VerificationReport
    checks: tuple[Check, ...]
    components: tuple[ComponentCheck, ...]
    decided_at: datetime | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    def component(self, component_id: str) -> ComponentCheck:
        return next(c for c in self.components if c.id == component_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "status": self.status,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "checks": [c.to_json() for c in self.checks],
            "credential": self.credential.to_json(),
            "components": [c.to_json() for c in self.components],
            **({"summary": self.summary} if self.summary else {}),
        }


def components_in(bundle: Any) -> list[dict[str, Any] | str]:
    """The credentials of whatever bundle was given: a verifiable presentation (JSON-LD or
    vp+jwt), a wallet bundle, a recognition application export, a list, or one credential."""
    from microcred.stacking.component import jwt_payload

    if isinstance(bundle, bytes):
        bundle = bundle.decode("utf-8")
    if isinstance(bundle, str):
        text = bundle.strip()
        if text.startswith(("{", "[")):
            try:
                return components_in(json.loads(text))
            except ValueError:
                return []
        payload = jwt_payload(text)
        if payload is not None and isinstance(payload.get("vp"), dict):
            return components_in(payload["vp"])
        if payload is not None and "verifiableCredential" in payload:
            return components_in(payload)
        return [text] if payload is not None else []
    if isinstance(bundle, list):
        out: list[dict[str, Any] | str] = []
        for item in bundle:
            out.extend(components_in(item))
        return out
    if not isinstance(bundle, dict):
        return []
    if "verifiableCredential" in bundle:
        embedded = bundle["verifiableCredential"]
        items = embedded if isinstance(embedded, list) else [embedded]
        out = []
        for item in items:
            url = item.get("id") if isinstance(item, dict) else None
            if isinstance(url, str) and url.startswith("data:application/vc+jwt,"):
                out.append(url.split(",", 1)[1])
            elif isinstance(item, dict | str):
                out.append(item)
        return out
    if isinstance(bundle.get("credentials"), list):
        out = []
        for entry in bundle["credentials"]:
            if isinstance(entry, dict) and isinstance(entry.get("original"), str):
                original = entry["original"]
                try:
                    parsed = json.loads(original)
                except ValueError:
                    out.append(original)
                    continue
                out.append(parsed if isinstance(parsed, dict) else original)
            elif isinstance(entry, dict | str):
                out.append(entry)
        return out
    return [bundle]


def _component_check(
    entry: dict[str, Any],
    given: dict[str, list[dict[str, Any] | str]],
    ctx: VerifierContext,
    decided_at: datetime | None,
    revoked_at: Callable[[str], datetime | None] | None,
) -> ComponentCheck:
    cid = str(entry.get("id"))
    name = str(entry.get("name") or cid)
    expected = entry.get("digestMultibase")
    candidates = given.get(cid, [])
    if not candidates:
        return ComponentCheck(
            cid,
            name,
            "fail",
            f"{name}: not in the bundle or presentation given, so it cannot be checked",
            False,
            None,
            None,
        )
    if not isinstance(expected, str):
        return ComponentCheck(
            cid,
            name,
            "fail",
            f"{name}: the stacked credential gives no digestMultibase for it",
            True,
            None,
            None,
        )
    document = next((d for d in candidates if digest_multibase(d) == expected), None)
    if document is None:
        return ComponentCheck(
            cid,
            name,
            "fail",
            f"{name}: present, but altered: its digest does not match the one recognised",
            True,
            False,
            None,
        )
    report = verify_credential(document, ctx)
    data = report.to_json()
    status = report.status
    if status == "valid":
        return ComponentCheck(
            cid, name, "pass", f"{name}: present, unaltered and valid", True, True, status, data
        )
    if status in ("revoked", "suspended"):
        when = revoked_at(cid) if revoked_at is not None and status == "revoked" else None
        if when is not None and decided_at is not None and when <= decided_at:
            return ComponentCheck(
                cid,
                name,
                "fail",
                f"{name}: was revoked on {when.date().isoformat()}, before the decision of "
                f"{decided_at.date().isoformat()}",
                True,
                True,
                status,
                data,
            )
        if when is not None:
            detail = f"on {when.date().isoformat()}, after the decision"
        else:
            detail = (
                "after the decision (it verified when the authority decided; a status list "
                "does not say when a status changed)"
            )
        return ComponentCheck(
            cid,
            name,
            "warn",
            f"{name}: {status} {detail}; the recognition stands unless the authority withdraws it",
            True,
            True,
            status,
            data,
        )
    if status == "expired":
        end = parse_timestamp(
            credential_of(document) and (credential_of(document) or {}).get("validUntil")
        )
        if end is not None and decided_at is not None and end >= decided_at:
            return ComponentCheck(
                cid,
                name,
                "pass",
                f"{name}: present and unaltered; it expired on {end.date().isoformat()}, "
                "after the decision",
                True,
                True,
                status,
                data,
            )
    failed = "; ".join(c.message for c in report.checks if c.status == "fail")
    return ComponentCheck(
        cid,
        name,
        "fail",
        f"{name}: present and unaltered but does not verify ({status}{': ' + failed if failed else ''})",
        True,
        True,
        status,
        data,
    )


def verify_stacked(
    credential: dict[str, Any] | str | bytes,
    components: Sequence[dict[str, Any] | str],
    ctx: VerifierContext,
    *,
    revoked_at: Callable[[str], datetime | None] | None = None,
) -> StackedReport:
    """Verify a stacked credential and every component it names against the credentials given.

    Never raises for bad input: the report says what failed."""
    own = verify_credential(credential, ctx)
    document = own.credential if isinstance(own.credential, dict) else {}
    decided_at = parse_timestamp(document.get("awardedDate") or document.get("validFrom"))
    evidence = document.get("evidence")
    entries = [
        e
        for e in (evidence if isinstance(evidence, list) else [evidence] if evidence else [])
        if isinstance(e, dict) and isinstance(e.get("id"), str)
    ]
    named = [e for e in entries if "digestMultibase" in e]
    given: dict[str, list[dict[str, Any] | str]] = {}
    for item in components:
        try:
            cid = credential_id(item)
        except (TypeError, ValueError):
            cid = None
        if cid is not None:
            given.setdefault(cid, []).append(item)
    checks = [*own.checks]
    results = tuple(_component_check(e, given, ctx, decided_at, revoked_at) for e in named)
    if not named:
        checks.append(
            Check(
                "components",
                "fail",
                "names no component credentials (no evidence with a digestMultibase): "
                "not a stacked credential",
                "stacked.no_components",
            )
        )
    else:
        failed = [r for r in results if r.status == "fail"]
        warned = [r for r in results if r.status == "warn"]
        status: CheckStatus = "fail" if failed else "warn" if warned else "pass"
        message = (
            f"{len(results) - len(failed)} of {len(results)} component credentials present, "
            "unaltered and valid at the decision"
        )
        if failed:
            message += "; failing: " + ", ".join(r.name for r in failed)
        elif warned:
            message += "; changed since: " + ", ".join(r.name for r in warned)
        checks.append(Check("components", status, message, f"stacked.components_{status}"))
    components_ok = bool(named) and not any(r.status == "fail" for r in results)
    valid = own.valid and components_ok
    overall = own.status if not own.valid else "valid" if components_ok else "invalid"
    summary = {
        "name": document.get("name"),
        "credits_earned": (document.get("credentialSubject") or {}).get("creditsEarned")
        if isinstance(document.get("credentialSubject"), dict)
        else None,
    }
    return StackedReport(valid, overall, own, tuple(checks), results, decided_at, summary)
