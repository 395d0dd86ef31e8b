"""Summaries and per-item drafts from a case file; letter rendering; grounding checks.

from imr_llm.records import load_case
from imr_llm.drafting import summarize, draft_item, draft_letter
case = load_case("evals/datasets/synthetic/CM17-0005177/records")
summary = summarize(case, model).value          # CaseSummary (facts + evidence + prose)
item = draft_item(case, "Physical therapy 3x2", model, library, summary=summary).value
"""

from imr_llm._dates import find_dates, parse_date
from imr_llm.drafting._draft import draft_item
from imr_llm.drafting._evidence import evidence_ok, locate
from imr_llm.drafting._grounding import RecordIndex, check_text, ground_item, ground_summary
from imr_llm.drafting._letter import draft_letter, render_letter
from imr_llm.drafting._models import (
    CaseSummary,
    CriterionCheck,
    Evidence,
    Fact,
    GroundingIssue,
    ItemDraft,
    LetterDraft,
    Treatment,
    URDecision,
    checklist_contradiction,
)
from imr_llm.drafting._prompts import PromptSet, default_prompts_dir, load_prompts
from imr_llm.drafting._summarize import DEFAULT_RECORD_TOKENS, summarize

__all__ = [
    "DEFAULT_RECORD_TOKENS",
    "CaseSummary",
    "CriterionCheck",
    "Evidence",
    "Fact",
    "GroundingIssue",
    "ItemDraft",
    "LetterDraft",
    "PromptSet",
    "RecordIndex",
    "Treatment",
    "URDecision",
    "check_text",
    "checklist_contradiction",
    "default_prompts_dir",
    "draft_item",
    "draft_letter",
    "evidence_ok",
    "find_dates",
    "ground_item",
    "ground_summary",
    "load_prompts",
    "locate",
    "parse_date",
    "render_letter",
    "summarize",
]
