"""The wallet side of OpenID4VCI 1.0: the protocol steps, from a credential offer to the
credentials the issuer answers, against any conformant issuer.

Steps (each named in the error that stops it, with the issuer's OAuth error code):

* ``offer``: ``openid-credential-offer://`` (or ``haip-vci://``, or an https link) with
  ``credential_offer`` by value or ``credential_offer_uri`` by reference (section 4.1);
* ``metadata``: the credential issuer metadata (section 12.2.2, the well-known path inserted
  before the issuer's path) and the authorization server metadata (RFC 8414 section 3);
* ``token``: the pre-authorized code grant with ``tx_code`` (section 6.1), DPoP (RFC 9449)
  when the server supports it, retried once on ``use_dpop_nonce`` with the nonce it gives;
* ``nonce``: a ``c_nonce`` from the nonce endpoint (section 7);
* ``credential``: one request per credential configuration, ``proofs.jwt`` signed by the
  holder key (``typ openid4vci-proof+jwt``, ``aud`` the credential issuer, ``nonce``), DPoP
  bound to the access token (``ath``), one retry on ``use_dpop_nonce`` (401
  ``WWW-Authenticate``) or ``invalid_nonce``; the answer's ``credentials[].credential``.

Every request goes through `verify.http_fetch.OutboundFetcher.send` (the instance's
allow-list and limits). No OAuth client library on PyPI does the wallet side of OpenID4VCI
with DPoP (authlib has neither DPoP nor PAR; see the EUDI brief (d)): the requests are
written here, the JWS are the project's (`proofs.jose.sign_jws`, joserfc).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from microcred import errors
from microcred.proofs.jose import sign_jws
from microcred.proofs.keys import KeyPair, P256KeyPair
from microcred.services.holders import HolderError
from microcred.verify.http_fetch import Answer, FetchError, OutboundFetcher

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEMES = ("openid-credential-offer", "haip-vci")
PROOF_TYP = "openid4vci-proof+jwt"
MAX_OFFER_LENGTH = 16 * 1024
MAX_CONFIGURATIONS = 5
MAX_CREDENTIALS = 10
MAX_TX_CODE = 64


class ReceiveError(HolderError, errors.InvalidInput):
    """A step of the flow failed: ``step`` names it, ``oauth_error`` is the issuer's error
    code when it answered one (``invalid_grant``, ``invalid_proof`` ...)."""

    def __init__(
        self, step: str, message: str, *, oauth_error: str | None = None, field: str = "offer"
    ) -> None:
        text = f"{step}: {message}"
        if oauth_error:
            text += f" (the issuer answered {oauth_error})"
        super().__init__(text, field)
        self.step = step
        self.oauth_error = oauth_error


@dataclass(frozen=True)
class Offer:
    credential_issuer: str
    configuration_ids: tuple[str, ...]
    pre_authorized_code: str | None
    tx_code: dict[str, Any] | None
    authorization_server: str | None
    source: str  # "value" or "reference"
    issuer_state: str | None = None  # of the authorization code grant
    authorization_code: bool = False  # the offer has the authorization code grant


@dataclass(frozen=True)
class Received:
    configuration_id: str
    format: str
    credential: str | dict[str, Any]


@dataclass(frozen=True)
class Deferred:
    """The issuer will issue later (section 9): ask the deferred endpoint with
    ``transaction_id``, not more often than every ``interval`` seconds."""

    configuration_id: str
    format: str
    transaction_id: str
    interval: int


@dataclass(frozen=True)
class Token:
    """An access token: its scheme (``DPoP`` or ``Bearer``), the ``credential_identifiers``
    the authorization server gave per configuration (authorization_details), and the client
    id the proofs name as ``iss`` (authorization code flow only)."""

    access: str
    scheme: str
    identifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    client_id: str | None = None


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_object(body: bytes, step: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        raise ReceiveError(step, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise ReceiveError(step, f"{what} is not a JSON object")
    return value


def _text(value: Any, step: str, name: str, limit: int = 2048) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ReceiveError(step, f"{name} is missing or not a string of at most {limit} characters")
    return value


def offer_object(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The offer given by value, or the address of one given by reference (section 4.1)."""
    text = text.strip()
    if not text or len(text) > MAX_OFFER_LENGTH:
        raise ReceiveError(
            "offer", f"the offer is empty or longer than {MAX_OFFER_LENGTH} characters"
        )
    if text.startswith("{"):
        return _json_object(text.encode("utf-8"), "offer", "the credential offer"), None
    parts = urlsplit(text)
    if parts.scheme not in (*OFFER_SCHEMES, "https", "http"):
        raise ReceiveError(
            "offer", "not a credential offer: paste the openid-credential-offer:// link or its JSON"
        )
    query = parse_qs(parts.query, max_num_fields=10)
    by_value, by_reference = query.get("credential_offer"), query.get("credential_offer_uri")
    if bool(by_value) == bool(by_reference):
        raise ReceiveError(
            "offer", "the link must carry exactly one of credential_offer and credential_offer_uri"
        )
    if by_value:
        return _json_object(by_value[0].encode("utf-8"), "offer", "credential_offer"), None
    return None, _text(by_reference[0] if by_reference else None, "offer", "credential_offer_uri")


