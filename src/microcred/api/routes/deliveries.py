"""``/api/v1/orgs/{org}/credentials/{credential_id}/delivery``: e-mail the learner a claim
link of an issued credential (issue scope), see the delivery's state (read), withdraw the
unclaimed links (issue); ``/api/v1/orgs/{org}/jobs/{job_id}/delivery``: the same for every
learner of a bulk run named by an e-mail address. The console's pages do the same."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from microcred.api.deps import CanIssue, CanRead, InstanceDep
from microcred.api.errors import ORG_ROUTE_ERRORS
from microcred.services import delivery

router = APIRouter(
    prefix="/api/v1/orgs/{org}",
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
    "/credentials/{credential_id}/delivery",
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


@router.get(
    "/credentials/{credential_id}/delivery",
    response_model=DeliveryPublic,
    summary="The credential's delivery state",
)
def delivery_state(instance: InstanceDep, principal: CanRead, credential_id: str) -> DeliveryPublic:
    delivery.check_credential(instance, principal.org_id, credential_id)
    return _public(delivery.latest(instance, credential_id))


@router.delete(
    "/credentials/{credential_id}/delivery",
    response_model=DeliveryPublic,
    summary="Withdraw the unclaimed claim links",
)
def withdraw(instance: InstanceDep, principal: CanIssue, credential_id: str) -> DeliveryPublic:
    delivery.check_credential(instance, principal.org_id, credential_id)
    delivery.revoke(instance, principal.org_id, credential_id, actor=principal.actor)
    return _public(delivery.latest(instance, credential_id))


class BulkDeliveryPublic(BaseModel):
    sent: int = Field(description="claim links mailed (or written to the outbox)")
    outbox: int = Field(description="of which written to the outbox (no SMTP server set up)")
    without_email: int = Field(description="learners not named by an e-mail address")
    already: int = Field(description="credentials delivered before, not sent again")
    failed: int = Field(description="refused by the mail server")


class BulkDeliveryRequest(BaseModel):
    lang: str = Field("en", max_length=8, description="the language of the e-mails")


@router.post(
    "/jobs/{job_id}/delivery",
    response_model=BulkDeliveryPublic,
    summary="E-mail a claim link to every learner of a bulk run with an e-mail address",
)
def deliver_job(
    instance: InstanceDep, principal: CanIssue, job_id: str, body: BulkDeliveryRequest
) -> BulkDeliveryPublic:
    found = delivery.send_job(
        instance, principal.org_id, job_id, lang=body.lang, actor=principal.actor
    )
    return BulkDeliveryPublic(**found.__dict__)
