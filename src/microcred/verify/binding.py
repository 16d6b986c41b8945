"""Holder binding: is a credential shown to belong to the person who presents it, and how.

The W3C data model lets a presentation's ``holder`` differ from the subjects of its
credentials; whether that is acceptable is the verifier's policy. This verifier's policy, made
explicit per credential:

* **bound** (method ``subject_id``): every subject of the credential has an ``id``, and it is
  the holder's DID, and the holder is proven (the presentation's proof verified with a key
  the holder controls, or, for a share link, the wallet account of that DID shared it);
* **not bound** (method ``none``) otherwise: no subject id (a credential issued to an e-mail
  address or a name), a subject id that is another DID, an unproven or missing holder, or a
  credential that could not be read. Nothing then shows that the credential is the presenter's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

BindingStatus = Literal["bound", "not_bound"]
BindingMethod = Literal["subject_id", "none"]

__all__ = [
    "NOT_CHECKED",
    "BindingMethod",
    "BindingStatus",
    "HolderBinding",
    "holder_binding",
    "subject_ids",
]


@dataclass(frozen=True)
class HolderBinding:
    """Whether one credential is bound to its presenter: a machine code and a sentence."""

    status: BindingStatus
    method: BindingMethod
    code: str
    message: str

    @property
    def bound(self) -> bool:
        return self.status == "bound"

    def to_json(self) -> dict[str, str]:
        return {
            "status": self.status,
            "method": self.method,
            "code": self.code,
            "message": self.message,
        }


NOT_CHECKED = HolderBinding(
    "not_bound",
    "none",
    "holder.not_bound.not_checked",
    "not checked, so the credential is not shown to belong to the person who presented it",
)


def subject_ids(credential: dict[str, Any] | None) -> list[str] | None:
    """The subject ids of a credential; None when no subject has one."""
    if not isinstance(credential, dict):
        return None
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    ids = [s["id"] for s in subjects if isinstance(s, dict) and isinstance(s.get("id"), str)]
    return ids or None


def _named_as(credential: dict[str, Any]) -> str | None:
    """How a credential without a subject id names its learner (an e-mail address in clear)."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return None
    identifiers = subject.get("identifier")
    items = identifiers if isinstance(identifiers, list) else [identifiers]
    for item in items:
        if (
            isinstance(item, dict)
            and item.get("identityType") == "emailAddress"
            and item.get("hashed") is False
            and isinstance(item.get("identityHash"), str)
        ):
            return f"the e-mail address {item['identityHash'][:200]}"
    return None


def _not_bound(reason: str, message: str) -> HolderBinding:
    return HolderBinding("not_bound", "none", f"holder.not_bound.{reason}", message)


def holder_binding(
    credential: dict[str, Any] | None,
    holder: str | None,
    *,
    proven: bool,
    shared: bool = False,
) -> HolderBinding:
    """The binding of ``credential`` to ``holder``.

    ``proven``: the holder is shown to be the one presenting (the presentation's proof
    verified with a key ``holder`` controls). ``shared``: not a presentation but a share
    link, made by the wallet account whose DID is ``holder``.
    """
    if not isinstance(credential, dict):
        return _not_bound(
            "unreadable",
            "the credential could not be read, so it is not shown to belong to the person who "
            "presented it",
        )
    if holder is None:
        return _not_bound(
            "no_holder",
            "the presentation names no holder, so the credential is not shown to belong to the "
            "person who presented it",
        )
    if not proven:
        return _not_bound(
            "holder_not_proven",
            f"the presentation is not shown to come from {holder} (its proof did not verify "
            "with the holder's key), so the credential is not shown to belong to the person who "
            "presented it",
        )
    ids = subject_ids(credential)
    if ids is None:
        named = _named_as(credential)
        issued = f"it was issued to {named}, not to a DID" if named else "it names no subject id"
        return _not_bound(
            "no_subject_id",
            f"the credential names no subject id ({issued}), so nothing binds it to {holder}: "
            "it is not shown to belong to the person who presented it",
        )
    others = [sid for sid in ids if sid != holder]
    if others:
        return _not_bound(
            "other_subject",
            f"the credential was issued to {', '.join(others)}, not to {holder}: it is not shown "
            "to belong to the person who presented it",
        )
    if shared:
        return HolderBinding(
            "bound",
            "subject_id",
            "holder.bound.shared_by_subject",
            f"issued to {holder}, the DID of the wallet that shared this link (subject id = "
            "the wallet's DID)",
        )
    return HolderBinding(
        "bound",
        "subject_id",
        "holder.bound.subject_id",
        f"issued to {holder}, the holder who signed the presentation (subject id = holder)",
    )
