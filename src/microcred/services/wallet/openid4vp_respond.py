"""The microcred wallet answers an OpenID4VP 1.0 request (issue 16, point 3): from a link
(``openid4vp://``, ``haip-vp://``, ``eudi-openid4vp://`` or an https link with the same
parameters) it fetches the request object from the ``request_uri``, checks it (signed
``oauth-authz-req+jwt``; the ``x5c`` chain against this instance's trust anchors; the
client id ``x509_hash`` / ``x509_san_dns`` bound to that certificate; ``redirect_uri``
requests are unsigned and say so), says who is asking and what, and answers with the
learner's chosen SD-JWT VCs: only the claims the DCQL query asks for (and those the learner
adds), a Key Binding JWT to the full client id and the request's nonce, encrypted to the
verifier's ephemeral key for ``direct_post.jwt``. Refusing sends ``access_denied``.

Every request goes through `verify.http_fetch.OutboundFetcher` (the instance's allow-list).
No Python library does the wallet side of OpenID4VP; the tests run it against microcred's
verifier and the request checks against oid4vc-ts's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from microcred import errors
from microcred.formats.vc_jwt import claimed_credential, unverified_part
from microcred.proofs.errors import ProofError
from microcred.proofs.jose import verify_jws
from microcred.proofs.keys import KeyPair, P256KeyPair
from microcred.proofs.sd_jwt import disclose, parse_sd_jwt, present, unverified_payload
from microcred.proofs.x509 import CertificateError, san_dns_names, verify_chain, x509_hash
from microcred.services import certificates
from microcred.services.holders import find
from microcred.services.instance import Instance
from microcred.services.wallet.importing import (
    WalletImportError,
    outbound_network,
    outbound_policy,
)
from microcred.services.wallet.openid4vci_receive import bound_key
from microcred.store.db import read_transaction
from microcred.store.tables import WalletCredential
from microcred.verify import dcql
from microcred.verify.http_fetch import FetchError, Network, OutboundFetcher

__all__ = [
    "WHOLE",
    "OpenedRequest",
    "RespondError",
    "asked_names",
    "matching_query",
    "open_request",
    "respond",
    "w3c_presented",
]

SCHEMES = ("openid4vp", "haip-vp", "eudi-openid4vp", "https", "http")
REQUEST_TYP = "oauth-authz-req+jwt"
MAX_BYTES = 256 * 1024
TIMEOUT = 10.0
ENCS = ("A128GCM", "A256GCM")
WHOLE = "(the whole credential: it has no selective disclosure)"


class RespondError(errors.InvalidInput):
    """The request cannot be answered; ``field`` says which part (link, request, credential)."""


@dataclass(frozen=True)
class OpenedRequest:
    client_id: str
    verifier: str  # who is asking: the certificate's subject, or "not verified"
    verified: bool
    response_uri: str
    response_mode: str
    nonce: str
    state: str | None
    query: dcql.DcqlQuery
    client_metadata: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "verifier": self.verifier,
            "verified": self.verified,
            "response_uri": self.response_uri,
            "response_mode": self.response_mode,
            "dcql_query": self.query.to_json(),
        }


def _fetcher(instance: Instance, network: Network | None) -> OutboundFetcher:
    # A verifier on a private CA is reached as an issuer is: MICROCRED_OUTBOUND_CA_FILES.
    try:
        network = outbound_network(instance, network)
    except WalletImportError as exc:
        raise RespondError(str(exc), "outbound_ca_files") from None
    return OutboundFetcher(
        outbound_policy(instance), network=network, max_bytes=MAX_BYTES, timeout=TIMEOUT
    )


def _link_params(link: str) -> dict[str, str]:
    parts = urlsplit(link.strip())
    if parts.scheme not in SCHEMES or len(link) > 4000:
        raise RespondError("not an OpenID4VP link (openid4vp://, haip-vp://)", "link")
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if "request_uri" not in params or "client_id" not in params:
        raise RespondError("the link has no client_id and request_uri", "link")
    return params


def _b64json(segment: str) -> dict[str, Any]:
    import base64

    try:
        data = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError:
        raise RespondError("the request object is not a JWT", "request") from None
    if not isinstance(data, dict):
        raise RespondError("the request object is not a JWT", "request")
    return data


def _leaf_key(leaf: Any) -> KeyPair:
    numbers = leaf.public_key().public_numbers()
    return P256KeyPair.from_jwk_coordinates(
        numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
    )


def _verify_signed(instance: Instance, token: str, client_id: str) -> tuple[dict[str, Any], str]:
    header = _b64json(token.split(".")[0])
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not x5c:
        raise RespondError("the signed request carries no x5c certificate chain", "request")
    try:
        leaf = verify_chain(x5c, certificates.trust_anchors(instance), now=instance.now())
    except CertificateError as exc:
        raise RespondError(f"the verifier's certificate is not trusted: {exc}", "request") from None
    try:
        _, payload = verify_jws(token, resolve_key=lambda _h: _leaf_key(leaf), typs=(REQUEST_TYP,))
    except ProofError as exc:
        raise RespondError(f"the request's signature does not verify: {exc}", "request") from None
    prefix, _, value = client_id.partition(":")
    if prefix == "x509_hash" and value != x509_hash(leaf):
        raise RespondError("the client id is not the hash of the verifier's certificate", "request")
    if prefix == "x509_san_dns":
        host = urlsplit(str(payload.get("response_uri", ""))).hostname
        if value not in san_dns_names(leaf) or host != value:
            raise RespondError("the client id is not a DNS name of the certificate", "request")
    if prefix not in ("x509_hash", "x509_san_dns"):
        raise RespondError(f"a signed request with client id prefix {prefix!r}", "request")
    names = [a.value for a in leaf.subject if a.oid.dotted_string in ("2.5.4.10", "2.5.4.3")]
    return payload, " / ".join(str(n) for n in names) or "a verifier with a trusted certificate"


def open_request(instance: Instance, link: str, *, network: Network | None = None) -> OpenedRequest:
    """Fetch and check the request a link points to; raises RespondError."""
    params = _link_params(link)
    fetcher = _fetcher(instance, network)
    try:
        if params.get("request_uri_method") == "post":
            answer = fetcher.send(
                "POST",
                params["request_uri"],
                headers={"content-type": "application/x-www-form-urlencoded"},
                content=b"",
            )
        else:
            answer = fetcher.send("GET", params["request_uri"])
    except FetchError as exc:
        raise RespondError(f"the request could not be fetched: {exc}", "link") from None
    if answer.status != 200:
        raise RespondError(f"the verifier answered {answer.status} for the request", "link")
    token = answer.body.decode("utf-8", "replace").strip()
    if token.count(".") != 2:
        raise RespondError("the request object is not a JWT", "request")
    client_id = params["client_id"]
    if client_id.startswith("redirect_uri:"):
        payload, verifier, verified = _b64json(token.split(".")[1]), "not verified", False
        if payload.get("response_uri") != client_id.removeprefix("redirect_uri:"):
            raise RespondError("a redirect_uri client id names another address", "request")
    else:
        payload, verifier = _verify_signed(instance, token, client_id)
        verified = True
    if payload.get("client_id") != client_id:
        raise RespondError("the request's client id is not the link's", "request")
    if payload.get("response_type") != "vp_token":
        raise RespondError("only response_type vp_token is answered", "request")
    mode = payload.get("response_mode")
    if mode not in ("direct_post", "direct_post.jwt"):
        raise RespondError(f"response mode {mode!r} is not supported", "request")
    try:
        query = dcql.parse_query(payload.get("dcql_query"))
    except dcql.DcqlError as exc:
        raise RespondError(f"the request's DCQL query is not valid: {exc}", "request") from None
    nonce, response_uri = payload.get("nonce"), payload.get("response_uri")
    if not isinstance(nonce, str) or not isinstance(response_uri, str):
        raise RespondError("the request has no nonce or response_uri", "request")
    metadata = payload.get("client_metadata")
    return OpenedRequest(
        client_id=client_id,
        verifier=verifier,
        verified=verified,
        response_uri=response_uri,
        response_mode=str(mode),
        nonce=nonce,
        state=payload.get("state") if isinstance(payload.get("state"), str) else None,
        query=query,
        client_metadata=metadata if isinstance(metadata, dict) else {},
    )


def asked_names(query: dcql.CredentialQuery, claim_set: int | None = None) -> set[str]:
    """The claim names a query's paths go through (of ``claim_set``, the one the credential
    answers, when there are sets; else the first)."""
    claims = list(query.claims or ())
    if query.claim_sets:
        wanted = set(query.claim_sets[claim_set or 0])
        claims = [c for c in claims if c.id in wanted]
    return {p for c in claims for p in c.path if isinstance(p, str)}


def _held(instance: Instance, holder_ref: str, item_id: str) -> str:
    with read_transaction(instance.sessions) as session:
        holder = find(session, holder_ref)
        row = session.get(WalletCredential, item_id)
        if row is None or row.holder_id != holder.id:
            raise RespondError(f"no credential '{item_id[:40]}' in this wallet", "credential")
        return row.original


def _encrypt(request: OpenedRequest, payload: dict[str, Any]) -> str:
    keys = (request.client_metadata.get("jwks") or {}).get("keys") or []
    usable = [k for k in keys if isinstance(k, dict) and k.get("use", "enc") == "enc"]
    usable = [k for k in usable if k.get("alg") == "ECDH-ES" and k.get("kty") == "EC"]
    if not usable:
        raise RespondError("the verifier offers no ECDH-ES key to encrypt to", "request")
    offered = request.client_metadata.get("encrypted_response_enc_values_supported", ["A128GCM"])
    enc = next((e for e in offered if e in ENCS), None)
    if enc is None:
        raise RespondError("the verifier offers no content encryption microcred has", "request")
    jwk = usable[0]
    header = {"alg": "ECDH-ES", "enc": enc, **({"kid": jwk["kid"]} if "kid" in jwk else {})}
    try:
        return jwe.encrypt_compact(header, json.dumps(payload).encode(), ECKey.import_key(jwk))
    except (JoseError, ValueError) as exc:
        raise RespondError(f"the answer cannot be encrypted: {exc}", "request") from None


def respond(
    instance: Instance,
    holder_ref: str,
    link: str,
    credential_ids: Sequence[str],
    *,
    disclose_more: Sequence[str] = (),
    disclose: Mapping[str, Sequence[str]] | None = None,
    refuse: bool = False,
    network: Network | None = None,
) -> dict[str, Any]:
    """Answer the request behind ``link`` with the learner's credentials (or refuse it);
    what was sent (per query: the claims disclosed) and the verifier's answer.
    ``disclose_more``: claims to add to every SD-JWT VC; ``disclose``: per credential id."""
    request = open_request(instance, link, network=network)
    form: dict[str, str]
    sent: dict[str, Any] = {}
    if refuse:
        form = {"error": "access_denied", **({"state": request.state} if request.state else {})}
    else:
        if not credential_ids:
            raise RespondError("choose at least one credential to present", "credential")
        vp_token: dict[str, list[Any]] = {}
        for item_id in credential_ids:
            extra = [*disclose_more, *(disclose or {}).get(item_id, ())]
            query_id, presentation, shown = _present(instance, holder_ref, item_id, request, extra)
            vp_token.setdefault(query_id, []).append(presentation)
            sent.setdefault(query_id, []).append({"credential": item_id, "disclosed": shown})
        payload: dict[str, Any] = {"vp_token": vp_token}
        if request.state:
            payload["state"] = request.state
        if request.response_mode == "direct_post.jwt":
            form = {"response": _encrypt(request, payload)}
        else:
            form = {k: json.dumps(v) if k == "vp_token" else v for k, v in payload.items()}
    try:
        answer = _fetcher(instance, network).send(
            "POST",
            request.response_uri,
            headers={"content-type": "application/x-www-form-urlencoded"},
            content=urlencode(form).encode(),
        )
    except FetchError as exc:
        raise RespondError(f"the answer could not be sent: {exc}", "link") from None
    try:
        body = json.loads(answer.body or b"{}")
    except ValueError:
        body = {"text": answer.body[:500].decode("utf-8", "replace")}
    return {
        "request": request.to_json(),
        "refused": refuse,
        "sent": sent,
        "accepted": answer.status == 200,
        "status": answer.status,
        "answer": body,
    }


def matching_query(
    request: OpenedRequest, seen: dcql.Presented, item_id: str
) -> dcql.CredentialQuery:
    """The first credential query the credential answers (all its claims counted)."""
    problems: list[str] = []
    for query in request.query.credentials:
        match = dcql.match_credential(query, seen)
        if match.ok:
            return query
        if query.format == seen.format:
            problems.extend(f"{query.id}: {p}" for p in match.problems)
    raise RespondError(
        f"credential '{item_id[:40]}' does not match what the verifier asks for"
        + (f" ({'; '.join(problems)[:500]})" if problems else ""),
        "credential",
    )


def _present(
    instance: Instance,
    holder_ref: str,
    item_id: str,
    request: OpenedRequest,
    disclose_more: Sequence[str],
) -> tuple[str, Any, list[str]]:
    original = _held(instance, holder_ref, item_id)
    try:
        sd_jwt = parse_sd_jwt(original)
        claims = disclose(unverified_payload(sd_jwt), sd_jwt.disclosures)
    except ProofError:  # not an SD-JWT VC: a W3C credential, presented whole
        return _present_w3c(instance, holder_ref, item_id, request, original)
    vct = claims.get("vct") if isinstance(claims.get("vct"), str) else None
    seen = dcql.Presented(format=dcql.SD_JWT_VC, claims=claims, vct=vct)
    query = matching_query(request, seen, item_id)
    key = bound_key(instance, holder_ref, item_id)
    if key is None and query.require_binding:
        raise RespondError("the verifier asks for a key-bound credential", "credential")
    names = asked_names(query, dcql.match_credential(query, seen).claim_set) | set(disclose_more)
    presented = present(
        sd_jwt,
        lambda d: d.name in names,
        holder_key=key,
        aud=request.client_id if key else None,
        nonce=request.nonce if key else None,
        iat=int(instance.now().timestamp()) if key else None,
    )
    from microcred.proofs.sd_jwt import decode_disclosure

    shown = sorted(
        str(decode_disclosure(d).name) for d in presented.disclosures if decode_disclosure(d).name
    )
    return query.id, presented.serialize(), shown


def w3c_presented(original: str) -> dcql.Presented | None:
    """What a verifier's DCQL sees of a W3C credential: ``ldp_vc`` for JSON (Data Integrity),
    ``jwt_vc_json`` for a VC-JWT (its ``vc`` claim with the JWT's claims applied, or a
    VC-JOSE payload); None for anything else."""
    text = original.strip()
    credential: Any
    if text.startswith("{"):
        try:
            credential = json.loads(text)
        except ValueError:
            return None
        fmt = "ldp_vc"
        if not isinstance(credential, dict) or "proof" not in credential:
            return None
    elif text.count(".") == 2:
        claims = unverified_part(text, 1)
        if not isinstance(claims, dict):
            return None
        credential = claimed_credential(claims) if isinstance(claims.get("vc"), dict) else claims
        fmt = "jwt_vc_json"
        if not isinstance(credential, dict):
            return None
    else:
        return None
    raw = credential.get("type")
    types = frozenset(
        [raw] if isinstance(raw, str) else [t for t in raw or () if isinstance(t, str)]
    )
    return dcql.Presented(format=fmt, claims=credential, types=types)


def _present_w3c(
    instance: Instance, holder_ref: str, item_id: str, request: OpenedRequest, original: str
) -> tuple[str, dict[str, Any] | str, list[str]]:
    """A W3C credential, presented whole: Data Integrity (``ldp_vc``) in a presentation the
    holder signs for the request's nonce (challenge) and client id (domain); a VC-JWT
    (``jwt_vc_json``) in a ``vp+jwt`` with the nonce as ``nonce`` and the client id as ``aud``."""
    from microcred.services import sharing

    seen = w3c_presented(original)
    if seen is None:
        raise RespondError("this credential cannot be presented over OpenID4VP", "credential")
    query = matching_query(request, seen, item_id)
    vp = sharing.present(
        instance,
        holder_ref,
        [item_id],
        challenge=request.nonce,
        domain=request.client_id,
        fmt="jwt" if seen.format == "jwt_vc_json" else "ldp",
    )
    return query.id, vp, [WHOLE]
