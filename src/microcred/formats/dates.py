"""Reading the date-times credentials carry (`validFrom`, `issuanceDate`, `created`, ...)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_timestamp(value: Any) -> datetime | None:
    """``value`` as an aware datetime, or ``None`` when it is not an ISO 8601 date-time.

    A trailing ``Z`` is read as UTC (Python 3.11's ``fromisoformat`` accepts it, but the
    replacement keeps older forms working), and a date-time without an offset is taken as
    UTC: comparisons against the verifier's aware ``now`` never raise.
    """
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
