"""Whitespace repair for text extracted from IMR letters.

`repair(raw)` turns damaged extraction output into clean lines:

* line endings and odd spaces normalised, tabs kept (the header parser splits on them);
* "doubled" text (a blank line after every line, as some extractions leave it) de-doubled;
* page furniture (page numbers, lines repeated at the top or bottom of several pages) removed;
* pages joined, with a paragraph break kept only where a sentence ended at the page end;
* blank lines that split a sentence (page breaks inside sentences) removed.

Extractions that put each paragraph on one long line (no blank lines) are left as they are;
`paragraphs` recognises their long lines as paragraphs.

The result keeps one blank line between paragraphs. `join_lines` re-flows a run of lines into
one string (hyphen and URL joins); `paragraphs` splits repaired text into re-flowed paragraphs.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

from imr_llm._files import PAGE_BREAK

_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
_FURNITURE = re.compile(
    r"""^(?:
        page\s+\d+(?:\s+of\s+\d+)?        # Page 2 / Page 2 of 5
      | -\s*\d{1,3}\s*-                    # - 2 -
      | \d{1,3}(?:\s*/\s*\d{1,3})?         # 2 / 2/5
      | \d{1,3}\s+of\s+\d{1,3}             # 2 of 5
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_CASE_BANNER = re.compile(
    r"^(?:final\s+determination\s+letter\s+for\s+)?IMR\s+case\s+(?:number|no\.?)\s*:?\s*"
    r"CM\d{2}-\d{4,8}$",
    re.IGNORECASE,
)
_CASE_NUMBER = re.compile(r"\bCM\s?\d{2}\s?-\s?\d{4,8}\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"""[.!?:;][)"'\u201d\u2019\]]*$""")
_URL_TAIL = re.compile(r"(?:https?://|www\.)\S*[/\-_=?&#%]$", re.IGNORECASE)
_EDGE = 3  # lines at each end of a page that may hold furniture
LONG_LINE = 200
"""Longer than any line a PDF wraps: such a line is a whole paragraph."""


def normalize(raw: str) -> str:
    """Normalise line endings, unicode spaces, ligatures and invisible characters."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    return text


def is_doubled(lines: list[str]) -> bool:
    """True when (nearly) every text line is followed by an empty line."""
    pairs = list(itertools.pairwise(lines))
    content = [(a, b) for a, b in pairs if a.strip()]
    if len(content) < 6:
        return False
    adjacent = sum(1 for a, b in content if b.strip())
    return adjacent <= len(content) // 10


def undouble(lines: list[str]) -> list[str]:
    """Drop the empty line doubling: a run of k empty lines becomes (k - 1) // 2 blank lines.

    Whitespace-only lines are real blank lines in doubled text and are kept (as blanks).
    """
    out: list[str] = []
    run = 0
    for line in lines:
        if line == "":
            run += 1
            continue
        out.extend([""] * ((run - 1) // 2 if run else 0))
        run = 0
        out.append(line)
    return out


def _page_edges(page: list[str]) -> list[int]:
    """Indexes of the first and last few non-blank lines of a page."""
    idx = [i for i, line in enumerate(page) if line.strip()]
    return sorted(set(idx[:_EDGE] + idx[-_EDGE:]))


def _key(line: str) -> str:
    """A line's identity for banner detection: case, spacing and numbers ignored."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.strip().lower()))


def _banners(pages: list[list[str]]) -> set[str]:
    """Keys of short lines that open (or close) at least half the pages, two or more.

    Lines that end a sentence or carry a decision or a section marker never count: a running
    header or footer is a label, not prose.
    """
    if len(pages) < 2:
        return set()
    tops: Counter[str] = Counter()
    bottoms: Counter[str] = Counter()
    for page in pages:
        idx = [i for i, line in enumerate(page) if line.strip()]
        if idx:
            tops[_key(page[idx[0]])] += 1
            bottoms[_key(page[idx[-1]])] += 1
    found = set()
    for counter in (tops, bottoms):
        for key, count in counter.items():
            if count >= 2 and count * 2 >= len(pages) and _may_be_banner(key):
                found.add(key)
    return found


def _may_be_banner(key: str) -> bool:
    return (
        len(key) <= 90
        and not _SENTENCE_END.search(key)
        and not re.search(r"upheld|overturned|guideline|rationale|decision", key)
    )


def strip_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers, case banners and running headers/footers of a paged text.

    A banner at the top of the first page is kept: it may be the only statement of the case
    number, and the header parser reads it from there.
    """
    banners = _banners(pages)
    cleaned = []
    for n, page in enumerate(pages):
        edges = set(_page_edges(page))
        first = next((i for i, line in enumerate(page) if line.strip()), -1)
        keep = []
        for i, line in enumerate(page):
            s = line.strip()
            if n == 0 and i == first and _CASE_NUMBER.search(s):
                keep.append(line)
                continue
            if s and (_CASE_BANNER.match(s) or re.fullmatch(r"page\s+\d+\s+of\s+\d+", s, re.I)):
                continue
            if i in edges and s and (_FURNITURE.match(s) or _key(s) in banners):
                continue
            keep.append(line)
        cleaned.append(keep)
    return cleaned


def _trim(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def join_pages(pages: list[list[str]]) -> list[str]:
    """Concatenate pages; a blank line separates them only where a sentence ended."""
    out: list[str] = []
    for page in pages:
        body = _trim(page)
        if not body:
            continue
        if out:
            ended = bool(_SENTENCE_END.search(out[-1].rstrip()))
            starts_upper = body[0].lstrip()[:1].isupper()
            if ended and starts_upper:
                out.append("")
        out.extend(body)
    return out


def heal_sentence_breaks(lines: list[str]) -> list[str]:
    """Remove blank lines that interrupt a sentence (next text starts in lower case)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() and out and out[-1].strip():
            j = i
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines):
                prev, nxt = out[-1].rstrip(), lines[j].lstrip()
                if not _SENTENCE_END.search(prev) and (
                    nxt[:1].islower() or prev.endswith((",", "-", "&", "/", "("))
                ):
                    i = j
                    continue
            out.append("")
            i = j
            continue
        if line.strip() or (out and out[-1].strip()):
            out.append(line)
        i += 1
    return _trim(out)


