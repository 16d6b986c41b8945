"""Status list indexes (allocation) and the signed list credentials (publication)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from microcred.formats.status_list import (
    MESSAGE_PURPOSE,
    MESSAGE_STATUS_SIZE,
    MIN_LIST_BITS,
    STATUS_MESSAGES,
    STATUS_REVOKED,
    STATUS_SUSPENDED,
    message_entry,
    new_bitstring,
    set_bit,
    set_value,
    status_list_credential,
)
from microcred.services.instance import Instance
from microcred.services.organisations import NotFound, signing_key
from microcred.services.status_index import permuted_index
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import IssuedCredential, Organisation, PublishedStatusList, StatusList

LIST_VALIDITY = timedelta(hours=24)
# How long a verifier may keep a list before fetching it again (the list's `ttl`, and the
# HTTP Cache-Control of its route): a revocation reaches every verifier within this time.
LIST_TTL = timedelta(minutes=5)
# Every credential issued now has ONE entry, in the `message` list (2 bits: valid, revoked,
# suspended), as the OB 3.0 schema allows one `credentialStatus`. The same list rows and
# indexes are also published as 1-bit `revocation` and `suspension` lists, for the
# credentials issued before, which name those two.
PURPOSES = ("revocation", "suspension", MESSAGE_PURPOSE)
LEGACY_PURPOSES = ("revocation", "suspension")


def list_url(instance: Instance, org: Organisation, list_id: int, purpose: str) -> str:
    return f"{instance.base_url}/status/{org.slug}/{list_id}/{purpose}"


def token_status_url(instance: Instance, org: Organisation | str | Any, list_id: int) -> str:
    """The ``uri`` of ``status.status_list`` in an SD-JWT VC: where this list's IETF Token
    Status List token is served (`services/token_status.py`), the token's ``sub``. ``org``
    is an organisation (row or view) or its slug."""
    slug = org if isinstance(org, str) else org.slug
    return f"{instance.base_url}/statuslists/{slug}/{list_id}"


def messages_url(instance: Instance) -> str:
    """The `statusReference` of every entry: what each status value means."""
    return f"{instance.base_url}/status/messages"


def messages_document(instance: Instance) -> dict[str, Any]:
    """The document at :func:`messages_url`."""
    return {
        "id": messages_url(instance),
        "statusPurpose": MESSAGE_PURPOSE,
        "statusSize": MESSAGE_STATUS_SIZE,
        "statusMessage": [
            {"status": hex(value), "message": message} for value, message in STATUS_MESSAGES
        ],
        "description": {
            "0x0": "valid: neither revoked nor suspended",
            "0x1": "revoked by its issuer (final); IETF Token Status List INVALID",
            "0x2": "suspended by its issuer (it may be reinstated); Token Status List SUSPENDED",
            "0x3": "not used",
        },
    }


def entry(instance: Instance, org: Organisation, list_id: int, index: int) -> dict[str, Any]:
    """The `credentialStatus` of a credential given (list id, index) by :func:`allocate`."""
    return message_entry(
        list_url(instance, org, list_id, MESSAGE_PURPOSE), index, reference=messages_url(instance)
    )


def allocate(
    session: Session, org_id: str, count: int, size: int = MIN_LIST_BITS, *, now: datetime
) -> list[tuple[int, int]]:
    """`count` fresh (list id, index) pairs. Atomic in the database, so concurrent
    issuers never share an index; the unique constraint on (list, index) backs it up.
    ``now``: when a new list is opened (the caller's clock)."""
    out: list[tuple[int, int]] = []
    while len(out) < count:
        current = session.scalar(
            select(StatusList)
            .where(StatusList.org_id == org_id, StatusList.full.is_(False))
            .order_by(StatusList.id)
            .limit(1)
        )
        if current is None:
            current = StatusList(
                org_id=org_id,
                size=size,
                next_sequence=0,
                permutation_key=secrets.token_hex(32),
                full=False,
                changed_at=now,
                created_at=now,
            )
            session.add(current)
            session.flush()
        wanted = count - len(out)
        # UPDATE ... RETURNING takes the row lock: the sequence range is ours alone.
        end = session.execute(
            update(StatusList)
            .where(StatusList.id == current.id, StatusList.next_sequence + 1 <= StatusList.size)
            .values(next_sequence=StatusList.next_sequence + wanted)
            .returning(StatusList.next_sequence, StatusList.size, StatusList.permutation_key)
        ).first()
        if end is None:
            session.execute(update(StatusList).where(StatusList.id == current.id).values(full=True))
            continue
        next_sequence, list_size, key = end
        start = next_sequence - wanted
        usable_end = min(next_sequence, list_size)
        if next_sequence >= list_size:
            session.execute(
                update(StatusList)
                .where(StatusList.id == current.id)
                .values(next_sequence=list_size, full=True)
            )
        permutation_key = bytes.fromhex(key)
        out.extend(
            (current.id, permuted_index(permutation_key, seq, list_size))
            for seq in range(start, usable_end)
        )
    return out


def _bitstring(session: Session, list_row: StatusList, purpose: str) -> bytearray:
    if purpose == MESSAGE_PURPOSE:
        return _message_bitstring(session, list_row)
    bits = new_bitstring(list_row.size)
    condition = (
        IssuedCredential.revoked_at.is_not(None)
        if purpose == "revocation"
        else IssuedCredential.suspended.is_(True)
    )
    for index in session.scalars(
        select(IssuedCredential.status_index).where(
            IssuedCredential.status_list_id == list_row.id, condition
        )
    ):
        set_bit(bits, index, True)
    return bits


def status_values(session: Session, list_id: int) -> list[tuple[int, int]]:
    """(index, value) of every entry that is not valid: 1 revoked (revocation is final, so
    it wins), 2 suspended. The one reading of a list's rows, for the Bitstring message list
    and the Token Status List alike (the same values: 0 valid, 1 INVALID, 2 SUSPENDED)."""
    rows = session.execute(
        select(
            IssuedCredential.status_index,
            IssuedCredential.revoked_at.is_not(None),
            IssuedCredential.suspended,
        ).where(
            IssuedCredential.status_list_id == list_id,
            (IssuedCredential.revoked_at.is_not(None)) | IssuedCredential.suspended.is_(True),
        )
    )
    return [
        (index, STATUS_REVOKED if revoked else STATUS_SUSPENDED)
        for index, revoked, suspended in rows
        if revoked or suspended
    ]


def _message_bitstring(session: Session, list_row: StatusList) -> bytearray:
    """Two bits per entry (:func:`status_values`)."""
    bits = new_bitstring(list_row.size, MESSAGE_STATUS_SIZE)
    for index, value in status_values(session, list_row.id):
        set_value(bits, index, MESSAGE_STATUS_SIZE, value)
    return bits


_CURRENT = (  # built once: every verification runs it
    select(
        PublishedStatusList.purpose,
        PublishedStatusList.document,
        PublishedStatusList.published_at,
        PublishedStatusList.valid_until,
        StatusList.changed_at,
    )
    .join(StatusList, StatusList.id == PublishedStatusList.list_id)
    .join(Organisation, Organisation.id == StatusList.org_id)
    .where(Organisation.slug == bindparam("slug"), StatusList.id == bindparam("list_id"))
)


def published_current(
    instance: Instance, org_slug: str, list_id: int, *, now: datetime | None = None
) -> dict[str, dict[str, Any]]:
    """The list's signed credentials that need no re-signing, by purpose, in one query
    without ORM objects (every verification asks for both purposes of a list)."""
    import json

    fresh_until = (now or instance.now()) + LIST_VALIDITY / 2
    with read_transaction(instance.sessions) as session:
        rows = session.execute(_CURRENT, {"slug": org_slug, "list_id": list_id}).all()
    return {
        row.purpose: dict(json.loads(row.document))
        for row in rows
        if _aware(row.published_at) >= _aware(row.changed_at)
        and _aware(row.valid_until) > fresh_until
    }


def published(
    instance: Instance, org_slug: str, list_id: int, purpose: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The signed status list credential, re-signed when the list changed or is near expiry."""
    import json

    if purpose not in PURPOSES:
        raise NotFound(
            f"unknown status purpose '{purpose}'; use message, revocation or suspension",
            "purpose",
        )
    now = now or instance.now()
    fresh_until = now + LIST_VALIDITY / 2
    current = published_current(instance, org_slug, list_id, now=now).get(purpose)
    if current is not None:
        return current
    with transaction(instance.sessions) as session:
        org = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
        list_row = session.get(StatusList, list_id)
        if org is None or list_row is None or list_row.org_id != org.id:
            raise NotFound(f"no status list {org_slug}/{list_id}", "list")
        cached = session.get(PublishedStatusList, (list_id, purpose))
        if (
            cached is not None
            and cached.published_at >= _aware(list_row.changed_at)
            and _aware(cached.valid_until) > fresh_until
        ):
            return dict(json.loads(cached.document))
        key, vm = signing_key(instance, session, org)
        url = list_url(instance, org, list_id, purpose)
        unsigned = status_list_credential(
            url,
            issuer=org.did_web,
            purpose=purpose,
            bitstring=bytes(_bitstring(session, list_row, purpose)),
            valid_from=now,
            valid_until=now + LIST_VALIDITY,
            ttl=LIST_TTL,
        )
        from microcred.services.issuing import sign_credential

        document = sign_credential(
            unsigned, key, verification_method=vm, created=now.replace(microsecond=0)
        )
        text = json.dumps(document, ensure_ascii=False)
        if cached is None:
            session.add(
                PublishedStatusList(
                    list_id=list_id,
                    purpose=purpose,
                    document=text,
                    published_at=now,
                    valid_until=now + LIST_VALIDITY,
                )
            )
        else:
            cached.document, cached.published_at, cached.valid_until = (
                text,
                now,
                now + LIST_VALIDITY,
            )
        return document


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
