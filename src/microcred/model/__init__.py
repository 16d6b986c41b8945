"""The EU micro-credential model (Council Recommendation of 16 June 2022, Annex I).

Knows nothing of JSON-LD, signatures or storage.
"""

from microcred.model.award import Award, Learner
from microcred.model.multilingual import LangMap, pick
from microcred.model.spec import (
    Assessment,
    AwardingBody,
    LearningOutcome,
    QualityAssurance,
    Skill,
    Specification,
    Stackability,
    StackTarget,
    Validity,
    Workload,
)
from microcred.model.validation import (
    Problem,
    SpecificationError,
    parse_award,
    parse_specification,
    validate_specification,
)
from microcred.model.vocabulary import (
    AssessmentType,
    Participation,
    QualityAssuranceType,
    Supervision,
)

__all__ = [
    "Assessment",
    "AssessmentType",
    "Award",
    "AwardingBody",
    "LangMap",
    "Learner",
    "LearningOutcome",
    "Participation",
    "Problem",
    "QualityAssurance",
    "QualityAssuranceType",
    "Skill",
    "Specification",
    "SpecificationError",
    "StackTarget",
    "Stackability",
    "Supervision",
    "Validity",
    "Workload",
    "parse_award",
    "parse_specification",
    "pick",
    "validate_specification",
]
