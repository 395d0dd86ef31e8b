"""Guideline lines of the 2013 "Notice of ... Determination" layout, parsed best effort.

The lines of that layout are prose, not the later "Decision based on MTUS ..." formula
(which, where it does appear, goes to `_citations.parse_citation`). Wording modelled here
(assumed from letters of the period, not from a verified copy):

* "The Claims Administrator based its decision on the Chronic Pain Medical Treatment
  Guidelines (May 2009), Functional Restoration Programs, pages 30-32, which is part of the
  MTUS."                                             -> MTUS, name, year 2009, section, pages
* "... Official Disability Guidelines (ODG), Pain Chapter, which is not part of the MTUS."
                                                     -> Non-MTUS
* "None cited." / "... did not cite any guidelines"  -> none
* "The Expert Reviewer found the Guideline used by the Claims Administrator relevant and
  appropriate ..."                                   -> the Claims Administrator's citation
  (basis, name, year, sections, pages), with this line's own text.
"""

from __future__ import annotations

import re

from imr_llm.letters._citations import parse_citation
from imr_llm.letters._models import Basis, GuidelineCitation
from imr_llm.letters._repair import join_lines

_FORMULA = re.compile(
    r"Decision\s+based\s+on\s+(?:the\s+)?(?:Non-?\s*)?MTUS|did\s+not\s+cite\s+any\s+(?:medical\s+)?"
    r"evidence",
    re.IGNORECASE,
)
_NONE = re.compile(
    r"^\s*(?:none|n/?a)\b|\bnone\s+(?:was\s+|were\s+)?cited\b|did\s+not\s+(?:cite|provide|use)\b"
    r"|\bno\s+(?:guidelines?|medical\s+evidence)\s+(?:was\s+|were\s+)?(?:cited|provided)",
    re.IGNORECASE,
)
_AGREED = re.compile(
    r"found\s+the\s+guidelines?\s*(?:\(s\))?\s+used\s+by\s+the\s+Claims\s+Administrator",
    re.IGNORECASE,
)
_PART_OF = re.compile(
    r"(?<!not\s)part\s+of\s+the\s+(?:MTUS|Medical\s+Treatment\s+Utilization)", re.IGNORECASE
)
_NOT_PART = re.compile(
    r"not\s+(?:a\s+)?part\s+of\s+the\s+(?:MTUS|Medical\s+Treatment\s+Utilization)", re.IGNORECASE
)
_MTUS_NAME = re.compile(
    r"\bMTUS\b|\bACOEM\b|Chronic\s+Pain\s+Medical\s+Treatment|Medical\s+Treatment\s+Utilization",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:The\s+)?(?:Claims\s+Administrator|Expert\s+Reviewer|Utilization\s+Review(?:\s+"
    r"Organization)?|reviewer)\s+(?:based|relied)\s+(?:\w+(?:/\w+)?\s+)?(?:decision\s+)?on\s+"
    r"(?:the\s+)?",
    re.IGNORECASE,
)
_TAIL = re.compile(r",?\s+which\s+(?:is|are)\s+(?:not\s+)?(?:a\s+)?part\s+of\b.*$", re.IGNORECASE)
_YEAR_PAREN = re.compile(r"\s*\((?:[A-Za-z]+\.?\s+)?((?:19|20)\d{2})\)")
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_PAGES = re.compile(r"^(?:pages?|pgs?\.?|pp?\.)\s*(?P<v>\d.*)$", re.IGNORECASE)


def parse_citation_2013(
    text: str, claims_administrator: GuidelineCitation | None = None
) -> GuidelineCitation:
    """Parse one guideline line (label removed). `claims_administrator` is the item's Claims
    Administrator citation, which an Expert Reviewer line that adopts it takes over."""
    flat = join_lines(text.split("\n"))
    if not flat:
        return GuidelineCitation(basis="none", text="")
    if _FORMULA.search(flat):
        return parse_citation(text)
    if _AGREED.search(flat) and claims_administrator is not None:
        return claims_administrator.model_copy(update={"text": flat})
    if _NONE.search(flat) and not _MTUS_NAME.search(flat):
        return GuidelineCitation(basis="none", text=flat)
    basis: Basis
    if _PART_OF.search(flat):
        basis = "MTUS"
    elif _NOT_PART.search(flat):
        basis = "Non-MTUS"
    else:
        basis = "MTUS" if _MTUS_NAME.search(flat) else "Non-MTUS"
    name, year, sections, pages = _split(flat)
    return GuidelineCitation(
        basis=basis, guideline=name, year=year, sections=sections, pages=pages, text=flat
    )


def _split(flat: str) -> tuple[str | None, int | None, list[str], list[str]]:
    """(guideline name, year, sections, pages) of the first guideline cited in a prose line."""
    body = _TAIL.sub("", _LEAD.sub("", flat)).strip().rstrip(".;").strip()
    body = body.split(";")[0]
    chunks = [c.strip() for c in re.split(r",\s*", body) if c.strip()]
    if not chunks:
        return None, None, [], []
    name = chunks[0]
    year: int | None = None
    if m := _YEAR_PAREN.search(name):
        year = int(m.group(1))
        name = (name[: m.start()] + name[m.end() :]).strip()
    elif m := _YEAR.search(name):
        year = int(m.group(1))
    sections: list[str] = []
    pages: list[str] = []
    for chunk in chunks[1:]:
        chunk = re.sub(r"^and\s+", "", chunk)
        if m := _PAGES.match(chunk):
            pages.extend(p.strip() for p in re.split(r"\s*(?:&|\band\b)\s*", m.group("v")))
        elif pages and re.fullmatch(r"\d[\d\s\-]*", chunk):
            pages.append(chunk)
        elif year is None and (m := _YEAR_PAREN.fullmatch(" " + chunk) or _YEAR.fullmatch(chunk)):
            year = int(m.group(1))
        else:
            sections.append(chunk)
    return name or None, year, sections, [p for p in pages if p]
