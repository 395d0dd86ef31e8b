"""Synthetic IMR letters in the 2016 layout, for tests that vary one thing at a time."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

HEADER = (
    "Case Number: CM17-0001234\n"
    "Date Assigned: 01/05/2017 Date of Injury: 03/02/2015\n"
    "Decision Date: 02/01/2017 UR Denial Date: 12/20/2016\n"
    "Priority: Standard Application\nReceived:\n12/28/2016\n"
)
HOW = (
    "HOW THE IMR FINAL DETERMINATION WAS MADE\n"
    "MAXIMUS Federal Services sent the complete case file to an expert reviewer. He/she has no "
    "affiliation with the employer, employee, providers or the claims administrator. He/she is "
    "familiar with governing laws and regulations, including the strength of evidence hierarchy "
    "that applies to Independent Medical Review determinations.\n\n"
    "The Expert Reviewer has the following credentials:\n"
    "State(s) of Licensure: California, Texas\n"
    "Certification(s)/Specialty: Internal Medicine, Pain Management\n"
)
SUMMARY = (
    "CLINICAL CASE SUMMARY\n"
    "The expert reviewer developed the following clinical case summary based on a review of the "
    "case file, including all medical records:\n\n"
    "The injured worker is a 45 year old female who sustained an industrial injury on "
    "03-02-2015. She reports chronic low back pain radiating to the left leg. Treatment has "
    "included physical therapy, medications and chiropractic care.\n\n"
    "The utilization review of 12-20-2016 non-certified the requests listed below.\n"
)
ISSUES = (
    "IMR ISSUES, DECISIONS AND RATIONALES\n"
    "The Final Determination was based on decisions for the disputed items/services set forth "
    "below:\n"
)
CA = "Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies."
MX = (
    "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS "
    "Guidelines. Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low "
    "Back, MRI."
)


@dataclass
class Item:
    """One item of a synthetic letter."""

    header: str  # without the decision
    decision: str = "Upheld"
    ca: str = CA
    mx: str = MX
    rationale: str = (
        "The guidelines recommend imaging only for red flag conditions or progressive "
        "neurological deficits. None are documented. The request is not medically necessary."
    )


def make_letter(
    items: list[Item], *, width: int = 90, header: str = HEADER, blank_lines: bool = True
) -> str:
    """A letter's text with paragraphs wrapped at `width` (blank lines between paragraphs)."""
    sep = "\n\n" if blank_lines else "\n"

    def wrap(text: str) -> str:
        return "\n".join(textwrap.wrap(text, width, break_long_words=False))

    parts = [header, HOW, SUMMARY, ISSUES]
    for item in items:
        parts.append(wrap(f"{item.header}: {item.decision}"))
        parts.append(wrap(f"Claims Administrator guideline: {item.ca}"))
        parts.append(wrap(f"MAXIMUS guideline: {item.mx}"))
        parts.append(wrap(f"Decision rationale: {item.rationale}"))
    return sep.join(part.strip("\n") for part in parts) + "\n"