def read_offer(data: dict[str, Any], source: str) -> Offer:
    issuer = _text(data.get("credential_issuer"), "offer", "credential_issuer")
    ids = data.get("credential_configuration_ids")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_CONFIGURATIONS
        or not all(isinstance(i, str) and 0 < len(i) <= 200 for i in ids)
    ):
        raise ReceiveError(
            "offer",
            f"credential_configuration_ids must list 1 to {MAX_CONFIGURATIONS} identifiers",
        )
    found = data.get("grants")
    grants: dict[str, Any] = found if isinstance(found, dict) else {}
    pre = grants.get(PRE_AUTHORIZED_GRANT)
    code_grant = grants.get("authorization_code")
    if not isinstance(pre, dict) and not isinstance(code_grant, dict):
        raise ReceiveError(
            "offer", "the offer has neither a pre-authorized code nor an authorization code grant"
        )
    grant: dict[str, Any] = pre if isinstance(pre, dict) else dict(code_grant or {})
    tx_code = grant.get("tx_code") if isinstance(pre, dict) else None
    server = grant.get("authorization_server")
    issuer_state = code_grant.get("issuer_state") if isinstance(code_grant, dict) else None
    return Offer(
        issuer,
        tuple(ids),
        _text(pre.get("pre-authorized_code"), "offer", "pre-authorized_code")
        if isinstance(pre, dict)
        else None,
        tx_code if isinstance(tx_code, dict) else ({} if tx_code is not None else None),
        server if isinstance(server, str) else None,
        source,
        _text(issuer_state, "offer", "issuer_state") if issuer_state is not None else None,
        isinstance(code_grant, dict),
    )


def well_known(identifier: str, name: str) -> str:
    """``https://host/.well-known/<name>/path``: the well-known segment goes between the host
    and the identifier's path (RFC 8414 section 3.1, OpenID4VCI section 12.2.2)."""
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"/.well-known/{name}{path}", "", ""))


