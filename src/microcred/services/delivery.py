"""Delivering an issued credential to its learner: a claim link, e-mailed.

The link (``/claim/<secret>``, 32 random bytes; only the SHA-256 is stored) shows the
credential, offers its file and PDF certificate, and adds it to one microcred wallet: the
first wallet that claims it owns the claim, another is refused. It expires after
:data:`CLAIM_DAYS`, and the issuer can revoke it (a new delivery of the same credential
revokes the earlier unclaimed links). Sending and claiming go in the audit log.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from microcred import errors, i18n
from microcred.formats.reading import read_model
from microcred.services import mail, wallet
from microcred.services.audit import record
from microcred.services.credentials import IssuedView, to_view
from microcred.services.instance import Instance
from microcred.services.organisations import find
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import CredentialDelivery, Holder, IssuedCredential, Organisation
from microcred.verify.summary import in_language, summarize

CLAIM_DAYS = 30
_EMAIL = re.compile(r"^[^@\s<>,;:\"]{1,64}@[A-Za-z0-9.-]{1,252}\.[A-Za-z0-9-]{2,63}$")


class DeliveryError(errors.MicrocredError):
    """A delivery that cannot be made or claimed."""


class DeliveryInvalid(DeliveryError, errors.InvalidInput):
    pass


class DeliveryNotFound(DeliveryError, errors.NotFound):
    pass


class ClaimInvalid(DeliveryError, errors.NotFound):
    """An unknown, expired or revoked claim link (one answer for all)."""

    def __init__(self) -> None:
        super().__init__(
            "this claim link is not valid: it expired, or the issuer withdrew it", "link"
        )


class ClaimTaken(DeliveryError, errors.Conflict):
    def __init__(self) -> None:
        super().__init__("this credential was already added to another wallet", "link")


@dataclass(frozen=True)
class DeliveryView:
    id: str
    credential_id: str
    email: str
    lang: str
    created_at: datetime
    sent_at: datetime | None
    sent_via: str | None
    expires_at: datetime
    claimed_at: datetime | None
    revoked_at: datetime | None

    @property
    def state(self) -> str:
        if self.claimed_at:
            return "claimed"
        if self.revoked_at:
            return "revoked"
        return "sent" if self.sent_at else "not_sent"


@dataclass(frozen=True)
class Claim:
    """What a live claim link gives: the credential and its delivery."""

    delivery: DeliveryView
    credential: IssuedView
    org_name: str
    claimed_by: str | None  # the holder id that claimed it


@dataclass(frozen=True)
class Delivered:
    delivery: DeliveryView
    link: str
    sent: mail.Sent | None
    problem: str | None = None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _view(row: CredentialDelivery) -> DeliveryView:
    return DeliveryView(
        row.id,
        row.credential_id,
        row.email,
        row.lang,
        row.created_at,
        row.sent_at,
        row.sent_via,
        row.expires_at,
        row.claimed_at,
        row.revoked_at,
    )


def claim_link(instance: Instance, secret: str) -> str:
    return f"{instance.base_url}/claim/{secret}"


def learner_email(credential: IssuedView) -> str | None:
    """The learner's e-mail address, when the credential names the learner by one."""
    value = credential.learner_id.removeprefix("mailto:").strip().lower()
    return value if _EMAIL.match(value) else None


def title_of(credential: IssuedView, lang: str) -> str:
    """The course's title in ``lang`` (or its first language): the model's multilingual title
    (an OB3 document's ``name`` holds one language only)."""
    document = credential.credential()
    if not isinstance(document, dict):
        return in_language(summarize(None).title, lang) or ""
    return in_language(summarize(document, read_model(document).data).title, lang) or ""


def latest(instance: Instance, credential_id: str) -> DeliveryView | None:
    """The credential's most recent delivery (None: never sent)."""
    with read_transaction(instance.sessions) as session:
        row = session.scalar(
            select(CredentialDelivery)
            .where(CredentialDelivery.credential_id == credential_id)
            .order_by(CredentialDelivery.created_at.desc())
            .limit(1)
        )
        return None if row is None else _view(row)


