"""Outgoing e-mail: invitations, password resets and claim links.

Each message is a Jinja template in ``data/mail/`` (its first line is the subject, the rest
the plain-text body), rendered in the recipient's language with the one catalogue
(``microcred.i18n``). Sent with the standard library's ``smtplib`` and ``email``: one
message to one recipient over STARTTLS, implicit TLS or plain SMTP is all that is needed,
and no mail library adds anything to that here (they wrap the same smtplib calls).

With no SMTP server configured (``Settings.smtp`` is None), a message is written to the
instance's outbox folder (``<home>/outbox/*.eml``) instead: nothing is lost, and the
adapters say where it went (:class:`Sent`).
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from microcred import errors, i18n
from microcred.services.instance import Instance, private_directory

TEMPLATES = Path(__file__).resolve().parents[1] / "data" / "mail"
TIMEOUT_SECONDS = 15
MAX_BODY = 20_000


class MailError(errors.Unavailable):
    """The mail server did not take the message."""


@dataclass(frozen=True)
class Sent:
    via: str  # "smtp" or "outbox"
    to: str
    subject: str
    path: Path | None = None  # the outbox file, when written there


def compose(template: str, lang: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject and body of message ``template`` in ``lang``."""
    t = i18n.translator(lang)
    text = (
        i18n.jinja_environment(TEMPLATES)
        .get_template(f"{template}.txt")
        .render({**i18n.template_context(t), **context})
    )
    subject, _, body = text.partition("\n")
    return subject.strip()[:200], body.strip()[:MAX_BODY] + "\n"


def message(instance: Instance, to: str, subject: str, body: str, lang: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = instance.settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(instance.now().timestamp(), usegmt=True)
    msg["Message-ID"] = make_msgid(domain=instance.settings.mail_from.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    # 8bit: the links stay whole lines (quoted-printable would break them); lines are short
    msg.set_content(body, cte="8bit")
    msg["Content-Language"] = lang
    return msg


def send(instance: Instance, to: str, template: str, lang: str, context: dict[str, Any]) -> Sent:
    """Compose and send one message; :class:`MailError` when the server refuses it."""
    if "\n" in to or "\r" in to or len(to) > 320:
        raise errors.InvalidInput("the recipient is not one e-mail address", "email")
    subject, body = compose(template, lang, context)
    msg = message(instance, to, subject, body, i18n.supported(lang))
    smtp = instance.settings.smtp
    if smtp is None:
        folder = instance.settings.outbox
        private_directory(folder)
        stamp = instance.now().strftime("%Y%m%dT%H%M%S")
        path = folder / f"{stamp}-{template}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(msg))
        path.chmod(0o600)
        return Sent("outbox", to, subject, path)
    context_tls = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=TIMEOUT_SECONDS, context=context_tls
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context_tls)
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(
            f"the mail server {smtp.host}:{smtp.port} did not take the message ({exc})", "smtp"
        ) from exc
    return Sent("smtp", to, subject)
