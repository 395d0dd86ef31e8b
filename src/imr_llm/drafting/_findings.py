"""The finding lookup: whether the records state a clinical finding, state its absence, or
neither (met / not met / not documented), with the lines that say so.

Regular expressions per finding (`routing/criteria.toml`) and the cues of NegEx and ConText
around each match: negation (before the finding, scoped to the sentence or a list, or written
after it), uncertainty and other experiencers, hypotheticals, plans, goals, request forms,
other claims, pending results, and changes over time between visits. Measured on record
snippets written blind to the code (`evals/datasets/findings_blind*`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from imr_llm.drafting._evidence import evidence_for
from imr_llm.drafting._models import CriterionStatus, Evidence
from imr_llm.records import CaseFile, Line

_NEGATION = re.compile(
    r"\b(no|not|denie[sd]|deny|without|negative for|neg for|absence of|absent|free of|none|"
    r"never|ruled out)\b[^.;:\u2022|]*$"
)
_STOPPED_BEFORE = re.compile(
    r"\b(stopped|quit|discontinued|non-?compliant with|weaned off|declined?s?|refuse[sd]?)\b"
    r"([^.;:,]{0,25})$"
)
"""Stopping or refusing what follows closely ('stopped doing his home exercises', 'weaned off
Percocet', 'declined the recommended decompression'); not across a termination term ('quit
working because of anxiety')."""
_NEGATION_RIGHT_BEFORE = re.compile(r"\b(?:neg\s*|non-?)$")
"""Negations of only the word they are written on: 'neg numbness, neg tingling',
'non-radiating', 'non-tender'."""
NEGATION_WINDOW = 40
"""Characters before a finding searched for a negation cue in the same clause (a minimal
NegEx: 'denies numbness', 'no red flags', 'negative for fracture')."""

_LIST_NEGATION = re.compile(r"\b(denie[sd]|deny|negative(?: for)?|neg for|no|without|free of)\b")
"""A negation trigger whose scope runs over a list to the end of the sentence (ConText):
'denies fever, chills, unexplained weight loss, bowel/bladder incontinence, saddle anesthesia'.
The scope ends at a termination term (`_TERMINATION`)."""
_TERMINATION = re.compile(
    r"\b(but|however|although|though|yet|except|aside from|apart from|still|whereas|"
    r"other than|positive(?: for)?|complains? of|c/o|reports?|endorses?|with|due to|because|"
    r"secondary to)\b|\+"
)
"""ConText's termination terms: a negation's scope ends at them."""

_SCOPED_NEGATION = re.compile(
    r"\b(no (documentation|evidence|indication|record|mention)|not (documented|noted|indicated|"
    r"evident|established)|lack(s|ing)? (of )?(documentation|evidence)?|there (is|was|has been) "
    r"no)\b[^.;]*$"
)
"""Negation cues whose scope runs to the end of the sentence, however far ('there is no
documentation that the injured worker is participating in a home exercise program')."""

_POST_NEGATION = re.compile(
    # the rest of the matched word first ('red flag' in 'RED FLAGS: Neg.')
    r"^[a-z]*(?:/[a-z]+)*[^a-z.;]{0,12}(?:is |was |were |are |has |have )?(?:been )?"
    r"(absent|negative|neg|none|n/a|intact|normal|symmetric|denie[sd]|=\s*0(?![\d./])|"
    r"no(?=\s*(?:[.;,]|$))|non-?adherent|non-?compliant|"
    r"not (done|performed|present|seen|checked|noted|tried|obtained|elicited|reported|"
    r"reviewed|assessed|completed|addressed|on file|available)|"
    r"never (?:done|performed|obtained|checked|tried)|"
    r"removed from (?:the )?(?:problem |med\w* )?list|"
    r"unremarkable|resolved|within normal limits|wnl|"
    r"discontinued|stopped|tapered off|d/c'?d|ruled out|(?:in )?(?:full |complete )?remission|"
    r"no longer (?:planned|present|indicated|being considered))\b"
)
"""A negation written right after the finding ('SPASM: ABSENT', 'UDS: not done',
'PHQ-9 = 2 (NEGATIVE)', 'PHQ-2 = 0', 'Neer/Hawkins neg', 'DYSPEPSIA: DENIES',
'ANTICOAGULANTS/ASA: NONE', 'Hydrocodone - discontinued 02/2024')."""
_POST_LIST_NEGATION = re.compile(
    r"^[a-z]*(?:/[a-z]+)*(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*/\s*)"
    r"(?!(?:was|were|is|are|has|have|had|been)\b)[a-z'-]+(?:\s[a-z'-]+){0,2}){1,5}"
    r"[^a-z.;]{0,12}(?:(?:is|are|was|were) )?(negative|neg|absent|intact|normal|unremarkable|wnl)\b"
)
"""A normal result that closes a list of findings ('Lachman, anterior and posterior drawer
negative', 'Neer and Hawkins negative')."""


_OTHER_CLAIM = (
    r"(?:separate|prior|previous|another|other|old|earlier|different) (?:\d{4} )?(?:[a-z]+ )?"
    r"claim|non-?industrial"
)
"""Another claim or injury than this one."""
_FAMILY = r"mother|father|sister|brother|son|daughter|spouse|wife|husband|parents?|siblings?"
"""Relatives: other experiencers (ConText)."""

_OTHER_CLAIM_AFTER = re.compile(rf"^[^.;]{{0,60}}?\b(?:{_OTHER_CLAIM})\b")
"""A finding of another claim or injury ('... positive Lachman (old non-industrial ACL tear)',
'... (related to a separate cervical claim)'): not of this one."""

_RELATIVE_AFTER = re.compile(rf"^[a-z]*\s+(?:{_FAMILY}|relative|co-?worker|friend)\b")
"""A finding that qualifies another person ('caregiver for her homebound mother')."""

_PENDING_AFTER = re.compile(r"^[^.;]{0,40}?\b(pending|to be (scored|reviewed|read))\b")
"""A test done but not resulted ('UDS collected today ... results pending'): not a finding
either way."""

_RESOLVED_AFTER = re.compile(
    r"^[^.;]{0,60}?\b(?:(?:has|have|had|was|were|is|are)\s+(?:since\s+|now\s+|completely\s+|"
    r"fully\s+)?)?resolved\b"
)
"""ConText's historical cue written after the finding in the same clause ('neuropathic pain
after the crush injury has resolved', 'depressive symptoms noted in 2022 resolved with
counseling'): the finding is not current."""

_NOT_ASSERTED = re.compile(
    r"\b(rule out|r/o|(to )?(evaluate|assess|screen) for|concern for|question of|possible|"
    rf"possibly|suspect(ed)?|may have|family history|{_FAMILY}|allerg(?:y|ies|ic)|"
    rf"{_OTHER_CLAIM})\b[^.;]*$"
)
"""Cues that a finding is not asserted of this patient (NegEx's uncertainty and ConText's
other-experiencer cues; a drug named in an allergy list is not one being taken): the mention
counts neither way."""

_HYPOTHETICAL = re.compile(
    r"\b(if(?! (?:unit|stim\w*|current|therapy|device|tens)\b)|should (?:he|she|they|it|pt|the "
    r"(?:patient|injured worker|pain|symptoms?))|in (?:the )?(?:event|case) (?:of|that)|unless|"
    r"precautions?|(?:counsel+ed|advised|instructed|educated|warned|reminded) "
    r"(?:on|about|regarding|to|that)|"
    r"(?:told|advised|instructed) (?:him|her|them|the patient|pt) (?:to|that))\b[^.;]*$"
)
"""ConText's hypothetical cues: a condition or an instruction to the patient ('if numbness
develops, call the office', 'should she become homebound', 'red flag precautions reviewed')
asserts nothing. 'IF unit' (interferential) is not a condition."""
_HYPOTHETICAL_AFTER = re.compile(
    r"^[a-z]*[^.;]{0,20}?\b(?:precautions|warning signs|(?:would|could|might) be (?:considered|"
    r"an option|a (?:last|final) resort|appropriate)|(?:is|are) (?:discussed|reviewed) as an? "
    r"option)\b"
)
"""The same written after the finding ('red flag precautions', 'opioids would be a last
resort')."""
_NORMAL_BEFORE = re.compile(
    r"(\bintact|\bnormal|\bsymmetric(?:al)?|\bunremarkable|\bwnl|\b5/5)\b([^.;:,]{0,25})$"
)
"""A normal result written just before the finding it qualifies ('sensation intact to light
touch in all dermatomes'); not across a termination term."""

_REQUEST_FORM = re.compile(
    r"\b(rfa|request for authori[sz]ation|reason(?: for (?:the )?request)?\s*:|"
    r"indication(?: listed| given)?(?: on (?:the )?(?:form|request))?\s*:|"
    r"diagnosis on (?:the )?(?:form|request))[^.;]*$"
)
"""A finding named on a request form (the reason or indication written on an RFA) is the
requester's claim, not documentation of it: it counts neither way."""
_GOAL = re.compile(
    r"\b(goals?|ltg|stg|(?:pt|patient|he|she|the injured worker) will be (?:able|independent)|"
    r"target(?:ed)?|hopes? (?:to|that)|would like to|wants to)\b[^.;]*$"
)
"""A goal or a hope is not a finding yet ('LTG: independent with a home exercise program by
discharge', 'goals: return to full duty'), except for criteria about goals (`counts_goals`)."""

_PLANNED = re.compile(
    r"\b(will (obtain|order|check|get|request|schedule|consider|run|review|perform|instruct)|"
    r"plan(s|ned)? (to|for)|"
    r"to obtain|(request|requesting|requested|order|ordered|ordering) (an? |the )?"
    r"(new |repeat |updated )?)[^.;]*$"
)
"""Cues that a finding is planned, not found ('will obtain a urine drug screen', 'request MRI');
ignored for criteria about planning (`counts_plans`)."""

_REVERSAL = re.compile(
    r"\b(now|currently|since|no longer|at (re-?eval|re-?evaluation|follow-?up|discharge)|today|"
    r"has (since )?resolved|but|however|s/p|post-?op(erative(ly)?)?)\b|"
    # a dated entry of a later visit ("02/2024 (s/p arthroscopy): no effusion")
    r"\b(?:\d{1,2}/){1,2}\d{2,4}\b[^.:;]{0,40}:"
)
"""A change over time between a finding and a later statement of its absence ('had numbness,
now resolved'): the later statement then wins."""
CLAUSE_WINDOW = 150


def _closely_before(cue: re.Pattern[str], before: str) -> bool:
    """`cue` (its second group: the words up to the finding) ends `before`, with no
    termination term between it and the finding."""
    m = cue.search(before)
    return m is not None and not _TERMINATION.search(m.group(2))


def _list_negated(before: str) -> bool:
    """A list negation trigger earlier in the sentence with no termination term after it."""
    sentence = re.split(r"[.;\u2022|]", before)[-1]  # a bullet or a table cell ends it too
    triggers = list(_LIST_NEGATION.finditer(sentence))
    return bool(triggers) and not _TERMINATION.search(sentence[triggers[-1].end() :])


@dataclass(frozen=True)
class _Hit:
    order: int
    doc_id: str
    line: Line
    text: str
    supports: bool
    start: int


def doc_lines(
    case: CaseFile, skip: frozenset[tuple[str, int]]
) -> Iterator[tuple[str, str, list[tuple[int, Line]]]]:
    """Each document's text with the start offset of every line. Lines are joined by spaces,
    so a phrase wrapped over two lines is found; a word hyphenated at a line's end joins the
    next line's lower-case start ('neuro-' + 'pathy': 'neuropathy', as PDF text extraction
    breaks words); a line that starts a list item ends the one before, as a sentence would."""
    for doc in case.documents:
        lines = [ln for ln in doc.lines if (doc.id, ln.number) not in skip]
        parts: list[str] = []
        offsets: list[tuple[int, Line]] = []
        pos = 0
        for i, line in enumerate(lines):
            text = line.text
            nxt = lines[i + 1].text if i + 1 < len(lines) else None
            if nxt is None:
                sep = ""
            elif _BROKEN_WORD.search(text) and nxt[:1].islower():
                text, sep = text[:-1], ""
            else:
                sep = ";" if _LIST_ITEM.match(nxt) else " "
            offsets.append((pos, line))
            parts += [text, sep]
            pos += len(text) + len(sep)
        yield doc.id, "".join(parts).lower(), offsets


_BROKEN_WORD = re.compile(r"[a-z]-$")
"""A line ending in a word broken by a hyphen ('neuro-')."""
_LIST_ITEM = re.compile(r"\s*(?:[-*\u2022\u00b7]\s|\d{1,2}[.)]\s)")
"""A line that starts a bulleted or numbered list item."""


def line_at(offsets: list[tuple[int, Line]], pos: int) -> Line:
    found = offsets[0][1]
    for start, line in offsets:
        if start > pos:
            break
        found = line
    return found


def _hits(
    case: CaseFile,
    met: re.Pattern[str] | None,
    unmet: re.Pattern[str] | None,
    skip: frozenset[tuple[str, int]],
    *,
    counts_plans: bool = False,
    counts_goals: bool = False,
) -> list[_Hit]:
    hits: list[_Hit] = []
    order = 0
    for doc_id, text, offsets in doc_lines(case, skip):
        if not offsets:
            continue
        found: list[tuple[int, str, bool]] = []
        if unmet is not None:
            found += [(m.start(), m.group(0), False) for m in unmet.finditer(text)]
        if met is not None:
            for m in met.finditer(text):
                if any(s <= m.start() < s + len(t) for s, t, _ in found):
                    continue  # inside an explicit 'unmet' phrase ('no red flags')
                clause = text[max(0, m.start() - CLAUSE_WINDOW) : m.start()]
                if _NOT_ASSERTED.search(clause) or (not counts_plans and _PLANNED.search(clause)):
                    continue
                if _HYPOTHETICAL.search(clause) or _REQUEST_FORM.search(clause):
                    continue
                if not counts_goals and _GOAL.search(clause):
                    continue
                after = text[m.end() : m.end() + 80]
                if (
                    _PENDING_AFTER.search(after)
                    or _HYPOTHETICAL_AFTER.search(after)
                    or _OTHER_CLAIM_AFTER.search(after)
                    or _RELATIVE_AFTER.search(after)
                ):
                    continue
                near = text[max(0, m.start() - NEGATION_WINDOW) : m.start()]
                negated = bool(
                    _NEGATION.search(near)
                    or _list_negated(clause)
                    or _NEGATION_RIGHT_BEFORE.search(near)
                    or _closely_before(_STOPPED_BEFORE, near)
                    or _closely_before(_NORMAL_BEFORE, near)
                    or _SCOPED_NEGATION.search(clause)
                    or _POST_NEGATION.search(after)
                    or _POST_LIST_NEGATION.search(after)
                    or _RESOLVED_AFTER.search(after)
                )
                found.append((m.start(), m.group(0), not negated))
        for start, matched, supports in sorted(found):
            order += 1
            hits.append(_Hit(order, doc_id, line_at(offsets, start), matched, supports, start))
    return hits


def findings_status(
    case: CaseFile,
    met: re.Pattern[str] | None,
    unmet: re.Pattern[str] | None,
    *,
    skip: frozenset[tuple[str, int]] = frozenset(),
    counts_plans: bool = False,
    counts_goals: bool = False,
) -> tuple[CriterionStatus, list[Evidence]]:
    """Met when the records state a supporting finding, not met when they state its absence.
    The latest document that mentions the finding decides; within it a supporting finding wins
    (an exam lists normal parts beside the abnormal one: 'decreased sensation L5; motor 5/5'),
    unless a statement of absence follows it across a change over time ('had numbness, now
    resolved')."""
    hits = _hits(case, met, unmet, skip, counts_plans=counts_plans, counts_goals=counts_goals)
    if not hits:
        return "not documented", []
    doc_hits = [h for h in hits if h.doc_id == hits[-1].doc_id]
    support = [h for h in doc_hits if h.supports]
    status: CriterionStatus = "met" if support else "not met"
    if support and not doc_hits[-1].supports:
        text = next(t for d, t, _ in doc_lines(case, skip) if d == hits[-1].doc_id)
        if _REVERSAL.search(text[support[-1].start : doc_hits[-1].start]):
            status = "not met"
    chosen = support if status == "met" else [h for h in doc_hits if not h.supports]
    evidence = [evidence_for(h.doc_id, h.line, h.text) for h in chosen[-2:]]
    return status, evidence
