"""The credential issuer's resource endpoints: nonce, credential (batch: one credential per
proof), deferred credential and notification (OpenID4VCI 1.0 sections 7, 8, 9 and 11).

``dc+sd-jwt`` is signed now for each proven key (``services.sd_jwt_issuing``), a form of
the same record (one award, one status index); ``ldp_vc`` is the record's stored OB 3.0
credential with its Data Integrity proof and ``jwt_vc_json`` its VC-JOSE export: bound to
the learner's identifier, not to a wallet key, so they take no proof. Every configuration
is delivered once per access token; the issued record itself is never made twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from microcred.services.audit import record
from microcred.services.instance import Instance
from microcred.services.openid4vci import codes, metadata, proofs
from microcred.services.openid4vci.errors import OAuthError
from microcred.services.openid4vci.grants import AccessGrant, find_grant, new_grant
from microcred.store.db import transaction
from microcred.store.tables import IssuedCredential, Oid4vciGrant, Oid4vciOffer, Organisation

C_NONCE_TTL = 300
NOTIFICATION_TTL = 7 * 24 * 3600
NOTIFICATION_EVENTS = ("credential_accepted", "credential_failure", "credential_deleted")


def new_c_nonce(instance: Instance) -> dict[str, Any]:
    """The nonce endpoint's answer; nothing is stored until a request spends the nonce."""
    return {"c_nonce": codes.make_nonce(instance, "c_nonce", instance.now())}


def _invalid_request(description: str, field: str | None = None) -> OAuthError:
    return OAuthError("invalid_credential_request", description, field=field)


def _configuration(body: Mapping[str, Any], grant: AccessGrant) -> str:
    by_id, by_identifier = (
        body.get("credential_configuration_id"),
        body.get("credential_identifier"),
    )
    if (by_id is None) == (by_identifier is None):
        raise _invalid_request(
            "give exactly one of credential_configuration_id or credential_identifier",
            "credential_configuration_id",
        )
    if by_identifier is not None:
        if by_identifier not in grant.configuration_ids:
            raise OAuthError(
                "unknown_credential_identifier",
                f"credential_identifier {str(by_identifier)[:80]!r} is not one of this token",
                field="credential_identifier",
            )
        return str(by_identifier)
    if by_id not in metadata.CONFIGURATIONS:
        raise OAuthError(
            "unknown_credential_configuration",
            f"credential_configuration_id {str(by_id)[:80]!r} is not one of this issuer's: "
            + ", ".join(metadata.CONFIGURATIONS),
            field="credential_configuration_id",
        )
    if by_id not in grant.configuration_ids:
        raise OAuthError(
            "unknown_credential_configuration",
            f"credential_configuration_id {by_id!r} was not offered with this access token",
            field="credential_configuration_id",
        )
    return str(by_id)


def _proof_list(body: Mapping[str, Any]) -> list[object]:
    if "proof" in body:
        raise _invalid_request("use proofs (a JSON object with a jwt list), not proof", "proof")
    given = body.get("proofs")
    if not isinstance(given, dict) or set(given) != {"jwt"}:
        raise _invalid_request(
            "proofs must be a JSON object with one member, jwt: a list of proof JWTs", "proofs"
        )
    jwts = given["jwt"]
    if not isinstance(jwts, list) or not 1 <= len(jwts) <= metadata.BATCH_SIZE:
        raise _invalid_request(
            f"proofs.jwt must be a list of 1 to {metadata.BATCH_SIZE} proof JWTs", "proofs"
        )
    return jwts


def _spend_c_nonce(instance: Instance, nonce: str) -> None:
    now = instance.now()
    if not codes.nonce_valid(instance, "c_nonce", nonce, now, C_NONCE_TTL):
        raise OAuthError(
            "invalid_nonce",
            "the proof's nonce is not a current c_nonce of this issuer; get one from the nonce endpoint",
            field="proofs",
        )
    try:
        with transaction(instance.sessions) as session:
            session.add(
                Oid4vciGrant(
                    hash=codes.digest(nonce),
                    kind="c_nonce_used",
                    offer_id=None,
                    data={},
                    created_at=now,
                    expires_at=now + timedelta(seconds=C_NONCE_TTL + 10),
                )
            )
    except IntegrityError:
        raise OAuthError(
            "invalid_nonce",
            "this c_nonce was used already; get a new one from the nonce endpoint",
            field="proofs",
        ) from None


def _make(
    instance: Instance, grant: AccessGrant, configuration: str, keys: list[dict[str, Any]]
) -> list[Any]:
    if configuration == metadata.SD_JWT:
        from microcred.services.sd_jwt_issuing import issue_sd_jwt_vc

        with transaction(instance.sessions) as session:
            org = session.get(Organisation, grant.org_id)
            assert org is not None
            slug = org.slug
        return [
            issue_sd_jwt_vc(instance, slug, grant.credential_id, holder_jwk=jwk) for jwk in keys
        ]
    from microcred.services.exporting import export

    fmt = "ob3" if configuration == metadata.LDP_VC else "jwt"
    return [export(instance, grant.credential_id, fmt)]


