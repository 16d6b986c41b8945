"""The scheduled jobs: status-list publication, wallet re-verification and the recovery of
bulk jobs whose process stopped."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from microcred.services import status_lists
from microcred.services.instance import Instance
from microcred.store.db import transaction
from microcred.store.tables import Organisation, StatusList

logger = logging.getLogger("microcred.jobs")


def publish_status_lists(instance: Instance) -> dict[str, Any]:
    """Re-sign every status list that changed or is near expiry (the others are kept), so
    that verifiers fetching a list never wait for a signature."""
    with transaction(instance.sessions) as session:
        lists = list(
            session.execute(
                select(Organisation.slug, StatusList.id).join(
                    Organisation, Organisation.id == StatusList.org_id
                )
            )
        )
    for slug, list_id in lists:
        for purpose in status_lists.PURPOSES:
            status_lists.published(instance, slug, list_id, purpose)
    logger.info("status lists published: %d list(s)", len(lists))
    return {"lists": len(lists)}


def reverify_wallets(instance: Instance) -> dict[str, Any]:
    """Re-verify every credential in every wallet (revocations, expiry, suspensions)."""
    from microcred.services.wallet import reverify_everyone

    changed = reverify_everyone(instance)
    logger.info("wallets re-verified: %d credential(s) changed status", changed)
    return {"changed": changed}


def recover_bulk_jobs(instance: Instance) -> dict[str, Any]:
    """In-process bulk jobs whose process stopped become `interrupted` (resumable), rather
    than `running` for ever."""
    from microcred.services.bulk_jobs import recover_interrupted

    return {"interrupted": len(recover_interrupted(instance))}


def delete_presentation_answers(instance: Instance) -> dict[str, Any]:
    """OpenID4VP presentation requests past their keeping time go, with their answers."""
    from microcred.services.presentation_requests import delete_expired

    return {"deleted": delete_expired(instance)}


PERIODIC = {
    "publish-status-lists": publish_status_lists,
    "reverify-wallets": reverify_wallets,
    "recover-bulk-jobs": recover_bulk_jobs,
    "delete-presentation-answers": delete_presentation_answers,
}
