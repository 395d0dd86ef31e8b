"""Fixtures for eval tests (builders live in `_builders.py`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from ._builders import corpus, write_jsonl


@pytest.fixture
def letters_jsonl(tmp_path: Path) -> Path:
    """5 letters, 8 items: 6 Upheld, 2 Overturned."""
    return write_jsonl(corpus(), tmp_path / "gold.jsonl")


@pytest.fixture
def quiet_logging() -> Iterator[None]:
    """Logging off below errors: the scripted endpoint's answers trigger re-ask warnings."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)
