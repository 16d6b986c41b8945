"""Why a row of a bulk CSV was not issued, in the reader's language.

The reasons are written in English where a row is read (:mod:`microcred.services.bulk`) and
stored so (the CLI's ``errors.csv``, the job's chunks); the console shows and downloads them
in the member's language: each reason is one template below with its values, and a row
with several problems ("a: ...; b: ...") is translated problem by problem. A reason that
matches no template is shown as it is.
"""

from __future__ import annotations

import re

from microcred.i18n import N_
from microcred.verify.details import Translates, translate_parts

REASONS: tuple[str, ...] = (
    N_("learner_name is empty"),
    N_("learner_id is empty: give an e-mail (mailto:) address, a DID or another URI"),
    N_("issued_on '%(value)s' is not an ISO date such as 2026-06-30"),
    N_("duplicate row: the same row key appears earlier in the file"),
    N_("the row has more fields than the header"),
    N_("unreadable row (%(error)s)"),
    N_(
        "learner_id: '%(value)s' is not an e-mail address, a DID or a URI; write "
        "name@example.org, did:... or https://..."
    ),
    N_(
        "learner_id: '%(value)s' is not a valid e-mail address; write it as mailto:name@example.org"
    ),
    N_("issued_on: month must be in 1..12"),
    N_("issued_on: day is out of range for month"),
    N_("evidence_url: '%(value)s' is not a web address; write it as https://example.org/..."),
    N_("given_name: at most 200 characters (this has %(value)s)"),
    N_("family_name: at most 200 characters (this has %(value)s)"),
)
# the problems of one row are joined with "; ", each starting with its column
_PROBLEMS = re.compile(r"; (?=[a-z_]+: )")


def reason_in(reason: str, t: Translates) -> str:
    """``reason`` in ``t``'s language (as it is where no template matches)."""
    return translate_parts(reason, REASONS, _PROBLEMS, t)


__all__ = ["REASONS", "reason_in"]