def repair(raw: str) -> list[str]:
    """Repaired lines (right-stripped; "" marks a paragraph break) of a letter's raw text."""
    text = normalize(raw)
    all_lines = text.replace(PAGE_BREAK, "\n").split("\n")
    doubled = is_doubled(all_lines)
    pages = []
    for chunk in text.split(PAGE_BREAK):
        lines = [line.rstrip() if line.strip() else line for line in chunk.split("\n")]
        if doubled:
            lines = undouble(lines)
        pages.append([line if line.strip() else "" for line in lines])
    pages = strip_furniture(pages)
    return heal_sentence_breaks(join_pages(pages))


def join_lines(lines: list[str]) -> str:
    """Re-flow lines into one string: hyphen and URL joins, whitespace collapsed."""
    out = ""
    for raw in lines:
        line = re.sub(r"\s+", " ", raw).strip()
        if not line:
            continue
        if not out:
            out = line
        elif (re.search(r"[A-Za-z0-9]-$", out) and line[:1].isalnum()) or _URL_TAIL.search(out):
            out += line
        else:
            out += " " + line
    return out


def paragraphs(lines: list[str]) -> list[str]:
    """Split repaired lines into re-flowed paragraphs.

    Paragraphs end at blank lines. A line longer than any wrapped line (`LONG_LINE`) is a whole
    paragraph of a paragraph-per-line extraction, so it also stands alone, unless the next line
    merely continues its sentence (a page break inside the sentence).
    """
    paras: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if not line.strip():
            if current:
                paras.append(join_lines(current))
                current = []
            continue
        if current and (len(line) > LONG_LINE or len(current[-1]) > LONG_LINE):
            continues = line.lstrip()[:1].islower() and not _SENTENCE_END.search(current[-1])
            if not continues:
                paras.append(join_lines(current))
                current = []
        current.append(line)
    return [p for p in paras if p]


def flow(lines: list[str]) -> str:
    """Repaired lines as text: paragraphs re-flowed and separated by one blank line."""
    return "\n\n".join(paragraphs(lines))
