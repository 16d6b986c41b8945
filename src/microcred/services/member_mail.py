"""The e-mails of members' accounts: the invitation and the password reset (links to the
instance's own pages, in the recipient's language; ``services/mail`` sends them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from microcred import i18n
from microcred.services import mail, members, password_resets
from microcred.services.instance import Instance


@dataclass(frozen=True)
class Invited:
    member: members.MemberView
    link: str
    sent: mail.Sent | None  # None: the mail server refused it (``problem`` says why)
    problem: str | None = None


def invitation_link(instance: Instance, secret: str) -> str:
    return f"{instance.base_url}/console/invitation/{secret}"


def reset_link(instance: Instance, secret: str) -> str:
    return f"{instance.base_url}/console/reset/{secret}"


def _when(lang: str, at: datetime, *, with_time: bool = False) -> str:
    t = i18n.translator(lang)
    return f"{t.datetime(at)} UTC" if with_time else t.date(at)


def invite(
    instance: Instance,
    org_ref: str,
    email: str,
    role: str,
    *,
    lang: str = "en",
    name: str = "",
    actor: str = "cli",
    inviter: str = "",
    send: bool = True,
) -> Invited:
    """Invite a member and e-mail them their set-password link (``send=False``: only make it,
    for the CLI, which prints it)."""
    view, secret = members.invite(instance, org_ref, email, role, name=name, lang=lang, actor=actor)
    link = invitation_link(instance, secret)
    if not send:
        return Invited(view, link, None)
    t = i18n.translator(view.lang)
    expires = instance.now() + timedelta(days=members.INVITATION_DAYS)
    context = {
        "org": view.org_name,
        "inviter": inviter,
        "role": t.gettext(members.ROLE_LABELS[view.role]),
        "link": link,
        "email": view.email,
        "expires": _when(view.lang, expires),
    }
    try:
        sent = mail.send(instance, view.email, "invitation", view.lang, context)
    except mail.MailError as exc:
        return Invited(view, link, None, str(exc))
    return Invited(view, link, sent)


def send_reset(instance: Instance, email: str) -> list[mail.Sent]:
    """Mail a reset link to every active membership of ``email`` (none for an unknown
    address: the caller answers the same either way). A mail server that refuses is
    reported by :class:`~microcred.services.mail.MailError`."""
    out = []
    for view, secret in password_resets.request(instance, email):
        expires = instance.now() + timedelta(hours=password_resets.RESET_HOURS)
        context = {
            "org": view.org_name,
            "link": reset_link(instance, secret),
            "expires": _when(view.lang, expires, with_time=True),
        }
        out.append(mail.send(instance, view.email, "password_reset", view.lang, context))
    return out
