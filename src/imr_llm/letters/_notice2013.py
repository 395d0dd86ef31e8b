"""The earliest (mid/late-2013) layout: "Notice of Independent Medical Review Determination".

Known from one public letter (text as extracted)::

    MAXIMUS FEDERAL SERVICES, INC. Notice of Independent Medical Review Determination Dated: <d>
    1) MAXIMUS Federal Services, Inc. has determined the request for <item> is [not] medically
    necessary and appropriate.                                   (one statement per item)
    INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE
    An application for Independent Medical Review was filed on <d> disputing the Utilization
    Review Denial dated <d>. A Notice of Assignment and Request for Information was provided to
    the above parties on <d>. A decision has been made for each of ... in dispute:
    1) MAXIMUS Federal Services, Inc. has determined ...         (the same list again)
    Medical Qualifications of the Expert Reviewer: ... The physician reviewer is Board Certified
    in <specialty> and is licensed to practice in <state>. ...
    Case Summary:
    Disclaimer: The following case summary was taken directly from the utilization review
    denial/modification dated <d>.
    <summary>

Assumed, not seen: labelled header lines ("IMR Case Number:", "Date of Injury:", "UR Denial
Date:", ...) and per-item sections after the summary: "1) Regarding the request for <item>:",
"Medical Treatment Guideline(s) Used by the Claims Administrator (Utilization Review
Organization):", "Medical Treatment Guideline(s) Used by the Expert Reviewer:", "Rationale Used
by the Expert Reviewer:". Items come from the decision statements; an item without a per-item
section gets basis "none" guideline lines with empty text and an empty rationale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from imr_llm._errors import LetterParseError
from imr_llm.letters._header import DATE_RE, date_value, normalize_case_number, parse_header
from imr_llm.letters._models import Decision, DecisionLetter, LetterItem
from imr_llm.letters._notice2013_items import Section, find_sections, section_item
from imr_llm.letters._repair import join_lines, paragraphs
from imr_llm.letters._reviewer import parse_reviewer
from imr_llm.letters._sections import has_standard_sections

_TITLE = re.compile(r"Notice\s+of\s+Independent\s+Medical\s+Review\s+Determination", re.I)
_HEADING = re.compile(r"INDEPENDENT\s*MEDICAL\s*REVIEW\s*DECISION\s*AND\s*RATIONALE")
STATEMENT = re.compile(
    r"(?:(?<![\w/.-])(?P<num>\d{1,2})\s*[).]\s*)?MAXIMUS\s*Federal\s*Services\s*,?\s*Inc\s*\.?\s*"
    r"has\s*determined\s*the\s*request\s*for\s+(?P<req>(?:(?!MAXIMUS\s*Federal).){1,400}?)\s+"
    r"is\s*(?P<neg>not\s*)?medically\s*necessary(?:\s*and\s*appropriate)?",
    re.IGNORECASE,
)
_QUALIFICATIONS = re.compile(
    r"^[ \t]*Medical\s+Qualifications\s+of\s+the\s+Expert\s+Reviewer\s*:", re.I | re.M
)
_SUMMARY = re.compile(r"^[ \t]*(?:Clinical\s+)?Case\s+Summary\s*:", re.I | re.M)
_DISCLAIMER = re.compile(
    r"^\s*Disclaimer\s*:\s*The\s+following\s+case\s+summary\s+was\s+taken\s+.*?[.](?=\s+\S|\s*$)",
    re.I | re.S,
)


@dataclass(frozen=True)
class Statement:
    """One "N) MAXIMUS ... has determined the request for X is [not] medically necessary"."""

    number: int
    request: str
    decision: Decision


def is_notice2013(doc: str) -> bool:
    """True for a repaired letter in the 2013 layout (and never for the later layouts)."""
    if has_standard_sections(doc):
        return False
    flat = " ".join(doc.split())
    return bool(_TITLE.search(flat) or _HEADING.search(flat) or STATEMENT.search(flat))


def parse_notice2013(doc: str, source: str, raw: str = "") -> DecisionLetter:
    """Parse a repaired 2013-layout letter; `source` names it in the record and in errors.
    `raw` (the unrepaired text) is searched for a case number that only page banners carry."""
    qual = _QUALIFICATIONS.search(doc)
    summary = _SUMMARY.search(doc)
    ends = [m.start() for m in (qual, summary) if m]
    front = doc[: min(ends)] if ends else doc
    statements = decision_list(front, path=source)
    rest_at = summary.end() if summary else (qual.end() if qual else len(front))
    sections, summary_end = find_sections(doc, rest_at)
    flat = join_lines(front.split("\n"))
    header = parse_header(STATEMENT.sub(" ", flat))
    credentials = doc[qual.end() : summary.start() if summary else len(doc)] if qual else front
    credentials = re.sub(r"\bphysician\s+reviewer\s+is\b", "expert reviewer is", credentials)
    return DecisionLetter(
        source=Path(source).name,
        case_number=header.case_number or normalize_case_number(doc) or normalize_case_number(raw),
        date_assigned=header.date_assigned
        or _date_after(r"Notice\s+of\s+Assignment\b.{0,80}?\bprovided\b.{0,60}?\bon", flat),
        date_of_injury=header.date_of_injury,
        decision_date=_date_after(r"\bDated\s*:", flat) or header.decision_date,
        ur_denial_date=header.ur_denial_date
        or _date_after(r"Utilization\s+Review\s+(?:Denial|Modification|Decision)\s+dated", flat),
        application_received=header.application_received
        or _date_after(
            r"application\s+for\s+Independent\s+Medical\s+Review\s+was\s+(?:filed|received)\s+on",
            flat,
        ),
        priority=header.priority,
        reviewer=parse_reviewer(credentials),
        clinical_case_summary=_summary(doc[rest_at:summary_end]) if summary else "",
        items=_items(statements, sections, source),
    )


def decision_list(front: str, *, path: str | None = None) -> list[Statement]:
    """The numbered decision statements, their copies merged. Raises `LetterParseError` when
    none is readable, a list skips a number, or the copies disagree."""
    flat = join_lines(front.split("\n"))
    heading = _HEADING.search(flat)
    cut = heading.start() if heading else len(flat)
    lists: list[list[Statement]] = []
    for lo, hi in ((0, cut), (cut, len(flat))):
        current: list[Statement] = []
        for m in STATEMENT.finditer(flat, lo, hi):
            number = int(m.group("num")) if m.group("num") else 0
            request = re.sub(r"\s+", " ", m.group("req")).strip(" ,;")
            decision: Decision = "Upheld" if m.group("neg") else "Overturned"
            repeat = bool(current) and not number and current[0].request == request
            if current and (0 < number <= current[-1].number or repeat):
                lists.append(current)  # numbering restarts, or an unnumbered list repeats
                current = []
            current.append(Statement(number or len(current) + 1, request, decision))
        if current:
            lists.append(current)
    if not lists:
        raise LetterParseError(
            "2013 layout: no readable 'MAXIMUS Federal Services, Inc. has determined the request "
            "for ... medically necessary' decision",
            path=path,
        )
    for found in lists:
        numbers = [s.number for s in found]
        if numbers != list(range(1, len(found) + 1)):
            raise LetterParseError(
                f"2013 layout: decision list numbered {numbers}, expected 1..{len(found)} "
                "(an item is unreadable)",
                path=path,
            )
    first = lists[0]
    for n, other in enumerate(lists[1:], 2):
        if len(other) != len(first):
            raise LetterParseError(
                f"2013 layout: the decision lists disagree: {len(first)} items in the first, "
                f"{len(other)} in list {n}",
                path=path,
            )
        for a, b in zip(first, other, strict=True):
            if a.decision != b.decision:
                raise LetterParseError(
                    f"2013 layout: the decision lists disagree on item {a.number}", path=path
                )
    return first


def _items(statements: list[Statement], sections: list[Section], path: str) -> list[LetterItem]:
    """One item per statement, with the guideline lines and rationale of its section."""
    if len(sections) > len(statements):
        raise LetterParseError(
            f"2013 layout: {len(sections)} 'Regarding the request for' sections but "
            f"{len(statements)} decisions",
            path=path,
        )
    by_number: dict[int, Section] = {}
    if all(s.number is not None for s in sections):
        for s in sections:
            if s.number in by_number or not 1 <= (s.number or 0) <= len(statements):
                raise LetterParseError(
                    f"2013 layout: section numbered {s.number} matches no decision", path=path
                )
            by_number[s.number or 0] = s
    elif len(sections) == len(statements):
        by_number = {n: s for n, s in enumerate(sections, 1)}
    else:
        raise LetterParseError(
            "2013 layout: unnumbered 'Regarding the request for' sections do not match the "
            f"{len(statements)} decisions",
            path=path,
        )
    return [section_item(s.request, s.decision, by_number.get(s.number)) for s in statements]


def _date_after(label: str, flat: str) -> date | None:
    """The date right after the first match of `label` in `flat`, or None."""
    m = re.search(label + r"\s*", flat, re.IGNORECASE | re.DOTALL)
    if not m:
        return None
    d = DATE_RE.match(flat, m.end())
    return date_value(d.group(0)) if d else None


def _summary(section: str) -> str:
    """The "Case Summary:" body, re-flowed, without its disclaimer sentence."""
    paras = paragraphs(section.split("\n"))
    if paras:
        first = _DISCLAIMER.sub("", paras[0], count=1).strip()
        paras = ([first] if first else []) + paras[1:]
    return "\n\n".join(paras)
