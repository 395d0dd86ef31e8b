"""Shared fixtures: the 69 real letters of the gold dataset, parsed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_llm.letters import DecisionLetter, extract_text, letter_paths, parse_letter_text

DATASET = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "letters"
SOURCES = DATASET / "sources"
GOLD = DATASET / "gold.jsonl"


@pytest.fixture(scope="session")
def source_texts() -> dict[str, str]:
    """Extracted (unrepaired) text of every source letter, keyed by file name."""
    return {p.name: extract_text(p) for p in letter_paths(SOURCES)}


@pytest.fixture(scope="session")
def parsed(source_texts: dict[str, str]) -> dict[str, DecisionLetter]:
    """Every source letter parsed, keyed by file name."""
    return {name: parse_letter_text(text, name) for name, text in source_texts.items()}
