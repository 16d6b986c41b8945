"""After a decision, the learner hears of it: the stacked credential goes into the learner's
wallet at once, and, when the learner has an e-mail address, a mail gives the outcome, the
reasons and a claim link to the credential (its file and PDF certificate); a refusal is
mailed too, without a link. A mail the server refuses never undoes the decision: the
problem is returned, and the credential is in the wallet all the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from microcred import i18n
from microcred.model.multilingual import pick
from microcred.services import delivery, mail, wallet
from microcred.services.instance import Instance
from microcred.services.recognition.applications import find_application
from microcred.store.db import read_transaction
from microcred.store.tables import WalletCredential

if TYPE_CHECKING:  # decisions calls notify: the import the other way round is for types only
    from microcred.services.recognition.decisions import DecisionView


@dataclass(frozen=True)
class Notified:
    """What reached the learner: the wallet item of the stacked credential, the address the
    mail went to (and how: smtp or outbox), or why it did not go."""

    wallet_item: str | None
    email: str | None
    via: str | None
    problem: str | None = None


def stacked_item(instance: Instance, holder_id: str, credential_id: str | None) -> str | None:
    """The wallet item holding the stacked credential ``credential_id``, if the learner has it."""
    if credential_id is None:
        return None
    with read_transaction(instance.sessions) as session:
        return session.scalar(
            select(WalletCredential.id).where(
                WalletCredential.holder_id == holder_id,
                WalletCredential.credential_id == credential_id,
            )
        )


def notify(
    instance: Instance, decision: DecisionView, *, lang: str = "en", actor: str = "cli"
) -> Notified:
    """Put the stacked credential into the learner's wallet and mail the learner."""
    with read_transaction(instance.sessions) as session:
        _row, holder, pathway_row, org = find_application(session, decision.application_id)
        holder_id, name, email = holder.id, holder.name, holder.email
        titles = pathway_row.data.get("title")
        authority = org.name
    item_id = None
    if decision.document is not None:
        item, _ = wallet.import_bytes(
            instance, holder_id, decision.document.encode("utf-8"), source="recognition"
        )
        item_id = item.id
    if not email:
        return Notified(item_id, None, None)
    lang = i18n.supported(lang)
    link = expires = None
    if decision.credential_id is not None:
        try:
            view, secret, _credential, _org = delivery.create(
                instance, decision.org, decision.credential_id, email=email, lang=lang, actor=actor
            )
        except delivery.DeliveryError:  # an address the delivery refuses: the mail goes, no link
            pass
        else:
            delivery.mark_claimed(instance, secret, holder_id)  # it is in this wallet already
            link = delivery.claim_link(instance, secret)
            expires = i18n.translator(lang).date(view.expires_at)
    context = {
        "authority": authority,
        "learner": name,
        "pathway": pick(titles, (lang, "en")) if isinstance(titles, dict) and titles else "",
        "outcome": decision.outcome,
        "reasons": decision.reasons,
        "ects": decision.ects_recognised,
        "link": link,
        "expires": expires,
        "wallet": f"{instance.base_url}/wallet/applications/{decision.application_id}",
    }
    try:
        sent = mail.send(instance, email, "recognition", lang, context)
    except mail.MailError as exc:
        return Notified(item_id, email, None, str(exc))
    return Notified(item_id, email, sent.via)
