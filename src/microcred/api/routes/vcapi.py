"""W3C VC-API (CCG): ``/credentials/issue``, ``/credentials/verify``, ``/presentations/verify``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from microcred.api.deps import InstanceDep, token_scope
from microcred.api.errors import ERROR_REF, ApiError, error_body, error_responses
from microcred.api.schemas import (
    IssueCredentialRequest,
    IssueCredentialResponse,
    UpdateStatusRequest,
    UpdateStatusResponse,
    VerificationResult,
    VerifyCredentialRequest,
    VerifyPresentationRequest,
    nul_path,
)
from microcred.services import vcapi, vcapi_status
from microcred.services.tokens import Principal

router = APIRouter(tags=["W3C VC-API"])

PROBLEM_BASE = "https://w3id.org/microcred/problems#"
# 400: not verified (the result, with `error` too), or a body that cannot be read (`error`).
NOT_VERIFIED: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "not verified (the result and its errors), or a body that is not JSON",
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/VerificationResult"},
                        {"$ref": ERROR_REF},
                    ]
                }
            }
        },
    },
    **error_responses(422),
}


def _problem(check: dict[str, Any]) -> dict[str, str]:
    return {
        "type": PROBLEM_BASE + str(check["id"]),
        "title": str(check["id"]),
        "detail": str(check["message"]),
    }


def _result(checks: list[dict[str, Any]], verified: bool, field: str, **extra: Any) -> JSONResponse:
    """The VC-API verification response; ``field`` is the request member that was checked
    (``verifiableCredential`` or ``verifiablePresentation``), named in ``error.field``."""
    body: dict[str, Any] = {
        "verified": verified,
        "checks": [c["id"] for c in checks if c["status"] == "pass"],
        "warnings": [_problem(c) for c in checks if c["status"] == "warn"],
        "errors": [_problem(c) for c in checks if c["status"] == "fail"],
        **extra,
    }
    if not verified:
        first = body["errors"][0]["detail"] if body["errors"] else "verification failed"
        body.update(error_body("verification_failed", first, field))
    return JSONResponse(body, 200 if verified else 400)


@router.post(
    "/credentials/issue",
    response_model=IssueCredentialResponse,
    status_code=201,
    summary="Sign a credential as the token's organisation (Data Integrity)",
    responses=error_responses(400, 401, 403, 422, 429),
)
def issue_credential(
    instance: InstanceDep,
    principal: Annotated[Principal, Depends(token_scope("issue"))],
    body: IssueCredentialRequest,
) -> IssueCredentialResponse:
    where = nul_path(body.credential, "credential")
    if where is not None:
        raise ApiError(400, "bad_request", f"{where}: must not contain NUL characters", where)
    signed = vcapi.issue(
        instance,
        principal.org_id,
        body.credential,
        cryptosuite=body.options.cryptosuite,
        verification_method=body.options.verificationMethod,
        actor=principal.actor,
    )
    return IssueCredentialResponse(verifiableCredential=signed)


@router.post(
    "/credentials/status",
    response_model=UpdateStatusResponse,
    summary="Revoke, suspend or reinstate a credential the token's organisation issued",
    responses=error_responses(400, 401, 403, 404, 422, 429),
)
def update_credential_status(
    instance: InstanceDep,
    principal: Annotated[Principal, Depends(token_scope("revoke"))],
    body: UpdateStatusRequest,
) -> UpdateStatusResponse:
    changes = body.credentialStatus
    result = vcapi_status.update_status(
        instance,
        principal.org_id,
        body.credentialId,
        changes if isinstance(changes, list) else [changes],
        actor=principal.actor,
    )
    return UpdateStatusResponse(
        credentialId=result.credential_id, status=result.status, updated=list(result.updated)
    )


@router.post(
    "/credentials/verify",
    response_model=VerificationResult,
    summary="Verify a credential (public): 200 when valid, 400 with the errors when not",
    responses=NOT_VERIFIED,
)
async def verify_credential(instance: InstanceDep, body: VerifyCredentialRequest) -> JSONResponse:
    report = await run_in_threadpool(
        vcapi.verify, instance, body.verifiableCredential, now=instance.now()
    )
    data = report.to_json()
    return _result(data["checks"], report.valid, "verifiableCredential", report=data)


@router.post(
    "/presentations/verify",
    response_model=VerificationResult,
    summary="Verify a presentation and the credentials in it (public)",
    responses=NOT_VERIFIED,
)
async def verify_presentation(
    instance: InstanceDep, body: VerifyPresentationRequest
) -> JSONResponse:
    result = await run_in_threadpool(
        vcapi.verify_presentation,
        instance,
        body.verifiablePresentation,
        now=instance.now(),
        challenge=body.options.challenge,
        domain=body.options.domain,
    )
    checks = list(result.checks)
    for number, report in enumerate(result.credentials):
        if report["valid"]:
            checks.append(
                {"id": f"credential[{number}]", "status": "pass", "message": report["status"]}
            )
        else:
            failed = [c for c in report["checks"] if c["status"] == "fail"]
            detail = "; ".join(f"{c['id']}: {c['message']}" for c in failed) or report["status"]
            checks.append({"id": f"credential[{number}]", "status": "fail", "message": detail})
    return _result(
        checks, result.verified, "verifiablePresentation", credentials=result.credentials
    )
