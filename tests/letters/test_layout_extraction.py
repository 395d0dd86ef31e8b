"""A second extractor flavour: pypdf's layout mode (two-column header with a label wrapped around
its value, spaces inside words, glued lines) must yield the same header, reviewer, items,
decisions and citation bases as the default extraction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from imr_llm.letters import DecisionLetter, parse_letter_text

PDFS = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "letters" / "sources" / "pdf"
SAMPLE = [
    "CM16-0236380.pdf",
    "CM16-0233794.pdf",
    "CM16-0239569.pdf",
    "CM16-0229336.pdf",
    "CM17-0002198.pdf",
    "CM17-0009441.pdf",
]


def _layout_text(path: Path) -> str:
    reader = PdfReader(path)
    reader.decrypt("")
    return "\f".join(page.extract_text(extraction_mode="layout") for page in reader.pages)


def _squash(text: str | None) -> str:
    return re.sub(r"\s", "", text or "")


def _structure(letter: DecisionLetter) -> tuple:
    return (
        letter.case_number,
        letter.date_assigned,
        letter.date_of_injury,
        letter.decision_date,
        letter.ur_denial_date,
        letter.application_received,
        letter.priority,
        letter.reviewer,
        [
            (
                _squash(i.request),
                i.decision,
                _squash(i.original_request),
                i.claims_administrator_guideline.basis,
                i.maximus_guideline.basis,
            )
            for i in letter.items
        ],
    )


def _check(names: list[str], parsed: dict[str, DecisionLetter]) -> None:
    for name in names:
        layout = parse_letter_text(_layout_text(PDFS / name), name)
        assert _structure(layout) == _structure(parsed[name]), name


def test_layout_extraction_sample(parsed: dict[str, DecisionLetter]) -> None:
    _check(SAMPLE, parsed)


@pytest.mark.slow
def test_layout_extraction_all_pdfs(parsed: dict[str, DecisionLetter]) -> None:
    _check(sorted(p.name for p in PDFS.glob("*.pdf")), parsed)
