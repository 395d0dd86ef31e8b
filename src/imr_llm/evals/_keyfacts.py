"""Key-fact recall and precision of a case summary against gold `KeyFacts`.

Facts: age, sex, date of injury, UR date, UR outcome (one fact each) and the disputed requests,
body parts and treatments (one fact per list entry); where the gold gives the UR outcome of each
disputed request (synthetic_blind cases), `ur_outcome_per_request` scores one fact per request:
a predicted UR decision matches when it names the request and states the same outcome (the
predicted facts are the summary's UR decisions that are non-certified or modified).
Only fields the gold states are scored (a scalar that is not null, a list that is not empty);
a prediction in a field without gold is neither right nor wrong.

- recall = gold facts the summary recovers / gold facts;
- precision = predicted facts that match a gold fact / predicted facts (in scored fields);
  a summary that predicts nothing has precision 0 (0/0 is taken as 0, like recall).
A letter's modified-UR item ("X was the original request. Y was authorized ... The remaining IMR
eligible portion of the original request, Z") is matched by a phrase naming X or Z.
Scalars match on equality (age within +-1 year: letters round differently). List entries match
one-to-one when at least half the gold phrase's content words occur in the predicted phrase
(after synonym normalization: 'PT' = 'physical therapy', 'low back' = 'lumbar'...).

From a `CaseSummary`: the UR date is that of the latest dated `ur_history` entry (or the only
entry); the case's UR outcome is "modified" if a disputed request of that date was modified, else
"non-certified" if one was non-certified, else the entry's outcome; treatments are the treatment
names.

Document classes (`document_class_counts`) are scored apart from the facts: per record file whose
gold class is known, whether the summary's `documents` give it the same class.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from imr_llm._models import Contract
from imr_llm.drafting._models import CaseSummary
from imr_llm.evals._case_meta import KeyFacts, RequestOutcome
from imr_llm.evals._text import greedy_matches, phrase_match

SCALAR_FIELDS = ("age", "sex", "date_of_injury", "ur_date", "ur_outcome")
LIST_FIELDS = ("disputed_requests", "body_parts", "treatments")
OUTCOME_FIELD = "ur_outcome_per_request"
FIELDS = (*SCALAR_FIELDS, *LIST_FIELDS, OUTCOME_FIELD)
DOCUMENT_FIELD = "document_class"
"""Counted in `fact_counts` beside the facts but not a fact: excluded from key-fact recall."""


class FieldCount(Contract):
    gold: int = 0
    predicted: int = 0
    matched_gold: int = 0
    matched_predicted: int = 0


def summary_key_facts(summary: CaseSummary) -> KeyFacts:
    """The key facts a drafted summary states (see the module docstring)."""
    dated = [u for u in summary.ur_history if u.date is not None]
    # every entry of `dated` has a date; the filter does not narrow u.date
    latest = max(dated, key=lambda u: u.date) if dated else None  # type: ignore[arg-type, return-value]
    if latest is None and len(summary.ur_history) == 1:
        latest = summary.ur_history[0]
    outcome = latest.outcome if latest is not None and latest.outcome != "unknown" else None
    if latest is not None:
        same_day = {u.outcome for u in summary.ur_history if u.date == latest.date}
        for adverse in ("modified", "non-certified"):
            if adverse in same_day:
                outcome = adverse
                break
    disputed = [
        RequestOutcome(request=u.request, outcome=u.outcome)
        for u in summary.ur_history
        if u.outcome in ("non-certified", "modified")
    ]
    return KeyFacts(
        age=summary.age,
        sex=summary.sex,
        date_of_injury=summary.date_of_injury,
        ur_date=latest.date if latest is not None else None,
        ur_outcome=outcome,
        disputed_requests=list(summary.disputed_requests),
        body_parts=list(summary.body_parts),
        treatments=[t.name for t in summary.treatments],
        request_outcomes=disputed,
    )


def _variants(gold_request: str) -> list[str]:
    """The phrases that name a gold request: a modified-UR item's original request and its
    remaining portion, else the request as written."""
    from imr_llm.letters._items import split_request

    request, original = split_request(gold_request)
    return [original, request] if original else [gold_request]


_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()  # noqa: SIM905
    )
}
_ABBREVIATIONS = {"wk": "week", "wks": "weeks", "mo": "month", "mos": "months", "x": "times"}


def _canon(text: str) -> str:
    """Number words as digits and common abbreviations spelled out ('Four sessions ... two
    times a week' and 'x4 (2x/wk)' then share their words)."""
    words = re.findall(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]", text)
    out = [_NUMBER_WORDS.get(w.lower(), _ABBREVIATIONS.get(w.lower(), w)) for w in words]
    return " ".join(out)


def _request_matches(gold: list[str], predicted: list[str], same: Any = None) -> int:
    """One-to-one greedy matches of gold requests by predicted phrases (`same(i, j)`: an extra
    condition on gold i and predicted j, e.g. the same UR outcome)."""
    used: set[int] = set()
    hits = 0
    for i, g in enumerate(gold):
        variants = _variants(g)
        for j, p in enumerate(predicted):
            if j in used or (same is not None and not same(i, j)):
                continue
            if any(phrase_match(_canon(v), _canon(p)) for v in variants):
                used.add(j)
                hits += 1
                break
    return hits


def _scalar_equal(field: str, gold: object, predicted: object) -> bool:
    if field == "age" and isinstance(gold, int) and isinstance(predicted, int):
        return abs(gold - predicted) <= 1
    return gold == predicted


def count_facts(gold: KeyFacts, predicted: KeyFacts) -> dict[str, FieldCount]:
    """Per-field counts of gold, predicted and matched facts (scored fields only)."""
    counts: dict[str, FieldCount] = {}
    for field in SCALAR_FIELDS:
        g, p = getattr(gold, field), getattr(predicted, field)
        if g is None:
            continue
        hit = p is not None and _scalar_equal(field, g, p)
        counts[field] = FieldCount(
            gold=1, predicted=int(p is not None), matched_gold=int(hit), matched_predicted=int(hit)
        )
    for field in LIST_FIELDS:
        g_list, p_list = getattr(gold, field), getattr(predicted, field)
        if not g_list:
            continue
        if field == "disputed_requests":
            matched = _request_matches(g_list, p_list)
        else:
            matched = greedy_matches(g_list, p_list)
        counts[field] = FieldCount(
            gold=len(g_list),
            predicted=len(p_list),
            matched_gold=matched,
            matched_predicted=matched,
        )
    if gold.request_outcomes:
        g_out, p_out = gold.request_outcomes, predicted.request_outcomes
        hits = _request_matches(
            [g.request for g in g_out],
            [p.request for p in p_out],
            lambda i, j: g_out[i].outcome == p_out[j].outcome,
        )
        counts[OUTCOME_FIELD] = FieldCount(
            gold=len(gold.request_outcomes),
            predicted=len(predicted.request_outcomes),
            matched_gold=hits,
            matched_predicted=hits,
        )
    return counts


def document_class_counts(gold: dict[str, str], summary: CaseSummary) -> FieldCount | None:
    """Documents whose gold class is known (gold), classified by the summary (predicted), and
    classified right (matched); None without gold. Files are matched by name."""
    if not gold:
        return None
    predicted = {PurePath(d.source).name: d.kind for d in summary.documents}
    right = sum(1 for name, kind in gold.items() if predicted.get(name) == kind)
    return FieldCount(
        gold=len(gold),
        predicted=sum(1 for name in gold if name in predicted),
        matched_gold=right,
        matched_predicted=right,
    )


def recall_precision(counts: dict[str, FieldCount]) -> tuple[float | None, float]:
    """Micro recall and precision over fact fields; recall is None when there is no gold fact."""
    counts = {f: c for f, c in counts.items() if f != DOCUMENT_FIELD}
    gold = sum(c.gold for c in counts.values())
    predicted = sum(c.predicted for c in counts.values())
    recall = sum(c.matched_gold for c in counts.values()) / gold if gold else None
    precision = sum(c.matched_predicted for c in counts.values()) / predicted if predicted else 0.0
    return recall, precision
