"""Key-fact recall and precision of a case summary against gold `KeyFacts`.

Facts: age, sex, date of injury, UR date, UR outcome (one fact each) and the disputed requests,
body parts and treatments (one fact per list entry). Only fields the gold states are scored (a
scalar that is not null, a list that is not empty); a prediction in a field without gold is
neither right nor wrong.

- recall = gold facts the summary recovers / gold facts;
- precision = predicted facts that match a gold fact / predicted facts (in scored fields);
  a summary that predicts nothing has precision 0 (0/0 is taken as 0, like recall).
Scalars match on equality (age within +-1 year: letters round differently). List entries match
one-to-one when at least half the gold phrase's content words occur in the predicted phrase
(after synonym normalization: 'PT' = 'physical therapy', 'low back' = 'lumbar'...).

From a `CaseSummary`: UR date and outcome are those of the latest dated `ur_history` entry (or
the only entry); treatments are the treatment names.
"""

from __future__ import annotations

from imr_llm._models import Contract
from imr_llm.drafting._models import CaseSummary
from imr_llm.evals._case_meta import KeyFacts
from imr_llm.evals._text import greedy_matches

SCALAR_FIELDS = ("age", "sex", "date_of_injury", "ur_date", "ur_outcome")
LIST_FIELDS = ("disputed_requests", "body_parts", "treatments")
FIELDS = SCALAR_FIELDS + LIST_FIELDS


class FieldCount(Contract):
    gold: int = 0
    predicted: int = 0
    matched_gold: int = 0
    matched_predicted: int = 0


def summary_key_facts(summary: CaseSummary) -> KeyFacts:
    """The key facts a drafted summary states (see the module docstring)."""
    dated = [u for u in summary.ur_history if u.date is not None]
    latest = max(dated, key=lambda u: u.date) if dated else None  # type: ignore[arg-type, return-value]
    if latest is None and len(summary.ur_history) == 1:
        latest = summary.ur_history[0]
    outcome = latest.outcome if latest is not None and latest.outcome != "unknown" else None
    return KeyFacts(
        age=summary.age,
        sex=summary.sex,
        date_of_injury=summary.date_of_injury,
        ur_date=latest.date if latest is not None else None,
        ur_outcome=outcome,
        disputed_requests=list(summary.disputed_requests),
        body_parts=list(summary.body_parts),
        treatments=[t.name for t in summary.treatments],
    )


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
        matched = greedy_matches(g_list, p_list)
        counts[field] = FieldCount(
            gold=len(g_list),
            predicted=len(p_list),
            matched_gold=matched,
            matched_predicted=matched,
        )
    return counts


def recall_precision(counts: dict[str, FieldCount]) -> tuple[float | None, float]:
    """Micro recall and precision over fields; recall is None when there is no gold fact."""
    gold = sum(c.gold for c in counts.values())
    predicted = sum(c.predicted for c in counts.values())
    recall = sum(c.matched_gold for c in counts.values()) / gold if gold else None
    precision = sum(c.matched_predicted for c in counts.values()) / predicted if predicted else 0.0
    return recall, precision
