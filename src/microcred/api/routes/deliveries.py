"""``/api/v1/orgs/{org}/credentials/{credential_id}/delivery``: e-mail the learner a claim
link of an issued credential (issue scope), see the delivery's state (read), withdraw the
unclaimed links (issue). The console's credential page does the same."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from microcred.api.deps import CanIssue, CanRead, InstanceDep
from microcred.api.errors import ORG_ROUTE_ERRORS
from microcred.services import delivery

router = APIRouter(
    prefix="/api/v1/orgs/{org}/credentials/{credential_id}/delivery",
    tags=["credentials"],
    responses=ORG_ROUTE_ERRORS,
)


class DeliveryPublic(BaseModel):
    state: Literal["not_sent", "sent", "claimed", "revoked"]
    email: str | None = None
    sent_at: datetime | None = None
    sent_via: Literal["smtp", "outbox"] | None = None
    expires_at: datetime | None = None
    claimed_at: datetime | None = None


class DeliveryRequest(BaseModel):
    email: str | None = Field(
        None, max_length=320, description="default: the learner's address in the credential"
    )
    lang: str = Field("en", max_length=8, description="the language of the e-mail")


def _public(view: delivery.DeliveryView | None) -> DeliveryPublic:
    if view is None:
        return DeliveryPublic(state="not_sent")
    return DeliveryPublic(
        state=view.state,
        email=view.email,
        sent_at=view.sent_at,
        sent_via=view.sent_via,
        expires_at=view.expires_at,
        claimed_at=view.claimed_at,
    )


@router.post(
    "",
    response_model=DeliveryPublic,
    status_code=201,
    summary="E-mail the learner a claim link (single wallet, expiring, revocable)",
)
def deliver(
    instance: InstanceDep, principal: CanIssue, credential_id: str, body: DeliveryRequest
) -> DeliveryPublic:
    found = delivery.send(
        instance,
        principal.org_id,
        credential_id,
        email=body.email,
        lang=body.lang,
        actor=principal.actor,
    )
    return _public(found.delivery)


@router.get("", response_model=DeliveryPublic, summary="The credential's delivery state")
def delivery_state(instance: InstanceDep, principal: CanRead, credential_id: str) -> DeliveryPublic:
    delivery.check_credential(instance, principal.org_id, credential_id)
    return _public(delivery.latest(instance, credential_id))


@router.delete("", response_model=DeliveryPublic, summary="Withdraw the unclaimed claim links")
def withdraw(instance: InstanceDep, principal: CanIssue, credential_id: str) -> DeliveryPublic:
    delivery.check_credential(instance, principal.org_id, credential_id)
    delivery.revoke(instance, principal.org_id, credential_id, actor=principal.actor)
    return _public(delivery.latest(instance, credential_id))
