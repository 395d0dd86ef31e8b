"""Text helpers shared by every package (no imports from the rest of imr_llm)."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")


def sentences(text: str) -> list[str]:
    """Split prose into sentences (naive: ., ! or ? followed by space and a capital/digit)."""
    parts = _SENTENCE_END.split(" ".join(text.split()))
    return [p.strip() for p in parts if p.strip()]