def credential(instance: Instance, grant: AccessGrant, body: object) -> dict[str, Any]:
    """The credential endpoint's answer for a valid access token (checked by the caller)."""
    if not isinstance(body, dict):
        raise _invalid_request("the credential request must be a JSON object")
    configuration = _configuration(body, grant)
    if configuration in grant.issued:
        raise OAuthError(
            "credential_request_denied",
            f"{configuration} was delivered already with this access token",
        )
    with transaction(instance.sessions) as session:
        row = session.get(IssuedCredential, grant.credential_id)
        if row is None or row.revoked_at is not None:
            raise OAuthError(
                "credential_request_denied", "this credential was revoked by its issuer"
            )
    keys: list[dict[str, Any]] = []
    if configuration in metadata.KEY_BOUND:
        now_ts = instance.now().timestamp()
        proven = [
            proofs.check(instance, p, client_id=grant.client_id, now_ts=now_ts)
            for p in _proof_list(body)
        ]
        nonces = {p.nonce for p in proven}
        if len(nonces) != 1:
            raise OAuthError(
                "invalid_nonce",
                "every proof of one request must carry the same c_nonce",
                field="proofs",
            )
        thumbprints = {codes.digest(repr(sorted(p.jwk.items()))) for p in proven}
        if len(thumbprints) != len(proven):
            raise OAuthError(
                "invalid_proof", "each proof of a batch must be of another key", field="proofs"
            )
        _spend_c_nonce(instance, nonces.pop())
        keys = [p.jwk for p in proven]
    made = _make(instance, grant, configuration, keys)
    now = instance.now()
    with transaction(instance.sessions) as session:
        token_row = session.get(Oid4vciGrant, grant.hash, with_for_update=True)
        assert token_row is not None
        issued = list(token_row.data.get("issued") or [])  # type: ignore[call-overload]
        if configuration in issued:  # a concurrent request delivered it meanwhile
            raise OAuthError("credential_request_denied", f"{configuration} was delivered already")
        token_row.data = {**token_row.data, "issued": [*issued, configuration]}
        offer = session.get(Oid4vciOffer, grant.offer_id)
        if offer is not None:
            offer.state = "issued"
        notification = new_grant(
            session,
            "notification",
            grant.offer_id,
            {
                "token": grant.hash,
                "configuration": configuration,
                "credential_id": grant.credential_id,
            },
            now,
            NOTIFICATION_TTL,
        )
        record(
            session,
            grant.org_id,
            f"wallet:{grant.client_id or 'anonymous'}"[:200],
            "oid4vci.credential",
            grant.credential_id,
            {
                "offer_id": grant.offer_id,
                "configuration": configuration,
                "format": metadata.FORMAT_OF[configuration],
                "count": len(made),
            },
            at=now,
        )
    return {"credentials": [{"credential": c} for c in made], "notification_id": notification}


def deferred(instance: Instance, grant: AccessGrant, body: object) -> dict[str, Any]:
    """This issuer issues at once; no transaction is ever pending."""
    if not isinstance(body, dict) or not isinstance(body.get("transaction_id"), str):
        raise _invalid_request("transaction_id is required", "transaction_id")
    raise OAuthError(
        "invalid_transaction_id",
        "no deferred issuance is pending under this transaction_id (this issuer issues at once)",
        field="transaction_id",
    )


def notify(instance: Instance, grant: AccessGrant, body: object) -> None:
    """Record the wallet's notification (OpenID4VCI 1.0 section 11) in the audit log."""
    if not isinstance(body, dict):
        raise OAuthError("invalid_notification_request", "the notification must be a JSON object")
    event = body.get("event")
    if event not in NOTIFICATION_EVENTS:
        raise OAuthError(
            "invalid_notification_request",
            "event must be one of " + ", ".join(NOTIFICATION_EVENTS),
            field="event",
        )
    description = body.get("event_description")
    if description is not None and (not isinstance(description, str) or len(description) > 500):
        raise OAuthError(
            "invalid_notification_request",
            "event_description must be a short string",
            field="event_description",
        )
    notification_id = body.get("notification_id")
    now = instance.now()
    with transaction(instance.sessions) as session:
        row = (
            find_grant(session, notification_id, "notification")
            if isinstance(notification_id, str)
            else None
        )
        if row is None or row.data.get("token") != grant.hash or row.expires_at <= now:
            raise OAuthError(
                "invalid_notification_id",
                "unknown notification_id for this access token",
                field="notification_id",
            )
        details: dict[str, Any] = {"event": event, "configuration": row.data.get("configuration")}
        if description:
            details["event_description"] = description
        record(
            session,
            grant.org_id,
            f"wallet:{grant.client_id or 'anonymous'}"[:200],
            "oid4vci.notification",
            grant.credential_id,
            details,
            at=now,
        )
