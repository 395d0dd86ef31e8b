"""Find and normalise dates in free text: 11/2/2016, 11-2-16, 11.02.2016, November 2, 2016,
Nov. 2nd 2016, 2016-11-02, 2016/11/02, 2 November 2016 and 02-Nov-2016 all parse to the same
`datetime.date`; "November 2016" and "11/2016" parse to a month.

The one date module of the package: the letters' header, the records, drafting and the eval's
baselines all read dates with it. Scanned pages split words: a month name broken by one space
("Nove mber 30, 2016") is read as the month. Two-digit years are 20YY up to next year, else
19YY (`full_year`), everywhere. `INJURY_DATE_LABEL` and `BIRTH_DATE_LABEL` are the words that
label a date of injury or of birth in records."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_PATTERNS = [
    ("ymd", re.compile(r"(?<![\d/.-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/.-]?\d)")),
    (
        "mdy",
        re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-]|\.\d)"),
    ),
    ("dMy-", re.compile(rf"\b(\d{{1,2}})-{_MONTH}-(\d{{4}}|\d{{2}})\b", re.I)),
    ("Mdy", re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)),
    ("dMy", re.compile(rf"\b(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})\b", re.I)),
    ("My", re.compile(rf"\b{_MONTH},?\s+(\d{{4}})\b", re.I)),
    ("my", re.compile(r"(?<![\d/-])(\d{1,2})/(\d{4})(?![\d/-])")),
]


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    date: dt.date | None
    """Full date, or None for a month-only mention (then `month` is set)."""
    month: tuple[int, int]
    """(year, month)."""


INJURY_DATE_LABEL = re.compile(
    r"(?:date\s+of\s+(?:industrial\s+)?injury|\bDOI\b|\bD/I\b|injury\s+date)", re.I
)
BIRTH_DATE_LABEL = re.compile(r"(?:date\s+of\s+birth|\bDOB\b|\bD\.O\.B\.?|birth\s*date)", re.I)
RANGE_TO = re.compile(r"^\s*(?:-|–|—|to|through|thru|until)\s*$", re.I)
"""What joins the two dates of a range ("01/01/2014 - 03/14/2015", "from ... through ...")."""


def range_end(text: str, first: DateMention, mentions: list[DateMention]) -> DateMention:
    """`first`, or the mention it starts a range with ("06/01/2010 through 09/15/2013"): the
    first of `mentions` (found in `text`) after it, when only a range word lies between."""
    later = next((m for m in mentions if m.start >= first.end), None)
    if later is not None and RANGE_TO.match(text[first.end : later.start]):
        return later
    return first


def full_year(raw: str) -> int:
    """A written year: two digits are 20YY up to next year, else 19YY ('16' -> 2016, '85' ->
    1985)."""
    value = int(raw)
    if len(raw) == 2:
        value += 2000 if value <= (dt.date.today().year % 100) + 1 else 1900
    return value


def _make(kind: str, groups: tuple[str, ...]) -> tuple[dt.date | None, tuple[int, int]] | None:
    try:
        if kind == "ymd":
            d = dt.date(int(groups[0]), int(groups[2]), int(groups[3]))
        elif kind == "mdy":
            d = dt.date(full_year(groups[3]), int(groups[0]), int(groups[2]))
        elif kind == "dMy-":
            d = dt.date(full_year(groups[2]), _MONTHS[groups[1].lower()], int(groups[0]))
        elif kind == "Mdy":
            d = dt.date(int(groups[2]), _MONTHS[groups[0].lower()], int(groups[1]))
        elif kind == "dMy":
            d = dt.date(int(groups[2]), _MONTHS[groups[1].lower()], int(groups[0]))
        elif kind == "My":
            return None, (int(groups[1]), _MONTHS[groups[0].lower()])
        else:  # "my"
            month, year = int(groups[0]), int(groups[1])
            if not 1 <= month <= 12:
                return None
            return None, (year, month)
    except (ValueError, KeyError):
        return None
    return d, (d.year, d.month)


_MONTH_NAMES = sorted({n for n in _MONTHS if len(n) > 3}, key=len, reverse=True)
_SPLIT_MONTH = re.compile(r"\b([A-Za-z]{1,8}) ([A-Za-z]{1,8})\b")


def _join_split_months(text: str) -> str:
    """'Nove mber 30' -> 'November  30' (same length, so offsets stay valid)."""

    def fix(m: re.Match[str]) -> str:
        word = (m.group(1) + m.group(2)).lower()
        if word in _MONTH_NAMES and m.group(1).lower() not in _MONTHS:
            return m.group(1) + m.group(2) + " "
        return m.group(0)

    return _SPLIT_MONTH.sub(fix, text)


def find_dates(text: str) -> list[DateMention]:
    """Date mentions in `text`, non-overlapping, in order (full dates win over month-only).
    Texts up to CACHED_CHARS are memoised (bounded memory): the same record lines and
    summaries are read for every item of a case (checklist, facts, grounding)."""
    if len(text) <= CACHED_CHARS:
        return list(_cached_dates(text))
    return list(_find_dates(text))


CACHED_CHARS = 20_000


@lru_cache(maxsize=1024)
def _cached_dates(text: str) -> tuple[DateMention, ...]:
    return _find_dates(text)


def _find_dates(text: str) -> tuple[DateMention, ...]:
    original, text = text, _join_split_months(text)
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            made = _make(kind, m.groups())
            if made is None:
                continue
            found.append(
                DateMention(m.start(), m.end(), original[m.start() : m.end()], made[0], made[1])
            )
            taken.append((m.start(), m.end()))
    return tuple(sorted(found, key=lambda d: d.start))


def parse_date(text: str | None) -> dt.date | None:
    """The first full date in `text` (e.g. a model's 'date of injury: 11/02/2016'), or None."""
    if not text:
        return None
    for mention in find_dates(text):
        if mention.date is not None:
            return mention.date
    return None
