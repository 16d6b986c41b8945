"""Recognition: pathways published by an authority, holders' applications, the authority's
decisions and the stacked credentials they issue. Never issued automatically: a decision
is always an explicit act of the authority (`decide`).

Flow: `publish_pathway` (authority) -> `evaluate_holder` (anyone with the wallet) ->
`apply` (the holder shares the credentials that count with the authority) -> `decide`
(the authority re-verifies what was shared, records the outcome and reasons and, when
positive, signs a stacked credential) -> `verify_stacked_document` (any verifier, with the
component credentials in a bundle or presentation).

The parts: :mod:`.pathways` (publishing and finding pathways), :mod:`.components` (wallet
credentials as components, verified again now), :mod:`.applications` (evaluation and
applications), :mod:`.decisions` (the decision and its errors), :mod:`.stacked` (signing
and verifying the stacked credential), :mod:`.outcome` (the stacked credential into the
learner's wallet, the mail), :mod:`.review` (the application pages: components, flags).
Adapters use the names exported here.
"""

from __future__ import annotations

from microcred.services.recognition.applications import (
    ApplicationView,
    apply,
    evaluate_holder,
    get_application,
    list_applications,
)
from microcred.services.recognition.components import wallet_components
from microcred.services.recognition.decisions import (
    OUTCOMES,
    DecisionView,
    Outcome,
    RecognitionConflict,
    RecognitionError,
    RecognitionForbidden,
    RecognitionInvalid,
    decide,
    get_decision,
)
from microcred.services.recognition.outcome import Notified, notify, stacked_item
from microcred.services.recognition.pathways import (
    PathwayView,
    get_pathway,
    list_pathways,
    publish_pathway,
)
from microcred.services.recognition.review import (
    ComponentRow,
    Earlier,
    Review,
    holder_review,
    review,
    shared_document,
)
from microcred.services.recognition.stacked import revocation_dates, verify_stacked_document

__all__ = [
    "OUTCOMES",
    "ApplicationView",
    "ComponentRow",
    "DecisionView",
    "Earlier",
    "Notified",
    "Outcome",
    "PathwayView",
    "RecognitionConflict",
    "RecognitionError",
    "RecognitionForbidden",
    "RecognitionInvalid",
    "Review",
    "apply",
    "decide",
    "evaluate_holder",
    "get_application",
    "get_decision",
    "get_pathway",
    "holder_review",
    "list_applications",
    "list_pathways",
    "notify",
    "publish_pathway",
    "review",
    "revocation_dates",
    "shared_document",
    "stacked_item",
    "verify_stacked_document",
    "wallet_components",
]
