"""Guideline citation lines ("Claims Administrator guideline: ..." / "MAXIMUS guideline: ...").

Variants handled (2013-2017 layouts):

* "... did not cite any medical evidence for its decision."                      -> basis none
* "... based their decision on recommendation(s) outside of the MTUS Guidelines.
  Decision based on Non-MTUS Citation <text>"                                     -> Non-MTUS
* "Decision based on MTUS <Chapter> <Year>[, Section(s): a, b][, and <Chapter> <Year>...]"
* older: "Decision based on MTUS Chronic Pain Treatment Guidelines [section] Page(s): 125-126."
* an MTUS part followed by "Decision based on Non-MTUS Citation ..." is based on the MTUS.
"""

from __future__ import annotations

import itertools
import re

from imr_llm.letters._models import GuidelineCitation
from imr_llm.letters._repair import join_lines

_NONE = re.compile(r"did\s+not\s+cite\s+any\s+(?:medical\s+)?evidence", re.IGNORECASE)
_MTUS = re.compile(r"Decision\s+based\s+on\s+(?:the\s+)?MTUS\b\s*:?", re.IGNORECASE)
_NON_MTUS = re.compile(r"Decision\s+based\s+on\s+Non-?\s*MTUS\s+Citations?\s*:?", re.IGNORECASE)
_OUTSIDE = re.compile(
    r"outside\s+of\s+the\s+MTUS|not\s+base\s+their\s+decision\s+on\s+the\s+MTUS", re.IGNORECASE
)
_YEAR = re.compile(r"(?<![\d/.\-])((?:19|20)\d{2})(?![\d/\-])")
_NAMED_YEAR = re.compile(r"\s\(?((?:19|20)\d{2})\)?(?=\s*(?:,|\.|;|$|\s+Section|\s+Page|\s+and\b))")
_SECTIONS = re.compile(r"Sections?\s*\(s\)\s*:|Sections?\s*:", re.IGNORECASE)
_PAGES = re.compile(
    r"Pages?\s*\(s\)\s*:|Pages?\s*:|\bpages?\s+(?=\d)|\bpp?\.\s*(?=\d)", re.IGNORECASE
)
_NEXT_GUIDELINE = re.compile(r",?\s+and\s+(?=[A-Z])")


def parse_citation(text: str) -> GuidelineCitation:
    """Parse one citation line (label already removed); `text` is kept whole, re-spaced."""
    flat = join_lines(text.split("\n"))
    mtus = _MTUS.search(flat)
    non = _NON_MTUS.search(flat)
    if mtus and (not non or mtus.start() < non.start()):
        end = non.start() if non and non.start() > mtus.start() else len(flat)
        guideline, year, sections, pages = _parse_mtus(flat[mtus.end() : end])
        return GuidelineCitation(
            basis="MTUS", guideline=guideline, year=year, sections=sections, pages=pages, text=flat
        )
    if non or _OUTSIDE.search(flat):
        cited = (flat[non.end() :].strip().rstrip(" .") if non else "") or None
        year = None
        if cited and (m := _YEAR.search(re.sub(r"https?://\S+", "", cited))):
            year = int(m.group(1))
        return GuidelineCitation(basis="Non-MTUS", guideline=cited, year=year, text=flat)
    if _NONE.search(flat):
        return GuidelineCitation(basis="none", text=flat)
    # Unlabelled free text (rare): keep it as a Non-MTUS citation rather than inventing MTUS.
    return GuidelineCitation(
        basis="Non-MTUS" if flat else "none", guideline=flat or None, text=flat
    )


def _parse_mtus(part: str) -> tuple[str | None, int | None, list[str], list[str]]:
    """(first guideline name, its year, all sections in order, all pages) of an MTUS part."""
    part = part.strip().rstrip(".").strip()
    chunks = _split_guidelines(part)
    guideline: str | None = None
    year: int | None = None
    sections: list[str] = []
    pages: list[str] = []
    for i, chunk in enumerate(chunks):
        name, chunk_year, chunk_sections, chunk_pages = _parse_chunk(chunk)
        if i == 0:
            guideline, year = name, chunk_year
        sections.extend(s for s in chunk_sections if s not in sections)
        pages.extend(p for p in chunk_pages if p not in pages)
    return guideline, year, sections, pages


