"""Property-style checks: each real letter, damaged in the ways extraction damages letters,
parses to the same record.

Variants: paragraphs re-wrapped at several widths; every line doubled (blank line after each);
page breaks (form feeds, with page numbers and a running header) inserted at arbitrary lines,
including inside sentences and item headers; blank lines inserted inside sentences; the header
table turned into tab-separated rows.
"""

from __future__ import annotations

import random
import re
import textwrap

import pytest

from imr_llm.letters import DecisionLetter, parse_letter_text
from imr_llm.letters._repair import paragraphs, repair


def _norm(text: str | None) -> str | None:
    """Whitespace-insensitive form (a hyphen at a line end is ambiguous: ignore its space)."""
    if text is None:
        return None
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def _signature(letter: DecisionLetter) -> dict:
    """Everything that must not change under whitespace damage."""
    return {
        "header": (
            letter.case_number,
            letter.date_assigned,
            letter.date_of_injury,
            letter.decision_date,
            letter.ur_denial_date,
            letter.application_received,
            letter.priority,
        ),
        "reviewer": (letter.reviewer.licensure, letter.reviewer.specialties),
        "summary": _norm(letter.clinical_case_summary),
        "items": [
            (
                _norm(i.request),
                i.decision,
                _norm(i.original_request),
                _norm(i.decision_rationale),
                [
                    (
                        c.basis,
                        _norm(c.guideline),
                        c.year,
                        [_norm(s) for s in c.sections],
                        c.pages,
                        _norm(c.text),
                    )
                    for c in (i.claims_administrator_guideline, i.maximus_guideline)
                ],
            )
            for i in letter.items
        ],
    }


def _paragraph_text(text: str) -> list[str]:
    return paragraphs(repair(text))


def rewrap(text: str, width: int) -> str:
    """Re-wrap every paragraph at `width` columns."""
    wrapped = [
        textwrap.fill(p, width, break_long_words=False, break_on_hyphens=False)
        for p in _paragraph_text(text)
    ]
    return "\n\n".join(wrapped) + "\n"


def double(text: str) -> str:
    """The seed-file damage: an empty line after every line, blank lines kept as ' '."""
    lines = ["\n".join(repair(text))][0].split("\n")
    return "".join((line if line else " ") + "\n\n" for line in lines)


def page_breaks(text: str, seed: int, every: int = 9) -> str:
    """Cut the text into pages at random lines; each page gets a running header and a number."""
    rng = random.Random(seed)
    lines = "\n".join(repair(text)).split("\n")
    pages: list[list[str]] = [[]]
    for line in lines:
        pages[-1].append(line)
        if rng.randrange(every) == 0:
            pages.append([])
    total = len(pages)
    out = []
    for n, page in enumerate(pages, 1):
        top = ["Independent Medical Review Final Determination", ""] if n > 1 else []
        out.append("\n".join([*top, *page, "", f"Page {n} of {total}"]))
    return "\f".join(out)


def sentence_gaps(text: str, seed: int) -> str:
    """Blank lines inside sentences (before a line that continues the sentence)."""
    rng = random.Random(seed)
    out = []
    for line in "\n".join(repair(text)).split("\n"):
        if out and line[:1].islower() and rng.random() < 0.5:
            out.extend(["", ""])
        out.append(line)
    return "\n".join(out)


def tab_header(text: str) -> str:
    """The 2013 layout: header rows with tab-separated label and value cells."""
    doc = "\n".join(repair(text))
    start = doc.find("HOW THE IMR")
    if start <= 0:
        return doc
    head = re.sub(
        r"\s*(Date of Injury:|UR Denial Date:|Application\s+Received:)",
        r"\t\1",
        re.sub(r"\s+", " ", doc[:start]),
    )
    head = re.sub(r":\s*", ":\t", head)
    head = re.sub(r"\s(?=Date Assigned:|Decision Date:|Priority:)", "\n", head)
    return head + "\n" + doc[start:]


@pytest.fixture(scope="module")
def signatures(parsed: dict[str, DecisionLetter]) -> dict[str, dict]:
    return {name: _signature(letter) for name, letter in parsed.items()}


VARIANTS = {
    "rewrap-45": lambda t, s: rewrap(t, 45),
    "rewrap-72": lambda t, s: rewrap(t, 72),
    "rewrap-140": lambda t, s: rewrap(t, 140),
    "doubled": lambda t, s: double(t),
    "page-breaks": lambda t, s: page_breaks(t, s),
    "page-breaks-dense": lambda t, s: page_breaks(t, s + 1, every=3),
    "sentence-gaps": lambda t, s: sentence_gaps(t, s),
    "tab-header": lambda t, s: tab_header(t),
    "wrapped-doubled-paged": lambda t, s: page_breaks(double(rewrap(t, 60)), s + 2),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_damaged_letters_parse_the_same(
    variant: str, source_texts: dict[str, str], signatures: dict[str, dict]
) -> None:
    failures = []
    for seed, (name, text) in enumerate(sorted(source_texts.items())):
        damaged = VARIANTS[variant](text, seed)
        got = _signature(parse_letter_text(damaged, name))
        if got != signatures[name]:
            diff = [key for key in got if got[key] != signatures[name][key]]
            failures.append(f"{name}: {diff}")
    assert not failures, failures
