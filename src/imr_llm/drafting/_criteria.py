"""The checklist for one disputed item, checked against the records without a model.

A route (`guidelines.route`) names its criteria; each criterion (`routing/criteria.toml`) is
either a set of clinical findings looked up in the records (met / not met / not documented, with
the line that says so) or a number checked in code (visits against the guideline's limit, days
since the injury, quantity, topical ingredients), with the numbers shown. Every criterion is
phrased so that "met" supports medical necessity.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from imr_llm._dates import find_dates
from imr_llm._errors import GuidelineLibraryError
from imr_llm._memo import per_object
from imr_llm._models import Contract
from imr_llm.drafting._evidence import evidence_for
from imr_llm.drafting._grounding import NUMBER_WORDS
from imr_llm.drafting._models import CriterionCheck, CriterionStatus, Evidence
from imr_llm.guidelines._routing import ACUTE_DAYS, RouteMatch
from imr_llm.records import CaseFile, Line

CodeCheck = Literal[
    "visits_within_limit", "acute_phase", "short_course", "no_unrecommended_ingredient"
]


class CriterionSpec(Contract):
    label: str
    kind: Literal["findings", "number"]
    met: list[str] = Field(default_factory=list)
    unmet: list[str] = Field(default_factory=list)
    check: CodeCheck | None = None
    counts_plans: bool = False  # a planned procedure is the finding (e.g. invasive_planned)
    counts_goals: bool = False  # a stated goal is the finding (e.g. return_to_work_goal)


def criteria_file() -> Path:
    return Path(str(resources.files("imr_llm.guidelines") / "routing" / "criteria.toml"))


@lru_cache(maxsize=8)
def load_criteria(
    path: str | None = None,
) -> dict[str, tuple[CriterionSpec, re.Pattern[str] | None, re.Pattern[str] | None]]:
    """Criterion id -> (spec, compiled met pattern, compiled unmet pattern)."""
    where = path or str(criteria_file())
    try:
        raw = tomllib.loads(Path(where).read_text(encoding="utf-8"))
        out = {}
        for cid, body in raw.items():
            spec = CriterionSpec.model_validate(body)
            out[cid] = (spec, _compile(spec.met), _compile(spec.unmet))
    except OSError as exc:
        raise GuidelineLibraryError(f"cannot read criteria: {exc.strerror}", path=where) from None
    except (tomllib.TOMLDecodeError, ValidationError, re.error) as exc:
        first = str(exc).splitlines()[0]
        raise GuidelineLibraryError(f"invalid criteria table: {first}", path=where) from None
    return out


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


# ------------------------------------------------------------------ looking up findings

_NEGATION = re.compile(
    r"\b(no|not|denie[sd]|deny|without|negative for|neg for|absence of|absent|free of|none|"
    r"never|ruled out)\b[^.;:]*$"
)
_STOPPED_BEFORE = re.compile(
    r"\b(stopped|quit|discontinued|non-?compliant with|weaned off|declined?s?)\b([^.;:,]{0,25})$"
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

_LIST_NEGATION = re.compile(r"\b(denie[sd]|deny|negative for|neg for|no|without|free of)\b")
"""A negation trigger whose scope runs over a list to the end of the sentence (ConText):
'denies fever, chills, unexplained weight loss, bowel/bladder incontinence, saddle anesthesia'.
The scope ends at a termination term (`_TERMINATION`)."""
_TERMINATION = re.compile(
    r"\b(but|however|although|though|yet|except|aside from|apart from|still|whereas|"
    r"other than|positive for|complains? of|c/o|reports?|endorses?|with|due to|because|"
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


_OTHER_CLAIM_AFTER = re.compile(
    r"^[^.;]{0,60}?\b(?:(?:separate|prior|previous|another|other|old|earlier|different) "
    r"(?:\d{4} )?(?:[a-z]+ )?claim|non-?industrial)\b"
)
"""A finding of another claim or injury ('... positive Lachman (old non-industrial ACL tear)',
'... (related to a separate cervical claim)'): not of this one."""

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
    r"possibly|suspect(ed)?|may have|family history|mother|father|sister|brother|son|"
    r"daughter|spouse|wife|husband|parents?|siblings?|allerg(?:y|ies|ic)|"
    r"(?:separate|prior|previous|another|other|old|earlier|different) (?:\d{4} )?(?:[a-z]+ )?"
    r"claim|non-?industrial)\b[^.;]*$"
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
    r"\b(intact|normal|symmetric(?:al)?|unremarkable|wnl)\b([^.;:,]{0,25})$"
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


def _stopped_before(before: str) -> bool:
    m = _STOPPED_BEFORE.search(before)
    return m is not None and not _TERMINATION.search(m.group(2))


def _normal_before(before: str) -> bool:
    m = _NORMAL_BEFORE.search(before)
    return m is not None and not _TERMINATION.search(m.group(2))


def _list_negated(before: str) -> bool:
    """A list negation trigger earlier in the sentence with no termination term after it."""
    sentence = re.split(r"[.;]", before)[-1]
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


def _doc_lines(
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


def _line_at(offsets: list[tuple[int, Line]], pos: int) -> Line:
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
    for doc_id, text, offsets in _doc_lines(case, skip):
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
                ):
                    continue
                near = text[max(0, m.start() - NEGATION_WINDOW) : m.start()]
                negated = bool(
                    _NEGATION.search(near)
                    or _list_negated(clause)
                    or _NEGATION_RIGHT_BEFORE.search(near)
                    or _stopped_before(near)
                    or _normal_before(near)
                    or _SCOPED_NEGATION.search(clause)
                    or _POST_NEGATION.search(after)
                    or _POST_LIST_NEGATION.search(after)
                    or _RESOLVED_AFTER.search(after)
                )
                found.append((m.start(), m.group(0), not negated))
        for start, matched, supports in sorted(found):
            order += 1
            hits.append(_Hit(order, doc_id, _line_at(offsets, start), matched, supports, start))
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
        text = next(t for d, t, _ in _doc_lines(case, skip) if d == hits[-1].doc_id)
        if _REVERSAL.search(text[support[-1].start : doc_hits[-1].start]):
            status = "not met"
    chosen = support if status == "met" else [h for h in doc_hits if not h.supports]
    evidence = [evidence_for(h.doc_id, h.line, h.text) for h in chosen[-2:]]
    return status, evidence


# ------------------------------------------------------------------ numbers

_NUMBER_WORDS = {w: i for i, w in enumerate(NUMBER_WORDS)}
_NUM = r"\b(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\b"
_FREQ = re.compile(
    rf"{_NUM}\s*(?:-|to)?\s*(?:{_NUM}\s*)?(?:x|times?|visits?|sessions?|treatments?)?\s*"
    rf"(?:a|per|/|each)\s*(?:week|wk)s?[^0-9a-z]*(?:x|for|times)?\s*{_NUM}\s*(?:weeks?|wks?)",
    re.I,
)
_SHORT_FREQ = re.compile(r"(?<![\d./])(\d{1,2})\s*x\s*(\d{1,2})(?![\d./])", re.I)
_COUNT = re.compile(
    rf"\b{_NUM}\s*(?:\(\d+\)\s*)?(?:additional\s+|more\s+|initial\s+)?(?:[a-z]+\s+){{0,3}}?(?:sessions?|visits?|treatments?)\b",
    re.I,
)
_TIMES = re.compile(
    r"(?:\bx\s*|\btimes\s+|#\s*|\bqty:?\s*)(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\b", re.I
)
_QTY = re.compile(
    r"(?:#\s*|\bqty:?\s*|\bquantity:?\s*)(\d{1,4})\b|\b(\d{1,4})\s+(?:tablets|tabs|capsules|caps|pills)\b",
    re.I,
)


def _n(token: str | None) -> int | None:
    if token is None:
        return None
    t = token.lower()
    return int(t) if t.isdigit() else _NUMBER_WORDS.get(t)


def requested_visits(request: str) -> int | None:
    """Visits a request asks for: '2x4', '3 times a week for 2 weeks', 'six sessions', 'x6'."""
    if m := _FREQ.search(request):
        per_week = _n(m.group(2)) or _n(m.group(1))
        weeks = _n(m.group(3))
        if per_week and weeks:
            return per_week * weeks
    if m := _SHORT_FREQ.search(request):
        a, b = _n(m.group(1)), _n(m.group(2))
        if a and b:
            return a * b
    if m := _COUNT.search(request):
        return _n(m.group(1))
    if m := _TIMES.search(request):
        return _n(m.group(1))
    return None


_SERVICE_WORDS = {
    "physical_medicine": (
        r"(?:physical therapy|physiotherapy|\bpt\b|therapy|occupational therapy|\bot\b)"
    ),
    "chiropractic": r"(?:chiropractic|chiro\w*|manipulation)",
    "acupuncture": r"(?:acupuncture)",
    "psych": r"(?:psycho\w*|cognitive behavio\w*|\bcbt\b|biofeedback)",
    "work_conditioning": r"(?:work (?:conditioning|hardening)|functional restoration)",
}


def prior_visits(case: CaseFile, service: str) -> tuple[int | None, Evidence | None]:
    """The largest number of completed visits of the same kind the records state ('completed 12
    sessions of physical therapy', '8 PT visits to date', 'has had six chiropractic treatments')."""
    patterns = _visit_patterns(service)
    if not patterns:
        return None, None
    best: tuple[int, Evidence] | None = None
    for doc_id, text, offsets in _doc_lines(case, frozenset()):
        for pattern in patterns:
            for m in pattern.finditer(text):
                n = _n(next(g for g in m.groups() if g))
                if n is None or n > 200:
                    continue
                if best is None or n > best[0]:
                    best = (n, evidence_for(doc_id, _line_at(offsets, m.start()), m.group(0)))
    return (best[0], best[1]) if best else (None, None)


@cache
def _visit_patterns(service: str) -> tuple[re.Pattern[str], ...]:
    words = _SERVICE_WORDS.get(service)
    if words is None:
        return ()
    return (
        re.compile(
            rf"{_NUM}\s*(?:\(\d+\)\s*)?(?:prior\s+|previous\s+|completed\s+)?{words}\s*(?:sessions?|visits?|treatments?)",
            re.I,
        ),
        re.compile(
            rf"{_NUM}\s*(?:\(\d+\)\s*)?(?:prior\s+|previous\s+|completed\s+)?(?:sessions?|visits?|treatments?)\s+(?:of\s+)?{words}",
            re.I,
        ),
        re.compile(
            rf"{words}[^.;]{{0,40}}?\b(?:x|times|total of|completed|attended)\s*{_NUM}", re.I
        ),
        re.compile(rf"{words}\W{{1,3}}{_NUM}\s*(?:sessions?|visits?|treatments?)", re.I),
    )


@per_object
def injury_date(case: CaseFile) -> dt.date | None:
    """The date of injury, read as the summary reads it (`_case_facts.injury_date_found`: the
    labelled date most documents give, else one stated in prose). Once per case file."""
    from imr_llm.drafting._case_facts import injury_date_found

    found = injury_date_found(case.documents)
    return found.value if found is not None and isinstance(found.value, dt.date) else None


@per_object
def _record_dates(case: CaseFile) -> list[dt.date]:
    """Every full date the records mention, latest first (once per case file)."""
    dates = {
        m.date for _d, text, _o in _doc_lines(case, frozenset()) for m in find_dates(text) if m.date
    }
    return sorted(dates, reverse=True)


def latest_date(case: CaseFile, *, today: dt.date | None = None) -> dt.date | None:
    """The latest full date the records mention (not in the future): the reference date for
    'days since the injury' when none is given."""
    limit = today or dt.date.today()
    return next((d for d in _record_dates(case) if d <= limit), None)


UNRECOMMENDED_TOPICAL = re.compile(
    r"gabapentin|baclofen|cyclobenzaprine|orphenadrine|methocarbamol|carisoprodol|tizanidine|"
    r"(?:lidocaine|bupivacaine)(?![^,;]*\bpatch)",
    re.I,
)
"""Chronic Pain Medical Treatment Guidelines, Topical analgesics: 'Any compounded product that
contains at least one drug (or drug class) that is not recommended is not recommended'; gabapentin
and baclofen are not recommended, there is no evidence for other muscle relaxants as a topical
product, and no form of topical lidocaine other than the dermal patch is recommended."""

SHORT_COURSE_UNITS = 30


@dataclass(frozen=True)
class NumberContext:
    request: str
    service: str
    limits: dict[str, float]
    days_since_injury: int | None
    injury: dt.date | None
    reference: dt.date | None


def number_check(
    check: CodeCheck, ctx: NumberContext, case: CaseFile
) -> tuple[CriterionStatus, list[Evidence], str]:
    """(status, evidence, the numbers shown in the checklist)."""
    if check == "acute_phase":
        if ctx.days_since_injury is None:
            return "not documented", [], "date of injury or of the request not found"
        status: CriterionStatus = "met" if ctx.days_since_injury <= ACUTE_DAYS else "not met"
        return (
            status,
            [],
            (
                f"{ctx.days_since_injury} days from the injury ({ctx.injury}) to {ctx.reference}; "
                f"acute up to {ACUTE_DAYS}"
            ),
        )
    if check == "short_course":
        m = _QTY.search(ctx.request)
        if not m:
            return "not documented", [], "no quantity in the request"
        qty = int(m.group(1) or m.group(2))
        status = "met" if qty <= SHORT_COURSE_UNITS else "not met"
        return status, [], f"quantity {qty}; short course up to {SHORT_COURSE_UNITS} units"
    if check == "no_unrecommended_ingredient":
        bad = sorted({m.group(0).lower() for m in UNRECOMMENDED_TOPICAL.finditer(ctx.request)})
        if bad:
            return (
                "not met",
                [],
                "contains " + ", ".join(bad) + " (not recommended in topical form)",
            )
        return "met", [], "no ingredient the guideline does not recommend topically"
    # visits_within_limit
    limit = ctx.limits.get("visits")
    asked = requested_visits(ctx.request)
    if limit is None:
        return "not applicable", [], "the routed guideline gives no visit number"
    if asked is None:
        return (
            "not documented",
            [],
            f"requested visits not stated; guideline allows about {limit:g}",
        )
    initial = bool(re.search(r"\b(initial|trial|first)\b", ctx.request, re.I))
    prior, ev = (0, None) if initial else prior_visits(case, ctx.service)
    if prior is None:
        status = "met" if asked <= limit else "not met"
        return (
            status,
            [],
            f"{asked} requested (completed visits not stated); guideline about {limit:g}",
        )
    total = asked + prior
    status = "met" if total <= limit else "not met"
    return (
        status,
        [ev] if ev else [],
        f"{asked} requested + {prior} completed = {total}; guideline about {limit:g}",
    )


def check_criteria(
    case: CaseFile,
    request: str,
    match: RouteMatch,
    *,
    injury: dt.date | None = None,
    reference: dt.date | None = None,
    skip: frozenset[tuple[str, int]] = frozenset(),
    criteria_path: str | None = None,
) -> list[CriterionCheck]:
    """The route's checklist, every criterion checked against the records."""
    table = load_criteria(criteria_path)
    injury = injury or injury_date(case)
    reference = reference or latest_date(case)
    days = days_since_injury(case, injury, reference)
    ctx = NumberContext(request, match.service, match.route.limits, days, injury, reference)
    checks = []
    for cid in match.route.criteria:
        if cid not in table:
            raise GuidelineLibraryError(
                f"route names unknown criterion {cid!r}", path=criteria_file()
            )
        spec, met, unmet = table[cid]
        if spec.kind == "number" and spec.check is not None:
            status, evidence, detail = number_check(spec.check, ctx, case)
            checks.append(
                CriterionCheck(
                    criterion=spec.label, status=status, evidence=evidence, detail=detail, id=cid
                )
            )
        else:
            status, evidence = findings_status(
                case,
                met,
                unmet,
                skip=skip,
                counts_plans=spec.counts_plans,
                counts_goals=spec.counts_goals,
            )
            checks.append(
                CriterionCheck(criterion=spec.label, status=status, evidence=evidence, id=cid)
            )
    return checks


def days_since_injury(
    case: CaseFile, injury: dt.date | None = None, reference: dt.date | None = None
) -> int | None:
    """Days from the injury (given, else read) to `reference` (given, else the latest record
    date); None when either is unknown or the order is impossible."""
    injury = injury or injury_date(case)
    reference = reference or latest_date(case)
    if injury and reference and reference >= injury:
        return (reference - injury).days
    return None
