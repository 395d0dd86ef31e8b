"""A case file: several medical-record documents, each with numbered lines."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from imr_llm._models import Contract

DocumentClass = Literal[
    "rfa",
    "ur_determination",
    "progress_report",
    "therapy_note",
    "imaging_or_edx",
    "operative_report",
    "other_claim",
    "other",
]
"""What a case-file document is (see `imr_llm.records.classify_case`): a request for
authorization, a utilization review determination, a treating physician's progress report, a
therapy (PT / OT / chiropractic / acupuncture) note, an imaging or electrodiagnostic report, an
operative report, a document about another claim, injury or person, or anything else."""


class Line(Contract):
    """One line of a document, numbered from 1 within the document."""

    number: int = Field(ge=1)
    page: int = Field(ge=1, description="1-based page the line is on (1 for plain text).")
    text: str


class Document(Contract):
    """One document of the case file (progress report, UR determination, RFA, imaging...)."""

    id: str = Field(description="Stable id within the case file, e.g. 'D1' or the file stem.")
    source: str = Field(description="Path or name of the file it came from.")
    kind: str | None = Field(default=None, description="Document type if known.")
    pages: int = Field(default=1, ge=1)
    lines: list[Line]


class CaseFile(Contract):
    """All documents of one case, in the order given."""

    documents: list[Document]
