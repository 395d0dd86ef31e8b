"""Summaries and per-item drafts from a case file; letter rendering; grounding checks."""

from imr_llm.drafting._models import (
    CaseSummary,
    CriterionCheck,
    Evidence,
    Fact,
    GroundingIssue,
    ItemDraft,
    Treatment,
    URDecision,
)

__all__ = [
    "CaseSummary",
    "CriterionCheck",
    "Evidence",
    "Fact",
    "GroundingIssue",
    "ItemDraft",
    "Treatment",
    "URDecision",
]
