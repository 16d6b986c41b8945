"""The editor's preview: a credential issued from a draft specification to a sample learner,
so the verify page's own report can show it before anything is published.

It is signed with a throw-away key (a did:key made for this preview and forgotten), never
with the organisation's: a preview must not be a credential anyone could use in the
organisation's name. Nothing is stored, no status-list entry is taken, no audit entry.
"""

from __future__ import annotations

import json
from typing import Any

from microcred.model.validation import parse_specification
from microcred.proofs.keys import Ed25519KeyPair
from microcred.services.credentials import IssueRequest, build_award
from microcred.services.instance import Instance
from microcred.services.issuing import issue_award
from microcred.services.organisations import OrgView

SAMPLE_LEARNER_ID = "mailto:sample.learner@example.lv"


def preview_credential(instance: Instance, data: Any, org: OrgView, *, learner_name: str) -> str:
    """The draft as a signed OB 3.0 credential (JSON text) to ``learner_name``, issued today.

    Raises SpecificationError when the draft does not meet the standard."""
    spec = parse_specification(data)
    now = instance.now().replace(microsecond=0)
    award = build_award(
        spec, IssueRequest(learner_name=learner_name, learner_id=SAMPLE_LEARNER_ID, issued_on=now)
    )
    profile: dict[str, Any] = {"type": ["Profile"], "name": org.name}
    if org.url:
        profile["url"] = org.url
    profile["address"] = {"type": ["Address"], "addressCountryCode": org.country}
    signed = issue_award(award, Ed25519KeyPair.generate(), created=now, issuer_profile=profile)
    return signed if isinstance(signed, str) else json.dumps(signed, ensure_ascii=False)
