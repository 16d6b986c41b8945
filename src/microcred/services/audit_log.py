"""The audit log as people read it: one plain sentence per event (en, lv, any catalogue),
filtered by action, actor, date range and text, one page at a time, and exported whole (CSV,
JSON). Reads only; the entries themselves are written by :mod:`microcred.services.audit`.

An entry names what it concerns by id (a credential, a specification version, a member, a
token); the sentence names it as the console does: the learner and the course title in the
reader's language, the member's e-mail address, the token's name. A bulk run writes one entry
per chunk of rows: the page shows the consecutive chunks of one run as one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select

from microcred.i18n import N_, Translator
from microcred.model.multilingual import pick
from microcred.services.instance import Instance
from microcred.services.members import ROLE_LABELS
from microcred.services.organisations import find
from microcred.store.db import read_transaction
from microcred.store.tables import (
    AuditEntry,
    IssuedCredential,
    OrgMember,
    SpecificationVersion,
)

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000  # a bounded export; the API pages the rest

# The actions, their names in a list of choices, and the sentence of each (``%(actor)s`` and
# the entry's named values). A new action without an entry reads "<actor>: <action code>".
ACTIONS: dict[str, str] = {
    "credential.issue": N_("Credential issued"),
    "credential.issue_bulk": N_("Credentials issued from a CSV file"),
    "credential.revoke": N_("Credential revoked"),
    "credential.suspend": N_("Credential suspended"),
    "credential.unsuspend": N_("Suspension lifted"),
    "credential.sign": N_("Credential signed through the VC API"),
    "credential.deliver": N_("Claim link e-mailed"),
    "credential.delivery_revoke": N_("Claim links withdrawn"),
    "credential.claim": N_("Credential claimed"),
    "spec.publish": N_("Specification published"),
    "pathway.publish": N_("Pathway published"),
    "token.create": N_("API token created"),
    "token.revoke": N_("API token revoked"),
    "member.invite": N_("Member invited"),
    "member.accept": N_("Invitation accepted"),
    "member.role": N_("Member's role changed"),
    "member.disable": N_("Member disabled"),
    "member.enable": N_("Member enabled"),
    "member.password_reset": N_("Password reset"),
    "org.create": N_("Organisation created"),
    "key.create": N_("Signing key created"),
    "certificate.import": N_("Certificate imported"),
    "certificate.make_test": N_("Test certificate made"),
    "presentation_request.create": N_("Presentation request created"),
    "oid4vci.offer": N_("Wallet offer made"),
    "oid4vci.offer_revoke": N_("Wallet offer revoked"),
    "oid4vci.job_offers": N_("Wallet offers made for a bulk run"),
    "oid4vci.token": N_("Wallet offer taken"),
    "recognition.apply": N_("Recognition applied for"),
    "recognition.decide": N_("Recognition decided"),
}
SENTENCES: dict[str, str] = {
    "credential.issue": N_("%(actor)s issued “%(course)s” to %(learner)s."),
    "credential.revoke": N_("%(actor)s revoked “%(course)s” of %(learner)s. Reason: %(reason)s"),
    "credential.suspend": N_("%(actor)s suspended “%(course)s” of %(learner)s. Reason: %(reason)s"),
    "credential.unsuspend": N_("%(actor)s lifted the suspension of “%(course)s” of %(learner)s."),
    "credential.sign": N_("%(actor)s signed a credential through the VC API (%(suite)s)."),
    "credential.deliver": N_(
        "%(actor)s e-mailed a claim link for “%(course)s” of %(learner)s to %(email)s."
    ),
    "credential.delivery_revoke": N_(
        "%(actor)s withdrew the unclaimed claim links of “%(course)s” of %(learner)s."
    ),
    "credential.claim": N_("%(actor)s claimed “%(course)s” into their wallet."),
    "spec.publish": N_(
        "%(actor)s published version %(version)s of the specification “%(course)s”."
    ),
    "pathway.publish": N_("%(actor)s published version %(version)s of the pathway “%(key)s”."),
    "token.create": N_("%(actor)s created the API token “%(name)s” with the scopes %(scopes)s."),
    "token.revoke": N_("%(actor)s revoked the API token “%(name)s”."),
    "member.invite": N_("%(actor)s invited %(member)s as %(role)s."),
    "member.accept": N_("%(actor)s accepted the invitation."),
    "member.role": N_("%(actor)s changed the role of %(member)s from %(old)s to %(new)s."),
    "member.disable": N_("%(actor)s disabled the sign-in of %(member)s."),
    "member.enable": N_("%(actor)s enabled the sign-in of %(member)s again."),
    "member.password_reset": N_("%(actor)s set a new password."),
    "org.create": N_("%(actor)s created the organisation “%(name)s” (%(country)s)."),
    "key.create": N_("%(actor)s created a signing key (%(type)s)."),
    "certificate.import": N_("%(actor)s imported a certificate for %(name)s."),
    "certificate.make_test": N_("%(actor)s made a test certificate for %(name)s."),
    "presentation_request.create": N_("%(actor)s created a presentation request."),
    "oid4vci.offer": N_(
        "%(actor)s made a wallet offer of “%(course)s” for %(learner)s, valid until %(until)s."
    ),
    "oid4vci.offer_revoke": N_("%(actor)s revoked a wallet offer of “%(course)s” for %(learner)s."),
    "oid4vci.job_offers": N_(
        "%(actor)s made wallet offers for the rows of a bulk run: %(count)s, valid until %(until)s."
    ),
    "oid4vci.token": N_("A wallet took the offer of “%(course)s” for %(learner)s."),
    "recognition.apply": N_("%(actor)s applied for recognition with %(count)s credentials."),
    "recognition.decide": N_("%(actor)s decided an application: %(outcome)s."),
}
STACKED_SENTENCE = N_("%(actor)s issued the stacked credential “%(course)s” to %(learner)s.")
OTHER_SENTENCE = N_("%(actor)s: %(action)s")
OUTCOMES = {
    "recognised": N_("recognised"),
    "partially_recognised": N_("partly recognised"),
    "not_recognised": N_("not recognised"),
}
SCOPES = {"issue": N_("issue"), "revoke": N_("revoke"), "read": N_("read"), "admin": N_("admin")}
ROLES = ROLE_LABELS


def _when(t: Translator, value: Any) -> str:
    """An ISO instant of the details (an offer's expiry) as the reader's date and time."""
    try:
        return t.datetime(datetime.fromisoformat(str(value)))
    except ValueError:
        return "—"


@dataclass(frozen=True)
class AuditFilter:
    """What the reader asks for; every field optional (empty: no condition)."""

    action: str = ""  # one of ACTIONS
    actor: str = ""  # part of the actor ("member:anna@…", "web:console", "holder:anna")
    since: date | None = None
    until: date | None = None  # inclusive
    text: str = ""  # part of the learner, course, subject, actor or details

    def active(self) -> bool:
        return bool(self.action or self.actor or self.since or self.until or self.text)


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    subject: str | None
    details: dict[str, Any]
    learner: str = ""
    course_titles: dict[str, str] = field(default_factory=dict)
    member: str = ""
    entries: int = 1  # the consecutive chunks of one bulk run shown as one line

    def course(self, lang: str) -> str:
        return pick(self.course_titles, (lang, "en")) if self.course_titles else ""

    def actor_text(self, t: Translator) -> str:
        kind, _, name = self.actor.partition(":")
        if kind == "job":
            inner = replace(self, actor=name).actor_text(t)
            return t.gettext("%(who)s (bulk job)") % {"who": inner}
        known = {
            "member": "%(name)s",
            "web": N_("The console token “%(name)s”"),
            "token": N_("The API token “%(name)s”"),
            "holder": N_("The learner “%(name)s”"),
        }
        if name and kind in known:
            return t.gettext(known[kind]) % {"name": name}
        fixed = {
            "cli": N_("The command line"),
            "system": N_("The system"),
            "demo": N_("The demo"),
            "claim-page": N_("The claim page"),
        }
        return t.gettext(fixed[self.actor]) if self.actor in fixed else self.actor

    def action_text(self, t: Translator) -> str:
        return t.gettext(ACTIONS[self.action]) if self.action in ACTIONS else self.action

    def sentence(self, t: Translator) -> str:
        """The entry in one plain sentence in the translator's language."""
        d = self.details
        values: dict[str, Any] = {
            "actor": self.actor_text(t),
            "action": self.action,
            "course": self.course(t.lang) or t.gettext("a credential"),
            "learner": self.learner or self.subject or "",
            "member": self.member or self.subject or "",
            "reason": d.get("reason") or "—",
            "suite": d.get("cryptosuite", ""),
            "email": d.get("email", ""),
            "version": d.get("version", ""),
            "key": d.get("pathway_key", ""),
            "name": d.get("name") or d.get("subject") or "",
            "country": d.get("country", ""),
            "type": d.get("keyType", ""),
            "count": t.number(d.get("count", d.get("components", 0))),
            "outcome": t.gettext(OUTCOMES.get(str(d.get("outcome")), str(d.get("outcome", "")))),
            "scopes": ", ".join(t.gettext(SCOPES.get(s, s)) for s in d.get("scopes") or []),
            "role": t.gettext(ROLES.get(str(d.get("role")), str(d.get("role", "")))),
            "old": t.gettext(ROLES.get(str(d.get("from")), str(d.get("from", "")))),
            "new": t.gettext(ROLES.get(str(d.get("to")), str(d.get("to", "")))),
            "until": _when(t, d.get("expires_at")),
        }
        if self.action == "credential.issue_bulk":
            count = int(d.get("count") or 0)
            return (
                t.ngettext(
                    "%(actor)s issued %(count)s credential of “%(course)s” from a CSV file.",
                    "%(actor)s issued %(count)s credentials of “%(course)s” from a CSV file.",
                    count,
                )
                % values
            )
        if self.action == "credential.issue" and d.get("stacked"):
            return t.gettext(STACKED_SENTENCE) % values
        return t.gettext(SENTENCES.get(self.action, OTHER_SENTENCE)) % values

    def to_json(self, t: Translator) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "details": self.details,
            "sentence": self.sentence(t),
        }


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditLine]
    total: int  # entries of the whole selection
    page: int  # 1-based
    pages: int


