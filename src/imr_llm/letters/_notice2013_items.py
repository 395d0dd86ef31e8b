"""Per-item sections of the 2013 layout (after "Case Summary:"), as best known::

    1) Regarding the request for <item>:
    Medical Treatment Guideline(s) Used by the Claims Administrator (Utilization Review
    Organization): <citation>
    Medical Treatment Guideline(s) Used by the Expert Reviewer: <citation>
    Rationale Used by the Expert Reviewer: <rationale> ... The request for <item> is not
    medically necessary and appropriate.

Any of the three labels may be missing (its text is then empty). A heading counts as a section
only when numbered or followed by one of the labels, so a quoted "Regarding the request for"
inside the case summary is not taken for one. When a letter has no sections at all, its items
get basis "none" guideline lines with empty text and an empty rationale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imr_llm.letters._citations2013 import parse_citation_2013
from imr_llm.letters._models import Decision, GuidelineCitation, LetterItem
from imr_llm.letters._repair import flow, join_lines

_REGARDING = re.compile(
    r"^[ \t]*(?:(?P<num>\d{1,2})\s*[).]\s*)?Regarding\s+the\s+request\s+for\s+(?P<req>.{1,400}?)"
    r"\s*:[ \t]*(?=\n|\Z|Medical\s+Treatment|Rationale\s+Used)",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
_GUIDELINES = r"Medical\s+Treatment\s+Guidelines?\s*(?:\(\s*s\s*\))?\s+Used\s+by\s+the\s+"
_CA = re.compile(_GUIDELINES + r"Claims\s+Administrator\s*(?:\([^)]{0,80}\))?\s*:", re.IGNORECASE)
_ER = re.compile(_GUIDELINES + r"Expert\s+Reviewer\s*:", re.IGNORECASE)
_RATIONALE = re.compile(r"Rationale\s+Used\s+by\s+the\s+Expert\s+Reviewer\s*:", re.IGNORECASE)
_TRAILER = re.compile(
    r"^[ \t]*(?:Sincerely\b|cc\s*:|Copy\s+to\s*:|Effect\s+of\s+the\s+Decision\b|"
    r"HOW\s+TO\s+APPEAL\b|APPEAL\s+RIGHTS\b|/[A-Za-z]{1,4}[ \t]*$)",
    re.IGNORECASE | re.MULTILINE,
)
_ENDING = re.compile(
    r"The\s+request\s+for\s+(?P<req>.{1,400}?)\s+is\s*(?:not\s*)?medically\s*necessary",
    re.IGNORECASE | re.DOTALL,
)
_ARTICLE = re.compile(r"^(?:an?|the)\s+(?P<rest>.+)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Section:
    """One "Regarding the request for" section: its number (None if unnumbered), request
    wording and body (the text up to the next section or the letter's closing)."""

    number: int | None
    request: str
    body: str


def find_sections(doc: str, start: int) -> tuple[list[Section], int]:
    """(sections after offset `start`, offset where the case summary ends). Sections that do
    not match the decisions are reported by the caller, which knows the decisions."""
    trailer = _TRAILER.search(doc, start)
    stop = trailer.start() if trailer else len(doc)
    heads = [
        m
        for m in _REGARDING.finditer(doc, start, stop)
        if m.group("num") or _label_follows(doc, m.end(), stop)
    ]
    sections = []
    for n, m in enumerate(heads):
        end = heads[n + 1].start() if n + 1 < len(heads) else stop
        number = int(m.group("num")) if m.group("num") else None
        request = join_lines(m.group("req").split("\n"))
        sections.append(Section(number, request, doc[m.end() : end]))
    return sections, heads[0].start() if heads else stop


def _label_follows(doc: str, pos: int, stop: int) -> bool:
    nxt = _REGARDING.search(doc, pos, stop)
    end = nxt.start() if nxt else stop
    return any(p.search(doc, pos, end) for p in (_CA, _ER, _RATIONALE))


def section_item(request: str, decision: Decision, section: Section | None) -> LetterItem:
    """The item of one decision statement, completed from its section when there is one."""
    if section is None:
        empty = GuidelineCitation(basis="none", text="")
        return LetterItem(
            request=request,
            decision=decision,
            claims_administrator_guideline=empty,
            maximus_guideline=empty,
            decision_rationale="",
        )
    body = section.body
    ca = _CA.search(body)
    er = _ER.search(body, ca.end() if ca else 0)
    before = er or ca
    ra = _RATIONALE.search(body, before.end() if before else 0)
    marks = [m for m in (ca, er, ra) if m]

    def text_after(m: re.Match[str] | None) -> str:
        if m is None:
            return ""
        later = [x.start() for x in marks if x.start() > m.start()]
        return body[m.end() : min(later) if later else len(body)]

    ca_citation = parse_citation_2013(text_after(ca))
    rationale = flow(text_after(ra).split("\n"))
    return LetterItem(
        request=_wording(request, section.request, rationale),
        decision=decision,
        claims_administrator_guideline=ca_citation,
        maximus_guideline=parse_citation_2013(text_after(er), ca_citation),
        decision_rationale=rationale,
    )


def _wording(request: str, heading: str, rationale: str) -> str:
    """`request` without its leading article when the section names the item without it."""
    m = _ARTICLE.match(request)
    if not m:
        return request
    endings = list(_ENDING.finditer(rationale))
    shown = [heading] + ([endings[-1].group("req")] if endings else [])
    for wording in shown:
        if _same(wording, request):
            return request
        if _same(wording, m.group("rest")):
            return m.group("rest")
    return request


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).lower().rstrip(" .,") == " ".join(b.split()).lower().rstrip(" .,")
