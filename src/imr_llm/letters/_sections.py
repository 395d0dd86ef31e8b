"""Locate the fixed sections of a repaired letter.

Headings are matched in capitals (the prose also says "clinical case summary" in lower case)
with any whitespace between words, so a heading broken over lines is still found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imr_llm._errors import LetterParseError
from imr_llm.letters._repair import paragraphs

_HOW = re.compile(r"^[ \t]*HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE\b:?", re.M)
_SUMMARY = re.compile(r"^[ \t]*CLINICAL\s+CASE\s+SUMMARY\b:?", re.M)
_ISSUES = re.compile(
    r"^[ \t]*IMR\s+(?:ISSUES?(?:\(S\))?,?\s+)?DECISIONS?(?:\(S\))?,?\s+AND\s+"
    r"RATIONALES?(?:\(S\))?:?",
    re.M,
)
_SUMMARY_LEAD_IN = re.compile(
    r"^The\s+expert\s+reviewer\s+developed\s+the\s+following\s+clinical\s+case\s+summary"
    r"[^:]{0,200}:\s*",
    re.IGNORECASE,
)
ITEMS_LEAD_IN = re.compile(
    r"\A\s*(?:The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions?\s+for\s+the\s+"
    r"disputed\s+items?[^:]{0,80}?set\s+forth\s+below|[^\n:]{0,200}set\s+forth\s+below)\s*:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sections:
    """The letter cut into its parts (each as repaired text with newlines)."""

    header: str
    credentials: str
    summary: str
    issues: str


def split_sections(doc: str, *, path: str | None = None) -> Sections:
    """Cut repaired text into header / credentials / summary / issues."""
    issues = _ISSUES.search(doc)
    if not issues:
        raise LetterParseError(
            "not an IMR final determination letter: no 'IMR ISSUES, DECISIONS AND RATIONALES' "
            "section",
            path=path,
        )
    summary = _SUMMARY.search(doc, 0, issues.start())
    if not summary:
        raise LetterParseError(
            "not a complete IMR final determination letter: no 'CLINICAL CASE SUMMARY' section "
            "before the decisions",
            path=path,
        )
    how = _HOW.search(doc, 0, summary.start())
    first = how.start() if how else summary.start()
    return Sections(
        header=doc[:first],
        credentials=doc[how.end() if how else 0 : summary.start()],
        summary=doc[summary.end() : issues.start()],
        issues=doc[issues.end() :],
    )


def has_standard_sections(doc: str) -> bool:
    """True when `doc` has the headings `split_sections` needs (the 2013-2017 layout)."""
    issues = _ISSUES.search(doc)
    return bool(issues and _SUMMARY.search(doc, 0, issues.start()))


def summary_text(section: str) -> str:
    """The CLINICAL CASE SUMMARY body: lead-in removed, paragraphs re-flowed."""
    paras = paragraphs(section.split("\n"))
    if paras:
        first = _SUMMARY_LEAD_IN.sub("", paras[0], count=1).strip()
        paras = ([first] if first else []) + paras[1:]
    return "\n\n".join(paras)
