"""Deterministic look-ups in the records, used to check or replace the model's answers.

Each function reads the case file only (no model): the date of injury written in prose or on
a labelled line, the date of the utilization review determination, the records' diagnosis
lines, the words that state the injured worker's sex, and the number of sessions written near
a treatment. They return None / [] when the records do not say, never a guess.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator

from imr_llm._dates import INJURY_DATE_LABEL, find_dates, range_end
from imr_llm._text import norm
from imr_llm.drafting._evidence import support
from imr_llm.records import CaseFile, Document, Line

_DOI_LABEL = re.compile(
    INJURY_DATE_LABEL.pattern + r"\s*(?:\([^)]*\))?\s*[:=#-]?\s*$", INJURY_DATE_LABEL.flags
)
"""A date-of-injury label that ends right before the date ('DOI (claimed): ')."""
_INJURY_WORD = re.compile(
    # "injured" as the event, not the "injured worker" of every IMR summary
    r"\binjur(?:y|ies)\b|\binjured\b(?!\s+(?:worker|employee|patient|party|individual|person|"
    r"man|woman|male|female|workers|employees)\b)|\bhurt\b|\baccident\b|"
    r"\b(?:fell|slipped|tripped|rear-?ended|struck|assaulted|attacked|crushed|twisted|sprained|"
    r"strained|collided)\b|\bhit\s+(?:by|with|in)\b|\bcaught\s+(?:in|between)\b|\bfelt\s+a\s+pop\b|"
    # a cumulative-trauma claim is dated by its exposure ("cumulative trauma from ... through ...")
    r"\b(?:cumulative|continuous)\s+trauma\b|"
    # the claim is the injury's: "a history of an occupational claim from 10/27/2016"
    r"\b(?:industrial|occupational|work[- ]?related|workers'?\s*comp(?:ensation)?)\s+claim\b",
    re.I,
)
_ON = re.compile(r"\b(?:on|of|dated|from|dates?\s+(?:to|from|back\s+to))\s*$", re.I)
_CLAIM_FROM = re.compile(
    r"\bclaim\s+(?:(?:dates?|dated)\s+(?:to|from|back\s+to)|from|of|dated|on)\s*$", re.I
)
"""The claim's own date, written right after it ("whose claim dates to 5/16/2009")."""
_NOT_THIS_CLAIM_AFTER = re.compile(r"^\W{0,3}(?:non-?industrial|not\s+work[- ]related)", re.I)
_OTHER_CLAIM = re.compile(
    r"\b(?:prior|previous|earlier|older|another|other|separate|non-?industrial|settled)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:claims?|injur(?:y|ies)|accidents?)\b",
    re.I,
)
"""A date stated for another injury or claim ("a prior claim from 2005") is not this one's."""
_UR_HEAD = re.compile(
    r"utilization review|\bUR\b (?:determination|decision|denial|letter)|"
    r"notice of (?:utilization|non-?certification)|non-?certification",
    re.I,
)
_UR_LINE = re.compile(
    r"utilization review|\bUR\b|non-?certif|not certified|denied|denial|adverse determination",
    re.I,
)
_UR_DATE_LABEL = re.compile(
    r"^\W*(?:date(?: of (?:determination|decision|review|letter|notice))?|"
    r"(?:determination|decision|review|letter|notice) date)\s*[:=]",
    re.I,
)
_DX_LINE = re.compile(
    r"^\W*(?:assessment|diagnos[ie]s|impression|dx)(?:\s*/\s*\w+)?\s*[:\-]\s*(\S.*)$", re.I
)
_DX_SPLIT = re.compile(r"\s*(?:;|,|\b\d\)\s*|\s\d\.\s+)\s*")
MAX_DIAGNOSES = 5
SEX_WORDS = {
    "male": re.compile(r"\b(?:male|man|gentleman|mr\.?)\b", re.I),
    "female": re.compile(r"\b(?:female|woman|lady|mrs\.?|ms\.?)\b", re.I),
}
_PRONOUNS = {
    "male": re.compile(r"\b(?:he|his|him|himself)\b", re.I),
    "female": re.compile(r"\b(?:she|her|hers|herself)\b", re.I),
}


