"""Build MAXIMUS guideline lines from excerpt metadata, in the real letters' own wording.

Formats observed in the 2016-2017 letters (and 2013-2015 for `Page(s):`):
- "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Physical medicine
  treatment."
- "Decision based on MTUS Acupuncture Treatment 2007."  (no sections)
- "Decision based on MTUS Low Back Complaints 2004, Section(s): Initial Care, Physical Methods,
  and Chronic Pain Medical Treatment 2016, Section(s): Physical medicine treatment."
- "Decision based on MTUS Chronic Pain Treatment Guidelines Work conditioning Page(s): 125."
  (older letters: no year, pages instead)
- "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines.
  Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Shoulder, MRI."
- MTUS plus Non-MTUS: "Decision based on MTUS Shoulder Complaints 2004, Section(s): Special
  Studies. Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) MRI shoulder."
"""

from __future__ import annotations

from collections.abc import Sequence

from imr_llm.guidelines._models import Excerpt
from imr_llm.letters._models import GuidelineCitation

NON_MTUS_PREFIX = (
    "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines."
)
NO_EVIDENCE = "The Expert Reviewer did not cite any medical evidence for its decision."


def _mtus_part(excerpt: Excerpt) -> str:
    """One MTUS guideline reference, without the 'Decision based on MTUS' lead."""
    if excerpt.year is not None:
        part = f"{excerpt.guideline} {excerpt.year}"
        if excerpt.sections:
            part += ", Section(s): " + ", ".join(excerpt.sections)
        return part
    part = excerpt.guideline
    if excerpt.sections:
        part += " " + ", ".join(excerpt.sections)
    if excerpt.pages:
        part += " Page(s): " + ", ".join(excerpt.pages)
    return part


def non_mtus_text(excerpt: Excerpt) -> str:
    """The citation text after 'Non-MTUS Citation', e.g. 'Official Disability Guidelines (ODG)
    Shoulder, MRI'."""
    text = excerpt.guideline
    if excerpt.chapter:
        text += f" {excerpt.chapter}"
    if excerpt.sections:
        text += ", " + ", ".join(excerpt.sections)
    return text


def _unique(parts: list[str]) -> list[str]:
    return list(dict.fromkeys(parts))


def citation_for(excerpts: Sequence[Excerpt]) -> GuidelineCitation:
    """One guideline line citing `excerpts` (MTUS parts first, then Non-MTUS), as a letter would.

    With no excerpts the line is the letters' "did not cite any medical evidence" sentence.
    Fields: for an MTUS line, `guideline`/`year` are those of the first MTUS excerpt and
    `sections` collects the sections of all MTUS excerpts; `pages` are filled only for the older
    year-less format that writes them. For a Non-MTUS-only line `guideline` is the citation text.
    """
    mtus = [e for e in excerpts if e.basis == "MTUS"]
    other = [e for e in excerpts if e.basis == "Non-MTUS"]
    if not mtus and not other:
        return GuidelineCitation(basis="none", text=NO_EVIDENCE)
    sentences: list[str] = []
    if mtus:
        parts = _unique([_mtus_part(e) for e in mtus])
        sentences.append("Decision based on MTUS " + ", and ".join(parts) + ".")
    if other:
        cited = "; ".join(_unique([non_mtus_text(e) for e in other]))
        if not mtus:
            sentences.append(NON_MTUS_PREFIX)
        sentences.append(f"Decision based on Non-MTUS Citation {cited}.")
    text = " ".join(sentences)
    if mtus:
        first = mtus[0]
        return GuidelineCitation(
            basis="MTUS",
            guideline=first.guideline,
            year=first.year,
            sections=_unique([s for e in mtus for s in e.sections]),
            pages=_unique([p for e in mtus if e.year is None for p in e.pages]),
            text=text,
        )
    return GuidelineCitation(
        basis="Non-MTUS",
        guideline="; ".join(_unique([non_mtus_text(e) for e in other])),
        year=other[0].year,
        text=text,
    )
