"""One guideline excerpt of the library: short cited text plus the metadata to cite it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from imr_llm._models import Contract

if TYPE_CHECKING:
    from imr_llm.letters._models import GuidelineCitation

Basis = Literal["MTUS", "Non-MTUS"]
Kind = Literal["regulation", "decision-quote"]

_WS = re.compile(r"\s+")


def normalize_ws(text: str) -> str:
    """Collapse runs of whitespace to one space (how excerpt text is compared to its source)."""
    return _WS.sub(" ", text).strip()


class Excerpt(Contract):
    """A short guideline excerpt, verbatim from a public source, with citation metadata.

    `kind` says what the text is: `regulation` = public statute/regulation text;
    `decision-quote` = guideline wording as quoted by an expert reviewer in a public IMR final
    determination letter (a secondary rendering, not the guideline itself).
    """

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        description="Stable id, lowercase; the file name without its extension.",
    )
    guideline: str = Field(
        min_length=1,
        description="Guideline as the letters name it, e.g. 'Chronic Pain Medical Treatment', "
        "'Low Back Complaints', 'Official Disability Guidelines (ODG)'.",
    )
    basis: Basis = Field(
        description="MTUS: part of the Medical Treatment Utilization Schedule; Non-MTUS: "
        "outside it (ODG, ACOEM current edition, statutes)."
    )
    topic: str = Field(
        min_length=1, description="Treatment topic, e.g. 'physical medicine', 'opioids'."
    )
    chapter: str | None = Field(
        default=None,
        description="Chapter within a Non-MTUS guideline, e.g. 'Low Back' for ODG; used in the "
        "Non-MTUS citation line.",
    )
    year: int | None = Field(
        default=None, ge=1990, le=2100, description="Guideline edition year, e.g. 2016."
    )
    sections: list[str] = Field(
        default_factory=list, description="Section names as letters cite them ('Section(s): ...')."
    )
    pages: list[str] = Field(
        default_factory=list, description="Pages as cited ('Page(s): 125'); often unverified."
    )
    source: str = Field(
        min_length=1,
        description="Where the text comes from: a public address and/or the public IMR "
        "decision (case number) that quotes it.",
    )
    source_url: str | None = Field(default=None, description="Public address of the source.")
    source_letter: str | None = Field(
        default=None,
        description="decision-quote only: the letter whose text contains `text` verbatim "
        "(case number, e.g. 'CM17-0005177', or a seed file stem).",
    )
    kind: Kind
    keywords: list[str] = Field(default_factory=list, description="Extra retrieval terms.")
    text: str = Field(min_length=1, description="The excerpt, verbatim from the source.")
    criteria: list[str] = Field(
        default_factory=list,
        description="The individual criteria the text states, each verbatim from `text`.",
    )
    note: str | None = Field(default=None, description="Caveats (e.g. page not verified).")

    @field_validator("text", "source", "guideline", "topic")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("year", mode="before")
    @classmethod
    def _year_is_int(cls, value: object) -> object:
        if isinstance(value, bool) or (value is not None and not isinstance(value, int)):
            raise ValueError("year must be an integer such as 2016")
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> Excerpt:
        if self.kind == "decision-quote" and not self.source_letter:
            raise ValueError("a decision-quote excerpt needs source_letter")
        text = normalize_ws(self.text)
        for criterion in self.criteria:
            if normalize_ws(criterion) not in text:
                raise ValueError(f"criterion not verbatim in text: {criterion[:60]!r}")
        return self

    def citation(self) -> GuidelineCitation:
        """The MAXIMUS guideline line for this excerpt, in the letters' own format."""
        from imr_llm.guidelines._citation import citation_for

        return citation_for([self])

    def search_text(self) -> str:
        """Everything retrieval indexes: text, keywords (twice), topic, sections, guideline."""
        parts = [
            self.text,
            " ".join(self.keywords),
            " ".join(self.keywords),
            self.topic,
            " ".join(self.sections),
            self.guideline,
            self.chapter or "",
        ]
        return " ".join(p for p in parts if p)
