"""An organisation's OpenID4VCI credential offers beyond making one
(``POST .../credentials/{credential_id}/offers`` is in ``openid4vci.py``): the offers of a
credential with their state (read scope), revoking an unused one (issue scope), and one offer
for every issued row of a bulk job (issue scope). The console's pages do the same."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from microcred.api.deps import CanIssue, CanRead, InstanceDep
from microcred.api.errors import ORG_ROUTE_ERRORS, error_responses
from microcred.services.openid4vci import job_offers, offers

router = APIRouter(
    prefix="/api/v1/orgs/{org}",
    tags=["openid4vci"],
    responses={**ORG_ROUTE_ERRORS, **error_responses(400)},
)


class OfferRecordPublic(BaseModel):
    id: str
    credential_id: str
    configuration_ids: list[str]
    pre_authorized: bool
    tx_code: bool = Field(description="whether the offer needs a PIN (the PIN is never shown)")
    created_at: str
    expires_at: str
    used_at: str | None
    state: Literal["open", "used", "locked", "expired", "revoked"]


class OfferList(BaseModel):
    offers: list[OfferRecordPublic]


@router.get(
    "/credentials/{credential_id}/offers",
    response_model=OfferList,
    summary="A credential's OpenID4VCI offers, newest first, with their state",
)
def list_offers(instance: InstanceDep, principal: CanRead, credential_id: str) -> OfferList:
    found = offers.list_for(instance, principal.org_id, credential_id)
    return OfferList(offers=[OfferRecordPublic(**r.to_json()) for r in found])


@router.delete(
    "/credentials/{credential_id}/offers/{offer_id}",
    response_model=OfferRecordPublic,
    summary="Revoke an unused offer: its link, code and PIN stop working at once",
)
def revoke_offer(
    instance: InstanceDep,
    principal: CanIssue,
    credential_id: str,
    offer_id: Annotated[
        str,
        Path(
            max_length=100,
            description="the offer's id (from the list) or the last part of its offer_uri",
        ),
    ],
) -> OfferRecordPublic:
    found = offers.revoke(
        instance, principal.org_id, offer_id, credential_id=credential_id, actor=principal.actor
    )
    return OfferRecordPublic(**found.to_json())


class JobOffersRequest(BaseModel):
    pre_authorized: bool = True
    tx_code: bool = False
    configuration_ids: Annotated[list[str], Field(max_length=3)] | None = None
    expires_in_minutes: int | None = Field(
        None, description="1 to 43200 (30 days); default the instance's offer lifetime"
    )


class RowOfferPublic(BaseModel):
    line: int = Field(description="the row's line in the CSV file")
    learner_name: str
    learner_email: str | None
    credential_id: str | None
    offer_link: str | None = Field(description="openid-credential-offer:// by reference (QR)")
    offer: str | None = Field(description="openid-credential-offer:// by value")
    offer_uri: str | None
    tx_code: str | None
    expires_at: str | None
    problem: str | None = Field(description="why the row has no offer")


class JobOffersPublic(BaseModel):
    job_id: str
    offers: int
    without_offer: int
    expires_at: str
    rows: list[RowOfferPublic]


@router.post(
    "/jobs/{job_id}/offers",
    response_model=JobOffersPublic,
    status_code=201,
    summary="An OpenID4VCI offer for every issued row of a bulk job (rows without one named)",
    description="Learners' names and e-mail addresses only for a token that may also read.",
)
def offers_for_job(
    instance: InstanceDep,
    principal: CanIssue,
    job_id: str,
    body: JobOffersRequest | None = None,
) -> JobOffersPublic:
    body = body or JobOffersRequest()
    found = job_offers.create_for_job(
        instance,
        principal.org_id,
        job_id,
        pre_authorized=body.pre_authorized,
        tx_code=body.tx_code,
        configuration_ids=body.configuration_ids,
        expires_in_minutes=body.expires_in_minutes,
        actor=principal.actor,
        with_learners=principal.allows("read"),
    )
    return JobOffersPublic(**found.to_json())
