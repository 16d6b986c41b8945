"""The authorization step of the authorization code flow: pushed authorization requests
(RFC 9126, written here: authlib has no PAR), the page's pending request, and the
learner's answer as a redirect with ``code``, ``state`` and ``iss`` (RFC 9207).

A PAR must carry the ``issuer_state`` of a live offer of this issuer (the offer is the
learner's authorization, as its pre-authorized code is in the other flow), PKCE S256 and a
redirect URI that is https, loopback http or an app's own scheme.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy.orm import Session

from microcred.services.instance import Instance
from microcred.services.openid4vci import offers
from microcred.services.openid4vci.errors import OAuthError, invalid_request
from microcred.services.openid4vci.grants import CODE_TTL, find_grant, new_grant, param
from microcred.store.db import transaction
from microcred.store.tables import IssuedCredential, Oid4vciGrant, Oid4vciOffer, Organisation

PAR_TTL = 90
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"


@dataclass(frozen=True)
class PendingAuthorization:
    """A pushed authorization request waiting for the learner's answer."""

    request_uri: str
    client_id: str
    redirect_uri: str
    org_name: str
    learner_name: str
    credential_title: str
    configuration_ids: tuple[str, ...]


def _redirect_uri_ok(uri: str) -> bool:
    parts = urlsplit(uri)
    if not parts.scheme or parts.fragment:
        return False
    if parts.scheme == "http":
        return parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme not in ("javascript", "data", "file", "vbscript")


def _requested_configurations(
    form: Mapping[str, str], offered: list[str]
) -> tuple[list[str], list[dict[str, Any]] | None]:
    raw_details = form.get("authorization_details")
    if raw_details:
        try:
            details = json.loads(raw_details)
        except ValueError:
            raise invalid_request(
                "authorization_details is not JSON", "authorization_details"
            ) from None
        if not isinstance(details, list) or not details or len(details) > 10:
            raise invalid_request(
                "authorization_details must be a list of 1 to 10 objects", "authorization_details"
            )
        wanted: list[str] = []
        for detail in details:
            if not isinstance(detail, dict) or detail.get("type") != "openid_credential":
                raise OAuthError(
                    "invalid_authorization_details",
                    "each authorization_details entry must have type openid_credential",
                )
            cid = detail.get("credential_configuration_id")
            if cid not in offered:
                raise OAuthError(
                    "invalid_authorization_details",
                    f"credential_configuration_id {str(cid)[:80]!r} is not in this offer",
                )
            wanted.append(cid)
        return wanted, [
            {"type": "openid_credential", "credential_configuration_id": c} for c in wanted
        ]
    scope = form.get("scope")
    if scope:
        wanted = scope.split()
        unknown = [s for s in wanted if s not in offered]
        if unknown:
            raise OAuthError("invalid_scope", f"scope {unknown[0][:80]!r} is not in this offer")
        return wanted, None
    return offered, None


