"""Disputed items of the "IMR ISSUES, DECISIONS AND RATIONALES" section.

Each item is anchored on its decision, not on its wording: an item header is text ending in
":" + "Upheld"/"Overturned" (the decision may sit on the next line) that is followed by one of
the item markers ("Claims Administrator guideline:", "MAXIMUS guideline:", "Decision
rationale:"). The header of item n+1 starts at the first line after the end of item n's
rationale; that line is found walking back from the decision while lines neither are blank nor
end a sentence. Modified-UR headers ("X was the original request. Y was authorized ... The
remaining IMR eligible portion of the original request, Z is: Upheld") span several sentences
and are recognised by their fixed wording.
"""

from __future__ import annotations

import itertools
import re
from typing import cast

from imr_llm._errors import LetterParseError
from imr_llm.letters._citations import parse_citation
from imr_llm.letters._models import Decision, LetterItem
from imr_llm.letters._repair import flow, join_lines
from imr_llm.letters._sections import ITEMS_LEAD_IN

_MARKER = r"(?:Claims\s+Administrator\s+guideline|MAXIMUS\s+guideline|Decision\s+rationale)\s*:"


def _spaced(word: str) -> str:
    """`word` with an optional space between letters (layout extractions split words)."""
    return " ?".join(word)


DECISION_RE = re.compile(
    rf":[ \t]*(?:\n[ \t]*)*(?P<dec>{_spaced('Upheld')}|{_spaced('Overturned')})\b[ \t]*\.?[ \t]*"
    rf"(?=\s*{_MARKER}|\s*\Z)",
    re.IGNORECASE,
)
_CA = re.compile(r"Claims\s+Administrator\s+guideline\s*:", re.IGNORECASE)
_MX = re.compile(r"MAXIMUS\s+guideline\s*:", re.IGNORECASE)
_DR = re.compile(r"Decision\s+rationale\s*:", re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"""[.!?][)"'\u201d\u2019\]]*\s*$""")
_ABBREVIATION_END = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|vs|No|Nos|approx|[a-z]\.[a-z])\.\s*$")
_LAST_SENTENCE_END = re.compile(r"""[.!?][)"'\u201d\u2019\]]*\s+(?=[A-Z0-9(])""")
_ORIGINAL = re.compile(r"\bwas\s+the\s+original\s+request\b", re.IGNORECASE)
_MODIFIED_TAIL = re.compile(r"original\s+request|IMR\s+eligible|authorized", re.IGNORECASE)
_UR_PREFIX = re.compile(
    r"The\s+Utilization\s+Review\s+on\s+[^.\n]{1,40}?\s+was\s+modified\.\s*\Z", re.IGNORECASE
)
_UR_LEAD = re.compile(
    r"^The\s+Utilization\s+Review\s+on\s+[^.]{1,40}?\s+was\s+modified\.\s*", re.IGNORECASE
)
MODIFIED_RE = re.compile(
    r"^(?:The\s+Utilization\s+Review\s+on\s+.{1,40}?\s+was\s+modified\.\s*)?"
    r"(?P<orig>.+?)\s+was\s+the\s+original\s+request\.\s*(?P<mid>.*?)\s*"
    r"(?:The\s+remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request|"
    r"The\s+original\s+request)\s*,\s*(?P<req>.+?)(?:,?\s+is)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_TRAILER = re.compile(
    r"^[ \t]*(?:Sincerely\b|cc\s*:|Copy\s+to\s*:|Effect\s+of\s+the\s+Decision\b|"
    r"HOW\s+TO\s+APPEAL\b|APPEAL\s+RIGHTS\b)",
    re.MULTILINE,
)


def parse_items(section: str, *, path: str | None = None) -> list[LetterItem]:
    """All items of the decisions section (text after its heading), in letter order."""
    lead = ITEMS_LEAD_IN.search(section)
    body = section[lead.end() :] if lead else section
    if trailer := _TRAILER.search(body):
        body = body[: trailer.start()]
    decisions = list(DECISION_RE.finditer(body))
    if not decisions:
        if not body.strip() or not (_CA.search(body) or _DR.search(body)):
            raise LetterParseError("letter is cut off before its items", path=path)
        raise LetterParseError(
            "no item header ending in ': Upheld' or ': Overturned' in the decisions section",
            path=path,
        )
    markers = len(_CA.findall(body))
    if markers > len(decisions):
        raise LetterParseError(
            f"{markers} 'Claims Administrator guideline:' lines but only {len(decisions)} "
            "readable item decisions (': Upheld' / ': Overturned')",
            path=path,
        )
    starts = [0]
    for prev, nxt in itertools.pairwise(decisions):
        rationale = _DR.search(body, prev.end(), nxt.start())
        window_start = rationale.end() if rationale else prev.end()
        starts.append(window_start + header_start(body[window_start : nxt.start()]))
    items = []
    for n, match in enumerate(decisions):
        end = starts[n + 1] if n + 1 < len(decisions) else len(body)
        items.append(
            _item(body[starts[n] : match.start()], match, body[match.end() : end], n + 1, path)
        )
    return items


