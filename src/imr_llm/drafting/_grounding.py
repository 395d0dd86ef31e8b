"""Grounding: every date, number and quoted phrase in a draft must be supported by the records.

Dates are compared after normalisation (11/2/2016 = 11-2-16 = November 2, 2016 = 2016-11-02);
a month-only mention ("April 2014") needs some date in that month. Numbers are compared as
numbers ("05" = "5"; "five" in the records supports 5). Quoted phrases must appear in the
records (case and whitespace ignored). Unsupported values are returned as `GroundingIssue`s:
shown to the user, never silently dropped.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from imr_llm._dates import find_dates
from imr_llm._memo import per_object
from imr_llm.drafting._models import CaseSummary, GroundingIssue, ItemDraft
from imr_llm.records import CaseFile

_NUMBER = re.compile(r"(?<![A-Za-z\d.])\d+(?:\.\d+)?(?![\d])")
_QUOTED = re.compile(r"[\"“]([^\"”]{3,200})[\"”]")
NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_TENS = {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORD_RE = re.compile(r"\b(" + "|".join(NUMBER_WORDS + list(_TENS)) + r")\b", re.I)


def _norm_number(raw: str) -> str:
    if "." in raw:
        raw = raw.rstrip("0").rstrip(".")
    return raw.lstrip("0") or "0"


def normalize_text(text: str) -> str:
    return " ".join(re.sub(r"[^\w%/.-]+", " ", text.lower()).split())


def _numbers(text: str, *, skip_dates: bool) -> list[tuple[str, str]]:
    """(as written, normalised) numbers, skipping those inside dates if asked."""
    spans = [(m.start, m.end) for m in find_dates(text)] if skip_dates else []
    out = []
    for m in _NUMBER.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        out.append((m.group(), _norm_number(m.group())))
    return out


class RecordIndex:
    """The dates, numbers and normalised text of some source texts, for lookups."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.text = ""
        self.dates: set[dt.date] = set()
        self.months: set[tuple[int, int]] = set()
        self.numbers: set[str] = set()
        self._add(list(texts))

    def _add(self, texts: list[str], facts: Callable[[str], _Facts] | None = None) -> None:
        """Index `texts` after what is indexed (`facts`: how each text's facts are read)."""
        found = [(facts or _facts_of)(text) for text in texts]
        self.text = " ".join(t for t in [self.text, *(f.text for f in found)] if t)
        for f in found:
            self.dates |= f.dates
            self.months |= f.months
            self.numbers |= f.numbers

    def with_texts(self, texts: Iterable[str]) -> RecordIndex:
        """A new index of this one's texts followed by `texts` (as if built from all of them).
        The texts' own facts are memoised: the same guideline excerpts ground many items."""
        out = copy.copy(self)
        out.dates, out.months, out.numbers = set(self.dates), set(self.months), set(self.numbers)
        out._add(list(texts), _cached_facts)
        return out

    @classmethod
    def of_case(cls, case: CaseFile, *extra: str) -> RecordIndex:
        """The index of the case's records (built once per case file) and of `extra` texts."""
        base = _case_index(case)
        return base.with_texts(extra) if extra else base

    def has_phrase(self, phrase: str) -> bool:
        norm = normalize_text(phrase)
        return bool(norm) and norm in self.text


@dataclass(frozen=True)
class _Facts:
    """One text's normalised text, dates, months and numbers (digits and words)."""

    text: str
    dates: frozenset[dt.date]
    months: frozenset[tuple[int, int]]
    numbers: frozenset[str]


def _facts_of(text: str) -> _Facts:
    mentions = find_dates(text)
    numbers = {n for _, n in _numbers(text, skip_dates=False)}
    for word in _WORD_RE.findall(text):
        w = word.lower()
        numbers.add(str(_TENS[w] if w in _TENS else NUMBER_WORDS.index(w)))
    return _Facts(
        normalize_text(text),
        frozenset(m.date for m in mentions if m.date),
        frozenset(m.month for m in mentions),
        frozenset(numbers),
    )


_cached_facts = lru_cache(maxsize=1024)(_facts_of)


@per_object
def _case_index(case: CaseFile) -> RecordIndex:
    return RecordIndex([ln.text for d in case.documents for ln in d.lines])


def check_text(text: str, field: str, index: RecordIndex) -> list[GroundingIssue]:
    """Dates, numbers and quoted phrases in `text` that `index` does not support."""
    issues: list[GroundingIssue] = []
    for mention in find_dates(text):
        ok = mention.date in index.dates if mention.date else mention.month in index.months
        if not ok:
            issues.append(
                GroundingIssue(
                    field=field, value=mention.text, problem="date not found in the records"
                )
            )
    for raw, norm in _numbers(text, skip_dates=True):
        if norm not in index.numbers:
            issues.append(
                GroundingIssue(field=field, value=raw, problem="number not found in the records")
            )
    for m in _QUOTED.finditer(text):
        if not index.has_phrase(m.group(1)):
            issues.append(
                GroundingIssue(
                    field=field, value=m.group(1), problem="quoted phrase not found in the records"
                )
            )
    return issues


def check_date(value: dt.date | None, field: str, index: RecordIndex) -> list[GroundingIssue]:
    if value is None or value in index.dates:
        return []
    return [
        GroundingIssue(
            field=field, value=value.isoformat(), problem="date not found in the records"
        )
    ]


def check_number(value: int | None, field: str, index: RecordIndex) -> list[GroundingIssue]:
    if value is None or str(value) in index.numbers:
        return []
    return [
        GroundingIssue(field=field, value=str(value), problem="number not found in the records")
    ]


def ground_summary(summary: CaseSummary, case: CaseFile) -> list[GroundingIssue]:
    """Unsupported dates, numbers and quotes in a summary's fields and prose."""
    index = RecordIndex.of_case(case)
    issues = check_number(summary.age, "age", index)
    issues += check_date(summary.date_of_injury, "date_of_injury", index)
    for i, t in enumerate(summary.treatments):
        issues += check_number(t.count, f"treatments[{i}].count", index)
        issues += check_text(t.name + " " + (t.response or ""), f"treatments[{i}]", index)
    for i, u in enumerate(summary.ur_history):
        issues += check_date(u.date, f"ur_history[{i}].date", index)
        issues += check_text(u.request, f"ur_history[{i}].request", index)
    for name in (
        "body_parts",
        "diagnoses",
        "imaging",
        "current_complaints",
        "exam_findings",
        "disputed_requests",
    ):
        for i, value in enumerate(getattr(summary, name)):
            issues += check_text(value, f"{name}[{i}]", index)
    for name in ("mechanism", "work_status"):
        issues += check_text(getattr(summary, name) or "", name, index)
    for fact in summary.facts:
        issues += check_text(fact.value, f"facts.{fact.name}", index)
    issues += check_text(summary.prose, "prose", index)
    return _dedupe(issues)


def ground_item(draft: ItemDraft, case: CaseFile, *sources: str) -> list[GroundingIssue]:
    """Unsupported values in a draft; `sources` (the request, the excerpts' text) also count."""
    index = RecordIndex.of_case(case, draft.request, *sources)
    issues: list[GroundingIssue] = []
    for i, check in enumerate(draft.criteria):
        for ev in check.evidence:
            issues += check_text(ev.quote, f"criteria[{i}].evidence", index)
    issues += check_text(draft.rationale, "rationale", index)
    return _dedupe(issues)


def _dedupe(issues: list[GroundingIssue]) -> list[GroundingIssue]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for issue in issues:
        key = (issue.field, issue.value, issue.problem)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out