def push_authorization_request(
    instance: Instance, form: Mapping[str, str], dpop_jkt: str | None
) -> dict[str, Any]:
    """RFC 9126: store the request, answer its request_uri."""
    if param(form, "response_type") != "code":
        raise OAuthError(
            "unsupported_response_type", "response_type must be code", field="response_type"
        )
    client_id = param(form, "client_id") or ""
    redirect_uri = param(form, "redirect_uri") or ""
    if not _redirect_uri_ok(redirect_uri):
        raise invalid_request(
            "redirect_uri must be an absolute https URL, a loopback http URL or an app's own scheme",
            "redirect_uri",
        )
    challenge = param(form, "code_challenge") or ""
    if form.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
        raise invalid_request(
            "PKCE is required: code_challenge with code_challenge_method S256",
            "code_challenge_method",
        )
    issuer_state = form.get("issuer_state")
    if not issuer_state:
        raise invalid_request(
            "issuer_state is required: start from a credential offer of this issuer", "issuer_state"
        )
    state = form.get("state")
    if state is not None and len(state) > 512:
        raise invalid_request("state is too long (at most 512 characters)", "state")
    given_jkt = form.get("dpop_jkt")
    if given_jkt and dpop_jkt and given_jkt != dpop_jkt:
        raise OAuthError(
            "invalid_dpop_proof", "dpop_jkt is not the thumbprint of the DPoP proof's key"
        )
    now = instance.now()
    with transaction(instance.sessions) as session:
        try:
            offer = offers.usable(
                offers.by_issuer_state(session, issuer_state), now, what="issuer_state"
            )
        except OAuthError as refusal:
            raise invalid_request(refusal.description, "issuer_state") from None
        wanted, details = _requested_configurations(form, list(offer.configuration_ids))
        secret = new_grant(
            session,
            "par",
            offer.id,
            {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "code_challenge": challenge,
                "state": state,
                "dpop_jkt": dpop_jkt or given_jkt,
                "configuration_ids": wanted,
                "authorization_details": details,
            },
            now,
            PAR_TTL,
        )
    return {"request_uri": REQUEST_URI_PREFIX + secret, "expires_in": PAR_TTL}


def _pending_row(session: Session, request_uri: str, client_id: str, now: datetime) -> Oid4vciGrant:
    if not request_uri.startswith(REQUEST_URI_PREFIX):
        raise invalid_request(
            "request_uri must be one this server gave at its PAR endpoint", "request_uri"
        )
    grant = find_grant(session, request_uri.removeprefix(REQUEST_URI_PREFIX), "par")
    if grant is None or grant.data.get("client_id") != client_id:
        raise invalid_request("unknown request_uri for this client_id", "request_uri")
    if grant.used_at is not None:
        raise invalid_request("this request_uri was used already", "request_uri")
    if grant.expires_at <= now:
        raise invalid_request(
            "this request_uri expired; push the authorization request again", "request_uri"
        )
    return grant


def pending(instance: Instance, request_uri: str, client_id: str) -> PendingAuthorization:
    """What the authorization page shows the learner before they confirm."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        grant = _pending_row(session, request_uri, client_id, now)
        offer = offers.usable(session.get(Oid4vciOffer, grant.offer_id), now, what="offer")
        credential = session.get(IssuedCredential, offer.credential_id)
        org = session.get(Organisation, offer.org_id)
        assert credential is not None and org is not None
        return PendingAuthorization(
            request_uri=request_uri,
            client_id=client_id,
            redirect_uri=str(grant.data["redirect_uri"]),
            org_name=org.name,
            learner_name=credential.learner_name,
            credential_title=_title(credential),
            configuration_ids=tuple(str(c) for c in list(grant.data["configuration_ids"])),  # type: ignore[call-overload]
        )


def _title(credential: IssuedCredential) -> str:
    try:
        document = json.loads(credential.document)
        name = document["credentialSubject"]["achievement"]["name"]
    except (ValueError, KeyError, TypeError):
        return credential.id
    return str(name) if isinstance(name, str) else credential.id


def answer(instance: Instance, request_uri: str, client_id: str, *, accept: bool) -> str:
    """The learner's answer: the redirect (RFC 6749 4.1.2 with RFC 9207 ``iss``)."""
    now = instance.now()
    with transaction(instance.sessions) as session:
        grant = _pending_row(session, request_uri, client_id, now)
        grant.used_at = now
        data = dict(grant.data)
        params: dict[str, str] = {}
        if accept:
            offers.usable(session.get(Oid4vciOffer, grant.offer_id), now, what="offer")
            assert grant.offer_id is not None
            params["code"] = new_grant(session, "auth_code", grant.offer_id, data, now, CODE_TTL)
        else:
            params["error"] = "access_denied"
            params["error_description"] = "the learner declined"
        if data.get("state") is not None:
            params["state"] = str(data["state"])
        params["iss"] = instance.base_url
    redirect = str(data["redirect_uri"])
    return redirect + ("&" if "?" in redirect else "?") + urlencode(params)