def _lines(case: CaseFile) -> Iterator[tuple[Document, Line]]:
    for doc in case.documents:
        for line in doc.lines:
            if line.text.strip():
                yield doc, line


def injury_date(case: CaseFile) -> tuple[dt.date, Document, Line] | None:
    """The date of injury the records state: a labelled one ("Date of injury: 07/22/2015",
    "DOI 7/22/15") first, else one in prose ("injured his right shoulder on 07/22/2015",
    "industrial injury on ...")."""
    prose: tuple[dt.date, Document, Line] | None = None
    for doc, line in _lines(case):
        text = line.text
        dated = [m for m in find_dates(text) if m.date is not None]
        for mention in dated:
            before = text[max(0, mention.start - 120) : mention.start]
            if _DOI_LABEL.search(before) and mention.date is not None:
                return mention.date, doc, line
            sentence = re.split(r"[.;]\s", before)[-1]
            if (
                prose is None
                and (
                    (_ON.search(sentence) and _INJURY_WORD.search(sentence))
                    or _CLAIM_FROM.search(sentence)
                )
                and not _OTHER_CLAIM.search(sentence)
                and not _NOT_THIS_CLAIM_AFTER.match(text[mention.end : mention.end + 40])
            ):
                # a range ("from 06/01/2010 through 09/15/2013") is dated by its end
                end = range_end(text, mention, dated).date
                prose = (end, doc, line) if end is not None else None
    return prose


def is_ur_document(doc: Document) -> bool:
    head = " ".join(ln.text for ln in doc.lines[:12])
    return bool(_UR_HEAD.search(head))


def _dated(lines: list[Line]) -> tuple[dt.date, Line] | None:
    """The labelled date among `lines` ("Date: ...", "Decision date: ..."), else the first."""
    lines = [ln for ln in lines if ln.text.strip()]
    for line in [ln for ln in lines if _UR_DATE_LABEL.search(ln.text)] + lines:
        dates = [m.date for m in find_dates(line.text) if m.date]
        if dates:
            return dates[0], line
    return None


def ur_dates(case: CaseFile) -> list[tuple[dt.date, Document, Line]]:
    """Dates of utilization review determinations: per UR document (or UR section of a
    combined file, under a short heading such as "UR DETERMINATION LETTER") its labelled date
    ("Date: 03/24/2017"), else the first date of its heading lines; with none, dates on lines
    about utilization review (e.g. "UR non-certified the request on 12/19/2016")."""
    found: list[tuple[dt.date, Document, Line]] = []
    for doc in case.documents:
        starts = [0] if is_ur_document(doc) else []
        starts += [
            i
            for i, ln in enumerate(doc.lines)
            if i >= 12 and len(ln.text.strip()) <= 70 and _UR_HEAD.search(ln.text)
        ]
        for start in starts:
            if dated := _dated(doc.lines[start : start + 15]):
                found.append((dated[0], doc, dated[1]))
    if found:
        return found
    for doc, line in _lines(case):
        if _UR_LINE.search(line.text):
            found += [(m.date, doc, line) for m in find_dates(line.text) if m.date]
    return found


def diagnosis_lines(case: CaseFile, prefer: Document | None = None) -> list[tuple[str, Line, str]]:
    """(item, line, document id) from labelled diagnosis lines ("Assessment: a, b",
    "Diagnoses: ...", "Impression: ..."): those of `prefer` (the latest progress report) if it
    has any, else of the first document that has."""
    docs = ([prefer] if prefer else []) + [d for d in case.documents if d is not prefer]
    for doc in docs:
        items: list[tuple[str, Line, str]] = []
        for line in doc.lines:
            if m := _DX_LINE.match(line.text.strip()):
                for part in _DX_SPLIT.split(m.group(1)):
                    part = part.strip(" .;,")
                    if len(part) > 3 and part.lower() not in {p.lower() for p, _, _ in items}:
                        items.append((part, line, doc.id))
        if items:
            return items[:MAX_DIAGNOSES]
    return []


