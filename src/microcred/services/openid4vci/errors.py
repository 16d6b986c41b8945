"""OAuth 2 / OpenID4VCI error answers: a code the specification defines, a description
naming the field at fault, the HTTP status and the headers (DPoP-Nonce, WWW-Authenticate)."""

from __future__ import annotations

from collections.abc import Mapping

from microcred.errors import InvalidInput


class OAuthError(InvalidInput):
    """A refusal with an OAuth error code (RFC 6749 5.2, RFC 9449, OpenID4VCI 1.0 8.3.1)."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        headers: Mapping[str, str] | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(description, field)
        self.error = error
        self.description = description
        self.status = status
        self.headers = dict(headers or {})

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def invalid_request(description: str, field: str | None = None) -> OAuthError:
    return OAuthError("invalid_request", description, field=field)


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def invalid_token(description: str) -> OAuthError:
    """A missing, unknown or expired access token at the credential issuer (RFC 6750 3.1)."""
    return OAuthError(
        "invalid_token",
        description,
        status=401,
        headers={
            "WWW-Authenticate": f'DPoP error="invalid_token", error_description="{description}"'
        },
    )
