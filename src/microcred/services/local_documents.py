"""Documents this instance can answer for itself: its organisations' DID documents and
status lists. The verifier uses them without any network access."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from microcred.proofs.did import did_web_to_url
from microcred.services import organisations, status_lists
from microcred.services.instance import Instance
from microcred.services.organisations import OrganisationError
from microcred.store.db import transaction
from microcred.store.tables import Organisation
from microcred.verify.trust import TrustedIssuer, TrustList


def fetcher(instance: Instance) -> Callable[[str], dict[str, Any] | None]:
    status_pattern = re.compile(
        re.escape(instance.base_url) + r"/status/([a-z0-9-]+)/(\d+)/(revocation|suspension)$"
    )

    @functools.cache
    def did_web_targets() -> dict[str, str]:
        # One look-up per fetcher (a fetcher serves one verification or one request).
        with transaction(instance.sessions) as session:
            rows = session.execute(select(Organisation.slug, Organisation.did_web)).all()
        out: dict[str, str] = {}
        for slug, did in rows:
            out[did] = slug
            out[did_web_to_url(did)] = slug
        return out

    def fetch(url: str) -> dict[str, Any] | None:
        match = status_pattern.match(url)
        try:
            if match:
                return status_lists.published(
                    instance, match.group(1), int(match.group(2)), match.group(3)
                )
            slug = did_web_targets().get(url)
            if slug is not None:
                return organisations.did_document(instance, slug)
        except OrganisationError:
            return None
        return None

    return fetch


def trust_list(instance: Instance) -> TrustList:
    """An instance trusts its own organisations (by did:web and by did:key)."""
    orgs = organisations.list_all(instance)
    return TrustList.of(
        [TrustedIssuer(o.did, o.name, o.country) for o in orgs]
        + [TrustedIssuer(o.did_key, o.name, o.country) for o in orgs]
    )
