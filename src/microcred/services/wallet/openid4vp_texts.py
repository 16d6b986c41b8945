"""Why the wallet cannot answer an OpenID4VP request, and why a credential does not answer
a query, in the holder's language (issue 16, point 3; issue 17, point 6).

`openid4vp_respond` and `verify.dcql` say it in English (the CLI and the API show it so);
the wallet's /wallet/present page shows it in the page's language: each message is one
template below with its values filled in (what the verifier sent is kept as it is). A
message that matches no template is shown as it is.
"""

from __future__ import annotations

from microcred.i18n import N_
from microcred.verify.details import Translates, translate_with

MESSAGES: tuple[str, ...] = (
    # the request (services/wallet/openid4vp_respond.py)
    N_("not an OpenID4VP link (openid4vp://, haip-vp://)"),
    N_("the link has no client_id and request_uri"),
    N_("the request could not be fetched: %(why)s"),
    N_("the verifier answered %(status)s for the request"),
    N_("the request object is not a JWT"),
    N_("the signed request carries no x5c certificate chain"),
    N_("the verifier's certificate is not trusted: %(why)s"),
    N_("the request's signature does not verify: %(why)s"),
    N_("the client id is not the hash of the verifier's certificate"),
    N_("the client id is not a DNS name of the certificate"),
    N_("a redirect_uri client id names another address"),
    N_("the request's client id is not the link's"),
    N_("only response_type vp_token is answered"),
    N_("the request's DCQL query is not valid: %(why)s"),
    N_("the request has no nonce or response_uri"),
    N_("the verifier offers no ECDH-ES key to encrypt to"),
    N_("the answer could not be sent: %(why)s"),
    N_("credential '%(id)s' does not match what the verifier asks for (%(why)s)"),
    N_("credential '%(id)s' does not match what the verifier asks for"),
    # a credential against a query (verify/dcql.py, services/wallet/openid4vp_choices.py)
    N_("format %(given)s was given, %(asked)s asked for"),
    N_("type (vct) %(vct)s is not one asked for"),
    N_("the credential's type is not one asked for"),
    N_("the presentation has no holder-binding proof, one was asked for"),
    N_("claim %(claim)s is missing (%(why)s)"),
    N_("claim %(claim)s has none of the values asked for"),
    N_("the verifier asks for a credential bound to this wallet's key"),
)


def message_in(message: str, t: Translates) -> str:
    """``message`` in ``t``'s language (as it is where no template matches)."""
    return translate_with(message, MESSAGES, t)


__all__ = ["MESSAGES", "message_in"]
