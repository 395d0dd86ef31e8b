"""The gold record of a real IMR final determination letter."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from imr_llm._models import Contract

Decision = Literal["Upheld", "Overturned"]
"""Upheld: the utilization review denial stands. Overturned: the requested service is medically
necessary and the denial is reversed."""

Basis = Literal["MTUS", "Non-MTUS", "none"]


class GuidelineCitation(Contract):
    """One guideline line of an item ("Claims Administrator guideline: ..." or
    "MAXIMUS guideline: ..."), parsed."""

    basis: Basis = Field(
        description="MTUS: decision based on the MTUS; Non-MTUS: on a recommendation outside the "
        "MTUS (e.g. ODG); none: the party did not cite any medical evidence."
    )
    guideline: str | None = Field(
        default=None,
        description="Guideline name as cited, e.g. 'Chronic Pain Medical Treatment' or "
        "'Official Disability Guidelines (ODG)'; for Non-MTUS lines the citation text.",
    )
    year: int | None = Field(default=None, description="Guideline edition year, e.g. 2016.")
    sections: list[str] = Field(
        default_factory=list, description="Cited sections ('Section(s): ...'), in order."
    )
    pages: list[str] = Field(
        default_factory=list, description="Cited pages ('Page(s): ...'), as written (e.g. '125')."
    )
    text: str = Field(description="The whole citation line, whitespace repaired.")


class Reviewer(Contract):
    """The expert reviewer's credentials as the letter states them."""

    licensure: list[str] = Field(default_factory=list, description="State(s) of licensure.")
    specialties: list[str] = Field(
        default_factory=list, description="Board certification(s) / specialties."
    )


class LetterItem(Contract):
    """One disputed item/service and its decision."""

    request: str = Field(description="The disputed item/service as the letter names it.")
    decision: Decision = Field(
        description="Upheld: the denial stands (not medically necessary). "
        "Overturned: the service is medically necessary."
    )
    claims_administrator_guideline: GuidelineCitation
    maximus_guideline: GuidelineCitation
    decision_rationale: str = Field(description="The reviewer's rationale, whitespace repaired.")
    original_request: str | None = Field(
        default=None,
        description="Modified-UR variant only: the original request, of which part was "
        "authorized by the claims administrator; `request` is then the remaining IMR-eligible "
        "portion. Null otherwise.",
    )


class DecisionLetter(Contract):
    """A parsed IMR final determination letter: the gold record the eval scores against."""

    source: str = Field(description="File name the letter was parsed from.")
    case_number: str | None = Field(default=None, description="e.g. CM17-0005177.")
    date_assigned: date | None = None
    date_of_injury: date | None = None
    decision_date: date | None = None
    ur_denial_date: date | None = None
    application_received: date | None = None
    priority: str | None = Field(default=None, description="e.g. 'Standard' or 'Expedited'.")
    reviewer: Reviewer = Field(default_factory=Reviewer)
    clinical_case_summary: str = Field(
        description="The CLINICAL CASE SUMMARY section body with line breaks and page furniture "
        "repaired (lead-in sentence removed)."
    )
    items: list[LetterItem] = Field(description="Disputed items in letter order.")
