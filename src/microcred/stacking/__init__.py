"""Stacking: pathways an authority defines, the evaluation of a holder's credentials against
them, and the stacked credential that records a recognition decision.

Pure: no database, web or CLI framework, and time is a parameter. The service layer
(`microcred.services.recognition`) stores pathways, applications and decisions.
"""

from microcred.stacking.component import (
    Component,
    canonical_bytes,
    component_from_credential,
    credential_id,
    digest_multibase,
)
from microcred.stacking.evaluate import (
    Counted,
    Evaluation,
    Excluded,
    RuleResult,
    evaluate,
    ineligible_reasons,
    matches,
)
from microcred.stacking.pathway import (
    Accept,
    Matcher,
    Pathway,
    PathwayError,
    Rule,
    Target,
    parse_pathway,
    validate_pathway,
)
from microcred.stacking.stacked import (
    ComponentCheck,
    StackedReport,
    build_stacked_credential,
    components_in,
    verify_stacked,
)

__all__ = [
    "Accept",
    "Component",
    "ComponentCheck",
    "Counted",
    "Evaluation",
    "Excluded",
    "Matcher",
    "Pathway",
    "PathwayError",
    "Rule",
    "RuleResult",
    "StackedReport",
    "Target",
    "build_stacked_credential",
    "canonical_bytes",
    "component_from_credential",
    "components_in",
    "credential_id",
    "digest_multibase",
    "evaluate",
    "ineligible_reasons",
    "matches",
    "parse_pathway",
    "validate_pathway",
    "verify_stacked",
]
