"""Evidence for extracted facts: validate the model's line references and locate support.

The model is not trusted on line numbers or quotes. A reference like ``D1:12`` is kept only if
that line exists and supports the value; otherwise the records are searched for the line that
supports it best. The quote is always copied from the cited line, so it is verbatim by
construction; `evidence_ok` re-checks an `Evidence` against the case (used by tests and the
summary validator).
"""

from __future__ import annotations

import re

from imr_llm._dates import find_dates, parse_date
from imr_llm._text import PERSON_WORDS, SIDES, STOPWORDS
from imr_llm.drafting._models import Evidence
from imr_llm.records import CaseFile, Line, find_line

QUOTE_CHARS = 120
_REF = re.compile(r"\[?\s*(D\d+)\s*:\s*(\d+)\s*\]?", re.I)
_STOP = STOPWORDS | PERSON_WORDS | SIDES


def parse_ref(ref: str | None) -> tuple[str, int] | None:
    if not ref:
        return None
    m = _REF.search(ref)
    return (m.group(1).upper(), int(m.group(2))) if m else None


_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def terms(text: str) -> set[str]:
    found = tokens(text)
    return {t for t in found if len(t) > 2 and t not in _STOP} or set(found)


def support(value: str, line_text: str) -> float:
    """How well one line supports a value: 1.0 for a date match, else the share of its content
    words the line contains (0 when a value of two or more content words shares only one)."""
    date = parse_date(value)
    if date is not None:
        return 1.0 if any(m.date == date for m in find_dates(line_text)) else 0.0
    wanted = terms(value)
    if not wanted:
        return 0.0
    found = len(wanted & set(tokens(line_text)))
    if found < min(2, len(wanted)):
        return 0.0  # one shared word ("lifting") does not support "lifting boxes"
    return found / len(wanted)


def _quote(line: Line, value: str) -> str:
    text = line.text.strip()
    if len(text) <= QUOTE_CHARS:
        return text
    first = min((i for t in terms(value) if (i := text.lower().find(t)) >= 0), default=0)
    start = max(0, min(first - 20, len(text) - QUOTE_CHARS))
    return text[start : start + QUOTE_CHARS].strip()


def evidence_for(doc_id: str, line: Line, value: str) -> Evidence:
    """Evidence citing one line, its quote cut around `value`'s words."""
    return Evidence(
        document_id=doc_id,
        line_start=line.number,
        line_end=line.number,
        quote=_quote(line, value),
    )


def locate(
    case: CaseFile, value: str, ref: str | None = None, *, threshold: float = 0.5
) -> list[Evidence]:
    """Evidence for `value`: the referenced line if it supports it, else the best line found.

    Returns [] when no line supports the value at `threshold` (the caller flags or drops it).
    """
    parsed = parse_ref(ref)
    if parsed is not None:
        line = find_line(case, *parsed)
        if line is not None and support(value, line.text) >= threshold:
            return [evidence_for(parsed[0], line, value)]
    best: tuple[float, str, Line] | None = None
    for doc in case.documents:
        for line in doc.lines:
            if not line.text.strip():
                continue
            score = support(value, line.text)
            if score >= threshold and (best is None or score > best[0]):
                best = (score, doc.id, line)
    return [evidence_for(best[1], best[2], value)] if best else []


def evidence_ok(case: CaseFile, ev: Evidence) -> bool:
    """The cited lines exist and the quote appears in them."""
    if ev.line_end < ev.line_start:
        return False
    texts = []
    for number in range(ev.line_start, ev.line_end + 1):
        line = find_line(case, ev.document_id, number)
        if line is None:
            return False
        texts.append(line.text)
    quote = " ".join(ev.quote.split()).lower()
    return bool(quote) and quote in " ".join(" ".join(texts).split()).lower()