def header_start(window: str) -> int:
    """Offset in `window` (rationale + next header) where the next item's header begins."""
    lines = window.split("\n")
    offsets = [0]
    for line in lines[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    k = len(lines) - 1
    while k > 0 and lines[k - 1].strip() and not _ends_sentence(lines[k - 1]):
        k -= 1
    if k == 0:
        # No line break between the rationale's end and the header: cut after the last
        # sentence end, or (no sentence end at all) at the second line.
        ends = list(_LAST_SENTENCE_END.finditer(window))
        if ends:
            return _extend_modified(window, ends[-1].end())
        k = 1 if len(lines) > 1 else 0
    start = offsets[k]
    return _extend_modified(window, start)


def _ends_sentence(line: str) -> bool:
    """True if `line` ends a sentence (not merely an abbreviation such as 'Dr.' or 'b.i.d.')."""
    return bool(_ENDS_SENTENCE.search(line)) and not _ABBREVIATION_END.search(line)


def _extend_modified(window: str, start: int) -> int:
    """Move a header start back over the earlier sentences of a modified-UR header."""
    head = window[start:]
    if not _ORIGINAL.search(head) and _MODIFIED_TAIL.search(head):
        found = list(_ORIGINAL.finditer(window, 0, start))
        if found:
            start = _line_start(window, found[-1].start())
    if prefix := _UR_PREFIX.search(window, 0, start):
        at = _line_start(window, prefix.start())
        if not window[at : prefix.start()].strip():
            start = at
    return start


def _line_start(window: str, pos: int) -> int:
    """Start of the paragraph-initial line holding `pos` (walking back over open lines)."""
    begin = window.rfind("\n", 0, pos) + 1
    while begin > 0:
        prev_begin = window.rfind("\n", 0, begin - 1) + 1
        prev = window[prev_begin : begin - 1]
        if not prev.strip() or _ends_sentence(prev) or prev_begin == 0:
            break
        begin = prev_begin
    return begin


def _item(header: str, match: re.Match[str], rest: str, n: int, path: str | None) -> LetterItem:
    ca, mx, dr = _CA.search(rest), None, None
    if ca:
        mx = _MX.search(rest, ca.end())
    if mx:
        dr = _DR.search(rest, mx.end())
    missing = [
        name
        for name, m in (
            ("Claims Administrator guideline:", ca),
            ("MAXIMUS guideline:", mx),
            ("Decision rationale:", dr),
        )
        if m is None
    ]
    if ca is None or mx is None or dr is None:
        raise LetterParseError(f"item {n} is cut off or malformed: no '{missing[0]}'", path=path)
    if rest[: ca.start()].strip():
        raise LetterParseError(f"item {n}: unexpected text before its guideline lines", path=path)
    request, original = split_request(join_lines(header.split("\n")))
    if not request:
        raise LetterParseError(f"item {n} has no request text", path=path)
    rationale = flow(rest[dr.end() :].split("\n"))
    if not rationale:
        raise LetterParseError(f"item {n} is cut off: empty decision rationale", path=path)
    return LetterItem(
        request=request,
        decision=cast(Decision, match.group("dec").replace(" ", "").capitalize()),
        claims_administrator_guideline=parse_citation(rest[ca.end() : mx.start()]),
        maximus_guideline=parse_citation(rest[mx.end() : dr.start()]),
        decision_rationale=rationale,
        original_request=original,
    )


def split_request(header: str) -> tuple[str, str | None]:
    """(request, original_request) of an item header (decision already removed)."""
    header = header.strip().rstrip(":").strip()
    m = MODIFIED_RE.match(header)
    if m:
        return _clean(m.group("req")), _clean(m.group("orig"))
    return _clean(_UR_LEAD.sub("", header)), None


def _clean(text: str) -> str:
    """Collapse whitespace; drop a trailing verb ('..., Norco #35 is') and stray punctuation."""
    text = re.sub(r"\s+", " ", text).strip(" ,;")
    return re.sub(r",?\s+is$", "", text).strip(" ,;")
