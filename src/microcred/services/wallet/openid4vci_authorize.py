"""The authorization code flow of OpenID4VCI 1.0 (section 5) for the web wallet, where the
learner signs in or confirms at the issuer: a pushed authorization request (RFC 9126) with
PKCE S256 (RFC 7636) and ``authorization_details`` naming the offered configurations and the
offer's ``issuer_state``; the learner's browser goes to the authorization endpoint with the
``request_uri``; the answer comes back to the wallet's redirect URI, where ``state`` must be
the one sent and ``iss`` (RFC 9207) the authorization server's (a mix-up defence), and the
code is exchanged with the verifier (`openid4vci_client.token_request`).

Between the two halves the wallet keeps a `Pending` (no secret but the PKCE verifier, never
sent to the issuer); `openid4vci_receive` seals it for the learner's browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from microcred.services.wallet.openid4vci_client import (
    Offer,
    ReceiveError,
    Session,
    Token,
    oauth_error_of,
    token_request,
)

PENDING_SECONDS = 600


@dataclass(frozen=True)
class Pending:
    holder_id: str
    credential_issuer: str
    configuration_ids: tuple[str, ...]
    authorization_server: str
    state: str
    code_verifier: str
    redirect_uri: str
    client_id: str
    expires: int

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Pending:
        data = json.loads(text)
        data["configuration_ids"] = tuple(data["configuration_ids"])
        return cls(**data)


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(
    session: Session,
    offer: Offer,
    server: dict[str, Any],
    *,
    holder_id: str,
    client_id: str,
    redirect_uri: str,
) -> tuple[str, Pending]:
    """The address to send the learner to, and what the wallet keeps until they come back."""
    if not offer.authorization_code:
        raise ReceiveError("authorize", "the offer has no authorization code grant")
    endpoint = server.get("authorization_endpoint")
    if not isinstance(endpoint, str):
        raise ReceiveError("authorize", "the authorization server has no authorization_endpoint")
    methods = server.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise ReceiveError("authorize", "the authorization server does not support PKCE S256")
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(24)
    details = [
        {"type": "openid_credential", "credential_configuration_id": c}
        for c in offer.configuration_ids
    ]
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        "state": state,
        "authorization_details": json.dumps(details, separators=(",", ":")),
    }
    if offer.issuer_state:
        params["issuer_state"] = offer.issuer_state
    par = server.get("pushed_authorization_request_endpoint")
    if isinstance(par, str):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = session.send("authorize", "POST", par, headers, urlencode(params).encode())
        if answer.status not in (200, 201):
            code, description = oauth_error_of(answer)
            raise ReceiveError(
                "authorize",
                f"the pushed authorization request was refused: {description}",
                oauth_error=code,
            )
        try:
            request_uri = json.loads(answer.body).get("request_uri")
        except (ValueError, AttributeError, RecursionError):
            request_uri = None
        if not isinstance(request_uri, str) or not request_uri:
            raise ReceiveError("authorize", "the pushed authorization response has no request_uri")
        query = urlencode({"client_id": client_id, "request_uri": request_uri})
    elif server.get("require_pushed_authorization_requests") is True:
        raise ReceiveError("authorize", "the server requires PAR but names no PAR endpoint")
    else:
        query = urlencode(params)
    pending = Pending(
        holder_id,
        offer.credential_issuer,
        offer.configuration_ids,
        str(server["issuer"]),
        state,
        verifier,
        redirect_uri,
        client_id,
        session.now() + PENDING_SECONDS,
    )
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{query}", pending


def finish(
    session: Session, pending: Pending, server: dict[str, Any], answer: Mapping[str, str]
) -> Token:
    """Check the authorization response (``state``, ``iss``, ``error``) and redeem its code."""
    if session.now() > pending.expires:
        raise ReceiveError("authorize", "the sign-in at the issuer took too long; start again")
    if answer.get("state") != pending.state:
        raise ReceiveError(
            "authorize", "the answer is not for the request this wallet made (state)"
        )
    iss = answer.get("iss")
    if iss is not None and iss != pending.authorization_server:
        raise ReceiveError("authorize", "the answer names another authorization server (iss)")
    if iss is None and server.get("authorization_response_iss_parameter_supported") is True:
        raise ReceiveError("authorize", "the answer has no iss although the server sends one")
    error = answer.get("error")
    if error:
        description = (answer.get("error_description") or "the issuer did not authorize it")[:300]
        raise ReceiveError("authorize", description, oauth_error=error[:64])
    code = answer.get("code")
    if not code or len(code) > 2048:
        raise ReceiveError("authorize", "the answer has no authorization code")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": pending.code_verifier,
        "redirect_uri": pending.redirect_uri,
        "client_id": pending.client_id,
    }
    return token_request(session, server, form, client_id=pending.client_id)
