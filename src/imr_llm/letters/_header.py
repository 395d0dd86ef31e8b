"""The letter's header block: case number, dates and priority.

The header is a small two-column table that extraction damages in many ways: tab-separated
cells, labels broken over lines ("Application \\n Received:"), values on the line after their
label, or the whole block missing. The block is flattened to one line of text and read as a
sequence of known labels and values; a label without a value takes the next values of its kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from imr_llm._dates import parse_date

_LABELS: dict[str, str] = {
    "case_number": r"Case\s+(?:Number|No\.?|#)",
    "date_assigned": r"Date\s+Assigned",
    "date_of_injury": r"Date\s+of\s+Injury",
    "decision_date": r"Decision\s+Date",
    "ur_denial_date": r"UR\s+Denial\s+Date",
    "priority": r"Priority",
    "application_received": r"Application\s+Received|Date\s+Received",
}
_LABEL_RE = re.compile(
    "|".join(f"(?P<{name}>\\b(?:{pattern})\\s*:)" for name, pattern in _LABELS.items()),
    re.IGNORECASE,
)
CASE_NUMBER_RE = re.compile(r"\bCM\s?(\d{2})\s?-\s?(\d{4,8})\b", re.IGNORECASE)
DATE_RE = re.compile(
    r"\b(?P<m>\d{1,2})\s*[/.-]\s*(?P<d>\d{1,2})\s*[/.-]\s*(?P<y>\d{4}|\d{2})\b"
    r"|\b(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+"
    r"(?P<d2>\d{1,2}),?\s+(?P<y2>\d{4})\b"
    r"|\b(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})\b",
    re.IGNORECASE,
)
"""Where a date value in the header starts and ends (M/D/YYYY with spaces around the
separators, 'Month D, YYYY', ISO); `date_value` reads it."""
_PRIORITY_RE = re.compile(r"\b(Standard|Expedited|Urgent|Regular)\b", re.IGNORECASE)


@dataclass
class Header:
    """Header fields; None where the letter does not state them."""

    case_number: str | None = None
    date_assigned: date | None = None
    date_of_injury: date | None = None
    decision_date: date | None = None
    ur_denial_date: date | None = None
    application_received: date | None = None
    priority: str | None = None


def date_value(text: str) -> date | None:
    """A header date value (`DATE_RE`; '12 / 30 / 2016' too) read by the package's one date
    parser, `imr_llm._dates.parse_date`; None if it is not a valid date."""
    return parse_date(re.sub(r"(?<=\d)\s*([/.-])\s*(?=\d)", r"\1", text))


def normalize_case_number(text: str) -> str | None:
    """'CM17-0005177' from any spacing/case variant, or None."""
    m = CASE_NUMBER_RE.search(text)
    return f"CM{m.group(1)}-{m.group(2)}" if m else None


_DATE_TOKEN = r"\d{1,2}\s*[/-]\s*\d{1,2}\s*[/-]\s*\d{2,4}"
_SPLIT_LABELS = (
    ("Application", "Received"),
    ("Date", "Assigned"),
    ("Date", "of", "Injury"),
    ("Decision", "Date"),
    ("UR", "Denial", "Date"),
)


def unsplit_labels(flat: str) -> str:
    """'Application 12/05/2016 Received:' -> 'Application Received: 12/05/2016'.

    A two-column layout can wrap a label around its own value; put the value back after it.
    """
    for words in _SPLIT_LABELS:
        label = " ".join(words)
        for cut in range(1, len(words)):
            head = r"\s+".join(words[:cut])
            tail = r"\s+".join(words[cut:])
            flat = re.sub(
                rf"\b{head}\s+({_DATE_TOKEN})\s+{tail}\s*:",
                rf"{label}: \1",
                flat,
                flags=re.IGNORECASE,
            )
    return flat


def parse_header(block: str) -> Header:
    """Read the header fields out of the text before the first section heading."""
    flat = unsplit_labels(re.sub(r"\s+", " ", block).strip())
    header = Header()
    pending: list[str] = []
    pos = 0
    tokens: list[tuple[str | None, str]] = []  # (label, following value text)
    for m in _LABEL_RE.finditer(flat):
        if tokens:
            tokens[-1] = (tokens[-1][0], flat[pos : m.start()])
        elif flat[: m.start()].strip():
            tokens.append((None, flat[: m.start()]))
        tokens.append((m.lastgroup, ""))
        pos = m.end()
    if tokens:
        tokens[-1] = (tokens[-1][0], flat[pos:])
    for label, value in tokens:
        if label is not None:
            pending.append(label)
        rest = value
        while pending and rest.strip():
            name = pending[0]
            taken, rest = _take(name, rest)
            pending.pop(0)
            if taken is not None:  # otherwise the text is not this label's kind: skip the label
                _set(header, name, taken)
    if header.case_number is None:  # e.g. only a banner 'IMR Case Number CM13-0000004'
        header.case_number = normalize_case_number(flat)
    return header


def _take(name: str, text: str) -> tuple[str | None, str]:
    """Take the value for label `name` from the start of `text`: (value, rest)."""
    stripped = text.lstrip()
    if name == "case_number":
        m = CASE_NUMBER_RE.match(stripped)
        return (m.group(0), stripped[m.end() :]) if m else (None, stripped)
    if name == "priority":
        m = _PRIORITY_RE.match(stripped)
        if m:
            return m.group(0), stripped[m.end() :]
        word = re.match(r"[A-Za-z]+", stripped)
        return (word.group(0), stripped[word.end() :]) if word else (None, stripped)
    m = DATE_RE.match(stripped)
    return (m.group(0), stripped[m.end() :]) if m else (None, stripped)


def _set(header: Header, name: str, value: str) -> None:
    if name == "case_number":
        header.case_number = normalize_case_number(value)
    elif name == "priority":
        header.priority = value.capitalize()
    else:
        setattr(header, name, date_value(value))
