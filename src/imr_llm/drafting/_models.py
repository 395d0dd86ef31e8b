"""Drafted outputs: the case summary and per-item decisions (contracts for eval and rendering).

Fields listed here are read by the eval harness; extend, don't rename.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from imr_llm._models import Contract
from imr_llm.letters._models import Decision, GuidelineCitation


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
    facts: list[Fact] = Field(default_factory=list, description="Scalar facts with evidence.")
    prose: str = Field(default="", description="CLINICAL CASE SUMMARY in the letters' register.")
    grounding: list[GroundingIssue] = Field(default_factory=list)


CriterionStatus = Literal["met", "not met", "not documented"]


class CriterionCheck(Contract):
    criterion: str
    status: CriterionStatus
    evidence: list[Evidence] = Field(default_factory=list)


class ItemDraft(Contract):
    """A drafted decision for one disputed item."""

    request: str
    decision: Decision
    maximus_guideline: GuidelineCitation = Field(
        description="Built from the retrieved excerpt's metadata, never free text."
    )
    criteria: list[CriterionCheck] = Field(default_factory=list)
    rationale: str = Field(description="Ends on medical necessity, in the letters' register.")
    excerpt_ids: list[str] = Field(default_factory=list)
    grounding: list[GroundingIssue] = Field(default_factory=list)
