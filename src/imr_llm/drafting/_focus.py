"""Pick the treating physician's latest progress report, skipping copied-forward notes.

The exam call reads only this document: a short, focused context is far easier for a small
model than the whole case file, and it keeps findings from other notes (therapy daily notes, UR
letters, notes the classifier files as other) out of the exam findings. What counts as a
progress report is the records classifier's call (`imr_llm.records.classify_case`).
"""

from __future__ import annotations

import datetime as dt
import re

from imr_llm._dates import parse_date
from imr_llm.records import CaseFile, Document, DocumentLabel, classify_case

_VISIT = re.compile(r"(?:date of (?:visit|exam\w*|service)|visit date|\bDOS\b)\s*:?\s*(\S+)", re.I)
COPY_SHARE = 0.8
"""A report sharing this share of its body lines with an earlier one is copied forward."""


def visit_date(doc: Document) -> dt.date | None:
    for line in doc.lines[:20]:
        if m := _VISIT.search(line.text):
            return parse_date(m.group(1))
    return None


def _body(doc: Document) -> list[str]:
    lines = [" ".join(ln.text.split()).lower() for ln in doc.lines]
    return [ln for ln in lines if len(ln) > 30 and not _VISIT.search(ln)]


def is_copy(doc: Document, earlier: list[Document]) -> bool:
    body = _body(doc)
    if not body:
        return False
    return any(sum(ln in set(_body(e)) for ln in body) / len(body) >= COPY_SHARE for e in earlier)


def latest_progress_report(
    case: CaseFile, labels: list[DocumentLabel] | None = None
) -> Document | None:
    """The latest progress report of `case` that is not a copy of an earlier one (None if
    none); `labels`: the documents' classes when already known (else they are classified)."""
    kinds = {
        lab.document_id: lab.kind for lab in (classify_case(case) if labels is None else labels)
    }
    reports = [doc for doc in case.documents if kinds.get(doc.id) == "progress_report"]
    originals = [d for i, d in enumerate(reports) if not is_copy(d, reports[:i])]
    if not originals:
        return None
    from imr_llm.drafting._case_facts import document_date

    dated = [(visit_date(d) or document_date(d) or dt.date.min, i) for i, d in enumerate(originals)]
    return originals[max(dated)[1]]