def create(
    instance: Instance,
    org_ref: str,
    credential_id: str,
    *,
    email: str | None = None,
    lang: str = "en",
    actor: str = "cli",
) -> tuple[DeliveryView, str, IssuedView, str]:
    """A new claim link of one issued credential (earlier unclaimed links are revoked):
    the delivery, its secret, the credential and the organisation's name."""
    now = instance.now()
    secret = secrets.token_urlsafe(32)
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        row = session.get(IssuedCredential, credential_id) if len(credential_id) <= 100 else None
        if row is None or row.org_id != org.id:
            raise DeliveryNotFound(
                f"no credential '{credential_id[:60]}' of this organisation", "id"
            )
        credential = to_view(row, org.slug)
        if credential.revoked:
            raise DeliveryInvalid("this credential is revoked: it cannot be delivered", "id")
        address = (email or learner_email(credential) or "").strip().lower()
        if not _EMAIL.match(address):
            raise DeliveryInvalid(
                "give the learner's e-mail address (the credential does not name one)", "email"
            )
        session.execute(
            update(CredentialDelivery)
            .where(
                CredentialDelivery.credential_id == row.id,
                CredentialDelivery.claimed_at.is_(None),
                CredentialDelivery.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        delivery = CredentialDelivery(
            id=str(uuid.uuid4()),
            credential_id=row.id,
            org_id=org.id,
            token_hash=_digest(secret),
            email=address,
            lang=i18n.supported(lang),
            sent_via=None,
            created_at=now,
            sent_at=None,
            expires_at=now + timedelta(days=CLAIM_DAYS),
            claimed_at=None,
            holder_id=None,
            revoked_at=None,
        )
        session.add(delivery)
        record(session, org.id, actor, "credential.deliver", row.id, {"email": address}, at=now)
        return _view(delivery), secret, credential, org.name


def send(
    instance: Instance,
    org_ref: str,
    credential_id: str,
    *,
    email: str | None = None,
    lang: str = "en",
    actor: str = "cli",
) -> Delivered:
    """Make a claim link and e-mail it to the learner (or to the outbox)."""
    delivery, secret, credential, org_name = create(
        instance, org_ref, credential_id, email=email, lang=lang, actor=actor
    )
    link = claim_link(instance, secret)
    t = i18n.translator(delivery.lang)
    context = {
        "issuer": org_name,
        "title": title_of(credential, delivery.lang),
        "learner": credential.learner_name,
        "link": link,
        "expires": t.date(delivery.expires_at),
        "verify": f"{instance.base_url}/",
    }
    try:
        sent = mail.send(instance, delivery.email, "claim", delivery.lang, context)
    except mail.MailError as exc:
        return Delivered(delivery, link, None, str(exc))
    with transaction(instance.sessions) as session:
        row = session.get(CredentialDelivery, delivery.id)
        assert row is not None
        row.sent_at, row.sent_via = instance.now(), sent.via
        delivery = _view(row)
    return Delivered(delivery, link, sent)


def _live(session: Session, secret: str, now: datetime) -> CredentialDelivery:
    if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
        raise ClaimInvalid()
    row = session.scalar(
        select(CredentialDelivery).where(CredentialDelivery.token_hash == _digest(secret))
    )
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise ClaimInvalid()
    return row


def open_claim(instance: Instance, secret: str) -> Claim:
    """The credential behind a live claim link; :class:`ClaimInvalid` otherwise. A revoked
    credential's link no longer opens."""
    with read_transaction(instance.sessions) as session:
        row = _live(session, secret, instance.now())
        issued = session.get(IssuedCredential, row.credential_id)
        org = session.get(Organisation, row.org_id)
        if issued is None or org is None or issued.revoked_at is not None:
            raise ClaimInvalid()
        return Claim(_view(row), to_view(issued, org.slug), org.name, row.holder_id)


def claim(instance: Instance, secret: str, holder_id: str) -> tuple[Claim, wallet.WalletItem]:
    """Add the credential behind a claim link to the holder's wallet (verified and kept like
    any import) and record the claim; :class:`ClaimTaken` when another wallet has it."""
    found = open_claim(instance, secret)
    if found.claimed_by is not None and found.claimed_by != holder_id:
        raise ClaimTaken()
    document = found.credential.document
    item, _new = wallet.import_bytes(instance, holder_id, document.encode("utf-8"), source="claim")
    return mark_claimed(instance, secret, holder_id), item


def mark_claimed(instance: Instance, secret: str, holder_id: str) -> Claim:
    """Record that ``holder_id``'s wallet took the credential (the first wallet only; the
    same wallet again is fine); :class:`ClaimTaken` for another wallet."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        row = _live(session, secret, now)
        if row.holder_id is not None and row.holder_id != holder_id:
            raise ClaimTaken()
        holder = session.get(Holder, holder_id)
        if holder is None:
            raise DeliveryInvalid("no such wallet", "holder")
        if row.holder_id is None:
            row.holder_id, row.claimed_at = holder_id, now
            record(
                session, row.org_id, f"holder:{holder.handle}", "credential.claim",
                row.credential_id, {}, at=now,
            )  # fmt: skip
        issued = session.get(IssuedCredential, row.credential_id)
        org = session.get(Organisation, row.org_id)
        assert issued is not None and org is not None
        return Claim(_view(row), to_view(issued, org.slug), org.name, row.holder_id)


def revoke(instance: Instance, org_ref: str, credential_id: str, *, actor: str = "cli") -> int:
    """Withdraw the credential's unclaimed claim links; how many."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        org = find(session, org_ref)
        rows = list(
            session.scalars(
                select(CredentialDelivery).where(
                    CredentialDelivery.credential_id == credential_id,
                    CredentialDelivery.org_id == org.id,
                    CredentialDelivery.claimed_at.is_(None),
                    CredentialDelivery.revoked_at.is_(None),
                )
            )
        )
        for row in rows:
            row.revoked_at = now
        if rows:
            record(session, org.id, actor, "credential.delivery_revoke", credential_id, {}, at=now)
        return len(rows)


def check_credential(instance: Instance, org_ref: str, credential_id: str) -> None:
    """:class:`DeliveryNotFound` unless the organisation issued ``credential_id``."""
    with read_transaction(instance.sessions) as session:
        org = find(session, org_ref)
        row = session.get(IssuedCredential, credential_id) if len(credential_id) <= 100 else None
        if row is None or row.org_id != org.id:
            raise DeliveryNotFound(
                f"no credential '{credential_id[:60]}' of this organisation", "id"
            )


@dataclass(frozen=True)
class BulkDelivery:
    sent: int  # claim links mailed (or written to the outbox)
    outbox: int  # of which written to the outbox (no SMTP server set up)
    without_email: int  # rows whose learner is not named by an e-mail address
    already: int  # credentials delivered before (not sent again)
    failed: int  # refused by the mail server


def send_job(
    instance: Instance, org_ref: str, job_id: str, *, lang: str = "en", actor: str = "cli"
) -> BulkDelivery:
    """E-mail a claim link to every learner of a bulk job whose row names them by an e-mail
    address; credentials delivered before, and revoked ones, are left out."""
    from microcred.store.tables import BulkChunk, BulkJob

    with read_transaction(instance.sessions) as session:
        org = find(session, org_ref)
        job = session.get(BulkJob, job_id) if len(job_id) <= 36 else None
        if job is None or job.org_id != org.id:
            raise DeliveryNotFound(f"no bulk run '{job_id[:40]}' of this organisation", "job")
        keys = [k for chunk in session.scalars(
            select(BulkChunk).where(BulkChunk.job_id == job.id).order_by(BulkChunk.seq)
        ) for k in chunk.row_keys]  # fmt: skip
        rows: list[IssuedCredential] = []
        for start in range(0, len(keys), 500):
            rows += session.scalars(
                select(IssuedCredential).where(
                    IssuedCredential.org_id == org.id,
                    IssuedCredential.row_key.in_(keys[start : start + 500]),
                )
            )
        delivered = set(
            session.scalars(
                select(CredentialDelivery.credential_id).where(
                    CredentialDelivery.org_id == org.id,
                    CredentialDelivery.revoked_at.is_(None),
                    CredentialDelivery.credential_id.in_([r.id for r in rows][:10_000]),
                )
            )
        )
        views = [to_view(r, org.slug) for r in rows if r.revoked_at is None]
    sent = outbox = without = already = failed = 0
    for view in views:
        if view.id in delivered:
            already += 1
        elif learner_email(view) is None:
            without += 1
        else:
            found = send(instance, org_ref, view.id, lang=lang, actor=actor)
            if found.sent is None:
                failed += 1
            else:
                sent += 1
                outbox += found.sent.via == "outbox"
    return BulkDelivery(sent, outbox, without, already, failed)
