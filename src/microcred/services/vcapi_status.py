"""W3C VC-API ``POST /credentials/status``: revoke, suspend or reinstate a credential this
organisation issued, by the credential's id.

A credential signed through ``POST /credentials/issue`` is stored once per issuance; a
caller that reused an id has several, and the update reaches each of them. The changes are
the ones the other routes and the console make (``services/credentials``): the same rows,
the same status list, the same audit entries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import or_, select

from microcred.services import credentials
from microcred.services.instance import Instance
from microcred.services.organisations import NotFound
from microcred.services.vcapi import VcApiError, has_status_entry, row_key_prefix
from microcred.store.db import read_transaction
from microcred.store.tables import IssuedCredential

__all__ = ["StatusUpdate", "update_status"]

ENTRY_TYPE = "BitstringStatusListEntry"
Action = Literal["revoke", "suspend", "unsuspend"]
# A change names its purpose (the W3C status list suite: set the purpose's bit) or the status
# the credential is to have (VC-API: "revoked", "suspended", back to "active").
_ACTIONS: dict[tuple[str, str], Action] = {
    ("statusPurpose", "revocation"): "revoke",
    ("statusPurpose", "suspension"): "suspend",
    ("status", "revoked"): "revoke",
    ("status", "suspended"): "suspend",
    ("status", "active"): "unsuspend",
    ("status", "valid"): "unsuspend",
    ("status", "unsuspended"): "unsuspend",
}
DEFAULT_REASON = "revoked through the VC-API"


@dataclass(frozen=True)
class StatusUpdate:
    credential_id: str
    status: str  # "active", "revoked" or "suspended", after the changes
    updated: tuple[str, ...]  # the stored credentials the update reached


def _action(number: int, change: Any) -> tuple[Action, str | None]:
    where = f"credentialStatus[{number}]"
    if not isinstance(change, dict):
        raise VcApiError("must be an object with a type and a status", where)
    if change.get("type") != ENTRY_TYPE:
        raise VcApiError(f"type must be {ENTRY_TYPE}: the status list this issuer keeps", where)
    for key in ("status", "statusPurpose"):
        value = change.get(key)
        if isinstance(value, str) and (key, value) in _ACTIONS:
            reason = change.get("reason")
            return _ACTIONS[(key, value)], reason if isinstance(reason, str) else None
    raise VcApiError(
        "give status (revoked, suspended or active) or statusPurpose (revocation or suspension)",
        where,
    )


def _rows(instance: Instance, org_id: str, credential_id: str) -> list[tuple[str, str]]:
    with read_transaction(instance.sessions) as session:
        found = session.execute(
            select(IssuedCredential.id, IssuedCredential.document)
            .where(
                IssuedCredential.org_id == org_id,
                or_(
                    IssuedCredential.id == credential_id,
                    IssuedCredential.row_key.startswith(
                        row_key_prefix(credential_id), autoescape=True
                    ),
                ),
            )
            .order_by(IssuedCredential.created_at)
        ).all()
    return [(row_id, document) for row_id, document in found]


def update_status(
    instance: Instance,
    org_id: str,
    credential_id: str,
    changes: Sequence[Any],
    *,
    actor: str = "api",
) -> StatusUpdate:
    """Apply ``changes`` (VC-API ``credentialStatus`` items) to the credential with this id."""
    if not changes:
        raise VcApiError("give at least one status change", "credentialStatus")
    actions = [_action(number, change) for number, change in enumerate(changes)]
    found = _rows(instance, org_id, credential_id)
    if not found:
        raise NotFound(
            f"no credential '{credential_id}' issued by this organisation", "credentialId"
        )
    # A VC 1.1 credential signed through the VC-API carries no status entry (see
    # vcapi.issue): a change to its list slot would not show in it, so it is refused
    rows = [row_id for row_id, document in found if has_status_entry(json.loads(document))]
    if not rows:
        raise VcApiError(
            f"the credential '{credential_id}' has no status entry (a VC 1.1 credential gets "
            "none: Bitstring Status List is a VC 2.0 mechanism), so it cannot be revoked or "
            "suspended",
            "credentialId",
        )
    view: credentials.IssuedView | None = None
    for row_id in rows:
        for action, reason in actions:
            if action == "revoke":
                view = credentials.revoke(
                    instance, row_id, reason=reason or DEFAULT_REASON, org_ref=org_id, actor=actor
                )
            else:
                view = credentials.set_suspended(
                    instance,
                    row_id,
                    action == "suspend",
                    reason=reason,
                    org_ref=org_id,
                    actor=actor,
                )
    assert view is not None
    status = "revoked" if view.revoked else "suspended" if view.suspended else "active"
    return StatusUpdate(credential_id, status, tuple(rows))
