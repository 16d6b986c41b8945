"""Evaluating a holder's credentials against a pathway: pure, deterministic, explained.

`evaluate(pathway, components, now=...)` says whether the pathway is satisfied,
how far along the holder is (a percentage), and for every rule what counts
towards it and what is still missing, in sentences a person can act on.

- Only components whose verification status is `valid` can count; a revoked,
  suspended, expired or unverified credential is listed with the reason. One that could
  not be checked (`unchecked`: authentic, its revocation status unknown) is listed as
  such, never as a failure: the authority decides whether it counts.
- A credential counts at most once per rule: in `require` and `choose` rules each
  listed entry needs a different credential (a maximum matching), and the same
  credential (same id or digest) given twice counts once.
- Adding a credential never lowers the progress (every rule's measure is
  monotone in the set of credentials); the property tests check it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from microcred.model.multilingual import pick
from microcred.stacking.component import Component
from microcred.stacking.pathway import Accept, Matcher, Pathway, Rule

_STATUS_REASONS = {
    "revoked": "it has been revoked by its issuer",
    "suspended": "it is suspended by its issuer",
    "expired": "it has expired",
    "invalid": "it did not verify (the signature, issuer or format could not be confirmed)",
    "unchecked": "it could not be checked now (authentic, but whether its issuer withdrew it "
    "is not known); the authority decides whether it counts",
}


@dataclass(frozen=True)
class Counted:
    component: str
    title: str
    towards: str

    def to_json(self) -> dict[str, str]:
        return {"component": self.component, "title": self.title, "towards": self.towards}


@dataclass(frozen=True)
class Excluded:
    component: str
    title: str
    reasons: tuple[str, ...]
    unchecked: bool = False  # could not be checked now: not a failure, the authority decides

    def sentence(self) -> str:
        return f"{self.title} does not count: " + "; ".join(self.reasons)

    def to_json(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "title": self.title,
            "reasons": list(self.reasons),
            "unchecked": self.unchecked,
        }


@dataclass(frozen=True)
class RuleResult:
    id: str
    kind: str
    title: str
    met: bool
    progress: float
    summary: str
    counted: tuple[Counted, ...]
    missing: tuple[str, ...]
    excluded: tuple[Excluded, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "met": self.met,
            "progress": round(self.progress * 100, 1),
            "summary": self.summary,
            "counted": [c.to_json() for c in self.counted],
            "missing": list(self.missing),
            "excluded": [e.to_json() for e in self.excluded],
        }


@dataclass(frozen=True)
class Evaluation:
    pathway_id: str
    title: str
    satisfied: bool
    progress: float
    rules: tuple[RuleResult, ...]
    used: tuple[str, ...]
    considered: tuple[str, ...]
    evaluated_at: datetime
    # components that could not be checked now (status `unchecked`): the authority decides
    unchecked: tuple[str, ...] = ()

    def rule(self, rule_id: str) -> RuleResult:
        return next(r for r in self.rules if r.id == rule_id)

    @property
    def missing(self) -> list[str]:
        return [m for r in self.rules for m in r.missing]

    def to_json(self) -> dict[str, Any]:
        return {
            "pathway": self.pathway_id,
            "title": self.title,
            "satisfied": self.satisfied,
            "progress": self.progress,
            "evaluated_at": self.evaluated_at.isoformat(),
            "rules": [r.to_json() for r in self.rules],
            "used": list(self.used),
            "considered": list(self.considered),
            "unchecked": list(self.unchecked),
        }


# --------------------------------------------------------------------------- conditions


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def ineligible_reasons(component: Component, accept: Accept, now: datetime) -> list[str]:
    """Why a component cannot count under these conditions (empty: it can)."""
    reasons: list[str] = []
    if component.status != "valid":
        reasons.append(
            _STATUS_REASONS.get(component.status, f"its verification status is {component.status}")
        )
    elif component.valid_until is not None and component.valid_until < now:
        reasons.append(f"it expired on {component.valid_until.date().isoformat()}")
    if accept.issued_within_years is not None:
        if component.issued_on is None:
            reasons.append("it has no date of issue, so its recency cannot be checked")
        elif component.issued_on < _years_before(now, accept.issued_within_years):
            reasons.append(
                f"it was issued on {component.issued_on.date().isoformat()}, more than "
                f"{accept.issued_within_years} years ago"
            )
    if accept.min_eqf_level is not None:
        if component.eqf_level is None:
            reasons.append(f"it states no EQF level (EQF {accept.min_eqf_level} or higher needed)")
        elif component.eqf_level < accept.min_eqf_level:
            reasons.append(
                f"it is at EQF level {component.eqf_level}; "
                f"level {accept.min_eqf_level} or higher is needed"
            )
    if accept.issuers or accept.trusted_issuers:
        named = bool(
            {component.issuer_id, component.awarding_body_id} & set(accept.issuers) - {None}
        )
        trusted = accept.trusted_issuers and component.trusted
        if not (named or trusted):
            who = component.issuer_name or component.issuer_id or "an unknown issuer"
            if accept.issuers and accept.trusted_issuers:
                why = "neither an accepted issuer nor on the trust list"
            elif accept.issuers:
                why = "not one of the accepted issuers"
            else:
                why = "not on the trust list"
            reasons.append(f"it is issued by {who}, {why}")
    if accept.assessment_types:
        allowed = [a.value for a in accept.assessment_types]
        if component.assessment_type not in allowed:
            reasons.append(
                f"its assessment ({component.assessment_type or 'not stated'}) is not one of "
                + ", ".join(allowed)
            )
    if accept.supervision:
        allowed = [s.value for s in accept.supervision]
        if component.supervision not in allowed:
            reasons.append(
                f"its supervision ({component.supervision or 'not stated'}) is not one of "
                + ", ".join(allowed)
            )
    return reasons


def matches(matcher: Matcher, component: Component) -> bool:
    if matcher.spec is not None and component.spec_id != matcher.spec:
        return False
    if matcher.title is not None:
        needle = matcher.title.casefold()
        if not any(needle in t.casefold() for t in component.title.values()):
            return False
    if matcher.issuer is not None:
        needle = matcher.issuer.casefold()
        exact = matcher.issuer in {component.issuer_id, component.awarding_body_id}
        if not exact and needle not in (component.issuer_name or "").casefold():
            return False
    return matcher.skill is None or matcher.skill in component.skills


# --------------------------------------------------------------------------- rules


def _dedupe(components: Iterable[Component]) -> list[Component]:
    """The same credential given twice counts once (by credential id, else by digest)."""
    seen: set[str] = set()
    out: list[Component] = []
    for c in components:
        keys = {c.digest} | ({c.credential_id} if c.credential_id else set())
        if keys & seen:
            continue
        seen |= keys
        out.append(c)
    return out


def _max_matching(matchers: Sequence[Matcher], components: Sequence[Component]) -> dict[int, int]:
    """A maximum matching matcher index -> component index (Kuhn's augmenting paths)."""
    owner: dict[int, int] = {}
    edges = [[j for j, c in enumerate(components) if matches(m, c)] for m in matchers]

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(matchers)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def _num(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


class _Context:
    def __init__(
        self,
        pathway: Pathway,
        components: Sequence[Component],
        now: datetime,
        lang: str | None = None,
    ) -> None:
        self.pathway = pathway
        self.components = components
        self.now = now
        self.lang = ((lang,) if lang else ()) + (tuple(pathway.languages) or ("en",))

    def split(self, rule: Rule) -> tuple[list[Component], dict[str, Excluded]]:
        accept = self.pathway.accept.merged(rule.accept)
        eligible: list[Component] = []
        excluded: dict[str, Excluded] = {}
        for c in self.components:
            reasons = ineligible_reasons(c, accept, self.now)
            if c.stacked_for == self.pathway.id:
                reasons.insert(0, "it is the credential this pathway awards")
            if reasons:
                unchecked = c.status == "unchecked"
                excluded.setdefault(c.id, Excluded(c.id, c.name, tuple(reasons), unchecked))
            else:
                eligible.append(c)
        return _dedupe(eligible), excluded


def _relevant(
    excluded: dict[str, Excluded], components: Sequence[Component], matchers: Sequence[Matcher]
) -> tuple[Excluded, ...]:
    ids = {c.id for c in components if any(matches(m, c) for m in matchers)}
    return tuple(e for key, e in excluded.items() if key in ids)


def _matched_rule(
    ctx: _Context, rule: Rule, matchers: Sequence[Matcher], needed: int
) -> RuleResult:
    eligible, excluded = ctx.split(rule)
    pairs = _max_matching(matchers, eligible)
    counted = tuple(
        Counted(eligible[j].id, eligible[j].name, matchers[i].describe(ctx.lang))
        for i, j in sorted(pairs.items())
    )
    relevant = _relevant(excluded, ctx.components, matchers)
    unmatched = [m for i, m in enumerate(matchers) if i not in pairs]
    have = len(pairs)
    missing: list[str] = []
    if rule.kind == "require":
        for m in unmatched:
            why = [e.sentence() for e in relevant if any(matches(m, c) for c in _by_id(ctx, e))]
            used = [eligible[j].name for j in pairs.values() if matches(m, eligible[j])]
            line = f"missing: {m.describe(ctx.lang)}"
            if why:
                line += " (" + "; ".join(why) + ")"
            elif used:
                line += f" ({', '.join(used)} already counts for another entry of this rule)"
            missing.append(line)
        summary = f"{have} of {len(matchers)} required credentials present"
    else:
        if have < needed:
            options = "; ".join(m.describe(ctx.lang) for m in unmatched)
            line = f"{needed - have} more needed, from: {options}"
            if relevant:
                line += " (" + "; ".join(e.sentence() for e in relevant) + ")"
            missing.append(line)
        summary = f"{have} of the {len(matchers)} listed credentials present, {needed} needed"
    return RuleResult(
        rule.id,
        rule.kind,
        _title(ctx, rule),
        have >= needed,
        min(have, needed) / needed,
        summary,
        counted,
        tuple(missing),
        relevant,
    )


def _by_id(ctx: _Context, excluded: Excluded) -> list[Component]:
    return [c for c in ctx.components if c.id == excluded.component]


def _title(ctx: _Context, rule: Rule) -> str:
    if rule.title:
        return pick(rule.title, ctx.lang)
    if rule.require is not None:
        return "Required credentials"
    if rule.choose is not None:
        return f"At least {rule.choose.at_least} of {len(rule.choose.of)}"
    if rule.total is not None:
        parts = []
        if rule.total.ects is not None:
            parts.append(f"{rule.total.ects} ECTS")
        if rule.total.hours is not None:
            parts.append(f"{rule.total.hours} hours")
        return "At least " + " and ".join(parts)
    return "Skills and learning outcomes covered"


def _total_rule(ctx: _Context, rule: Rule) -> RuleResult:
    assert rule.total is not None
    total = rule.total
    eligible, excluded = ctx.split(rule)
    if total.only:
        eligible = [c for c in eligible if any(matches(m, c) for m in total.only)]
        relevant = _relevant(excluded, ctx.components, total.only)
    else:
        relevant = tuple(excluded.values())
    parts: list[float] = []
    missing: list[str] = []
    summary: list[str] = []
    counted: list[Counted] = []
    for unit, need_value, attr in (("ECTS", total.ects, "ects"), ("hours", total.hours, "hours")):
        if need_value is None:
            continue
        need = Decimal(str(need_value))
        have = sum((getattr(c, attr) for c in eligible if getattr(c, attr) is not None), Decimal(0))
        parts.append(float(min(have / need, Decimal(1))))
        summary.append(f"{_num(have)} of {_num(need)} {unit}")
        if have < need:
            missing.append(
                f"{_num(need - have)} more {unit} needed (has {_num(have)} of {_num(need)})"
            )
        for c in eligible:
            value = getattr(c, attr)
            if value:
                counted.append(Counted(c.id, c.name, f"{_num(value)} {unit}"))
    # what does not count is the rule's `excluded`, listed once by the adapters
    progress = sum(parts) / len(parts)
    return RuleResult(
        rule.id,
        "total",
        _title(ctx, rule),
        not missing,
        progress,
        ", ".join(summary),
        tuple(counted),
        tuple(missing),
        relevant,
    )


def _cover_rule(ctx: _Context, rule: Rule) -> RuleResult:
    assert rule.cover is not None
    eligible, excluded = ctx.split(rule)
    items: list[tuple[str, list[Component]]] = []
    for skill in rule.cover.skills:
        items.append((f"skill {skill}", [c for c in eligible if skill in c.skills]))
    for phrase in rule.cover.outcomes:
        needle = phrase.casefold()
        items.append(
            (
                f"learning outcome “{phrase}”",
                [c for c in eligible if any(needle in o.casefold() for o in c.outcomes)],
            )
        )
    counted = tuple(Counted(c.id, c.name, f"covers {what}") for what, cs in items for c in cs)
    missing = [f"not covered yet: {what}" for what, cs in items if not cs]
    covered = len(items) - len(missing)
    relevant = tuple(excluded.values())
    return RuleResult(
        rule.id,
        "cover",
        _title(ctx, rule),
        covered == len(items),
        covered / len(items),
        f"{covered} of {len(items)} skills and learning outcomes covered",
        counted,
        tuple(missing),
        relevant,
    )


def evaluate(
    pathway: Pathway, components: Sequence[Component], *, now: datetime, lang: str | None = None
) -> Evaluation:
    """Evaluate components (credentials verified just now) against a pathway at `now`.

    The sentences are English; the pathway's own texts they carry (rule titles, credential
    labels, its title) are in `lang` when given and the pathway has it (a page's reader),
    else in the pathway's first language (what is stored with an application)."""
    ctx = _Context(pathway, list(components), now, lang)
    results: list[RuleResult] = []
    for rule in pathway.rules:
        if rule.require is not None:
            results.append(_matched_rule(ctx, rule, rule.require, len(rule.require)))
        elif rule.choose is not None:
            results.append(_matched_rule(ctx, rule, rule.choose.of, rule.choose.at_least))
        elif rule.total is not None:
            results.append(_total_rule(ctx, rule))
        else:
            results.append(_cover_rule(ctx, rule))
    used = tuple(dict.fromkeys(c.component for r in results for c in r.counted))
    progress = round(100 * sum(r.progress for r in results) / len(results), 1)
    return Evaluation(
        pathway.id,
        pick(pathway.title, ctx.lang),
        all(r.met for r in results),
        progress,
        tuple(results),
        used,
        tuple(c.id for c in ctx.components),
        now,
        tuple(c.id for c in ctx.components if c.status == "unchecked"),
    )
