"""The checklist for one disputed item, checked against the records without a model.

A route (`guidelines.route`) names its criteria; each criterion (`routing/criteria.toml`) is
either a set of clinical findings looked up in the records (met / not met / not documented, with
the line that says so: `drafting._findings`) or a number checked in code (visits against the
guideline's limit, days since the injury, quantity, topical ingredients), with the numbers
shown. Every criterion is phrased so that "met" supports medical necessity.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
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
from imr_llm.drafting._findings import doc_lines, findings_status, line_at
from imr_llm.drafting._grounding import NUMBER_WORDS
from imr_llm.drafting._models import CriterionCheck, CriterionStatus, Evidence
from imr_llm.guidelines._routing import ACUTE_DAYS, RouteMatch
from imr_llm.records import CaseFile

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
    for doc_id, text, offsets in doc_lines(case, frozenset()):
        for pattern in patterns:
            for m in pattern.finditer(text):
                n = _n(next(g for g in m.groups() if g))
                if n is None or n > 200:
                    continue
                if best is None or n > best[0]:
                    best = (n, evidence_for(doc_id, line_at(offsets, m.start()), m.group(0)))
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
        m.date for _d, text, _o in doc_lines(case, frozenset()) for m in find_dates(text) if m.date
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
