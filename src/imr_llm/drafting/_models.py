"""Drafted outputs: the case summary and per-item decisions (contracts for eval and rendering).

Fields listed here are read by the eval harness; extend, don't rename.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from imr_llm._models import Contract
from imr_llm.letters._models import Decision, GuidelineCitation
from imr_llm.records._models import DocumentClass


class Evidence(Contract):
    """Where in the case file a fact comes from."""

    document_id: str
    line_start: int = Field(ge=1)
    line_end: int = Field(ge=1)
    quote: str = Field(description="Short verbatim quote from those lines.")


class GroundingIssue(Contract):
    """A date, number or quoted phrase in a draft that the records do not support."""

    field: str = Field(description="Where in the output it appears (e.g. 'prose', 'age').")
    value: str
    problem: str


class Treatment(Contract):
    name: str
    count: int | None = Field(default=None, description="Sessions / visits / injections to date.")
    response: str | None = Field(default=None, description="Documented response, if any.")
    evidence: list[Evidence] = Field(default_factory=list)


class URDecision(Contract):
    """One utilization review determination in the history."""

    date: dt.date | None = None
    request: str
    outcome: Literal["non-certified", "modified", "certified", "unknown"] = "unknown"
    evidence: list[Evidence] = Field(default_factory=list)


class Fact(Contract):
    """A scalar fact with its evidence (for age, sex, date of injury, mechanism, work status)."""

    name: str
    value: str
    evidence: list[Evidence] = Field(default_factory=list)
    method: str | None = Field(
        default=None,
        description="How the value was obtained when code computed or chose it, e.g. 'computed "
        "from the date of birth (1974-03-22) at the UR date (2016-12-27)', 'labelled field', "
        "'pronouns (she/her 14, he/him 0)'; None for a model answer the records support.",
    )


class DocumentInfo(Contract):
    """What one document of the case file is, and the lines that decided it."""

    document_id: str
    source: str
    kind: DocumentClass
    method: Literal["rules", "model"] = "rules"
    evidence: list[Evidence] = Field(default_factory=list)


class SummaryStats(Contract):
    """How big the case file was and what the summary cost in model calls and time."""

    pages: int = Field(ge=0, description="PDF / form-feed pages; long text files by length.")
    documents: int = Field(ge=0)
    model_calls: int = Field(ge=0)
    model_seconds: float = Field(ge=0, description="Wall-clock seconds spent in model calls.")
    seconds_per_page: float | None = None


class CaseSummary(Contract):
    """Structured clinical case summary of one case file."""

    age: int | None = None
    sex: Literal["male", "female"] | None = None
    date_of_injury: dt.date | None = None
    mechanism: str | None = None
    body_parts: list[str] = Field(default_factory=list)
    diagnoses: list[str] = Field(default_factory=list)
    treatments: list[Treatment] = Field(default_factory=list)
    imaging: list[str] = Field(default_factory=list, description="Imaging and electrodiagnostics.")
    current_complaints: list[str] = Field(default_factory=list)
    exam_findings: list[str] = Field(default_factory=list)
    work_status: str | None = None
    ur_history: list[URDecision] = Field(default_factory=list)
    disputed_requests: list[str] = Field(default_factory=list)
    facts: list[Fact] = Field(
        default_factory=list,
        description="Every extracted fact with its evidence: scalars (name = 'age', 'sex', "
        "'date_of_injury', 'mechanism', 'work_status', 'exam_date', 'request_date') and list "
        "items (name = the list, e.g. 'diagnoses'); evidence is empty when no line supports it "
        "(then a grounding issue says so).",
    )
    documents: list[DocumentInfo] = Field(
        default_factory=list, description="Class of each document of the case file."
    )
    quarantined: list[Evidence] = Field(
        default_factory=list,
        description="Record lines addressed to an AI, a model or a reviewer (instructions to "
        "decide or to ignore instructions): listed for the reviewer, never used as evidence.",
    )
    stats: SummaryStats | None = None
    prose: str = Field(default="", description="CLINICAL CASE SUMMARY in the letters' register.")
    grounding: list[GroundingIssue] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list,
        description="Problems met while drafting, e.g. an extraction call that failed and was "
        "skipped (its fields are then empty).",
    )


CriterionStatus = Literal["met", "not met", "not documented", "not applicable"]


class CriterionCheck(Contract):
    criterion: str
    status: CriterionStatus
    evidence: list[Evidence] = Field(default_factory=list)
    id: str | None = Field(default=None, description="Criterion id in the routing data.")
    detail: str | None = Field(
        default=None, description="Numbers checked in code, e.g. '6 requested + 12 completed'."
    )


class RouteInfo(Contract):
    """Where the request was routed: service type x body part x phase -> chapter."""

    service: str
    body_parts: list[str] = Field(default_factory=list)
    phase: Literal["acute", "chronic", "postsurgical", "unknown"] = "unknown"
    days_since_injury: int | None = None


class PrecedentRef(Contract):
    """A decided item from a real letter, given to the model as a worked example."""

    case_number: str
    request: str
    decision: Decision
    citation: str = ""
    reason: str = Field(default="", description="The rationale's closing sentences, shortened.")
    similarity: float = 0.0


DecisionSource = Literal["model", "checklist", "evidence", "blend", "associated"]


class ItemDraft(Contract):
    """A drafted decision for one disputed item."""

    request: str
    decision: Decision
    maximus_guideline: GuidelineCitation = Field(
        description="Built from the routed chapter's metadata, never free text."
    )
    criteria: list[CriterionCheck] = Field(default_factory=list)
    rationale: str = Field(description="Ends on medical necessity, in the letters' register.")
    excerpt_ids: list[str] = Field(default_factory=list)
    decision_source: DecisionSource = Field(
        default="model",
        description="model: P(Overturned) from the model's decision token; evidence: from the "
        "checklist and precedents; blend: both; checklist: the decision was set to the "
        "checklist's side because it plainly contradicted it; associated: follows the surgery "
        "it is associated with.",
    )
    p_overturned: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Probability that the item is Overturned."
    )
    p_model: float | None = Field(default=None, ge=0.0, le=1.0)
    p_evidence: float | None = Field(default=None, ge=0.0, le=1.0)
    p_precedents: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="The decided precedents' classifier alone (even prior), before weighting.",
    )
    threshold: float | None = Field(
        default=None, description="Overturned when p_overturned >= threshold."
    )
    borderline: bool = Field(
        default=False, description="p_overturned close to the threshold: the reviewer decides."
    )
    route: RouteInfo | None = None
    precedents: list[PrecedentRef] = Field(default_factory=list)
    rationale_source: Literal["model", "template"] = "template"
    grounding: list[GroundingIssue] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_plain_contradiction(self) -> ItemDraft:
        if self.criteria:
            problem = checklist_contradiction(self.decision, [c.status for c in self.criteria])
            if problem:
                raise ValueError(problem)
        return self


def checklist_contradiction(decision: str, statuses: list[str]) -> str | None:
    """Why `decision` plainly contradicts the checklist `statuses`, or None.

    Only plain contradictions: Overturned (medically necessary) when every applicable criterion
    is not met, or Upheld (the denial stands) when every applicable criterion is met. Between
    those, the decision is a judgement, not a rule.
    """
    applicable = [s for s in statuses if s != "not applicable"]
    if not applicable:
        return None
    if decision == "Overturned" and all(s == "not met" for s in applicable):
        return "decision Overturned contradicts the checklist: no criterion is met"
    if decision == "Upheld" and all(s == "met" for s in applicable):
        return "decision Upheld contradicts the checklist: every criterion is met"
    return None


class LetterDraft(Contract):
    """A whole drafted IMR final determination letter: summary, items and rendered text."""

    case_number: str | None = Field(default=None, description="e.g. CM17-0005177, if stated.")
    prompts_version: str = Field(description="Content hash of the prompt templates used.")
    model: str | None = Field(default=None, description="Model that drafted it.")
    summary: CaseSummary
    items: list[ItemDraft]
    text: str = Field(description="The letter in the official section order.")