def oauth_error_of(answer: Answer) -> tuple[str | None, str]:
    """The error code and a short description from an OAuth error answer (or its status)."""
    try:
        body = json.loads(answer.body) if answer.body else {}
    except (ValueError, RecursionError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = body.get("error") if isinstance(body.get("error"), str) else None
    challenge = answer.headers.get("www-authenticate", "")
    if code is None and 'error="' in challenge:
        code = challenge.split('error="', 1)[1].split('"', 1)[0]
    description = body.get("error_description")
    if isinstance(description, str) and description:
        return code, description[:300]
    return code, f"HTTP {answer.status}"


@dataclass
class Session:
    """One run of the flow: the fetcher, the DPoP key, the DPoP nonce of each server."""

    fetcher: OutboundFetcher
    now: Callable[[], int]
    dpop_key: P256KeyPair = field(default_factory=P256KeyPair.generate)
    dpop_nonces: dict[str, str] = field(default_factory=dict)

    def _origin(self, url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def dpop(self, method: str, url: str, access_token: str | None = None) -> str:
        parts = urlsplit(url)
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method,
            "htu": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            "iat": self.now(),
        }
        nonce = self.dpop_nonces.get(self._origin(url))
        if nonce:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["ath"] = _b64u(hashlib.sha256(access_token.encode("ascii")).digest())
        header = {"typ": "dpop+jwt", "jwk": self.dpop_key.to_public_jwk()}
        return sign_jws(claims, self.dpop_key, header=header)

    def send(
        self, step: str, method: str, url: str, headers: dict[str, str], content: bytes | None
    ) -> Answer:
        try:
            answer = self.fetcher.send(method, url, headers=headers, content=content)
        except FetchError as exc:
            raise ReceiveError(step, f"{url[:200]}: {exc}") from None
        nonce = answer.headers.get("dpop-nonce")
        if nonce and len(nonce) <= 512:
            self.dpop_nonces[self._origin(url)] = nonce  # rotate on every answer carrying one
        return answer

    def get_json(self, step: str, url: str, what: str) -> dict[str, Any]:
        answer = self.send(step, "GET", url, {"Accept": "application/json"}, None)
        if answer.status != 200:
            code, description = oauth_error_of(answer)
            raise ReceiveError(step, f"{what} could not be had: {description}", oauth_error=code)
        return _json_object(answer.body, step, what)


def resolve_offer(session: Session, text: str) -> Offer:
    data, uri = offer_object(text)
    if uri is not None:
        data = session.get_json("offer", uri, "the credential offer at credential_offer_uri")
        return read_offer(data, "reference")
    assert data is not None
    return read_offer(data, "value")


def issuer_metadata(session: Session, issuer: str) -> dict[str, Any]:
    metadata = session.get_json(
        "metadata", well_known(issuer, "openid-credential-issuer"), "the credential issuer metadata"
    )
    if metadata.get("credential_issuer") != issuer:
        raise ReceiveError(
            "metadata", "the metadata's credential_issuer is not the issuer the offer names"
        )
    _text(metadata.get("credential_endpoint"), "metadata", "credential_endpoint")
    if not isinstance(metadata.get("credential_configurations_supported"), dict):
        raise ReceiveError("metadata", "credential_configurations_supported is missing")
    return metadata


def server_metadata(session: Session, offer: Offer, metadata: dict[str, Any]) -> dict[str, Any]:
    servers = metadata.get("authorization_servers")
    chosen: Any = offer.credential_issuer
    if isinstance(servers, list) and servers:
        chosen = offer.authorization_server if offer.authorization_server in servers else servers[0]
    return fetch_server_metadata(session, _text(chosen, "metadata", "authorization_servers"))


def fetch_server_metadata(session: Session, server: str) -> dict[str, Any]:
    """RFC 8414 metadata of the authorization server ``server``; its ``issuer`` checked."""
    found = session.get_json(
        "metadata",
        well_known(server, "oauth-authorization-server"),
        "the authorization server metadata",
    )
    if found.get("issuer") != server:
        raise ReceiveError("metadata", "the authorization server metadata names another issuer")
    _text(found.get("token_endpoint"), "metadata", "token_endpoint")
    return found


def _uses_dpop(server: dict[str, Any]) -> bool:
    algs = server.get("dpop_signing_alg_values_supported")
    return isinstance(algs, list) and "ES256" in algs


def access_token(
    session: Session, offer: Offer, server: dict[str, Any], tx_code: str | None
) -> Token:
    """The access token and its type (``DPoP`` or ``Bearer``), by the pre-authorized code."""
    if offer.pre_authorized_code is None:
        raise ReceiveError(
            "token",
            "this offer needs the authorization code flow (signing in at the issuer): receive "
            "it on the wallet's web page, which sends you to the issuer and back",
        )
    if offer.tx_code is not None and not tx_code:
        raise ReceiveError(
            "token", "the issuer asks for a transaction code (a PIN it sent you)", field="tx_code"
        )
    if tx_code is not None and (len(tx_code) > MAX_TX_CODE or not tx_code.isprintable()):
        raise ReceiveError(
            "token", f"the transaction code is longer than {MAX_TX_CODE}", field="tx_code"
        )
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": offer.pre_authorized_code}
    if offer.tx_code is not None and tx_code:
        form["tx_code"] = tx_code
    pin_field = "tx_code" if offer.tx_code is not None else "offer"
    return token_request(session, server, form, refused_field=pin_field)


def _identifiers(details: Any) -> dict[str, tuple[str, ...]]:
    """configuration id -> credential_identifiers, from the token's authorization_details."""
    found: dict[str, tuple[str, ...]] = {}
    for detail in details if isinstance(details, list) else []:
        if not isinstance(detail, dict) or detail.get("type") != "openid_credential":
            continue
        configuration, ids = (
            detail.get("credential_configuration_id"),
            detail.get("credential_identifiers"),
        )
        if isinstance(configuration, str) and isinstance(ids, list):
            found[configuration] = tuple(i for i in ids[:MAX_CREDENTIALS] if isinstance(i, str))
    return found


def token_request(
    session: Session,
    server: dict[str, Any],
    form: dict[str, str],
    *,
    refused_field: str = "offer",
    client_id: str | None = None,
) -> Token:
    """POST the grant to the token endpoint (DPoP when the server supports it, one retry on
    ``use_dpop_nonce``); ``refused_field`` is the input an ``invalid_grant`` blames."""
    url = server["token_endpoint"]
    dpop = _uses_dpop(server)
    for attempt in range(2):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if dpop:
            headers["DPoP"] = session.dpop("POST", url)
        answer = session.send("token", "POST", url, headers, urlencode(form).encode("ascii"))
        if answer.status == 200:
            break
        code, description = oauth_error_of(answer)
        if code == "use_dpop_nonce" and dpop and attempt == 0:
            continue
        raise ReceiveError(
            "token",
            f"the issuer refused the offer: {description}",
            oauth_error=code,
            field=refused_field if code == "invalid_grant" else "offer",
        )
    body = _json_object(answer.body, "token", "the token response")
    token = _text(body.get("access_token"), "token", "access_token", 8192)
    token_type = body.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() not in ("dpop", "bearer"):
        raise ReceiveError("token", "token_type is neither DPoP nor Bearer")
    if token_type.lower() == "dpop" and not dpop:
        raise ReceiveError("token", "a DPoP token from a server that does not support DPoP")
    scheme = "DPoP" if token_type.lower() == "dpop" else "Bearer"
    return Token(token, scheme, _identifiers(body.get("authorization_details")), client_id)


def c_nonce(session: Session, metadata: dict[str, Any]) -> str | None:
    url = metadata.get("nonce_endpoint")
    if not isinstance(url, str):
        return None
    answer = session.send("nonce", "POST", url, {}, b"")
    if answer.status != 200:
        code, description = oauth_error_of(answer)
        raise ReceiveError("nonce", f"no c_nonce: {description}", oauth_error=code)
    return _text(
        _json_object(answer.body, "nonce", "the nonce response").get("c_nonce"),
        "nonce",
        "c_nonce",
        512,
    )


def proof_jwt(
    session: Session,
    holder_key: KeyPair,
    issuer: str,
    nonce: str | None,
    client_id: str | None = None,
) -> str:
    """``iss`` is the client id, when the wallet has one (omitted for anonymous access with
    a pre-authorized code, section 8.2.1.1)."""
    claims: dict[str, Any] = {"aud": issuer, "iat": session.now()}
    if client_id is not None:
        claims["iss"] = client_id
    if nonce is not None:
        claims["nonce"] = nonce
    header = {"typ": PROOF_TYP, "jwk": holder_key.to_public_jwk()}
    return sign_jws(claims, holder_key, header=header)


def request_credential(
    session: Session,
    metadata: dict[str, Any],
    token: Token,
    configuration_id: str,
    holder_key: KeyPair | None,
) -> list[Received] | Deferred:
    """Ask for one configuration's credential(s): with a proof when it is key-bound; a
    `Deferred` when the issuer answers a ``transaction_id``."""
    configuration = metadata["credential_configurations_supported"].get(configuration_id)
    if not isinstance(configuration, dict):
        raise ReceiveError("credential", f"the issuer does not describe {configuration_id!r}")
    fmt = _text(configuration.get("format"), "credential", "format", 64)
    url = metadata["credential_endpoint"]
    access, scheme = token.access, token.scheme
    identifiers = token.identifiers.get(configuration_id)
    issuer = metadata["credential_issuer"]
    bound = holder_key is not None and "proof_types_supported" in configuration
    nonce = c_nonce(session, metadata) if bound else None
    for attempt in range(2):
        # with credential_identifiers from authorization_details, one of them names the
        # credential (section 8.2); else the configuration does
        request: dict[str, Any] = (
            {"credential_identifier": identifiers[0]}
            if identifiers
            else {"credential_configuration_id": configuration_id}
        )
        if bound and holder_key is not None:
            proof = proof_jwt(session, holder_key, issuer, nonce, token.client_id)
            request["proofs"] = {"jwt": [proof]}
        headers = {"Content-Type": "application/json", "Authorization": f"{scheme} {access}"}
        if scheme == "DPoP":
            headers["DPoP"] = session.dpop("POST", url, access)
        content = json.dumps(request).encode("utf-8")
        answer = session.send("credential", "POST", url, headers, content)
        if answer.status in (200, 202):  # 202: deferred (section 8.3)
            break
        code, description = oauth_error_of(answer)
        if attempt == 0 and code == "use_dpop_nonce" and scheme == "DPoP":
            continue
        if attempt == 0 and code == "invalid_nonce" and bound:
            nonce = c_nonce(session, metadata)
            continue
        raise ReceiveError("credential", f"the issuer refused: {description}", oauth_error=code)
    body = _json_object(answer.body, "credential", "the credential response")
    if "transaction_id" in body and "credentials" not in body:
        return deferred_of(body, configuration_id, fmt)
    return credentials_of(body, configuration_id, fmt)


def deferred_of(body: dict[str, Any], configuration_id: str, fmt: str) -> Deferred:
    interval = body.get("interval", 5)
    if isinstance(interval, bool) or not isinstance(interval, int) or not 0 < interval <= 86400:
        raise ReceiveError("credential", "interval must be a number of seconds (1 to 86400)")
    transaction_id = _text(body.get("transaction_id"), "credential", "transaction_id", 512)
    return Deferred(configuration_id, fmt, transaction_id, interval)


def credentials_of(body: dict[str, Any], configuration_id: str, fmt: str) -> list[Received]:
    """The ``credentials`` of a (deferred) credential response."""
    items = body.get("credentials")
    if not isinstance(items, list) or not items or len(items) > MAX_CREDENTIALS:
        raise ReceiveError(
            "credential", f"credentials must list 1 to {MAX_CREDENTIALS} credentials"
        )
    received = []
    for item in items:
        value = item.get("credential") if isinstance(item, dict) else None
        if not isinstance(value, str | dict) or not value:
            raise ReceiveError("credential", "an entry of credentials has no credential")
        received.append(Received(configuration_id, fmt, value))
    return received
