"""The OpenID4VCI 1.0 credential issuer (profiled by HAIP 1.0) and its OAuth 2 authorization
server: offers, grants (pre-authorized code with tx_code, authorization code with PAR and
PKCE S256), DPoP (RFC 9449), proofs of possession, metadata, and the credential endpoint.

authlib has PKCE and RFC 8414 but no DPoP and no PAR (RFC 9126), and none of OpenID4VCI:
those are written here on joserfc (through ``microcred.proofs.jose.verify_jws``, the one
JWS check) and the standard library.
"""