def sex_line(case: CaseFile, sex: str) -> tuple[Document, Line] | None:
    """A line stating `sex` ("61-year-old ... man", "Sex: F"), else, if the records' pronouns
    are mostly of that sex, the first line using one; None if the records do not support it."""
    words, other = SEX_WORDS.get(sex), SEX_WORDS.get("female" if sex == "male" else "male")
    if words is None or other is None:
        return None
    for doc, line in _lines(case):
        if re.search(r"\b(?:sex|gender)\s*[:=]?\s*" + sex[0] + r"\b", line.text, re.I):
            return doc, line
        if words.search(line.text) and not other.search(line.text):
            return doc, line
    mine, theirs = _PRONOUNS[sex], _PRONOUNS["female" if sex == "male" else "male"]
    first: tuple[Document, Line] | None = None
    count = 0
    for doc, line in _lines(case):
        n, m = len(mine.findall(line.text)), len(theirs.findall(line.text))
        count += n - m
        if n and first is None:
            first = (doc, line)
    return first if count > 0 else None


def count_near(case: CaseFile, treatment: str, count: int) -> bool:
    """Whether `count` is written on (or right after) a line naming `treatment`, outside
    dates: "5 sessions of physical therapy" supports physical therapy x5, "5 mm" elsewhere
    does not."""
    number = re.compile(rf"(?<![\d.]){count}(?![\d])")
    for doc in case.documents:
        lines = doc.lines
        for i, line in enumerate(lines):
            if support(treatment, line.text) < 0.5:
                continue
            for near in lines[i : i + 2]:
                text = near.text
                for m in sorted(find_dates(text), key=lambda d: -d.start):
                    text = text[: m.start] + " " + text[m.end :]
                if number.search(text):
                    return True
    return False


def written_count(case: CaseFile, treatment: str) -> int | None:
    """The number of sessions written on a line naming `treatment` ("completed 18 sessions of
    physical therapy", "Visits completed: 18"), or None."""
    pattern = re.compile(
        r"(\d{1,3})\s+(?:\w+\s+){0,2}?(?:sessions?|visits?|treatments?)\b|"
        r"(?:sessions?|visits?)(?:\s+\w+)?\s*[:=]\s*(\d{1,3})\b",
        re.I,
    )
    for doc in case.documents:
        for i, line in enumerate(doc.lines):
            if support(treatment, line.text) < 0.5:
                continue
            for near in doc.lines[i : i + 2]:
                if m := pattern.search(near.text):
                    return int(m.group(1) or m.group(2))
    return None


def join_wrapped(case: CaseFile, items: list[str]) -> list[str]:
    """Consecutive items that are the two halves of one wrapped record sentence ("Range of",
    "motion unrestricted") joined with a space: the first does not end a sentence, one record
    line ends with it and the next line starts with the second."""
    breaks: list[tuple[str, str]] = []
    for doc in case.documents:
        texts = [norm(ln.text) for ln in doc.lines]
        breaks += [(f" {a}", f"{b} ") for a, b in itertools.pairwise(texts) if a and b]
    out: list[str] = []
    for item in items:
        prev = out[-1] if out else ""
        head, tail = norm(prev), norm(item)
        if (
            head
            and tail
            and not re.search(r"[.;:!?]\s*$", prev)
            and any(a.endswith(f" {head}") and b.startswith(f"{tail} ") for a, b in breaks)
        ):
            out[-1] = f"{prev.rstrip()} {item.lstrip()}"
        else:
            out.append(item)
    return out
