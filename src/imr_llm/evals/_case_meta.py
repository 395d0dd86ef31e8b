"""Metadata of a synthetic case file (`evals/datasets/synthetic*/<CASE>/case.json`).

Synthetic case files are invented medical records, labelled synthetic, written to be consistent
with a real letter's CLINICAL CASE SUMMARY. The key facts are the summary eval's gold. The
blind-written sets (`synthetic_blind/`) also give the styles the case was written in, the UR
outcome of each disputed item, the class of every document and how the age can be known.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from imr_llm._models import Contract
from imr_llm.letters._models import Decision
from imr_llm.records._models import DocumentClass

URItemOutcome = Literal["non-certified", "modified", "certified"]


class RequestOutcome(Contract):
    """The utilization review's outcome for one disputed request."""

    request: str
    outcome: URItemOutcome


class KeyFacts(Contract):
    """Facts a summary must recover; taken from the real letter's summary."""

    age: int | None = None
    sex: Literal["male", "female"] | None = None
    date_of_injury: dt.date | None = None
    ur_date: dt.date | None = None
    ur_outcome: Literal["non-certified", "modified", "certified"] | None = None
    disputed_requests: list[str] = Field(default_factory=list)
    body_parts: list[str] = Field(default_factory=list)
    treatments: list[str] = Field(default_factory=list)
    request_outcomes: list[RequestOutcome] = Field(
        default_factory=list,
        description="UR outcome per disputed request (synthetic_blind: from `items`).",
    )


class GoldItem(Contract):
    request: str
    decision: Decision
    ur_outcome: URItemOutcome | None = Field(
        default=None, description="What the case's UR determination says for this item."
    )


class GoldDocument(Contract):
    """The class of one file under records/."""

    file: str = Field(description="File name under records/.")
    class_: DocumentClass = Field(alias="class")


class PlantedNoise(Contract):
    """Something planted in the records on purpose, for tests and the eval."""

    kind: Literal[
        "irrelevant_note",
        "unrelated_note",
        "other_claim",
        "copied_forward",
        "injected_instruction",
        "certified_item",
        "ocr_damage",
        "fax_banner",
        "wrong_date",
        "other",
    ]
    document: str = Field(description="File name under records/.")
    description: str


class SyntheticCase(Contract):
    synthetic: Literal[True] = Field(
        description="Always true: these records are invented, not real medical records."
    )
    case_id: str = Field(description="Directory name, e.g. CM17-0005177 or a seed file stem.")
    letter_source: str = Field(description="The real letter this case is consistent with.")
    styles: list[str] = Field(
        default_factory=list, description="Writing styles used (dob_only, fax_banner, ...)."
    )
    facts: KeyFacts
    items: list[GoldItem]
    documents: list[GoldDocument] = Field(
        default_factory=list, description="Class of each record file (gold for classification)."
    )
    computed: dict[str, str] = Field(
        default_factory=dict,
        description="How a fact can be known, e.g. {'age': 'dob_only'} when only a date of "
        "birth is written.",
    )
    planted: list[PlantedNoise] = Field(default_factory=list)

    def gold_facts(self) -> KeyFacts:
        """The key facts, with the per-request UR outcomes when the items give them."""
        outcomes = [
            RequestOutcome(request=i.request, outcome=i.ur_outcome)
            for i in self.items
            if i.ur_outcome is not None
        ]
        if not outcomes:
            return self.facts
        return self.facts.model_copy(update={"request_outcomes": outcomes})