def _split_guidelines(part: str) -> list[str]:
    """Split 'A 2004, Section(s): x, y, and B 2016, Section(s): z' into per-guideline chunks.

    A new guideline starts after the first ', and ' that follows the previous guideline's
    year (names such as 'Forearm, Wrist, and Hand Complaints 2004' contain ', and ' too).
    """
    years = list(_NAMED_YEAR.finditer(part))
    if len(years) < 2:
        return [part]
    chunks: list[str] = []
    start = 0
    for prev, nxt in itertools.pairwise(years):
        window = part[prev.end() : nxt.start()]
        sep = _NEXT_GUIDELINE.search(window)
        if not sep:
            continue
        cut = prev.end() + sep.start()
        chunks.append(part[start:cut])
        start = prev.end() + sep.end()
    chunks.append(part[start:])
    return chunks


def _parse_chunk(chunk: str) -> tuple[str | None, int | None, list[str], list[str]]:
    chunk = chunk.strip().rstrip(".,;").strip()
    pages: list[str] = []
    if m := _PAGES.search(chunk):
        pages = _split_pages(chunk[m.end() :])
        chunk = chunk[: m.start()].strip().rstrip(",;").strip()
    sections: list[str] = []
    if m := _SECTIONS.search(chunk):
        sections = split_sections(chunk[m.end() :])
        chunk = chunk[: m.start()].strip().rstrip(",;").strip()
    year: int | None = None
    if m := re.search(r"\s\(?((?:19|20)\d{2})\)?\s*(?:,\s*(?P<rest>.*))?$", chunk):
        year = int(m.group(1))
        if m.group("rest"):
            sections = split_sections(m.group("rest")) + sections
        chunk = chunk[: m.start()].strip()
    elif m := re.search(r"\bGuidelines?\b", chunk):
        rest = chunk[m.end() :].strip(" ,.;-")
        if rest:  # older layout: '<Name> Guidelines <section words> Page(s): ...'
            sections = split_sections(rest) + sections
            chunk = chunk[: m.end()]
    name = chunk.strip(" ,.;") or None
    return name, year, sections, pages


COMMA_SECTIONS = (
    "Forearm, Wrist, & Hand",
    "Forearm, Wrist, and Hand",
    "NSAIDs, GI symptoms & cardiovascular risk",
    "NSAIDs, hypertension and renal function",
    "NSAIDs, specific drug list & adverse effects",
    "Opioids, cancer pain vs. nonmalignant pain",
    "Opioids, criteria for use",
    "Opioids, differentiation: dependence & addiction",
    "Opioids, dosing",
    "Opioids, indicators for addiction",
    "Opioids, long-term assessment",
    "Opioids, pain treatment agreement",
    "Opioids, psychological intervention",
    "Opioids, screening for risk of addiction (tests)",
    "Opioids, specific drug list",
    "Opioids, steps to avoid misuse/addiction",
)
"""Cited section names that contain ', ' followed by a capital (so the generic rule would split
them). Names whose comma is followed by a lower-case word need no entry."""
_PROTECT = "\x00"


def split_sections(text: str) -> list[str]:
    """'Special Studies, Summary' -> two sections; 'TENS, chronic pain (...)' stays one.

    A comma starts a new section only when the next word is capitalised or a section number;
    parenthesised text is never split.
    """
    text = re.sub(r"\s+", " ", text).strip().rstrip(".").strip()
    if not text:
        return []
    for name in COMMA_SECTIONS:
        text = re.sub(
            re.escape(name), lambda m: m.group(0).replace(",", _PROTECT), text, flags=re.IGNORECASE
        )
    numbered = bool(re.match(r"\d+(?:\.\d+)*\.?\s", text))
    parts: list[str] = []
    depth, current = 0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        depth += ch == "("
        depth -= ch == ")"
        if ch in ",;" and depth <= 0:
            after = text[i + 1 :].lstrip()
            after = re.sub(r"^and\s+", "", after)
            starts = r"\d+(?:\.\d+)*\.?\s" if numbered else r"[A-Z0-9]"
            if ch == ";" or re.match(starts, after):
                parts.append(current)
                current = ""
                i += len(text[i + 1 :]) - len(after) + 1
                continue
        current += ch
        i += 1
    parts.append(current)
    return [p.replace(_PROTECT, ",").strip(" ,.;") for p in parts if p.strip(" ,.;")]


def _split_pages(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", text).strip().rstrip(".").strip()
    return [p.strip() for p in re.split(r",|;|&|\band\b", text) if p.strip()]
