"""Documents this instance can answer for itself: its organisations' DID documents and
status lists. The verifier uses them without any network access."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from microcred.proofs.did import did_web_to_url
from microcred.services import organisations, status_lists
from microcred.services.instance import Instance
from microcred.services.organisations import OrganisationError
from microcred.store.db import read_transaction
from microcred.store.tables import Organisation, OrganisationKey
from microcred.verify.trust import TrustedIssuer, TrustList


@dataclass
class _Organisations:
    """What a verification needs to know of the instance's organisations, read once and
    kept while the organisations and their keys stay the same (they are only ever added:
    the counts and the newest creation times change with every addition, whichever
    process makes it, so every process agrees on when this is stale)."""

    stamp: tuple[Any, ...]
    did_targets: dict[str, str]  # did:web and its document URL -> slug
    trust: TrustList
    did_documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # slug -> document


_SNAPSHOTS: dict[str, _Organisations] = {}  # database URL -> the newest snapshot
_STAMP = select(  # built once: constructing a statement costs more than running it here
    select(func.count()).select_from(Organisation).scalar_subquery(),
    select(func.max(Organisation.created_at)).scalar_subquery(),
    select(func.count()).select_from(OrganisationKey).scalar_subquery(),
    select(func.max(OrganisationKey.created_at)).scalar_subquery(),
)


def _organisations(instance: Instance) -> _Organisations:
    with read_transaction(instance.sessions) as session:
        stamp = tuple(session.execute(_STAMP).one())
        key = instance.settings.database_url or str(instance.engine.url)
        found = _SNAPSHOTS.get(key)
        if found is not None and found.stamp == stamp:
            return found
        rows = session.execute(
            select(
                Organisation.slug,
                Organisation.did_web,
                Organisation.did_key,
                Organisation.name,
                Organisation.country,
            ).order_by(Organisation.created_at)
        ).all()
    targets: dict[str, str] = {}
    trusted: list[TrustedIssuer] = []
    for slug, did_web, did_key, name, country in rows:
        targets[did_web] = slug
        targets[did_web_to_url(did_web)] = slug
        trusted += [TrustedIssuer(did_web, name, country), TrustedIssuer(did_key, name, country)]
    snapshot = _Organisations(stamp, targets, TrustList.of(trusted))
    _SNAPSHOTS[key] = snapshot
    return snapshot


def fetcher(
    instance: Instance, known: _Organisations | None = None
) -> Callable[[str], dict[str, Any] | None]:
    status_pattern = re.compile(
        re.escape(instance.base_url)
        + r"/status/([a-z0-9-]+)/(\d+)/(revocation|suspension|message)$"
    )

    @functools.cache
    def organisations_now() -> _Organisations:
        # One look-up per fetcher (a fetcher serves one verification or one request).
        return known if known is not None else _organisations(instance)

    lists: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}

    def fetch(url: str) -> dict[str, Any] | None:
        match = status_pattern.match(url)
        try:
            if match:
                slug, list_id, purpose = match.group(1), int(match.group(2)), match.group(3)
                # Every purpose of a list in one look-up (older credentials name two).
                if (slug, list_id) not in lists:
                    lists[(slug, list_id)] = status_lists.published_current(instance, slug, list_id)
                found = lists[(slug, list_id)].pop(purpose, None)
                if found is not None:
                    return found
                return status_lists.published(instance, slug, list_id, purpose)
            orgs = organisations_now()
            slug = orgs.did_targets.get(url)
            if slug is not None:
                document = orgs.did_documents.get(slug)
                if document is None:
                    document = orgs.did_documents[slug] = organisations.did_document(instance, slug)
                return copy.deepcopy(document)
        except OrganisationError:
            return None
        return None

    return fetch


def trust_list(instance: Instance) -> TrustList:
    """An instance trusts its own organisations (by did:web and by did:key)."""
    return _organisations(instance).trust


def resolvers(instance: Instance) -> tuple[Callable[[str], dict[str, Any] | None], TrustList]:
    """`fetcher` and `trust_list` for one verification, from one look-up of the organisations."""
    known = _organisations(instance)
    return fetcher(instance, known), known.trust
