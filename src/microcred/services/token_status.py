"""IETF Token Status List tokens of the instance's status lists (publication).

A status list of an organisation is published twice from the same rows and indexes: as the
W3C Bitstring Status List credentials (`services/status_lists.py` ``published``) and, here,
as one Status List Token (draft-ietf-oauth-status-list-14) with 2 bits per entry (0 VALID,
1 INVALID = revoked, 2 SUSPENDED), at :func:`status_lists.token_status_url`. Revoking or
suspending a credential touches the list's ``changed_at``, so both forms are re-signed on
their next request: one revocation reaches every format of the award.

The token is signed ES256 by the organisation's P-256 key (the key its SD-JWT VCs are
signed with), with ``kid`` = that key's DID URL and, when the organisation has a
certificate chain, ``x5c`` (leaf first, no trust anchor). It is cached in
``published_status_lists`` under the purpose ``statuslist+jwt`` like the Bitstring lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from microcred.formats.token_status_list import (
    TYP,
    new_list,
    set_status,
    status_list_object,
    token_claims,
)
from microcred.proofs.jose import sign_jws
from microcred.proofs.x509 import x5c_header
from microcred.services import certificates, status_lists
from microcred.services.instance import Instance
from microcred.services.organisations import NotFound
from microcred.services.vcapi import ensure_p256_key
from microcred.store.db import read_transaction, transaction
from microcred.store.tables import Organisation, PublishedStatusList, StatusList

TOKEN_PURPOSE = TYP  # the `purpose` of the token's row in published_status_lists
TOKEN_BITS = 2
_PATH = re.compile(r"/statuslists/([a-z0-9][a-z0-9-]{0,47})/([0-9]{1,9})")


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _org_and_list(session: Any, org_slug: str, list_id: int) -> tuple[Organisation, StatusList]:
    org = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    list_row = session.get(StatusList, list_id)
    if org is None or list_row is None or list_row.org_id != org.id:
        raise NotFound(f"no status list {org_slug}/{list_id}", "list")
    return org, list_row


def aggregation_url(instance: Instance, org_slug: str) -> str:
    """The organisation's Status List Aggregation (draft -14 §9): every token's URL."""
    return f"{instance.base_url}/statuslists/{org_slug}"


def aggregation(instance: Instance, org_slug: str) -> dict[str, Any]:
    """``{"status_lists": [...]}``: the URLs of the organisation's Status List Tokens."""
    with read_transaction(instance.sessions) as session:
        org = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
        if org is None:
            raise NotFound(f"no organisation '{org_slug}' on this instance", "org")
        ids = session.scalars(
            select(StatusList.id).where(StatusList.org_id == org.id).order_by(StatusList.id)
        ).all()
    return {"status_lists": [status_lists.token_status_url(instance, org_slug, i) for i in ids]}


def status_list_json(
    instance: Instance, org_slug: str, list_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """The token's claims without a signature (``application/statuslist+json``)."""
    now = now or instance.now()
    with read_transaction(instance.sessions) as session:
        org, list_row = _org_and_list(session, org_slug, list_id)
        return _claims(instance, session, org, list_row, now)


def _claims(
    instance: Instance, session: Any, org: Organisation, list_row: StatusList, now: datetime
) -> dict[str, Any]:
    raw = new_list(list_row.size, TOKEN_BITS)
    for index, value in status_lists.status_values(session, list_row.id):
        set_status(raw, index, TOKEN_BITS, value)
    return token_claims(
        status_lists.token_status_url(instance, org, list_row.id),
        status_list_object(raw, TOKEN_BITS, aggregation_uri=aggregation_url(instance, org.slug)),
        iat=_epoch(now),
        exp=_epoch(now + status_lists.LIST_VALIDITY),
        ttl=int(status_lists.LIST_TTL.total_seconds()),
    )


def _x5c(instance: Instance, org_slug: str) -> list[str] | None:
    """The organisation's certificate chain for its P-256 key, as ``x5c`` (None: none)."""
    chain = certificates.chain_for(instance, org_slug)
    return x5c_header(chain) if chain else None


def published_token(
    instance: Instance, org_slug: str, list_id: int, *, now: datetime | None = None
) -> str:
    """The signed Status List Token (compact JWS), re-signed when the list changed since it
    was last signed, is past half its validity, the organisation's certificate chain changed
    (a chain imported after the token was signed goes into its ``x5c``) or the token's URL
    did (its ``sub``: the instance's base URL)."""
    now = now or instance.now()
    current = status_lists.published_current(instance, org_slug, list_id, now=now)
    cached = current.get(TOKEN_PURPOSE)
    x5c = _x5c(instance, org_slug)
    uri = status_lists.token_status_url(instance, org_slug, list_id)
    if (
        cached is not None
        and isinstance(cached.get("token"), str)
        and cached.get("x5c") == x5c
        and cached.get("sub") == uri  # the instance's base URL may have changed since
    ):
        return str(cached["token"])
    with read_transaction(instance.sessions) as session:
        org, _ = _org_and_list(session, org_slug, list_id)
        org_id = org.id
    key, kid = ensure_p256_key(instance, org_id)  # its own transactions: before ours
    with transaction(instance.sessions) as session:
        org, list_row = _org_and_list(session, org_slug, list_id)
        header: dict[str, Any] = {"typ": TYP, "kid": kid}
        if x5c:
            header["x5c"] = x5c
        token = sign_jws(_claims(instance, session, org, list_row, now), key, header=header)
        document = json.dumps({"token": token, "x5c": x5c, "sub": uri})
        until = now + status_lists.LIST_VALIDITY
        row = session.get(PublishedStatusList, (list_id, TOKEN_PURPOSE))
        if row is None:
            session.add(
                PublishedStatusList(
                    list_id=list_id,
                    purpose=TOKEN_PURPOSE,
                    document=document,
                    published_at=now,
                    valid_until=until,
                )
            )
        else:
            row.document, row.published_at, row.valid_until = document, now, until
        return token


def local_tokens(instance: Instance) -> Callable[[str], str | None]:
    """The verifier's source of this instance's own tokens (no network): URL -> token."""
    prefix = f"{instance.base_url}/statuslists/"

    def fetch(url: str) -> str | None:
        if not url.startswith(prefix):
            return None
        match = _PATH.fullmatch(url, len(instance.base_url))
        if match is None:
            return None
        try:
            return published_token(instance, match.group(1), int(match.group(2)))
        except NotFound:
            return None

    return fetch
