"""Fixtures for eval tests (builders live in `_builders.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._builders import corpus, write_jsonl


@pytest.fixture
def letters_jsonl(tmp_path: Path) -> Path:
    """5 letters, 8 items: 6 Upheld, 2 Overturned."""
    return write_jsonl(corpus(), tmp_path / "gold.jsonl")
