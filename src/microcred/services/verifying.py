"""The one way to build a verifier context: every adapter (CLI, API, VC-API, web verify
pages), the wallet and stacking verify a credential against the same sources.

The sources, in the order they are asked:

1. ``documents`` the caller hands over (the CLI's ``--resolve URL=FILE``);
2. what this instance answers for itself (its organisations' DID documents and status
   lists, `services/local_documents.py`), when there is an instance;
3. the operator's allow-listed hosts (``MICROCRED_ALLOWED_HOSTS``) plus any ``allow_hosts``
   the caller adds (the CLI's ``--allow-host``), over HTTPS through the one outbound fetcher
   (`verify/http_fetch.py`).

The trust list is the caller's (a trust-list file) merged with the instance's own
organisations. The caches the verifier depends on belong to the context: the status-list
memo is the instance's (`Instance.status_lists`, keyed by the verifier's settings), the
allow-listed fetcher's document cache is the context's own.

``now`` is always the caller's: adapters read the clock, services do not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from microcred.jsonld.contexts import parse_context_assignments, register_context_files
from microcred.services import local_documents
from microcred.services.instance import Instance
from microcred.services.issuing import default_canonicalizer
from microcred.services.outbound_tls import network_for
from microcred.settings import Settings
from microcred.store.db import read_transaction
from microcred.store.tables import IssuedCredential
from microcred.verify import TrustList, VerifierContext
from microcred.verify.http_fetch import AllowListedFetcher, Network
from microcred.verify.token_status import SUPPLIED_TOKEN, AllowListedTokenFetcher

Source = Callable[[str], Mapping[str, Any] | None]


def chain(sources: Iterable[Source]) -> Callable[[str], dict[str, Any] | None] | None:
    """One fetcher that asks each source in turn (``None`` when there is no source)."""
    found_sources = list(sources)
    if not found_sources:
        return None

    def fetch(url: str) -> dict[str, Any] | None:
        for source in found_sources:
            found = source(url)
            if found is not None:
                return dict(found)
        return None

    return fetch


def _network(config: Settings | None) -> Network | None:
    """The operator's extra CA files for outbound TLS (MICROCRED_OUTBOUND_CA_FILES); a bad
    file leaves the defaults (what cannot be fetched is then "could not check", never valid)."""
    if config is None:
        return None
    try:
        return network_for(config)
    except ValueError:
        return None


def verifier_context(
    instance: Instance | None,
    *,
    now: datetime,
    allow_hosts: Iterable[str] = (),
    documents: Mapping[str, dict[str, Any]] | None = None,
    trust: TrustList | None = None,
    settings: Settings | None = None,
) -> VerifierContext:
    """The verifier context for one verification (or one request's verifications).

    ``instance`` may be ``None`` (the CLI without a local store): then ``settings`` gives
    the allow-list, and only the given documents, trust and hosts are used.
    """
    config = settings if settings is not None else (instance.settings if instance else None)
    if config is not None and config.extra_contexts:
        # the operator's context files (read once per change; a bad file is InvalidInput)
        register_context_files(parse_context_assignments(config.extra_contexts))
    sources: list[Source] = []
    token_sources: list[Callable[[str], str | None]] = []
    supplied = {
        url: document[SUPPLIED_TOKEN]
        for url, document in (documents or {}).items()
        if isinstance(document.get(SUPPLIED_TOKEN), str)
    }
    if supplied:
        token_sources.append(supplied.get)
    trusted = trust if trust is not None else TrustList.empty()
    if instance is not None:
        local_fetch, local_trust = local_documents.resolvers(instance)
        sources.append(local_fetch)
        from microcred.services.token_status import local_tokens

        token_sources.append(local_tokens(instance))
        trusted = trusted.merged(local_trust) if trust is not None else local_trust
    hosts = [*allow_hosts, *(config.allowed_hosts if config is not None else ())]
    if hosts:
        private = config.outbound_allow_private if config else False
        network = _network(config)
        sources.append(AllowListedFetcher(hosts, allow_private=private, network=network))
        token_sources.append(AllowListedTokenFetcher(hosts, allow_private=private, network=network))
    extra: dict[str, Any] = {}
    if instance is not None:
        extra["status_lists"] = instance.status_lists
        extra["status_tokens"] = instance.status_tokens
    # X.509 anchors for x5c chains: the operator's files, and the instance's TEST CA only
    # when trust_test_ca is set (services/certificates.py; imported here, it imports vcapi)
    from microcred.services.certificates import anchors_for

    anchors = tuple(anchors_for(config, instance)) if config is not None else ()
    return VerifierContext(
        now=now,
        trust_anchors=anchors,
        documents=dict(documents or {}),
        fetch=chain(sources),
        fetch_token=_first_token(token_sources),
        trust=trusted,
        canonicalize=default_canonicalizer(),
        **extra,
    )


def _first_token(
    sources: list[Callable[[str], str | None]],
) -> Callable[[str], str | None] | None:
    """One Status List Token fetcher that asks each source in turn."""
    if not sources:
        return None

    def fetch(url: str) -> str | None:
        for source in sources:
            try:
                found = source(url)
            except Exception:  # noqa: BLE001 - a failing source means "not available"
                found = None
            if found:
                return found
        return None

    return fetch


def revoked_at(instance: Instance, credential: Mapping[str, Any] | None) -> datetime | None:
    """When this instance issued the credential, the time its issuer revoked it (from the
    instance's own records; a read), else ``None``."""
    cid = credential.get("id") if isinstance(credential, Mapping) else None
    if not isinstance(cid, str) or len(cid) > 500:
        return None
    with read_transaction(instance.sessions) as session:
        found: datetime | None = session.scalar(
            select(IssuedCredential.revoked_at).where(IssuedCredential.id == cid)
        )
        return found
