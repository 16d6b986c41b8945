"""Request throttling of the anonymous OpenID4VCI endpoints (PAR, token, nonce, credential)
per client address, on the counters of :mod:`microcred.services.throttle` (one table shared
by every process).

Each request counts (the nonce endpoint has no failure to count): at
``oid4vci_requests_per_minute`` requests (TOML setting, default 300, about 50 wallets'
flows a minute from one address, as a school's NAT may carry) in a minute, the address is
refused for a minute with 429, ``Retry-After`` and an OAuth error body (RFC 6749 5.2 has no
rate code; ``slow_down`` belongs to the device flow, so ``invalid_request`` says it).
"""

from __future__ import annotations

from datetime import timedelta

from microcred.services import throttle
from microcred.services.instance import Instance
from microcred.services.openid4vci.errors import OAuthError

DEFAULT_PER_MINUTE = 300
SETTING = "oid4vci_requests_per_minute"


def rule(instance: Instance) -> throttle.Rule:
    raw = instance.settings.extra.get(SETTING, DEFAULT_PER_MINUTE)
    limit = raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else 0
    if not limit:
        raise OAuthError(
            "server_error", f"the {SETTING} setting must be a positive whole number", status=500
        )
    return throttle.Rule("oid4vci-address", limit, timedelta(minutes=1), timedelta(minutes=1))


def count(instance: Instance, host: str | None) -> None:
    """Count one request from ``host``; ``OAuthError`` (429) while the address is over."""
    try:
        throttle.reserve(instance, [(rule(instance), throttle.client_address(host))])
    except throttle.Throttled as exc:
        raise OAuthError(
            "invalid_request",
            f"too many requests from this address; try again in {exc.retry_after} seconds",
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