def _instant(day: date, end: bool) -> datetime:
    return datetime.combine(day + timedelta(days=1) if end else day, time(), tzinfo=UTC)


def _select(org_id: str, wanted: AuditFilter) -> Any:
    course = SpecificationVersion
    query = (
        select(
            AuditEntry,
            IssuedCredential.learner_name,
            course.title,
            course.data,
            OrgMember.email,
        )
        .outerjoin(IssuedCredential, IssuedCredential.id == AuditEntry.subject)
        .outerjoin(
            course,
            and_(
                course.org_id == AuditEntry.org_id,
                or_(
                    course.id == IssuedCredential.spec_version_id,
                    course.id == AuditEntry.subject,
                    course.id == AuditEntry.details["spec_version_id"].as_string(),
                ),
            ),
        )
        .outerjoin(OrgMember, OrgMember.id == AuditEntry.subject)
        .where(AuditEntry.org_id == org_id)
    )
    if wanted.action:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.actor:
        query = query.where(AuditEntry.actor.ilike(f"%{wanted.actor}%"))
    if wanted.since:
        query = query.where(AuditEntry.at >= _instant(wanted.since, False))
    if wanted.until:
        query = query.where(AuditEntry.at < _instant(wanted.until, True))
    if wanted.text:
        like = f"%{wanted.text}%"
        query = query.where(
            AuditEntry.actor.ilike(like)
            | AuditEntry.subject.ilike(like)
            | cast(AuditEntry.details, String).ilike(like)
            | IssuedCredential.learner_name.ilike(like)
            | course.title.ilike(like)
            | OrgMember.email.ilike(like)
        )
    return query


