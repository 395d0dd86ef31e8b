"""Metadata of a synthetic case file (`evals/datasets/synthetic/<CASE>/case.json`).

Synthetic case files are invented medical records, labelled synthetic, written to be consistent
with a real letter's CLINICAL CASE SUMMARY. The key facts are the summary eval's gold.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from imr_llm._models import Contract
from imr_llm.letters._models import Decision


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


class GoldItem(Contract):
    request: str
    decision: Decision


class PlantedNoise(Contract):
    """Something planted in the records on purpose, for tests and the eval."""

    kind: Literal[
        "irrelevant_note", "copied_forward", "injected_instruction", "wrong_date", "other"
    ]
    document: str = Field(description="File name under records/.")
    description: str


class SyntheticCase(Contract):
    synthetic: Literal[True] = Field(
        description="Always true: these records are invented, not real medical records."
    )
    case_id: str = Field(description="Directory name, e.g. CM17-0005177 or a seed file stem.")
    letter_source: str = Field(description="The real letter this case is consistent with.")
    facts: KeyFacts
    items: list[GoldItem]
    planted: list[PlantedNoise] = Field(default_factory=list)
