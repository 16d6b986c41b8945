"""Sharing from the wallet: share links, verifiable presentations, the LinkedIn link."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from microcred.services.holders import HolderInvalid, HolderNotFound, find, signing_key
from microcred.services.instance import Instance
from microcred.services.wallet import WalletItem, to_item
from microcred.services.wallet.importing import read_credential, verify_extracted
from microcred.store.db import transaction
from microcred.store.tables import Holder, Share, WalletCredential
from microcred.verify.binding import NOT_CHECKED, HolderBinding, holder_binding

MAX_SHARE_DAYS = 365
DEFAULT_SHARE_DAYS = 30


class ShareNotFound(HolderNotFound):
    """Unknown, expired or revoked: the public page says 404 and nothing more."""


def holder_rows(session: Session, holder_id: str, item_ids: list[str]) -> list[WalletCredential]:
    """Those of ``item_ids`` that are in the wallet of ``holder_id`` (any others are left out)."""
    return list(
        session.scalars(
            select(WalletCredential).where(
                WalletCredential.holder_id == holder_id, WalletCredential.id.in_(item_ids)
            )
        )
    )


def owned_ids(session: Session, holder_id: str, item_ids: list[str]) -> set[str]:
    """The ids of ``item_ids`` that are in the wallet of ``holder_id``."""
    return set(
        session.scalars(
            select(WalletCredential.id).where(
                WalletCredential.holder_id == holder_id, WalletCredential.id.in_(item_ids)
            )
        )
    )


@dataclass(frozen=True)
class ShareView:
    id: str
    url: str | None
    credential_ids: list[str]
    created_at: datetime
    expires_at: datetime
    revoked: bool
    view_count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "credential_ids": self.credential_ids,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked": self.revoked,
            "view_count": self.view_count,
        }


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_url(instance: Instance, token: str) -> str:
    return f"{instance.base_url}/s/{token}"


def create_share(
    instance: Instance,
    holder_ref: str,
    item_ids: list[str],
    *,
    expires_in_days: int = DEFAULT_SHARE_DAYS,
) -> ShareView:
    """A link to the chosen credentials: 256 random bits, expiring, revocable. Only its hash is kept,
    so the URL is shown now and never again."""
    if not item_ids:
        raise HolderInvalid("choose at least one credential to share", "credential_ids")
    if not 1 <= expires_in_days <= MAX_SHARE_DAYS:
        raise HolderInvalid(
            f"a share link expires after 1 to {MAX_SHARE_DAYS} days", "expires_in_days"
        )
    token = secrets.token_urlsafe(32)
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        owned = owned_ids(session, holder.id, item_ids)
        unknown = [i for i in item_ids if i not in owned]
        if unknown:
            raise HolderInvalid(f"not in this wallet: {', '.join(unknown)}", "credential_ids")
        now = instance.now()
        share = Share(
            id=str(uuid.uuid4()),
            holder_id=holder.id,
            token_hash=_hash(token),
            credential_ids=list(dict.fromkeys(item_ids)),
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days),
            revoked_at=None,
            view_count=0,
        )
        session.add(share)
        return ShareView(
            share.id,
            share_url(instance, token),
            share.credential_ids,
            now,
            share.expires_at,
            False,
            0,
        )


def verify_page_url(instance: Instance) -> str:
    """The public verify page: where a document without a share link sends its reader."""
    return f"{instance.base_url}/verify"


def chosen_share(
    instance: Instance, holder_ref: str, share_url: str, item_ids: list[str]
) -> ShareView:
    """The holder's own live share link ``share_url`` (one they made and chose to put on a
    document), if it shows every one of ``item_ids``; a ``HolderError`` on ``share_url``
    otherwise. Nothing is created and no view is counted."""
    prefix = f"{instance.base_url}/s/"
    token = share_url[len(prefix) :] if share_url.startswith(prefix) else ""
    problem = HolderInvalid(
        "the address is not a live share link of this wallet showing these credentials; "
        "create one first (share links) and use its address",
        "share_url",
    )
    if len(token) < 20 or len(token) > 200:
        raise problem
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        share = session.scalar(select(Share).where(Share.token_hash == _hash(token)))
        if (
            share is None
            or share.holder_id != holder.id
            or share.revoked_at is not None
            or share.expires_at < instance.now()
            or not set(item_ids) <= set(share.credential_ids)
        ):
            raise problem
        return ShareView(
            share.id,
            share_url,
            list(share.credential_ids),
            share.created_at,
            share.expires_at,
            False,
            share.view_count,
        )


def list_shares(instance: Instance, holder_ref: str) -> list[ShareView]:
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        rows = session.scalars(
            select(Share).where(Share.holder_id == holder.id).order_by(Share.created_at.desc())
        )
        return [
            ShareView(
                r.id,
                None,
                list(r.credential_ids),
                r.created_at,
                r.expires_at,
                r.revoked_at is not None,
                r.view_count,
            )
            for r in rows
        ]


def revoke_share(instance: Instance, holder_ref: str, share_id: str) -> None:
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        share = session.get(Share, share_id)
        if share is None or share.holder_id != holder.id:
            raise HolderNotFound(f"no share '{share_id}' in this wallet", "id")
        share.revoked_at = share.revoked_at or instance.now()


@dataclass(frozen=True)
class SharedCredential:
    item: WalletItem
    report: dict[str, Any]
    # Bound only when the credential's subject id is the DID of the wallet that shared it.
    binding: HolderBinding = NOT_CHECKED


def open_share(
    instance: Instance, token: str, *, count_view: bool = True
) -> tuple[str, list[SharedCredential], ShareView]:
    """The public view of a share link, with each credential verified again now."""
    if not isinstance(token, str) or len(token) < 20:
        raise ShareNotFound("no such share")
    with transaction(instance.sessions) as session:
        share = session.scalar(select(Share).where(Share.token_hash == _hash(token)))
        now = instance.now()
        if share is None or share.revoked_at is not None or share.expires_at < now:
            raise ShareNotFound("no such share")
        views = share.view_count + int(count_view)
        if count_view:
            session.execute(
                update(Share).where(Share.id == share.id).values(view_count=Share.view_count + 1)
            )
        holder = session.get(Holder, share.holder_id)
        rows = session.scalars(
            select(WalletCredential).where(WalletCredential.id.in_(share.credential_ids))
        )
        items = [to_item(r) for r in rows]
        view = ShareView(
            share.id,
            None,
            list(share.credential_ids),
            share.created_at,
            share.expires_at,
            False,
            views,
        )
        holder_name = holder.name if holder else ""
        holder_did = holder.did if holder else None
    ordered = sorted(items, key=lambda i: view.credential_ids.index(i.id))
    return holder_name, verified_items(instance, ordered, holder_did), view


def verified_items(
    instance: Instance, items: list[WalletItem], holder_did: str | None
) -> list[SharedCredential]:
    """Each credential verified now, with its binding to the holder who shows it (the share
    page and the public portfolio page)."""
    extracted = [(i, read_credential(i.original.encode("utf-8"), None)) for i in items]
    return [
        SharedCredential(
            i,
            verify_extracted(instance, found),
            holder_binding(found.credential, holder_did, proven=True, shared=True),
        )
        for i, found in extracted
    ]


def present(
    instance: Instance,
    holder_ref: str,
    item_ids: list[str],
    *,
    challenge: str,
    domain: str,
    fmt: str = "ldp",
) -> dict[str, Any] | str:
    """A verifiable presentation of chosen credentials, signed by the holder's key for a
    verifier's challenge and domain (Data Integrity, or vp+jwt with nonce/aud)."""
    from microcred.formats.presentation import (
        build_presentation,
        sign_presentation,
        sign_presentation_jwt,
    )

    if not challenge or not domain:
        raise HolderInvalid("a presentation needs the verifier's challenge and domain", "challenge")
    with transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        rows = {r.id: to_item(r) for r in holder_rows(session, holder.id, item_ids)}
        missing = [i for i in item_ids if i not in rows]
        if missing:
            raise HolderInvalid(f"not in this wallet: {', '.join(missing)}", "credential_ids")
        key, vm = signing_key(instance, session, holder)
        did = holder.did
    credentials = [rows[i].document() for i in item_ids]
    vp = build_presentation(credentials, holder=did)
    if fmt == "jwt":
        return sign_presentation_jwt(vp, key, kid=vm, nonce=challenge, aud=domain)
    return sign_presentation(
        vp,
        key,
        verification_method=vm,
        challenge=challenge,
        domain=domain,
        created=instance.now().replace(microsecond=0),
    )


def linkedin_url(
    instance: Instance, holder_ref: str, item_id: str, *, share: str | None = None
) -> str:
    from microcred.documents.linkedin import add_to_profile_url
    from microcred.services.wallet import get_item

    item = get_item(instance, holder_ref, item_id)
    return add_to_profile_url(
        name=item.title,
        organization_name=item.issuer_name or item.issuer_id or "",
        issue_date=(item.issued_on or item.imported_at).date(),
        cert_url=share or verify_page_url(instance),
        cert_id=item.credential_id,
        expiration_date=item.valid_until.date() if item.valid_until else None,
    )


def revoke_share_by_id(instance: Instance, share_id: str) -> None:
    """For the instance's own CLI: revoke a share without naming its holder."""
    with transaction(instance.sessions) as session:
        share = session.get(Share, share_id)
        if share is None:
            raise HolderNotFound(f"no share '{share_id}'", "id")
        share.revoked_at = share.revoked_at or instance.now()