def _titles(data: Any, title: str | None) -> dict[str, str]:
    found = data.get("title") if isinstance(data, dict) else None
    if isinstance(found, dict) and found and all(isinstance(v, str) for v in found.values()):
        return dict(found)
    return {"en": title} if title else {}


def _line(row: Any) -> AuditLine:
    entry, learner, title, data, email = row
    return AuditLine(
        entry.at, entry.actor, entry.action, entry.subject, dict(entry.details or {}),
        learner=learner or "", course_titles=_titles(data, title), member=email or "",
    )  # fmt: skip


def merge_runs(lines: list[AuditLine]) -> list[AuditLine]:
    """The consecutive chunks of one bulk run as one line (their counts summed)."""
    out: list[AuditLine] = []
    for line in lines:
        last = out[-1] if out else None
        job = line.details.get("job")
        if (
            last is not None
            and job
            and line.action == "credential.issue_bulk"
            and last.action == line.action
            and last.details.get("job") == job
            and last.subject == line.subject
        ):
            count = int(last.details.get("count") or 0) + int(line.details.get("count") or 0)
            out[-1] = replace(
                last, details={**last.details, "count": count}, entries=last.entries + 1
            )
        else:
            out.append(line)
    return out


def search(
    instance: Instance, org_ref: str, wanted: AuditFilter, *, page: int = 1, size: int = PAGE_SIZE
) -> AuditPage:
    """One page of the selection of the organisation's log (slug, id or did:web), newest
    first."""
    with read_transaction(instance.sessions) as session:
        org_id = find(session, org_ref).id
        total = session.scalar(
            select(func.count()).select_from(_select(org_id, wanted).subquery())
        ) or 0  # fmt: skip
        pages = max(1, -(-total // size))
        current = max(1, min(page, pages))
        rows = session.execute(
            _select(org_id, wanted)
            .order_by(AuditEntry.id.desc())
            .limit(size)
            .offset((current - 1) * size)
        ).all()
        return AuditPage(merge_runs([_line(r) for r in rows]), total, current, pages)


def export(
    instance: Instance, org_ref: str, wanted: AuditFilter, *, limit: int = EXPORT_LIMIT
) -> list[AuditLine]:
    """The whole selection (up to ``limit`` entries, one per entry), newest first."""
    with read_transaction(instance.sessions) as session:
        org_id = find(session, org_ref).id
        rows = session.execute(
            _select(org_id, wanted).order_by(AuditEntry.id.desc()).limit(min(limit, EXPORT_LIMIT))
        )
        return [_line(r) for r in rows]


def actions_present(instance: Instance, org_id: str) -> list[str]:
    """The actions the organisation's log holds (the filter's choices)."""
    with read_transaction(instance.sessions) as session:
        found = session.scalars(
            select(AuditEntry.action).where(AuditEntry.org_id == org_id).distinct()
        )
        return sorted(found)


__all__ = [
    "ACTIONS",
    "AuditFilter",
    "AuditLine",
    "AuditPage",
    "actions_present",
    "export",
    "merge_runs",
    "search",
]
